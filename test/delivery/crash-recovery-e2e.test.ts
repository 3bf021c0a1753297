import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMAZON_STORIES, BREAKING_STORIES } from '../fixtures/amazon-stories.ts';
import { startDiscordServer, type DiscordStandIn } from '../stand-ins/discord-server.ts';
import { startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';
import { createBotFolder, discordEnv, FAST_SCHEDULE, serveStories } from '../support/bot-fixture.ts';
import { runCli, startCli, type RunningCli } from '../support/run-cli.ts';
import { openStore } from '../../src/store/open-store.ts';
import { embedTitles, isAlert, isDigest } from '../support/discord-text.ts';

/**
 * Exactly once across crashes: `privacy-radar run` (a child process) delivers two alerts and a digest to each of
 * forty Discord channels, and is killed with SIGKILL again and again in the middle of it — right after a digest
 * was built, at the instant Discord created a message but before the bot heard back, at random moments — and
 * restarted each time. In the end every channel has each card exactly once.
 */

const GUILD = '610000000000000000';
const CHANNELS = Array.from({ length: 40 }, (_, n) => String(620_000_000_000_000_000n + BigInt(n)));
const NEW = [BREAKING_STORIES.ringLeak, BREAKING_STORIES.twitchAccounts];


describe('exactly once across SIGKILL', () => {
  let discord: DiscordStandIn;
  let feeds: FeedServer;
  let env: Record<string, string>;
  let bot: RunningCli | undefined;

  beforeAll(async () => {
    feeds = await startFeedServer();
    discord = await startDiscordServer({ guilds: [{ id: GUILD, channels: CHANNELS.map((id) => ({ id })) }] });
    const folder = await createBotFolder(feeds, 'crash-recovery', { backfill: 20 });
    env = {
      ...folder.env,
      ...discordEnv(discord),
      ...FAST_SCHEDULE,
      // The same name after every restart: the new process takes the dead one's leases back at once.
      INSTANCE_ID: 'crash-test',
    };
    // The outlet's first stories (announced as news, but no channel follows anything yet: no alerts), then every
    // channel follows Amazon with a digest due now, which lists them.
    serveStories(feeds, AMAZON_STORIES);
    const first = await runCli(['poll', '--once'], env);
    expect(first.code).toBe(0);
    const store = await openStore(env.STORE_URL!);
    const minuteAgo = new Date(Date.now() - 60_000);
    const time = `${String(minuteAgo.getUTCHours()).padStart(2, '0')}:${String(minuteAgo.getUTCMinutes()).padStart(2, '0')}`;
    for (const id of CHANNELS) {
      await store.channels.update({ platform: 'discord', id, guildId: GUILD }, (settings) => {
        settings.subscriptions = ['amazon'];
        settings.digest = { time, timezone: 'UTC' };
        settings.lastDigestAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
      });
    }
    await store.close();
    serveStories(feeds, [...AMAZON_STORIES, ...NEW]);
  }, 60_000);

  afterAll(async () => {
    discord?.afterChannelMessage(undefined);
    await bot?.stop();
    await discord?.close();
    await feeds?.close();
  });

  it('delivers every planned card exactly once however often the bot is killed', async () => {
    const start = () => startCli(['run'], env);
    /** Kills the bot at its `n`-th new message, after Discord created it and before the answer reaches the bot. */
    const killAtMessage = async (n: number): Promise<void> => {
      const target = discord.channelMessages.length + n;
      let fired: () => void = () => {};
      const killed = new Promise<void>((resolve) => (fired = resolve));
      const running = start();
      bot = running;
      discord.afterChannelMessage(() => {
        if (discord.channelMessages.length < target) return;
        discord.afterChannelMessage(undefined);
        void running.kill().then(() => fired());
      });
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no ${n}th message within 30 s:\n${running.output().slice(-3000)}`)), 30_000).unref(),
      );
      await Promise.race([killed, timeout]);
    };
    const killAfterOutput = async (pattern: RegExp, delayMs = 0): Promise<void> => {
      const running = start();
      bot = running;
      await running.waitForOutput(pattern, 30_000);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await running.kill();
    };

    await killAtMessage(1); // the digests and alerts are built; the first message is out, unconfirmed
    await killAfterOutput(/privacy-radar started/); // during start-up: nothing done this time
    await killAtMessage(7);
    await killAfterOutput(/privacy-radar started/, 700); // somewhere in the middle
    await killAtMessage(23);
    await killAtMessage(2);

    const expected = CHANNELS.length * (NEW.length + 1);
    expect(discord.channelMessages.length).toBeLessThan(expected); // the kills did interrupt the run
    bot = start();
    await discord.waitFor(() => discord.channelMessages.length >= expected, 60_000);
    // Anything still pending would go out within a few delivery rounds.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await bot.stop();

    expect(discord.channelMessages).toHaveLength(expected);
    for (const channel of CHANNELS) {
      const sent = discord.channelMessages.filter((message) => message.channelId === channel);
      const alerts = sent.filter(isAlert);
      const digests = sent.filter(isDigest);
      expect(alerts.flatMap(embedTitles).sort()).toEqual(NEW.map((story) => story.title).sort());
      expect(digests).toHaveLength(1);
      // An incident a channel got as an alert is not in its digest again.
      for (const title of alerts.flatMap(embedTitles)) expect(embedTitles(digests[0]!)).not.toContain(title);
    }
    // Each kill at a message left one created but unconfirmed: the resend carried the same nonce and created nothing.
    expect(discord.nonceRepeats).toBeGreaterThanOrEqual(4);
  }, 150_000);
});
