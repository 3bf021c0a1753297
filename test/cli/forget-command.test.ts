import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/model/feed.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * `privacy-radar forget --guild <id>` / `--room <id>` as an operator runs it: a child process on a SQLite file the
 * test filled, read back afterwards. (The CLI opens the store without a key prefix, so it runs on SQLite only; the
 * deletion itself is tested on every backend in test/maintenance/forget-servers.test.ts.)
 */

const GUILD = '400000000000000001';
const OTHER_GUILD = '400000000000000002';
const ROOM = '!raum:example.org';
const addedFeed: FeedConfig = { id: 'u-fedcba9876543210', name: 'Blog', url: 'https://blog.example/feed.xml', language: 'de', scope: 'general', fullText: false, enabled: true };

describe('privacy-radar forget', () => {
  let storeUrl: string;
  const env = (): Record<string, string> => ({ STORE_URL: storeUrl, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    storeUrl = `sqlite://${path.join(await mkdtemp(path.join(tmpdir(), 'forget-cli-')), 'store.sqlite')}`;
    const store = await openStore(storeUrl);
    try {
      await store.channels.update({ platform: 'discord', id: '500000000000000001', guildId: GUILD }, (s) => {
        s.subscriptions = ['amazon'];
      });
      await store.channels.update({ platform: 'discord', id: '500000000000000002', guildId: GUILD }, (s) => {
        s.digest = { time: '07:00', timezone: 'Europe/Berlin' };
      });
      await store.channels.update({ platform: 'discord', id: '500000000000000003', guildId: OTHER_GUILD }, (s) => {
        s.subscriptions = ['amazon'];
      });
      await store.channels.update({ platform: 'matrix', id: ROOM }, (s) => {
        s.language = 'de';
      });
      await store.userFeeds.add(`discord:${GUILD}`, addedFeed, 20, '2026-01-01T00:00:00.000Z');
    } finally {
      await store.close();
    }
  });

  it('deletes every setting of a Discord server at once and says what went; other servers keep theirs', async () => {
    const run = await runCli(['forget', '--guild', GUILD], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Deleted everything stored about Discord server ${GUILD}: the settings of 2 channels ` +
        '(discord:500000000000000001, discord:500000000000000002) and 1 added feed.\n',
    );

    const store = await openStore(storeUrl);
    try {
      expect(await store.channels.get({ platform: 'discord', id: '500000000000000001' })).toBeUndefined();
      expect(await store.channels.get({ platform: 'discord', id: '500000000000000002' })).toBeUndefined();
      expect(await store.channels.digestChannels()).toEqual([]);
      expect(await store.channels.subscribersOf(['amazon'])).toEqual([{ platform: 'discord', id: '500000000000000003' }]);
      expect(await store.userFeeds.ofServer(`discord:${GUILD}`)).toEqual([]);
    } finally {
      await store.close();
    }

    const again = await runCli(['forget', '--guild', GUILD], env());
    expect(again).toMatchObject({ code: 0, stdout: `Nothing was stored about Discord server ${GUILD}; nothing deleted.\n` });
  }, 60_000);

  it('deletes a Matrix room\'s settings with --room', async () => {
    const run = await runCli(['forget', '--room', ROOM], env());
    expect(run).toMatchObject({ code: 0, stdout: `Deleted everything stored about Matrix room ${ROOM}: the settings of 1 channel (matrix:${ROOM}) and 0 added feeds.\n` });
    const store = await openStore(storeUrl);
    try {
      expect(await store.channels.get({ platform: 'matrix', id: ROOM })).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 30_000);

  it.each([
    [[], /forget needs either --guild/],
    [['--guild', GUILD, '--room', ROOM], /forget needs either --guild/],
    [['--guild', 'my-server'], /--guild must be a Discord server id/],
    [['--room', 'raum'], /--room must be a Matrix room id/],
    [['--channel', '1'], /Unknown option '--channel'/],
  ])('refuses %j with the usage and exit code 2', async (args, message) => {
    const run = await runCli(['forget', ...args], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('privacy-radar forget --guild <id> | --room <id>');
  }, 30_000);
});
