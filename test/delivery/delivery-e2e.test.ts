import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMAZON_STORIES, BREAKING_STORIES } from '../fixtures/amazon-stories.ts';
import { DEFAULT_IDS, startDiscordServer, type DiscordStandIn } from '../stand-ins/discord-server.ts';
import { startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';
import { plain } from '../support/discord-text.ts';
import { createBotFolder, discordEnv, FAST_SCHEDULE, serveStories } from '../support/bot-fixture.ts';
import { startCli, type RunningCli } from '../support/run-cli.ts';

/**
 * Alerts and the daily digest end to end on Discord: `privacy-radar run` polls every two seconds and runs its
 * delivery round every second, so a subscribed channel's alert and its digest (due the minute the test sets it)
 * arrive while the test watches — once each, also across a restart.
 */

const RING_LEAK = BREAKING_STORIES.ringLeak;


describe('alerts and digests on Discord', () => {
  let discord: DiscordStandIn;
  let feeds: FeedServer;
  let bot: RunningCli;
  let env: Record<string, string>;
  const manager = { permissions: (1n << 4n).toString() };
  const ask = async (name: string, options: Record<string, unknown>[]) => {
    const { id } = await discord.slashCommand({ name, options: options as never, ...manager });
    return discord.waitFor(() => discord.visibleReply(id));
  };
  const posted = () => discord.channelMessages.filter((m) => m.channelId === DEFAULT_IDS.channel);
  const alerts = () => posted().filter((m) => m.message.content.includes('Neuer Vorfall'));
  const digests = () => posted().filter((m) => m.message.content.includes('Datenschutz-Übersicht'));
  const startBot = async (): Promise<RunningCli> => {
    const running = startCli(['run'], env);
    await running.waitForOutput(/privacy-radar started/, 30_000);
    return running;
  };

  beforeAll(async () => {
    feeds = await startFeedServer();
    discord = await startDiscordServer();
    const folder = await createBotFolder(feeds, 'delivery-e2e', { backfill: 20 });
    serveStories(feeds, AMAZON_STORIES);
    env = {
      ...folder.env,
      ...discordEnv(discord),
      ...FAST_SCHEDULE,
    };
    bot = await startBot();
    await bot.waitForOutput(/poll cycle done: 1 feeds polled, 6 new/, 15_000);
  }, 60_000);

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await feeds?.close();
  });

  it('alerts a channel subscribed to Amazon when a new Ring incident appears, once', async () => {
    expect((await ask('subscribe', [{ name: 'company', type: 3, value: 'amazon' }])).content).toContain('Amazon');
    serveStories(feeds, [...AMAZON_STORIES, RING_LEAK]);
    const alert = await discord.waitFor(() => alerts()[0], 15_000);
    expect((alert.message.embeds as { title: string }[]).map((e) => plain(e.title))).toEqual(['Datenleck bei Ring: Videos von 3.000 Kunden offen im Netz']);
    expect(plain(alert.message.content)).toBe('**Neuer Vorfall: Amazon**');
    expect(alert.body.allowed_mentions).toEqual({ parse: [] });
    expect(alert.body.enforce_nonce).toBe(true);
    expect(String(alert.body.nonce)).toMatch(/^[0-9a-f]{25}$/);
  });

  it('sends the daily digest at the channel\'s time, without the incident it already alerted', async () => {
    const now = new Date();
    const time = `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`;
    await ask('digest', [{ name: 'daily', type: 1, options: [{ name: 'time', type: 3, value: time }, { name: 'timezone', type: 3, value: 'UTC' }] }]);
    const digest = await discord.waitFor(() => digests()[0], 15_000);
    expect(plain(digest.message.content)).toContain('Datenschutz-Übersicht: 6 neue Vorfälle');
    const titles = (digest.message.embeds as { title: string }[]).map((e) => plain(e.title));
    expect(titles).toHaveLength(6);
    expect(titles).not.toContain(RING_LEAK.title);
    // All six are Amazon's, which the channel follows: one group under that heading.
    expect((digest.message.embeds as { author?: { name: string } }[]).map((embed) => embed.author?.name)).toEqual(['Unternehmen, denen ihr folgt', ...new Array(5).fill(undefined)]);
  });

  it('sends nothing twice, also after a restart', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(alerts()).toHaveLength(1);
    expect(digests()).toHaveLength(1);
    await bot.stop();
    bot = await startBot();
    await bot.waitForOutput(/poll cycle done/, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(alerts()).toHaveLength(1);
    expect(digests()).toHaveLength(1);
  });
});
