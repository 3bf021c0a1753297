import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMAZON_STORIES, BREAKING_STORIES } from '../fixtures/amazon-stories.ts';
import { DEFAULT_IDS, startDiscordServer, type DiscordStandIn } from '../stand-ins/discord-server.ts';
import { startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';
import { createBotFolder, DISCORD_TEST_TOKEN, discordEnv, FAST_SCHEDULE, serveStories } from '../support/bot-fixture.ts';
import { startCli, type Run, type RunningCli } from '../support/run-cli.ts';
import { sample } from '../support/prometheus-text.ts';

/**
 * The operations endpoints of a running bot, end to end: `privacy-radar run` with HEALTH_PORT serves /healthz and
 * /metrics on loopback; they follow the poll, the delivery of an alert and the loss of Discord. The bot's whole
 * output (stdout and stderr, at the most talkative LOG_LEVEL) never contains the Discord token it was given.
 */

/** A port free on loopback right now: listened on, then released for the bot. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `probe` every 100 ms until it answers something truthy; fails with the last answer after `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('health checks and metrics of a running bot', () => {
  let feeds: FeedServer;
  let discord: DiscordStandIn;
  let discordClosed = false;
  let bot: RunningCli;
  let base: string;
  let ended: Run | undefined;
  const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();

  beforeAll(async () => {
    feeds = await startFeedServer();
    discord = await startDiscordServer();
    const folder = await createBotFolder(feeds, 'health-e2e', { backfill: 20 });
    serveStories(feeds, AMAZON_STORIES);
    const port = await freeLoopbackPort();
    base = `http://127.0.0.1:${port}`;
    bot = startCli(['run'], { ...folder.env, ...discordEnv(discord), ...FAST_SCHEDULE, HEALTH_PORT: String(port), LOG_LEVEL: 'trace' });
    await bot.waitForOutput(/privacy-radar started/, 30_000);
    await bot.waitForOutput(new RegExp(`health checks on ${base.replace(/\./g, '\\.')}/healthz, metrics on`), 5_000);
    await bot.waitForOutput(/poll cycle done: 1 feeds polled, 6 new/, 15_000);
  }, 60_000);

  afterAll(async () => {
    ended ??= await bot?.stop();
    if (!discordClosed) await discord?.close();
    await feeds?.close();
  });

  it('answers /healthz 200 while the store and Discord are connected', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { store: 'ok', discord: 'ok' } });
  });

  it('shows the feeds, the items ingested, the incidents and Discord connected on /metrics', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE privacy_radar_items_ingested_total counter');
    expect(sample(text, 'privacy_radar_feeds')).toBe(1);
    expect(sample(text, 'privacy_radar_feeds_failing')).toBe(0);
    expect(sample(text, 'privacy_radar_items_ingested_total')).toBe(6);
    expect(sample(text, 'privacy_radar_incidents')).toBeGreaterThan(0);
    expect(sample(text, 'privacy_radar_poll_cycles_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'privacy_radar_poll_cycle_duration_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'privacy_radar_platform_connected{platform="discord"}')).toBe(1);
    expect(sample(text, 'privacy_radar_deliveries_sent_total')).toBe(0);
  });

  it('counts an alert sent to a subscribed channel, with the outbox emptied', async () => {
    const { id } = await discord.slashCommand({ name: 'subscribe', options: [{ name: 'company', type: 3, value: 'amazon' }] as never, permissions: (1n << 4n).toString() });
    await discord.waitFor(() => discord.visibleReply(id));
    serveStories(feeds, [...AMAZON_STORIES, BREAKING_STORIES.ringLeak]);
    await discord.waitFor(() => discord.channelMessages.find((m) => m.channelId === DEFAULT_IDS.channel && m.message.content.includes('Neuer Vorfall')), 15_000);
    const text = await eventually(async () => {
      const current = await metrics();
      return sample(current, 'privacy_radar_deliveries_sent_total') === 1 ? current : undefined;
    }, 10_000, 'deliveries_sent_total 1');
    expect(sample(text, 'privacy_radar_items_ingested_total')).toBe(7);
    expect(sample(text, 'privacy_radar_deliveries_failed_total')).toBe(0);
    expect(sample(text, 'privacy_radar_outbox_pending')).toBe(0);
  });

  it('answers 503 naming Discord once Discord is gone, and shows it disconnected', async () => {
    await discord.close();
    discordClosed = true;
    const down = await eventually(async () => {
      const response = await fetch(`${base}/healthz`);
      return response.status === 503 ? ((await response.json()) as unknown) : undefined;
    }, 15_000, '/healthz 503');
    expect(down).toEqual({ status: 'down', down: ['discord'], checks: { store: 'ok', discord: 'down' } });
    expect(sample(await metrics(), 'privacy_radar_platform_connected{platform="discord"}')).toBe(0);
  });

  it('never writes the Discord token to its output, and stops serving on shutdown', async () => {
    ended = await bot.stop();
    const output = `${ended.stdout}\n${ended.stderr}`;
    expect(output).toContain('poll cycle done');
    expect(output).toContain('Discord ready');
    expect(output).not.toContain(DISCORD_TEST_TOKEN);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
