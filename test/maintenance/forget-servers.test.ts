import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { forgetServer } from '../../src/maintenance/forget-server.ts';
import { runMaintenance } from '../../src/maintenance/run-maintenance.ts';
import { reconcileServers, recordServerPresent, recordServerRemoved } from '../../src/maintenance/track-server-membership.ts';
import { channelKey, type ChannelRef } from '../../src/model/channel.ts';
import type { FeedConfig } from '../../src/model/feed.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { randomPrefix, storeBackends } from '../support/store-backends.ts';

/**
 * Forgetting servers on every backend, with a hand-set clock: a server that removed the bot keeps its settings for
 * FORGET_AFTER_DAYS (it may take the bot back), then every channel's settings, their index entries and the feeds it
 * added go. The platform adapters call the same functions (Discord GuildDelete/GuildCreate and the start-up
 * comparison, Matrix leave/kick/ban and invitations); the Discord stand-in cannot dispatch GUILD_DELETE, so the
 * handlers' logic is tested here, and the start-up comparison end to end in test/platforms/discord/server-removal.test.ts.
 */

const DAY_MS = 24 * 3_600_000;
const START = new Date('2026-03-01T12:00:00.000Z');
const at = (days: number): Date => new Date(START.getTime() + days * DAY_MS);
const SETTINGS = { retentionDays: 90, forgetAfterDays: 30 };

const GUILD = '200000000000000001';
const OTHER_GUILD = '200000000000000002';
const news = (n: number): ChannelRef => ({ platform: 'discord', id: `30000000000000000${n}` });
const ROOM: ChannelRef = { platform: 'matrix', id: '!raum:example.org' };
const addedFeed: FeedConfig = { id: 'u-0123456789abcdef', name: 'Blog', url: 'https://blog.example/feed.xml', language: 'de', scope: 'general', fullText: false, enabled: true };

const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-forget-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

for (const backend of storeBackends(path.join(sqliteDir, 'forget.sqlite'))) {
  describe.skipIf(backend.url === undefined)(`forgetting servers: ${backend.title}`, () => {
    const url = backend.url ?? '';
    const prefixes: string[] = [];
    let store: Store;
    const keys = (refs: ChannelRef[]): string[] => refs.map(channelKey).sort();

    afterAll(async () => {
      await store?.close();
      await backend.purge(url, prefixes);
    });

    beforeEach(async () => {
      await store?.close();
      const prefix = randomPrefix();
      prefixes.push(prefix);
      store = await openStore(url, { prefix });
      // Two channels on GUILD (subscriptions, a digest), one on OTHER_GUILD, a Matrix room, and a feed GUILD added.
      await store.channels.update({ ...news(1), guildId: GUILD }, (s) => {
        s.subscriptions = ['amazon'];
        s.digest = { time: '08:00', timezone: 'Europe/Berlin' };
      });
      await store.channels.update({ ...news(2), guildId: GUILD }, (s) => {
        s.language = 'en';
      });
      await store.channels.update({ ...news(3), guildId: OTHER_GUILD }, (s) => {
        s.subscriptions = ['amazon'];
      });
      await store.channels.update(ROOM, (s) => {
        s.subscriptions = ['meta'];
      });
      expect(await store.userFeeds.add(`discord:${GUILD}`, addedFeed, 20, START.toISOString())).toBe('added');
    });

    it('knows each server\'s channels, and forgets a removed server after the grace period, not before', async () => {
      expect(keys(await store.channels.channelsOf(`discord:${GUILD}`))).toEqual(keys([news(1), news(2)]));
      expect((await store.channels.servers()).sort()).toEqual([`discord:${GUILD}`, `discord:${OTHER_GUILD}`, `matrix:${ROOM.id}`].sort());

      await recordServerRemoved(store, `discord:${GUILD}`, START, silentLogger);
      await recordServerRemoved(store, `discord:${GUILD}`, at(5), silentLogger); // the first removal counts
      expect(await store.channels.removedServers()).toEqual([{ server: `discord:${GUILD}`, removedAt: START.toISOString() }]);

      expect(await runMaintenance(store, SETTINGS, at(29.9), silentLogger)).toMatchObject({ ran: true, serversForgotten: 0 });
      expect(await store.channels.get(news(1))).toBeDefined();

      expect(await runMaintenance(store, SETTINGS, at(30), silentLogger)).toMatchObject({ serversForgotten: 1, channelsForgotten: 2 });
      expect(await store.channels.get(news(1))).toBeUndefined();
      expect(await store.channels.get(news(2))).toBeUndefined();
      expect(keys(await store.channels.subscribersOf(['amazon']))).toEqual(keys([news(3)]));
      expect(await store.channels.digestChannels()).toEqual([]);
      expect(await store.channels.channelsOf(`discord:${GUILD}`)).toEqual([]);
      expect(await store.channels.servers()).not.toContain(`discord:${GUILD}`);
      expect(await store.userFeeds.ofServer(`discord:${GUILD}`)).toEqual([]);
      expect(await store.userFeeds.all()).toEqual([]);
      expect(await store.channels.removedServers()).toEqual([]);
      // Nothing of another server is touched.
      expect(await store.channels.get(news(3))).toMatchObject({ guildId: OTHER_GUILD, subscriptions: ['amazon'] });
      expect(await store.channels.get(ROOM)).toMatchObject({ subscriptions: ['meta'] });
    });

    it('keeps a server that took the bot back, and leaves no record of a server it knows nothing about', async () => {
      await recordServerRemoved(store, `discord:${OTHER_GUILD}`, START, silentLogger);
      await recordServerPresent(store, `discord:${OTHER_GUILD}`, silentLogger);
      await recordServerRemoved(store, 'discord:200000000000000099', START, silentLogger);
      expect(await store.channels.removedServers()).toEqual([]);
      expect(await runMaintenance(store, SETTINGS, at(100), silentLogger)).toMatchObject({ serversForgotten: 0 });
      expect(await store.channels.get(news(3))).toBeDefined();
    });

    it('forgets a Matrix room that removed the bot, and finds servers that removed it while it was offline', async () => {
      await recordServerRemoved(store, `matrix:${ROOM.id}`, START, silentLogger);
      // At start-up Discord lists only OTHER_GUILD: GUILD removed the bot meanwhile.
      await reconcileServers(store, 'discord', new Set([`discord:${OTHER_GUILD}`]), at(1), silentLogger);
      expect((await store.channels.removedServers()).map((r) => r.server)).toEqual([`matrix:${ROOM.id}`, `discord:${GUILD}`]);

      expect(await runMaintenance(store, SETTINGS, at(30.5), silentLogger)).toMatchObject({ serversForgotten: 1, channelsForgotten: 1 });
      expect(await store.channels.get(ROOM)).toBeUndefined();
      expect(await store.channels.subscribersOf(['meta'])).toEqual([]);
      // GUILD is back by the next start-up: nothing of it goes.
      await reconcileServers(store, 'discord', new Set([`discord:${GUILD}`, `discord:${OTHER_GUILD}`]), at(31), silentLogger);
      expect(await store.channels.removedServers()).toEqual([]);
      expect(await runMaintenance(store, SETTINGS, at(100), silentLogger)).toMatchObject({ serversForgotten: 0 });
      expect(await store.channels.get(news(1))).toBeDefined();
    });

    it('forgets a server at once on request, and says what went', async () => {
      expect(await forgetServer(store, `discord:${GUILD}`)).toEqual({ server: `discord:${GUILD}`, channels: expect.arrayContaining([news(1), news(2)]), feeds: 1 });
      expect(await forgetServer(store, `discord:${GUILD}`)).toEqual({ server: `discord:${GUILD}`, channels: [], feeds: 0 });
      expect(await forgetServer(store, `matrix:${ROOM.id}`)).toEqual({ server: `matrix:${ROOM.id}`, channels: [ROOM], feeds: 0 });
      expect(await store.channels.servers()).toEqual([`discord:${OTHER_GUILD}`]);
    });

    it('takes a channel off its server\'s list when /forget deletes it', async () => {
      await store.channels.delete(news(2));
      expect(await store.channels.channelsOf(`discord:${GUILD}`)).toEqual([news(1)]);
      await store.channels.delete(news(1));
      expect(await store.channels.channelsOf(`discord:${GUILD}`)).toEqual([]);
      expect(await store.channels.servers()).not.toContain(`discord:${GUILD}`);
    });
  });
}
