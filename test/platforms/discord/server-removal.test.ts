import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.ts';
import { DEFAULT_IDS, startDiscordServer, type DiscordStandIn } from '../../stand-ins/discord-server.ts';
import { startFeedServer, type FeedServer } from '../../stand-ins/feed-server.ts';
import { createBotFolder, discordEnv, serveStories } from '../../support/bot-fixture.ts';
import { startCli } from '../../support/run-cli.ts';

/**
 * The Discord adapter keeps track of the servers it is on, with the real discord.js against the stand-in: at start-up
 * a server with settings that is no longer in the bot's server list removed the bot while it was offline (its grace
 * period starts), and a server marked removed that lists the bot again took it back. GUILD_DELETE / GUILD_CREATE while
 * running use the same functions; the stand-in cannot dispatch them, so those are tested at the maintenance level
 * (test/maintenance/forget-servers.test.ts).
 */

const GONE_GUILD = '600000000000000001';
const GONE_CHANNEL = '600000000000000002';

describe('Discord: servers that removed the bot while it was offline', () => {
  let discord: DiscordStandIn;
  let feeds: FeedServer;
  let storeUrl: string;

  beforeAll(async () => {
    feeds = await startFeedServer();
    serveStories(feeds, []);
    discord = await startDiscordServer();
    const folder = await createBotFolder(feeds, 'discord-removal');
    storeUrl = folder.env.STORE_URL;
    const store = await openStore(storeUrl);
    try {
      await store.channels.update({ platform: 'discord', id: GONE_CHANNEL, guildId: GONE_GUILD }, (s) => {
        s.subscriptions = ['amazon'];
      });
      await store.channels.update({ platform: 'discord', id: DEFAULT_IDS.channel, guildId: DEFAULT_IDS.guild }, (s) => {
        s.language = 'de';
      });
      // Marked removed earlier, but the stand-in lists the bot in it: it was added back.
      await store.channels.markRemoved(`discord:${DEFAULT_IDS.guild}`, '2026-01-01T00:00:00.000Z');
    } finally {
      await store.close();
    }
    const bot = startCli(['run'], { ...folder.env, ...discordEnv(discord), POLL_CRON: '0 0 1 1 *' });
    try {
      await bot.waitForOutput(/back on a server/, 30_000);
      await bot.waitForOutput(/removed from a server/, 30_000);
    } finally {
      await bot.stop();
    }
  }, 60_000);

  afterAll(async () => {
    await discord?.close();
    await feeds?.close();
  });

  it('starts the grace period for the server that is gone and ends it for the one that is back', async () => {
    const store = await openStore(storeUrl);
    try {
      const removals = await store.channels.removedServers();
      expect(removals.map((r) => r.server)).toEqual([`discord:${GONE_GUILD}`]);
      expect(Date.now() - Date.parse(removals[0]!.removedAt)).toBeLessThan(120_000);
      // Nothing is deleted yet: the server may still take the bot back.
      expect(await store.channels.get({ platform: 'discord', id: GONE_CHANNEL })).toMatchObject({ subscriptions: ['amazon'] });
    } finally {
      await store.close();
    }
  });
});
