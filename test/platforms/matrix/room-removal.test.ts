import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/open-store.ts';
import { startFeedServer, type FeedServer } from '../../stand-ins/feed-server.ts';
import { startMatrixServer, type MatrixStandIn, type StandInCredentials } from '../../stand-ins/matrix-server.ts';
import { createBotFolder, serveStories } from '../../support/bot-fixture.ts';
import { runCli, startCli, type RunningCli } from '../../support/run-cli.ts';

/**
 * The Matrix adapter reports leaving a room, with the real matrix-js-sdk against the stand-in: a kick starts the grace
 * period after which the room's settings go, an invitation back ends it, and `privacy-radar forget --room` deletes
 * them at once; a kick while the bot was down is noticed when it starts again.
 */

describe('Matrix: a room that removes the bot', () => {
  let matrix: MatrixStandIn;
  let feeds: FeedServer;
  let bot: RunningCli;
  let env: Record<string, string>;
  let botUser: StandInCredentials;
  let aliceUser: StandInCredentials;
  let roomId: string;

  /** Alice's calls over plain HTTP. */
  const call = async (apiPath: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${matrix.url}/_matrix/client/v3${apiPath}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceUser.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  const room = (action: string): string => `/rooms/${encodeURIComponent(roomId)}/${action}`;
  const withStore = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openStore(env.STORE_URL!);
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };
  const removals = (): Promise<string[]> => withStore(async (store) => (await store.channels.removedServers()).map((removal) => removal.server));
  const occurrences = (pattern: RegExp): number => bot.output().match(new RegExp(pattern, 'g'))?.length ?? 0;

  beforeAll(async () => {
    feeds = await startFeedServer();
    serveStories(feeds, []);
    matrix = await startMatrixServer();
    botUser = matrix.registerUser('privacy-radar');
    aliceUser = matrix.registerUser('alice');
    const folder = await createBotFolder(feeds, 'matrix-removal');
    env = {
      ...folder.env,
      MATRIX_HOMESERVER_URL: matrix.url,
      MATRIX_USER_ID: botUser.userId,
      MATRIX_ACCESS_TOKEN: botUser.accessToken,
      MATRIX_ALLOWED_INVITERS: aliceUser.userId,
      POLL_CRON: '0 0 1 1 *',
    };
    bot = startCli(['run'], env);
    await bot.waitForOutput(/Matrix ready as/, 30_000);
    roomId = (await call('/createRoom', { name: 'Datenschutz', invite: [botUser.userId] })).room_id as string;
    await matrix.waitFor(() => matrix.membership(roomId, botUser.userId) === 'join', 20_000);
  }, 60_000);

  afterAll(async () => {
    await bot?.stop();
    await matrix?.close();
    await feeds?.close();
  });

  it('starts the grace period when kicked and ends it when invited back', async () => {
    await call(room('kick'), { user_id: botUser.userId, reason: 'test' });
    await bot.waitForOutput(/removed from a server/, 20_000);

    await call(room('invite'), { user_id: botUser.userId });
    await matrix.waitFor(() => matrix.membership(roomId, botUser.userId) === 'join', 20_000);
    await bot.waitForOutput(/back on a server/, 20_000);

    const before = occurrences(/removed from a server/);
    await call(room('kick'), { user_id: botUser.userId, reason: 'again' });
    // One kick may be logged twice (the SDK reports the membership from the timeline and from the room state),
    // so wait for a line after the kick rather than for a count.
    await matrix.waitFor(() => occurrences(/removed from a server/) > before, 20_000);
    await bot.stop();
    expect(await removals()).toEqual([`matrix:${roomId}`]);

    const forgotten = await runCli(['forget', '--room', roomId], { STORE_URL: env.STORE_URL!, LOG_LEVEL: 'warn' });
    expect(forgotten).toMatchObject({ code: 0, stdout: `Deleted everything stored about Matrix room ${roomId}: the settings of 1 channel (matrix:${roomId}) and 0 added feeds.\n` });
    expect(await removals()).toEqual([]);
  }, 120_000);

  it('notices at start-up a room that removed it while it was down, even without the sync position', async () => {
    bot = startCli(['run'], env);
    await bot.waitForOutput(/Matrix ready as/, 30_000);
    await call(room('invite'), { user_id: botUser.userId });
    await matrix.waitFor(() => matrix.membership(roomId, botUser.userId) === 'join', 20_000);
    await bot.waitForOutput(/joined a Matrix room/, 20_000);
    await bot.stop();

    await call(room('kick'), { user_id: botUser.userId, reason: 'while you were out' });
    // Without the saved sync position the first sync is a fresh one, which leaves out rooms the bot has left:
    // only the start-up comparison with the homeserver's joined rooms can notice the kick.
    await withStore((store) => store.collection('platform-state').delete(`matrix-sync.${botUser.userId}`));
    expect(await removals()).toEqual([]);

    bot = startCli(['run'], env);
    await bot.waitForOutput(/Matrix ready as/, 30_000);
    await bot.stop();
    expect(bot.output()).toMatch(/removed from a server/);
    expect(await removals()).toEqual([`matrix:${roomId}`]);
  }, 120_000);
});
