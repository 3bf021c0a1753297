import { ClientEvent, createClient, EventType, MsgType, SyncState, type MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMAZON_STORIES, MATRIX_HOSTILE_STORY } from '../../fixtures/amazon-stories.ts';
import { startFeedServer, type FeedServer } from '../../stand-ins/feed-server.ts';
import { createBotFolder, serveStories } from '../../support/bot-fixture.ts';
import { quietLogger } from '../../support/quiet-matrix-logger.ts';
import { startMatrixServer, type MatrixStandIn, type StandInCredentials, type StandInEvent } from '../../stand-ins/matrix-server.ts';
import { runCli, startCli, type RunningCli } from '../../support/run-cli.ts';

/**
 * The bot as it runs in production — `privacy-radar run`, configured by environment — against the homeserver
 * stand-in, with the real matrix-js-sdk inside. Alice is a second real matrix-js-sdk client: she invites the bot
 * and sends commands; Bob (plain HTTP) is a member without power. The store is filled by a real poll.
 */


describe('privacy-radar on Matrix (real matrix-js-sdk against the stand-in)', () => {
  let matrix: MatrixStandIn;
  let feeds: FeedServer;
  let bot: RunningCli;
  let env: Record<string, string>;
  let botUser: StandInCredentials;
  let aliceUser: StandInCredentials;
  let bobUser: StandInCredentials;
  let alice: MatrixClient;
  let roomId: string;

  const startBot = async (): Promise<RunningCli> => {
    const running = startCli(['run'], env);
    await running.waitForOutput(/Matrix ready as/, 30_000);
    return running;
  };

  /** Sends a text message as Alice (or Bob over plain HTTP); returns its event id. */
  const say = async (body: string, options: { as?: 'alice' | 'bob'; msgtype?: string; relatesTo?: Record<string, unknown>; room?: string } = {}): Promise<string> => {
    const content = { msgtype: options.msgtype ?? MsgType.Text, body, ...(options.relatesTo ? { 'm.relates_to': options.relatesTo } : {}) };
    const room = options.room ?? roomId;
    if ((options.as ?? 'alice') === 'alice') return (await alice.sendEvent(room, EventType.RoomMessage, content as never)).event_id;
    return (await call(`/rooms/${encodeURIComponent(room)}/send/m.room.message/bob-${Date.now()}-${Math.random()}`, bobUser.accessToken, 'PUT', content)).event_id as string;
  };

  /** The bot's notices that reply to an event. */
  const repliesTo = (eventId: string): StandInEvent[] =>
    matrix.sentBy(botUser.userId).filter((event) => (event.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === eventId);
  const replyTo = (eventId: string): Promise<StandInEvent> => matrix.waitFor(() => repliesTo(eventId)[0], 20_000);
  const ask = async (body: string, options: Parameters<typeof say>[1] = {}): Promise<StandInEvent> => replyTo(await say(body, options));

  const call = async (apiPath: string, token: string, method = 'GET', body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${matrix.url}/_matrix/client/v3${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return (await response.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    feeds = await startFeedServer();
    matrix = await startMatrixServer();
    botUser = matrix.registerUser('privacy-radar');
    aliceUser = matrix.registerUser('alice');
    bobUser = matrix.registerUser('bob');
    // Announced as news (not filed as history), so that digests and their previews have stories to show.
    const folder = await createBotFolder(feeds, 'matrix-e2e', { backfill: 20 });
    serveStories(feeds, [...AMAZON_STORIES, MATRIX_HOSTILE_STORY]);
    env = {
      ...folder.env,
      MATRIX_HOMESERVER_URL: matrix.url,
      MATRIX_USER_ID: botUser.userId,
      MATRIX_ACCESS_TOKEN: botUser.accessToken,
      MATRIX_ALLOWED_INVITERS: `${aliceUser.userId}, @carol:elsewhere.example`,
      POLL_CRON: '0 0 1 1 *',
    };
    expect((await runCli(['poll', '--once'], { ...env, LOG_LEVEL: 'warn' })).code).toBe(0);
    bot = await startBot();

    alice = createClient({ baseUrl: matrix.url, ...aliceUser, logger: quietLogger });
    const prepared = new Promise<void>((resolve) => alice.on(ClientEvent.Sync, (state) => state === SyncState.Prepared && resolve()));
    await alice.startClient({ initialSyncLimit: 10 });
    await prepared;
    roomId = (await alice.createRoom({ name: 'Datenschutz', invite: [botUser.userId, bobUser.userId] })).room_id;
    // Said before the bot is in the room: never a command for it.
    await say('!help');
    await call(`/rooms/${encodeURIComponent(roomId)}/join`, bobUser.accessToken, 'POST', {});
  }, 60_000);

  afterAll(async () => {
    alice?.stopClient();
    await bot?.stop();
    await matrix?.close();
    await feeds?.close();
  });

  it('joins a room it is invited to, says hello, and leaves earlier messages alone', async () => {
    await matrix.waitFor(() => matrix.membership(roomId, botUser.userId) === 'join', 10_000);
    const hello = await matrix.waitFor(() => matrix.sentBy(botUser.userId, roomId)[0], 10_000);
    expect(hello.content).toMatchObject({ msgtype: 'm.notice', 'm.mentions': {} });
    expect(String(hello.content.body)).toContain('!help');
    expect(matrix.unknownRoutes).toEqual([]);
  });

  it('answers !incidents amazon in reply, with cards and the command for the next page', async () => {
    const command = await say('!incidents amazon');
    const reply = await replyTo(command);
    expect(reply.content.msgtype).toBe('m.notice');
    expect(reply.content['m.mentions']).toEqual({});
    expect(reply.content.body).toMatch(/^Amazon \(with Ring, Alexa, .+\): 7 incidents — page 1 of 2/);
    expect(reply.content.formatted_body).toContain('<a href="https://news.example/ring-police">Ring gibt Türklingel-Videos ohne Beschluss an Polizei weiter</a>');
    expect(String(reply.content.formatted_body).match(/<li>/g)).toHaveLength(5);
    expect(reply.content.body).toContain('Next ▶: !incidents --company amazon --page 2');
    // Alice's own client receives it.
    await matrix.waitFor(() => alice.getRoom(roomId)?.getLiveTimeline().getEvents().some((e) => e.getId() === reply.event_id));

    const page2 = await ask('!incidents amazon --page 2');
    expect(page2.content.body).toContain('page 2 of 2');
    expect(String(page2.content.formatted_body).match(/<li>/g)).toHaveLength(2);
  });

  it('shows a hostile feed item inert: no script, no javascript: link, no room mention', async () => {
    const reply = await ask('!incidents amazon --type breach');
    const html = String(reply.content.formatted_body);
    // Ingestion already reduced the title's markup to text; whatever is left is escaped (see render.test.ts).
    expect(html).toContain('<a href="https://news.example/hostile-html">@\u200broom Datenleck bei Amazon: Details</a>');
    expect(html).not.toMatch(/<script|<img|href="(?!https?:)/i);
    expect(html).not.toContain('@room');
    expect(String(reply.content.body)).not.toMatch(/@room/);
    expect(reply.content['m.mentions']).toEqual({});
  });

  it('understands being addressed by name, replies in threads, and strips reply fallbacks', async () => {
    expect((await ask('privacy-radar: feeds')).content.body).toMatch(/^I read 1 outlets/);
    const root = await say('Thread über Telekom');
    const inThread = await say('!incidents twitch', { relatesTo: { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } } });
    const threaded = await replyTo(inThread);
    expect(threaded.content['m.relates_to']).toEqual({ rel_type: 'm.thread', event_id: root, is_falling_back: false, 'm.in_reply_to': { event_id: inThread } });
    const quoted = await say('> <@bob:stand-in.test> Was ist mit Twitch?\n\n!incidents twitch', { relatesTo: { 'm.in_reply_to': { event_id: root } } });
    expect((await replyTo(quoted)).content.body).toMatch(/^Twitch: 1 incident/);
  });

  it('ignores notices (other bots), chat, and commands it does not have', async () => {
    const notice = await say('!help', { msgtype: 'm.notice' });
    const chat = await say('Habt ihr das mit Amazon gelesen?');
    const foreign = await say('!weather Berlin');
    const marker = await ask('!about');
    expect(marker.content.body).toContain('privacy-radar');
    expect([...repliesTo(notice), ...repliesTo(chat), ...repliesTo(foreign)]).toEqual([]);
    const usage = await ask('!feeds bitte');
    expect(usage.content.body).toBe('I did not understand "bitte". Usage: !feeds · !feeds add <url> · !feeds remove <url or name>');
  });

  it('lets power level 50 manage the room and tells others what they lack', async () => {
    const refused = await ask('!subscribe amazon', { as: 'bob' });
    expect(refused.content.body).toBe('Only channel managers can use !subscribe: you need power level 50 in this room.');
    expect((await ask('!subscribe amazon')).content.body).toContain('now gets an alert for every new incident involving Amazon');
    await matrix.setPowerLevel(roomId, bobUser.userId, 50);
    expect((await ask('!digest 08:00 Europe/Berlin', { as: 'bob' })).content.body).toBe('This channel gets a daily digest at 08:00 (Europe/Berlin).');
    expect((await ask('!subscriptions', { as: 'bob' })).content.body).toContain('Alerts for: Amazon');
    const german = await ask('!language de');
    expect(german.content.body).toContain('auf Deutsch');
    expect((await ask('!digest 25:00')).content.body).toContain('keine Uhrzeit');
  });

  it('posts a /digest now preview as one notice with a list of cards, riding out a rate limit', async () => {
    matrix.failNext({ method: 'PUT', path: /\/send\/m\.room\.message\/post-/ }, { status: 429, retryAfterMs: 300 });
    const before = matrix.sentBy(botUser.userId, roomId).length;
    const reply = await ask('!digest now');
    expect(reply.content.body).toContain('Vorschau');
    const posted = matrix.sentBy(botUser.userId, roomId).slice(before).filter((event) => String(event.content.body).startsWith('Datenschutz-Übersicht'));
    expect(posted).toHaveLength(1);
    expect(String(posted[0]!.content.formatted_body)).toMatch(/^<p><b>Datenschutz-Übersicht: \d+ neue Vorfälle<\/b><\/p>.*<ul><li>/);
  });

  it('waits out M_LIMIT_EXCEEDED on a reply and sends it once', async () => {
    matrix.failNext({ method: 'PUT', path: /\/send\/m\.room\.message\/reply-/ }, { status: 429, retryAfterMs: 200 });
    const command = await say('!help');
    const reply = await replyTo(command);
    expect(reply.content.body).toContain('was ich kann');
    const txnId = String(reply.unsigned.transaction_id);
    expect(matrix.sendAttempts(txnId).map((request) => request.status)).toEqual([429, 200]);
    expect(repliesTo(command)).toHaveLength(1);
  });

  it('catches up after a restart without answering anything twice', async () => {
    const answeredBefore = await say('!about');
    await replyTo(answeredBefore);
    await bot.stop();
    const whileAway = await say('!incidents twitch');
    bot = await startBot();
    expect((await replyTo(whileAway)).content.body).toMatch(/^Twitch: 1 Vorfall/);
    // A later command's answer proves the bot has handled everything before it; then count.
    await ask('!help');
    expect(repliesTo(answeredBefore)).toHaveLength(1);
    expect(repliesTo(whileAway)).toHaveLength(1);
    expect(bot.output()).not.toContain(botUser.accessToken);
  });

  it('undoes settings: !unsubscribe, !digest off, !forget', async () => {
    expect((await ask('!unsubscribe amazon')).content.body).toBe('Dieser Kanal bekommt keine Meldungen zu Amazon mehr.');
    expect((await ask('!digest off')).content.body).toBe('Die tägliche Übersicht für diesen Kanal ist aus.');
    expect((await ask('!forget')).content.body).toContain('Erledigt');
    // Forgotten: the room's language is back to the default.
    expect((await ask('!subscriptions')).content.body).toContain('Alerts: none — !subscribe <company> adds one.');
  });

  it('declines invites from people not allowed to invite it', async () => {
    const bobsRoom = (await call('/createRoom', bobUser.accessToken, 'POST', { name: 'Bobs Raum', invite: [botUser.userId] })).room_id as string;
    await bot.waitForOutput(/invite declined/);
    await matrix.waitFor(() => matrix.membership(bobsRoom, botUser.userId) === 'leave', 10_000);
  });

  it('reconnects after the homeserver was away, and retries a post that met a 502', async () => {
    matrix.goAway();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    matrix.comeBack();
    expect((await ask('!feeds')).content.body).toContain('Beispiel-News');
    matrix.failNext({ method: 'PUT', path: /\/send\/m\.room\.message\/post-/ }, { status: 502 }, 2);
    const before = matrix.sentBy(botUser.userId, roomId).length;
    expect((await ask('!digest now')).content.body).toContain('preview');
    expect(matrix.sentBy(botUser.userId, roomId).slice(before).filter((e) => String(e.content.body).startsWith('Privacy digest'))).toHaveLength(1);
  }, 30_000);

  it('marks a room it was kicked from inactive and leaves a room where it is alone', async () => {
    const other = (await alice.createRoom({ name: 'Zweiter Raum', invite: [botUser.userId] })).room_id;
    await matrix.waitFor(() => matrix.membership(other, botUser.userId) === 'join', 10_000);
    await matrix.kick(other, botUser.userId, { by: aliceUser.userId });
    await bot.waitForOutput(/removed from a Matrix room: marked inactive/);

    const third = (await alice.createRoom({ name: 'Dritter Raum', invite: [botUser.userId] })).room_id;
    await matrix.waitFor(() => matrix.membership(third, botUser.userId) === 'join', 10_000);
    await alice.leave(third);
    await matrix.waitFor(() => matrix.membership(third, botUser.userId) === 'leave', 10_000);
  });
});
