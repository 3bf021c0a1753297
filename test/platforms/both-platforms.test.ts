import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMAZON_STORIES } from '../fixtures/amazon-stories.ts';
import { DEFAULT_IDS, startDiscordServer, type DiscordStandIn } from '../stand-ins/discord-server.ts';
import { startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';
import { createBotFolder, discordEnv, serveStories } from '../support/bot-fixture.ts';
import { startMatrixServer, type MatrixStandIn, type StandInCredentials } from '../stand-ins/matrix-server.ts';
import { runCli, startCli, type RunningCli } from '../support/run-cli.ts';

/**
 * One process on Discord and Matrix at once, the Matrix side logging in with a password: the same store answers
 * `/incidents amazon` in a Discord channel and `!incidents amazon` in a Matrix room, and a restart reuses the
 * Matrix session kept in the store instead of logging in (and making a device) again.
 */
describe('privacy-radar on Discord and Matrix in one process', () => {
  let discord: DiscordStandIn;
  let matrix: MatrixStandIn;
  let feeds: FeedServer;
  let bot: RunningCli | undefined;
  let env: Record<string, string>;
  let alice: StandInCredentials;
  const botUserId = '@radar:stand-in.test';

  const start = async (): Promise<RunningCli> => {
    const running = startCli(['run'], env);
    await running.waitForOutput(/privacy-radar started: .*chat: discord, matrix/, 30_000);
    return running;
  };
  const matrixCall = async (apiPath: string, method = 'GET', body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${matrix.url}/_matrix/client/v3${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return (await response.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    feeds = await startFeedServer();
    discord = await startDiscordServer();
    matrix = await startMatrixServer();
    matrix.registerUser('radar', 'correct horse battery staple');
    alice = matrix.registerUser('alice');
    const folder = await createBotFolder(feeds, 'both');
    serveStories(feeds, AMAZON_STORIES);
    env = {
      ...folder.env,
      POLL_CRON: '0 0 1 1 *',
      ...discordEnv(discord),
      MATRIX_HOMESERVER_URL: matrix.url,
      MATRIX_USER_ID: botUserId,
      MATRIX_PASSWORD: 'correct horse battery staple',
    };
    expect((await runCli(['poll', '--once'], { ...env, LOG_LEVEL: 'warn' })).code).toBe(0);
    bot = await start();
  }, 60_000);

  afterAll(async () => {
    await bot?.stop();
    await Promise.all([discord?.close(), matrix?.close(), feeds?.close()]);
  });

  it('answers the same question from the same store on both platforms', async () => {
    const { id } = await discord.slashCommand({ name: 'incidents', options: [{ name: 'company', type: 3, value: 'amazon' }] });
    const onDiscord = await discord.waitFor(() => discord.visibleReply(id));
    expect(onDiscord.content.replace(/\\(.)/g, '$1')).toContain(': 6 Vorfälle — Seite 1 von 2');

    const roomId = (await matrixCall('/createRoom', 'POST', { name: 'Radar', invite: [botUserId] })).room_id as string;
    await matrix.waitFor(() => matrix.membership(roomId, botUserId) === 'join', 10_000);
    const command = (await matrixCall(`/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t1`, 'PUT', { msgtype: 'm.text', body: '!incidents amazon' })).event_id as string;
    const reply = await matrix.waitFor(
      () => matrix.sentBy(botUserId, roomId).find((event) => (event.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === command),
      10_000,
    );
    expect(String(reply.content.body)).toMatch(/: 6 incidents — page 1 of 2/);
    expect(discord.channelMessages.filter((m) => m.channelId === DEFAULT_IDS.channel)).toEqual([]);
  });

  it('logs in to Matrix once and reuses the stored session after a restart', async () => {
    const logins = () => matrix.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/_matrix/client/v3/login')).length;
    expect(logins()).toBe(1);
    await bot!.stop();
    bot = await start();
    expect(logins()).toBe(1);
    expect(bot.output()).not.toContain('correct horse');
  });
});
