import { flushRedisDb } from '../support/store-backends.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMAZON_STORIES, BREAKING_STORIES } from '../fixtures/amazon-stories.ts';
import { startDiscordServer, type DiscordStandIn } from '../stand-ins/discord-server.ts';
import { startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';
import { createBotFolder, discordEnv, FAST_SCHEDULE, serveStories } from '../support/bot-fixture.ts';
import { startCli, type RunningCli } from '../support/run-cli.ts';
import { embedTitles, isAlert, isDigest } from '../support/discord-text.ts';

/**
 * Two instances of `privacy-radar run` on one Redis store and one Discord stand-in (each with its own gateway
 * session, so both see every command): every command is answered once, every feed is polled by one of them
 * per cycle, every alert and digest reaches its channel once — and when one instance dies, the other takes
 * over its feeds and channels once the leases run out.
 */

const GUILD = '630000000000000000';
const CHANNELS = Array.from({ length: 20 }, (_, n) => String(640_000_000_000_000_000n + BigInt(n)));
/** A Redis database of its own, flushed before and after: the bot writes without a key prefix. */
const REDIS_DB = 7;
const redisUrl = process.env.REDIS_URL;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Feeds polled in each "poll cycle done" line of a log. */
function feedsPolled(output: string): number {
  return [...output.matchAll(/poll cycle done: (\d+) feeds polled/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe.skipIf(!redisUrl)('two instances on one Redis store (REDIS_URL)', () => {
  let discord: DiscordStandIn;
  let feeds: FeedServer;
  let a: RunningCli;
  let b: RunningCli;
  let storeUrl: string;
  const manager = { permissions: (1n << 4n).toString(), locale: 'en-US' };

  const ask = async (channelId: string, name: string, options: Record<string, unknown>[]) => {
    const { id } = await discord.slashCommand({ name, options: options as never, channelId, ...manager });
    await discord.waitFor(() => discord.visibleReply(id), 10_000);
    return id;
  };
  const sentTo = (channel: string) => discord.channelMessages.filter((message) => message.channelId === channel);

  beforeAll(async () => {
    const url = new URL(redisUrl!);
    url.pathname = `/${REDIS_DB}`;
    storeUrl = url.toString();
    await flushRedisDb(storeUrl);
    feeds = await startFeedServer();
    discord = await startDiscordServer({ guilds: [{ id: GUILD, preferredLocale: 'en-US', channels: CHANNELS.map((id) => ({ id })) }] });
    // Announced as news (not filed as history), so that the digests have stories to show.
    const folder = await createBotFolder(feeds, 'two-instances', { backfill: 20 });
    serveStories(feeds, AMAZON_STORIES);
    const env = { ...folder.env, STORE_URL: storeUrl, ...discordEnv(discord), ...FAST_SCHEDULE, LEASE_TTL_SECONDS: '3' };
    a = startCli(['run'], { ...env, INSTANCE_ID: 'instance-a' });
    b = startCli(['run'], { ...env, INSTANCE_ID: 'instance-b' });
    await Promise.all([a.waitForOutput(/privacy-radar started/, 30_000), b.waitForOutput(/privacy-radar started/, 30_000)]);
    await Promise.all([a.waitForOutput(/poll cycle done/, 15_000), b.waitForOutput(/poll cycle done/, 15_000)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await discord?.close();
    await feeds?.close();
    if (storeUrl) await flushRedisDb(storeUrl);
  });

  it('answers every command once, though both instances receive it', async () => {
    expect(discord.liveSessions).toBe(2);
    const now = new Date();
    const time = `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`;
    const asked: string[] = [];
    for (const channel of CHANNELS) {
      asked.push(await ask(channel, 'subscribe', [{ name: 'company', type: 3, value: 'amazon' }]));
      asked.push(
        await ask(channel, 'digest', [{ name: 'daily', type: 1, options: [{ name: 'time', type: 3, value: time }, { name: 'timezone', type: 3, value: 'UTC' }] }]),
      );
    }
    await sleep(500);
    for (const id of asked) expect(discord.callbackAttempts.filter((attempt) => attempt.interactionId === id)).toHaveLength(1);
  }, 60_000);

  it('delivers each alert and each digest once, and polls each feed once per cycle', async () => {
    serveStories(feeds, [...AMAZON_STORIES, BREAKING_STORIES.ringLeak, BREAKING_STORIES.twitchAccounts]);
    await discord.waitFor(() => CHANNELS.every((channel) => sentTo(channel).length >= 3), 30_000);
    await sleep(3_000);
    for (const channel of CHANNELS) {
      const sent = sentTo(channel);
      expect(sent.filter(isAlert).flatMap(embedTitles).sort()).toEqual([BREAKING_STORIES.ringLeak.title, BREAKING_STORIES.twitchAccounts.title].sort());
      expect(sent.filter(isDigest)).toHaveLength(1);
      expect(sent).toHaveLength(3);
    }
    // Both instances run a cycle every two seconds; each cycle's feed is fetched by one of them only.
    expect(feeds.requestsTo('/news.xml').length).toBe(feedsPolled(a.output()) + feedsPolled(b.output()));
    expect(`${a.output()}\n${b.output()}`).toMatch(/1 polled by another instance/);
  }, 60_000);

  it('lets the survivor take over feeds and channels when the other instance dies', async () => {
    // The instance that holds the feed is killed; the other, which leaves the feed to it so far, must take it over.
    const lastCycle = (instance: RunningCli) => instance.output().split('\n').filter((line) => line.includes('poll cycle done')).at(-1) ?? '';
    const [dead, survivor] = /"elsewhere":1/.test(lastCycle(b)) ? [a, b] : [b, a];
    expect(lastCycle(survivor)).toContain('"elsewhere":1');
    await dead.kill();
    const mark = survivor.output().length;
    serveStories(feeds, [...AMAZON_STORIES, BREAKING_STORIES.ringLeak, BREAKING_STORIES.twitchAccounts, BREAKING_STORIES.audibleAds]);
    await discord.waitFor(() => CHANNELS.every((channel) => sentTo(channel).length >= 4), 30_000);
    await sleep(3_000);
    for (const channel of CHANNELS) {
      expect(sentTo(channel).filter(isAlert).flatMap(embedTitles).filter((title) => title === BREAKING_STORIES.audibleAds.title)).toHaveLength(1);
      expect(sentTo(channel)).toHaveLength(4);
    }
    expect(survivor.output().slice(mark)).toMatch(/poll cycle done: 1 feeds polled/);
    expect(survivor.output().slice(mark)).toMatch(/alerts planned for 20 channels/);
    // Commands too: the survivor answers alone.
    const id = await ask(CHANNELS[0]!, 'subscriptions', []);
    expect(discord.callbackAttempts.filter((attempt) => attempt.interactionId === id)).toHaveLength(1);
  }, 60_000);
});
