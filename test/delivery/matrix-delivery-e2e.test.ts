import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMAZON_STORIES, BREAKING_STORIES } from '../fixtures/amazon-stories.ts';
import { startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';
import { createBotFolder, FAST_SCHEDULE, serveStories } from '../support/bot-fixture.ts';
import { startMatrixServer, type MatrixStandIn, type StandInCredentials, type StandInEvent } from '../stand-ins/matrix-server.ts';
import { startCli, type RunningCli } from '../support/run-cli.ts';

/**
 * Alerts and the daily digest end to end on Matrix: a room subscribed to Amazon gets the Ring alert as one notice,
 * the digest arrives as one notice with a list at the minute the room set, and a restart sends nothing again.
 */

const TWITCH_LEAK = BREAKING_STORIES.twitchAccounts;

describe('alerts and digests on Matrix', () => {
  let matrix: MatrixStandIn;
  let feeds: FeedServer;
  let bot: RunningCli;
  let env: Record<string, string>;
  let botUser: StandInCredentials;
  let alice: StandInCredentials;
  let roomId: string;

  const call = async (apiPath: string, method = 'GET', body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${matrix.url}/_matrix/client/v3${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  let txn = 0;
  const ask = async (body: string): Promise<StandInEvent> => {
    const command = (await call(`/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t${(txn += 1)}`, 'PUT', { msgtype: 'm.text', body })).event_id as string;
    return matrix.waitFor(
      () => matrix.sentBy(botUser.userId, roomId).find((e) => (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === command),
      15_000,
    );
  };
  const notices = (start: string) => matrix.sentBy(botUser.userId, roomId).filter((e) => String(e.content.body).startsWith(start));
  const startBot = async (): Promise<RunningCli> => {
    const running = startCli(['run'], env);
    await running.waitForOutput(/privacy-radar started/, 30_000);
    return running;
  };

  beforeAll(async () => {
    feeds = await startFeedServer();
    matrix = await startMatrixServer();
    botUser = matrix.registerUser('privacy-radar');
    alice = matrix.registerUser('alice');
    const folder = await createBotFolder(feeds, 'matrix-delivery', { backfill: 20 });
    serveStories(feeds, AMAZON_STORIES);
    env = {
      ...folder.env,
      MATRIX_HOMESERVER_URL: matrix.url,
      MATRIX_USER_ID: botUser.userId,
      MATRIX_ACCESS_TOKEN: botUser.accessToken,
      ...FAST_SCHEDULE,
    };
    bot = await startBot();
    await bot.waitForOutput(/poll cycle done: 1 feeds polled, 6 new/, 15_000);
    roomId = (await call('/createRoom', 'POST', { name: 'Radar', invite: [botUser.userId] })).room_id as string;
    await matrix.waitFor(() => matrix.membership(roomId, botUser.userId) === 'join', 10_000);
  }, 60_000);

  afterAll(async () => {
    await bot?.stop();
    await matrix?.close();
    await feeds?.close();
  });

  it('alerts a room subscribed to Amazon about a new Twitch incident, and digests the rest at the set minute', async () => {
    expect((await ask('!subscribe amazon')).content.body).toContain('Amazon');
    serveStories(feeds, [...AMAZON_STORIES, TWITCH_LEAK]);
    const alert = await matrix.waitFor(() => notices('New incident: Amazon')[0], 15_000);
    expect(alert.content).toMatchObject({ msgtype: 'm.notice', 'm.mentions': {} });
    expect(String(alert.content.formatted_body)).toContain(TWITCH_LEAK.title);

    const now = new Date();
    const time = `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`;
    expect((await ask(`!digest ${time} UTC`)).content.body).toContain(`${time} (UTC)`);
    const digest = await matrix.waitFor(() => notices('Privacy digest')[0], 15_000);
    expect(String(digest.content.body)).toMatch(/^Privacy digest: \d+ new incidents/);
    expect(String(digest.content.formatted_body).match(/<li>/g)?.length).toBeGreaterThan(1);
    expect(String(digest.content.formatted_body)).not.toContain(TWITCH_LEAK.title);
  });

  it('sends nothing twice across a restart', async () => {
    await bot.stop();
    bot = await startBot();
    await bot.waitForOutput(/poll cycle done/, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(notices('New incident')).toHaveLength(1);
    expect(notices('Privacy digest')).toHaveLength(1);
  });
});
