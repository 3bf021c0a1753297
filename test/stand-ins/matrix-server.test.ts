import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ClientEvent,
  EventType,
  MatrixError,
  MemoryStore,
  MsgType,
  RoomEvent,
  RoomMemberEvent,
  SyncState,
  createClient,
  type MatrixClient,
  type MatrixEvent,
} from 'matrix-js-sdk';
import { startMatrixServer, type MatrixStandIn, type StandInCredentials } from './matrix-server.ts';
import { quietLogger } from '../support/quiet-matrix-logger.ts';


/** A running matrix-js-sdk client plus what it saw, the way the bot's adapter will listen. */
interface Participant {
  credentials: StandInCredentials;
  client: MatrixClient;
  /** Message events that arrived live at the end of a timeline after the first sync. */
  live: MatrixEvent[];
  syncStates: string[];
}

let matrix: MatrixStandIn;
let botCredentials: StandInCredentials;
let aliceCredentials: StandInCredentials;
const running: MatrixClient[] = [];

beforeEach(async () => {
  // Some SDK models (the scheduler, MatrixRTC, rooms) log through its deprecated global loglevel logger, whose child
  // loggers cannot be silenced from outside; their chatter would bury the test output.
  for (const method of ['log', 'debug', 'info'] as const) vi.spyOn(console, method).mockImplementation(() => undefined);
  matrix = await startMatrixServer();
  botCredentials = matrix.registerUser('radar');
  aliceCredentials = matrix.registerUser('alice');
});

afterEach(async () => {
  for (const client of running.splice(0)) client.stopClient();
  await matrix.close();
  vi.restoreAllMocks();
});

/** Starts a real client and waits until its first sync is processed (PREPARED). */
async function start(credentials: StandInCredentials, store?: MemoryStore): Promise<Participant> {
  const client = createClient({ baseUrl: matrix.url, ...credentials, logger: quietLogger, ...(store ? { store } : {}) });
  running.push(client);
  const participant: Participant = { credentials, client, live: [], syncStates: [] };
  client.on(ClientEvent.Sync, (state) => participant.syncStates.push(state));
  client.on(RoomEvent.Timeline, (event, _room, toStartOfTimeline, _removed, data) => {
    const afterFirstSync = participant.syncStates.includes(SyncState.Prepared);
    if (afterFirstSync && !toStartOfTimeline && data.liveEvent && event.getType() === EventType.RoomMessage) participant.live.push(event);
  });
  await client.startClient({ initialSyncLimit: 10 });
  await matrix.waitFor(() => participant.syncStates.includes(SyncState.Prepared));
  return participant;
}

/** Joins every room the bot is invited to, as the bot's adapter does. */
function autoJoin(bot: Participant): void {
  bot.client.on(RoomMemberEvent.Membership, (_event, member) => {
    if (member.userId === bot.credentials.userId && member.membership === 'invite') void bot.client.joinRoom(member.roomId);
  });
}

/** Alice creates a room and invites the auto-joining bot; resolves once the bot's own client sees itself joined. */
async function roomWithBot(alice: Participant, bot: Participant): Promise<string> {
  autoJoin(bot);
  const { room_id: roomId } = await alice.client.createRoom({ name: 'Datenschutz-Radar', invite: [bot.credentials.userId] });
  await matrix.waitFor(() => bot.client.getRoom(roomId)?.getMyMembership() === 'join');
  return roomId;
}

function bodies(events: MatrixEvent[]): unknown[] {
  return events.map((event) => event.getContent().body);
}

async function sendText(from: Participant, roomId: string, body: string): Promise<string> {
  const { event_id } = await from.client.sendEvent(roomId, EventType.RoomMessage, { msgtype: MsgType.Text, body });
  return event_id;
}

/** A store that resumes from a sync token saved by an earlier run, as a restarted bot would. */
class SavedTokenStore extends MemoryStore {
  readonly #token: string;
  constructor(token: string) {
    super();
    this.#token = token;
  }
  override getSavedSyncToken(): Promise<string | null> {
    return Promise.resolve(this.#token);
  }
}

async function call(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${matrix.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function roomPath(roomId: string, rest: string): string {
  return `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/${rest}`;
}

describe('Matrix stand-in with two real matrix-js-sdk clients', () => {
  it('carries an invite, a command and a threaded reply between the bot and a user', async () => {
    const bot = await start(botCredentials);
    const alice = await start(aliceCredentials);
    const roomId = await roomWithBot(alice, bot);
    expect(matrix.membership(roomId, botCredentials.userId)).toBe('join');

    const commandId = await sendText(alice, roomId, '!incidents amazon');
    const command = await matrix.waitFor(() => bot.live.find((event) => event.getId() === commandId));
    expect(command.getSender()).toBe(aliceCredentials.userId);
    expect(command.getContent()).toMatchObject({ msgtype: 'm.text', body: '!incidents amazon' });

    const { event_id: replyId } = await bot.client.sendEvent(
      roomId,
      EventType.RoomMessage,
      { msgtype: MsgType.Notice, body: 'Keine neuen Vorfälle zu Amazon.', 'm.relates_to': { 'm.in_reply_to': { event_id: commandId } } },
      'reply-1',
    );
    const seen = await matrix.waitFor(() => alice.live.find((event) => event.getId() === replyId));
    expect(seen.getSender()).toBe(botCredentials.userId);
    expect(seen.getContent()).toMatchObject({ msgtype: 'm.notice', 'm.relates_to': { 'm.in_reply_to': { event_id: commandId } } });
    const [stored] = matrix.sentBy(botCredentials.userId, roomId);
    expect(stored?.unsigned.transaction_id).toBe('reply-1');
    expect(matrix.unknownRoutes).toEqual([]);
  });

  it('answers a repeated send transaction with the first event id and creates nothing', async () => {
    const bot = await start(botCredentials);
    const alice = await start(aliceCredentials);
    const roomId = await roomWithBot(alice, bot);
    const path = roomPath(roomId, 'send/m.room.message/txn-42');
    const content = { msgtype: 'm.notice', body: 'Einmal reicht.' };

    const first = await call(path, { method: 'PUT', token: botCredentials.accessToken, body: content });
    const again = await call(path, { method: 'PUT', token: botCredentials.accessToken, body: content });
    expect(first.status).toBe(200);
    expect(again.json.event_id).toBe(first.json.event_id);
    expect(matrix.sentBy(botCredentials.userId, roomId)).toHaveLength(1);
    expect(matrix.sendAttempts('txn-42')).toHaveLength(2);

    // Transactions belong to a device: the same txnId from alice is a different event.
    const fromAlice = await call(path, { method: 'PUT', token: aliceCredentials.accessToken, body: content });
    expect(fromAlice.json.event_id).not.toBe(first.json.event_id);
    await matrix.waitFor(() => alice.live.some((event) => event.getId() === first.json.event_id));
    expect(alice.live.filter((event) => event.getId() === first.json.event_id)).toHaveLength(1);
  });

  it('shows power levels to the bot and delivers a change by sync', async () => {
    const bot = await start(botCredentials);
    const alice = await start(aliceCredentials);
    const roomId = await roomWithBot(alice, bot);
    const levels = (): Record<string, unknown> | undefined => bot.client.getRoom(roomId)?.currentState.getStateEvents('m.room.power_levels', '')?.getContent().users;
    expect(levels()).toEqual({ [aliceCredentials.userId]: 100 });

    await matrix.setPowerLevel(roomId, botCredentials.userId, 50);
    await matrix.waitFor(() => levels()?.[botCredentials.userId] === 50);
    expect(levels()?.[aliceCredentials.userId]).toBe(100);
    // The bot, now a moderator, still may not raise itself above its own level.
    await expect(matrix.setPowerLevel(roomId, botCredentials.userId, 100, botCredentials.userId)).rejects.toThrow(/refused/);
  });

  it('has the SDK retry a send answered with M_LIMIT_EXCEEDED, which yields one event', async () => {
    const bot = await start(botCredentials);
    const alice = await start(aliceCredentials);
    const roomId = await roomWithBot(alice, bot);
    matrix.failNext({ method: 'PUT', path: /\/send\/m\.room\.message\// }, { status: 429, retryAfterMs: 200 });

    const { event_id: eventId } = await bot.client.sendEvent(roomId, EventType.RoomMessage, { msgtype: MsgType.Notice, body: 'Nach der Pause.' }, 'slow-1');
    expect(matrix.sendAttempts('slow-1').map((request) => request.status)).toEqual([429, 200]);
    expect(matrix.sentBy(botCredentials.userId, roomId).map((event) => event.event_id)).toEqual([eventId]);
  });

  it('shows a kick to the bot as leave and refuses its later sends with 403', async () => {
    const bot = await start(botCredentials);
    const alice = await start(aliceCredentials);
    const roomId = await roomWithBot(alice, bot);
    const ownMemberships: string[] = [];
    bot.client.on(RoomMemberEvent.Membership, (_event, member) => {
      if (member.userId === botCredentials.userId && member.roomId === roomId) ownMemberships.push(member.membership ?? '');
    });

    await matrix.kick(roomId, botCredentials.userId, { reason: 'zu laut' });
    await matrix.waitFor(() => bot.client.getRoom(roomId)?.getMyMembership() === 'leave');
    expect(ownMemberships).toEqual(['leave']);
    expect(matrix.membership(roomId, botCredentials.userId)).toBe('leave');

    const refused = await bot.client.sendEvent(roomId, EventType.RoomMessage, { msgtype: MsgType.Notice, body: 'Hallo?' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MatrixError);
    expect(refused).toMatchObject({ httpStatus: 403, errcode: 'M_FORBIDDEN' });
  });

  it('does not replay old messages to a bot restarted with its last sync token', async () => {
    const bot = await start(botCredentials);
    const alice = await start(aliceCredentials);
    const roomId = await roomWithBot(alice, bot);
    const oldId = await sendText(alice, roomId, '!incidents meta');
    await matrix.waitFor(() => bot.live.some((event) => event.getId() === oldId));
    const savedToken = bot.client.store.getSyncToken();
    expect(savedToken).toMatch(/^s\d+$/);
    bot.client.stopClient();

    const newId = await sendText(alice, roomId, '!incidents google');
    const restarted = await start(botCredentials, new SavedTokenStore(savedToken ?? ''));
    // The first sync after a restart carries what happened while the bot was away, nothing older.
    await matrix.waitFor(() => restarted.client.getRoom(roomId)?.findEventById(newId));
    const seenAtRestart = restarted.client.getRoom(roomId)?.getLiveTimeline().getEvents().map((event) => event.getId());
    expect(seenAtRestart).toContain(newId);
    expect(seenAtRestart).not.toContain(oldId);

    const laterId = await sendText(alice, roomId, '!feeds');
    await matrix.waitFor(() => restarted.live.some((event) => event.getId() === laterId));
    expect(bodies(restarted.live)).toEqual(['!feeds']);
  });

  it('lets a client reconnect after the homeserver was away', async () => {
    const bot = await start(botCredentials);
    const alice = await start(aliceCredentials);
    const roomId = await roomWithBot(alice, bot);
    await matrix.waitFor(() => bot.syncStates.at(-1) === SyncState.Syncing);

    matrix.goAway();
    // The pending long-poll ends at once with 502, so the SDK notices without waiting for its timeout.
    await matrix.waitFor(() => bot.syncStates.at(-1) === SyncState.Reconnecting);
    expect(matrix.requests.some((request) => request.status === 502 && request.path.includes('/sync'))).toBe(true);
    matrix.comeBack();
    bot.client.retryImmediately();

    const eventId = await sendText(alice, roomId, '!incidents tiktok');
    await matrix.waitFor(() => bot.live.some((event) => event.getId() === eventId));
    expect(bot.syncStates.at(-1)).toBe(SyncState.Syncing);
  });
});

describe('Matrix stand-in over plain HTTP', () => {
  it('needs a valid access token on client routes and says so the Matrix way', async () => {
    expect((await call('/_matrix/client/versions')).json.versions).toContain('v1.12');
    const missing = await call('/_matrix/client/v3/account/whoami');
    expect(missing).toMatchObject({ status: 401, json: { errcode: 'M_MISSING_TOKEN' } });
    const unknown = await call('/_matrix/client/v3/account/whoami', { token: 'not-a-token' });
    expect(unknown).toMatchObject({ status: 401, json: { errcode: 'M_UNKNOWN_TOKEN', soft_logout: false } });
    const whoami = await call(`/_matrix/client/v3/account/whoami?access_token=${botCredentials.accessToken}`);
    expect(whoami.json).toMatchObject({ user_id: botCredentials.userId, device_id: botCredentials.deviceId });
  });

  it('logs in by password with a user identifier and refuses a wrong password', async () => {
    const body = { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'secret' };
    const login = await call('/_matrix/client/v3/login', { method: 'POST', body });
    expect(login.json).toMatchObject({ user_id: aliceCredentials.userId, home_server: 'stand-in.test' });
    const whoami = await call('/_matrix/client/v3/account/whoami', { token: String(login.json.access_token) });
    expect(whoami.json.user_id).toBe(aliceCredentials.userId);
    const wrong = await call('/_matrix/client/v3/login', { method: 'POST', body: { ...body, password: 'guess' } });
    expect(wrong).toMatchObject({ status: 403, json: { errcode: 'M_FORBIDDEN' } });
  });

  it('answers unknown endpoints with M_UNRECOGNIZED and records them', async () => {
    const answer = await call('/_matrix/client/v3/rooms/x/frobnicate', { method: 'POST', token: botCredentials.accessToken, body: {} });
    expect(answer).toMatchObject({ status: 404, json: { errcode: 'M_UNRECOGNIZED' } });
    expect(matrix.unknownRoutes.map((request) => request.path)).toEqual(['/_matrix/client/v3/rooms/x/frobnicate']);
  });

  it('fails the next matching requests as told, then serves normally', async () => {
    matrix.failNext({ path: /\/account\/whoami/ }, { status: 500 }, 2);
    const token = botCredentials.accessToken;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('/_matrix/client/v3/account/whoami', { token })).status);
    expect(statuses).toEqual([500, 500, 200]);

    matrix.failNext({ method: 'GET', path: /\/capabilities$/ }, { status: 429, retryAfterMs: 1500 });
    const limited = await fetch(`${matrix.url}/_matrix/client/v3/capabilities`, { headers: { authorization: `Bearer ${token}` } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toEqual({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: 1500 });
  });

  it('wakes a long-poll when an event arrives and pages back through a timeline', async () => {
    const alice = aliceCredentials.accessToken;
    const { json: created } = await call('/_matrix/client/v3/createRoom', { method: 'POST', token: alice, body: { name: 'Leer' } });
    const roomId = String(created.room_id);
    const { json: initial } = await call(`/_matrix/client/v3/sync?filter=${encodeURIComponent('{"room":{"timeline":{"limit":2}}}')}`, { token: alice });
    const first = (initial as { rooms: { join: Record<string, { state: { events: { type: string }[] }; timeline: { events: unknown[]; limited: boolean } }> } }).rooms.join[roomId];
    expect(first?.timeline).toMatchObject({ limited: true, events: [{ type: 'm.room.guest_access' }, { type: 'm.room.name' }] });
    expect(first?.state.events.map((event) => event.type)).toContain('m.room.create');
    const since = String(initial.next_batch);

    const polling = call(`/_matrix/client/v3/sync?since=${since}&timeout=10000`, { token: alice });
    await matrix.waitFor(() => matrix.requests.some((request) => request.path.includes(`since=${since}`)));
    await call(roomPath(roomId, 'send/m.room.message/t1'), { method: 'PUT', token: alice, body: { msgtype: 'm.text', body: 'eins' } });
    const { json: woken } = await polling;
    const timeline = (woken as { rooms: { join: Record<string, { timeline: { events: { content: unknown; unsigned: unknown }[] } }> } }).rooms.join[roomId]?.timeline.events;
    expect(timeline?.map((event) => event.content)).toEqual([{ msgtype: 'm.text', body: 'eins' }]);
    expect(timeline?.[0]?.unsigned).toMatchObject({ transaction_id: 't1' });

    const page = await call(`${roomPath(roomId, 'messages')}?dir=b&limit=3`, { token: alice });
    const chunk = page.json.chunk as { type: string }[];
    expect(chunk.map((event) => event.type)).toEqual(['m.room.message', 'm.room.name', 'm.room.guest_access']);
    const rest = await call(`${roomPath(roomId, 'messages')}?dir=b&limit=100&from=${String(page.json.end)}`, { token: alice });
    expect((rest.json.chunk as { type: string }[]).at(-1)?.type).toBe('m.room.create');
    expect(rest.json.end).toBeUndefined();
  });

  it('ends a pending long-poll when the server closes', async () => {
    const { json: initial } = await call('/_matrix/client/v3/sync', { token: botCredentials.accessToken });
    const polling = call(`/_matrix/client/v3/sync?since=${String(initial.next_batch)}&timeout=60000`, { token: botCredentials.accessToken }).then(
      () => 'answered',
      () => 'dropped',
    );
    await matrix.waitFor(() => matrix.requests.length === 2);
    await matrix.close();
    expect(['answered', 'dropped']).toContain(await polling);
  });
});
