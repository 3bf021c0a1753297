/**
 * A loopback stand-in for a Matrix homeserver (client-server API v3) that the real matrix-js-sdk talks to unpatched.
 *
 * It is a tiny, honest multi-user homeserver kept in memory: users with passwords and access tokens, rooms with state
 * and timelines, power levels that are enforced, and a `/sync` that long-polls until something happens. Tests drive
 * the bot with a second real matrix-js-sdk client playing a user, and read back what the bot sent.
 *
 * ```ts
 * const matrix = await startMatrixServer();
 * const bot = matrix.registerUser('radar');
 * const alice = matrix.registerUser('alice');
 * const client = createClient({ baseUrl: matrix.url, ...bot });
 * await client.startClient({ initialSyncLimit: 10 });
 * // … alice creates a room, invites the bot, sends "!incidents amazon" …
 * const replies = await matrix.waitFor(() => matrix.sentBy(bot.userId, roomId).length > 0 && matrix.sentBy(bot.userId, roomId));
 * await matrix.close();
 * ```
 *
 * What it models: one global event stream (a sync token is a position in it), per-room timelines in which state
 * events are ordinary events, history visibility `shared`, membership rules (invite, join, leave, kick, ban, unban)
 * and the power levels behind them, idempotent sends per (device, room, event type, txnId), identical state PUTs that
 * create nothing, the 65536-byte event limit, and Matrix errors (`M_FORBIDDEN`, `M_UNKNOWN_TOKEN`,
 * `M_LIMIT_EXCEEDED`, …). What it leaves out: federation, encryption, to-device messages, presence, receipts and
 * typing notifications (accepted and dropped), lazy loading of members, room upgrades, and `m.room.member` changes
 * through `PUT …/state` (use the membership endpoints).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, waitFor } from './loopback.ts';

export interface MatrixStandInOptions {
  /** The homeserver's name, the part after the colon in user and room ids. Default `stand-in.test`. */
  serverName?: string;
}

/** A room event as the client-server API serves it. */
export interface StandInEvent {
  event_id: string;
  room_id: string;
  sender: string;
  type: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  /** Present on state events (`''` for most of them). */
  state_key?: string;
  unsigned: {
    age?: number;
    /** Only for the device that sent the event with this transaction id. */
    transaction_id?: string;
    prev_content?: Record<string, unknown>;
    replaces_state?: string;
  };
}

export type Membership = 'join' | 'invite' | 'leave' | 'ban';

/** A user's login, ready for `createClient({ baseUrl, ...credentials })`. */
export interface StandInCredentials {
  userId: string;
  accessToken: string;
  deviceId: string;
}

export interface RecordedRequest {
  method: string;
  /** Path with query as sent, e.g. `/_matrix/client/v3/rooms/%21abc%3Astand-in.test/send/m.room.message/t1`. */
  path: string;
  /** Parsed JSON body, or undefined. */
  body: unknown;
  /** Whose access token the request carried, if it was a valid one. */
  userId?: string;
  /** The status answered (0 while the request is being handled; 499 when the client gave up on a long-poll). */
  status: number;
  /** False when no route matched: the stand-in answered 404 `M_UNRECOGNIZED`. */
  routeKnown: boolean;
}

export interface FailureAnswer {
  status: number;
  /** For 429: sent as `retry_after_ms` and, rounded up to whole seconds, as the `Retry-After` header. Default 1000. */
  retryAfterMs?: number;
  /** Replaces the default Matrix error body. */
  body?: unknown;
}

export interface MatrixStandIn {
  /** `http://127.0.0.1:<port>`: the `baseUrl` for matrix-js-sdk. */
  readonly url: string;
  readonly serverName: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Requests for endpoints the stand-in does not know (tests usually expect none). */
  readonly unknownRoutes: RecordedRequest[];
  /**
   * Registers a user (or finds an existing one) and logs in a new device. Tests give the bot its token directly, or
   * log it in by password via `/login` (default password `secret`).
   */
  registerUser(localpart: string, password?: string): StandInCredentials;
  /** Every event in a room's timeline, in order, state events included (as the sending device sees them). */
  timeline(roomId: string): StandInEvent[];
  /** The non-state events `userId` sent (e.g. the bot's replies), optionally only in one room. */
  sentBy(userId: string, roomId?: string): StandInEvent[];
  /** Every `PUT …/send/{type}/{txnId}` with this txnId, answered or failed: proves retries and idempotence. */
  sendAttempts(txnId: string): RecordedRequest[];
  /** A user's current membership in a room, or undefined if they never had one. */
  membership(roomId: string, userId: string): Membership | undefined;
  /** Sets a user's power level with an `m.room.power_levels` event, as `by` (default: the room creator) would. */
  setPowerLevel(roomId: string, userId: string, level: number, by?: string): Promise<void>;
  /** Kicks a user (membership `leave` sent by `by`, default the room creator); throws if the rules refuse it. */
  kick(roomId: string, userId: string, options?: { by?: string; reason?: string }): Promise<void>;
  /**
   * The next `times` (default 1) requests whose method matches (any if omitted) and whose percent-decoded path with
   * query matches `path` get `answer` instead of being handled. A 429 is answered the Matrix way
   * (`M_LIMIT_EXCEEDED`, `retry_after_ms`, `Retry-After`).
   */
  failNext(match: { method?: string; path: RegExp }, answer: FailureAnswer, times?: number): void;
  /**
   * The homeserver goes away behind its reverse proxy: every request, and every pending long-poll at once, gets
   * 502 Bad Gateway (an HTML body, as proxies send) until `comeBack()`.
   */
  goAway(): void;
  comeBack(): void;
  /** Resolves with the predicate's first truthy value (polled every 10 ms); rejects after `timeoutMs` (default 5000). */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Ends pending long-polls, closes the server and every connection. */
  close(): Promise<void>;
}

const CLIENT = '/_matrix/client/v3';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_EVENT_BYTES = 65_536;
const MAX_SYNC_TIMEOUT_MS = 60_000;
const DEFAULT_TIMELINE_LIMIT = 20;
const MAX_TIMELINE_LIMIT = 1000;
const ROOM_VERSION = '10';
/** State types a user sees about a room they are invited to (the spec's recommended stripped state). */
const STRIPPED_STATE_TYPES = new Set(['m.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.canonical_alias', 'm.room.avatar', 'm.room.encryption', 'm.room.topic']);

type Json = Record<string, unknown>;
type MembershipAction = 'invite' | 'join' | 'leave' | 'kick' | 'ban' | 'unban';

interface StoredEvent {
  /** Position in the global event stream; sync tokens are positions. */
  pos: number;
  event: StandInEvent;
  txn?: { deviceId: string; txnId: string };
}

interface RoomRecord {
  id: string;
  creator: string;
  events: StoredEvent[];
  /** Current state, keyed by `stateKey(type, key)`. */
  state: Map<string, StoredEvent>;
}

interface UserRecord {
  id: string;
  password: string;
  /** Profile fields, `displayname` and `avatar_url` among them. */
  profile: Json;
  filters: Map<string, Json>;
}

interface Session {
  userId: string;
  deviceId: string;
  accessToken: string;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body (the proxy's 502 page). */
  html?: string;
}

interface Call {
  params: string[];
  query: URLSearchParams;
  body: Json;
  /** Aborted when the client closes the connection early (a long-poll it gave up on). */
  signal: AbortSignal;
}

interface AuthedCall extends Call {
  session: Session;
}

type Route =
  | { method: string; pattern: RegExp; open: true; handle(call: Call): Answer }
  | { method: string; pattern: RegExp; open: false; handle(call: AuthedCall): Answer | Promise<Answer> };

interface SyncFilter {
  limit: number;
  includeLeave: boolean;
}

/** Starts the stand-in on 127.0.0.1 with a random free port. */
export async function startMatrixServer(options: MatrixStandInOptions = {}): Promise<MatrixStandIn> {
  const serverName = options.serverName ?? 'stand-in.test';
  const requests: RecordedRequest[] = [];
  const users = new Map<string, UserRecord>();
  const sessions = new Map<string, Session>();
  const rooms = new Map<string, RoomRecord>();
  const aliases = new Map<string, string>();
  /** `deviceId, roomId, type, txnId` → event id of the first successful send. */
  const transactions = new Map<string, string>();
  const failures: { method?: string; path: RegExp; answer: FailureAnswer; remaining: number }[] = [];
  /** Long-polls waiting for the next event (or for goAway/close). */
  const sleepers = new Set<() => void>();
  let streamPos = 0;
  let nextFilterId = 1;
  let away = false;
  let closed = false;

  const server = http.createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => respond(res, matrixError(500, 'M_UNKNOWN', `stand-in failed: ${String(error)}`)));
  });
  const port = await listenOnLoopback(server);
  const url = `http://127.0.0.1:${port}`;

  // ---------------------------------------------------------------------------------------------
  // HTTP plumbing
  // ---------------------------------------------------------------------------------------------

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body: undefined, status: 0, routeKnown: true };
    requests.push(record);
    const abandoned = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) abandoned.abort();
    });
    const answer = await answerRequest(req, record, abandoned.signal);
    record.status = answer.status;
    respond(res, answer);
  }

  async function answerRequest(req: IncomingMessage, record: RecordedRequest, signal: AbortSignal): Promise<Answer> {
    const raw = await readBody(req);
    if (raw === undefined) return matrixError(413, 'M_TOO_LARGE', 'Request body too large');
    const body = raw.length === 0 ? {} : parseJson(raw.toString('utf8'));
    record.body = raw.length === 0 ? undefined : body;
    if (away) return proxyError();
    const failure = takeFailure(record.method, safeDecode(record.path) ?? record.path);
    if (failure) return failureAnswer(failure);

    const requestUrl = new URL(record.path, url);
    const found = findRoute(record.method, requestUrl.pathname);
    if (!found) {
      record.routeKnown = false;
      return matrixError(404, 'M_UNRECOGNIZED', `Unrecognized request: ${record.method} ${requestUrl.pathname}`);
    }
    if (body === undefined) return matrixError(400, 'M_NOT_JSON', 'Content not JSON.');
    if (!isRecord(body)) return matrixError(400, 'M_BAD_JSON', 'Body must be a JSON object.');
    const call: Call = { params: found.params, query: requestUrl.searchParams, body, signal };
    if (found.route.open) return found.route.handle(call);
    const session = authenticate(req, requestUrl.searchParams);
    if ('status' in session) return session;
    record.userId = session.userId;
    return found.route.handle({ ...call, session });
  }

  function findRoute(method: string, pathname: string): { route: Route; params: string[] } | undefined {
    for (const route of routes) {
      const match = route.method === method ? route.pattern.exec(pathname) : null;
      if (!match) continue;
      const params = match.slice(1).map((param) => (param === undefined ? '' : safeDecode(param)));
      if (params.every((param) => param !== undefined)) return { route, params: params as string[] };
    }
    return undefined;
  }

  function authenticate(req: IncomingMessage, query: URLSearchParams): Session | Answer {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? query.get('access_token');
    if (!token) return matrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
    return sessions.get(token) ?? { status: 401, body: { errcode: 'M_UNKNOWN_TOKEN', error: 'Unknown access token', soft_logout: false } };
  }

  function takeFailure(method: string, path: string): FailureAnswer | undefined {
    const failure = failures.find((f) => (f.method === undefined || f.method.toUpperCase() === method) && f.path.test(path));
    if (!failure) return undefined;
    failure.remaining--;
    if (failure.remaining <= 0) failures.splice(failures.indexOf(failure), 1);
    return failure.answer;
  }

  // ---------------------------------------------------------------------------------------------
  // Routes
  // ---------------------------------------------------------------------------------------------

  const ROOM = `${CLIENT}/rooms/([^/]+)`;
  const routes: Route[] = [
    { method: 'GET', pattern: /^\/_matrix\/client\/versions$/, open: true, handle: versions },
    { method: 'GET', pattern: /^\/\.well-known\/matrix\/client$/, open: true, handle: () => matrixError(404, 'M_NOT_FOUND', 'No .well-known configured') },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/login`), open: true, handle: () => ok({ flows: [{ type: 'm.login.password' }] }) },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/login`), open: true, handle: login },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/logout`), open: false, handle: logout },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/account/whoami`), open: false, handle: ({ session }) => ok({ user_id: session.userId, device_id: session.deviceId, is_guest: false }) },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/pushrules/?`), open: false, handle: () => ok({ global: { override: [], content: [], room: [], sender: [], underride: [] } }) },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/capabilities`), open: false, handle: capabilities },
    { method: 'GET', pattern: pathPattern('/_matrix/client/unstable/org.matrix.msc4143/rtc/transports'), open: false, handle: () => ok({ rtc_transports: [] }) },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/voip/turnServer`), open: false, handle: () => ok({}) },
    { method: 'GET', pattern: pathPattern('/_matrix/client/v1/media/config'), open: false, handle: () => ok({ 'm.upload.size': 50 * 1024 * 1024 }) },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/user/([^/]+)/filter`), open: false, handle: createFilter },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/user/([^/]+)/filter/([^/]+)`), open: false, handle: getFilter },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/sync`), open: false, handle: sync },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/joined_rooms`), open: false, handle: joinedRooms },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/directory/room/([^/]+)`), open: false, handle: resolveAlias },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/createRoom`), open: false, handle: createRoom },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/join/([^/]+)`), open: false, handle: ({ session, params }) => joinRoom(session, params[0] ?? '') },
    { method: 'POST', pattern: pathPattern(`${ROOM}/(invite|join|leave|kick|ban|unban)`), open: false, handle: membershipRoute },
    { method: 'PUT', pattern: pathPattern(`${ROOM}/send/([^/]+)/([^/]+)`), open: false, handle: sendRoute },
    { method: 'PUT', pattern: pathPattern(`${ROOM}/state/([^/]+)(?:/([^/]*))?`), open: false, handle: putStateRoute },
    { method: 'GET', pattern: pathPattern(`${ROOM}/state`), open: false, handle: getAllState },
    { method: 'GET', pattern: pathPattern(`${ROOM}/state/([^/]+)(?:/([^/]*))?`), open: false, handle: getStateEvent },
    { method: 'GET', pattern: pathPattern(`${ROOM}/members`), open: false, handle: members },
    { method: 'GET', pattern: pathPattern(`${ROOM}/joined_members`), open: false, handle: joinedMembers },
    { method: 'GET', pattern: pathPattern(`${ROOM}/messages`), open: false, handle: messages },
    { method: 'GET', pattern: pathPattern(`${ROOM}/event/([^/]+)`), open: false, handle: getEvent },
    { method: 'POST', pattern: pathPattern(`${ROOM}/receipt/([^/]+)/([^/]+)`), open: false, handle: ({ session, params }) => withJoinedRoom(session, params[0] ?? '', () => ok({})) },
    { method: 'POST', pattern: pathPattern(`${ROOM}/read_markers`), open: false, handle: ({ session, params }) => withJoinedRoom(session, params[0] ?? '', () => ok({})) },
    { method: 'PUT', pattern: pathPattern(`${ROOM}/typing/([^/]+)`), open: false, handle: typing },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/profile/([^/]+)(?:/([^/]+))?`), open: false, handle: getProfile },
    { method: 'PUT', pattern: pathPattern(`${CLIENT}/profile/([^/]+)/([^/]+)`), open: false, handle: putProfile },
  ];

  function versions(): Answer {
    const all = Array.from({ length: 12 }, (_, i) => `v1.${i + 1}`);
    return ok({ versions: all, unstable_features: {} });
  }

  function capabilities(): Answer {
    return ok({
      capabilities: {
        'm.change_password': { enabled: false },
        'm.room_versions': { default: ROOM_VERSION, available: { '10': 'stable', '11': 'stable' } },
        'm.set_displayname': { enabled: true },
        'm.set_avatar_url': { enabled: true },
        'm.3pid_changes': { enabled: false },
      },
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Accounts
  // ---------------------------------------------------------------------------------------------

  function registerUser(localpart: string, password = 'secret'): StandInCredentials {
    if (!/^[a-z0-9._=\-/+]+$/.test(localpart)) throw new Error(`stand-in: ${JSON.stringify(localpart)} is not a valid Matrix localpart`);
    const userId = `@${localpart}:${serverName}`;
    const user = users.get(userId) ?? { id: userId, password, profile: { displayname: localpart }, filters: new Map() };
    user.password = password;
    users.set(userId, user);
    const session = newSession(userId);
    return { userId, accessToken: session.accessToken, deviceId: session.deviceId };
  }

  function newSession(userId: string, deviceId?: string): Session {
    const session = { userId, deviceId: deviceId ?? `DEV${randomBytes(5).toString('hex').toUpperCase()}`, accessToken: `syt_${randomBytes(24).toString('base64url')}` };
    sessions.set(session.accessToken, session);
    return session;
  }

  function login({ body }: Call): Answer {
    if (body.type !== 'm.login.password') return matrixError(400, 'M_UNKNOWN', 'Unknown login type');
    const identifier = isRecord(body.identifier) ? body.identifier : {};
    const name = typeof identifier.user === 'string' ? identifier.user : typeof body.user === 'string' ? body.user : '';
    const userId = name.startsWith('@') ? name : `@${name}:${serverName}`;
    const user = users.get(userId);
    if (!user || user.password !== body.password) return matrixError(403, 'M_FORBIDDEN', 'Invalid username or password');
    const session = newSession(userId, typeof body.device_id === 'string' && body.device_id !== '' ? body.device_id : undefined);
    return ok({ user_id: userId, access_token: session.accessToken, device_id: session.deviceId, home_server: serverName });
  }

  function logout({ session }: AuthedCall): Answer {
    sessions.delete(session.accessToken);
    return ok({});
  }

  function createFilter({ session, params, body }: AuthedCall): Answer {
    const user = users.get(session.userId);
    if (params[0] !== session.userId || !user) return matrixError(403, 'M_FORBIDDEN', 'Cannot create filters for other users');
    const filterId = String(nextFilterId++);
    user.filters.set(filterId, body);
    return ok({ filter_id: filterId });
  }

  function getFilter({ session, params }: AuthedCall): Answer {
    if (params[0] !== session.userId) return matrixError(403, 'M_FORBIDDEN', 'Cannot get filters for other users');
    const filter = users.get(session.userId)?.filters.get(params[1] ?? '');
    return filter ? ok(filter) : matrixError(404, 'M_NOT_FOUND', 'No such filter');
  }

  function getProfile({ params }: AuthedCall): Answer {
    const [userId = '', field] = params;
    const profile = users.get(userId)?.profile;
    if (!profile) return matrixError(404, 'M_NOT_FOUND', 'Profile was not found');
    if (field === '' || field === undefined) return ok(profile);
    return field in profile ? ok({ [field]: profile[field] }) : matrixError(404, 'M_NOT_FOUND', 'The requested profile key does not exist.');
  }

  /** Sets a profile field; like Synapse, a changed display name or avatar is announced in every joined room. */
  function putProfile({ session, params, body }: AuthedCall): Answer {
    const [userId = '', field = ''] = params;
    const user = users.get(userId);
    if (userId !== session.userId || !user) return matrixError(403, 'M_FORBIDDEN', 'Cannot set the profile of another user');
    if (!(field in body)) return matrixError(400, 'M_MISSING_PARAM', `Missing key '${field}'`);
    user.profile[field] = body[field];
    if (field !== 'displayname' && field !== 'avatar_url') return ok({});
    for (const room of rooms.values()) {
      if (currentMembership(room, userId) === 'join') appendEvent(room, userId, 'm.room.member', memberContent(userId, 'join'), userId);
    }
    return ok({});
  }

  // ---------------------------------------------------------------------------------------------
  // Rooms: creation and membership
  // ---------------------------------------------------------------------------------------------

  function createRoom({ session, body }: AuthedCall): Answer {
    const creator = session.userId;
    const invitees = Array.isArray(body.invite) ? body.invite : [];
    if (!invitees.every(isUserId)) return matrixError(400, 'M_INVALID_PARAM', 'invite must list user ids');
    const preset = typeof body.preset === 'string' ? body.preset : body.visibility === 'public' ? 'public_chat' : 'private_chat';
    const alias = typeof body.room_alias_name === 'string' ? `#${body.room_alias_name}:${serverName}` : undefined;
    if (alias !== undefined && aliases.has(alias)) return matrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
    const initialState = Array.isArray(body.initial_state) ? body.initial_state.filter(isRecord) : [];

    const room: RoomRecord = { id: `!${randomBytes(12).toString('base64url')}:${serverName}`, creator, events: [], state: new Map() };
    rooms.set(room.id, room);
    appendEvent(room, creator, 'm.room.create', { ...(isRecord(body.creation_content) ? body.creation_content : {}), creator, room_version: ROOM_VERSION }, '');
    appendEvent(room, creator, 'm.room.member', memberContent(creator, 'join'), creator);
    const trusted = preset === 'trusted_private_chat' ? invitees : [];
    const override = isRecord(body.power_level_content_override) ? body.power_level_content_override : {};
    appendEvent(room, creator, 'm.room.power_levels', { ...defaultPowerLevels(creator, trusted), ...override }, '');
    if (alias !== undefined) {
      aliases.set(alias, room.id);
      appendEvent(room, creator, 'm.room.canonical_alias', { alias }, '');
    }
    appendEvent(room, creator, 'm.room.join_rules', { join_rule: preset === 'public_chat' ? 'public' : 'invite' }, '');
    appendEvent(room, creator, 'm.room.history_visibility', { history_visibility: 'shared' }, '');
    if (preset !== 'public_chat') appendEvent(room, creator, 'm.room.guest_access', { guest_access: 'can_join' }, '');
    for (const state of initialState) {
      if (typeof state.type === 'string' && state.type !== 'm.room.member' && isRecord(state.content)) {
        appendEvent(room, creator, state.type, state.content, typeof state.state_key === 'string' ? state.state_key : '');
      }
    }
    if (typeof body.name === 'string') appendEvent(room, creator, 'm.room.name', { name: body.name }, '');
    if (typeof body.topic === 'string') appendEvent(room, creator, 'm.room.topic', { topic: body.topic }, '');
    for (const invitee of invitees) {
      appendEvent(room, creator, 'm.room.member', { ...memberContent(invitee, 'invite'), ...(body.is_direct === true ? { is_direct: true } : {}) }, invitee);
    }
    return ok({ room_id: room.id });
  }

  function joinRoom(session: Session, roomIdOrAlias: string): Answer {
    const room = rooms.get(aliases.get(roomIdOrAlias) ?? roomIdOrAlias);
    if (!room) return matrixError(404, 'M_NOT_FOUND', `Unknown room ${roomIdOrAlias}`);
    const answer = changeMembership(room, session.userId, session.userId, 'join');
    return answer.status === 200 ? ok({ room_id: room.id }) : answer;
  }

  function membershipRoute({ session, params, body }: AuthedCall): Answer {
    const [roomId = '', action = ''] = params;
    if (action === 'join') return joinRoom(session, roomId);
    const room = rooms.get(roomId);
    if (!room) return matrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
    const target = action === 'leave' ? session.userId : body.user_id;
    if (!isUserId(target)) return matrixError(400, 'M_MISSING_PARAM', 'user_id must be a user id');
    return changeMembership(room, session.userId, target, action as MembershipAction, typeof body.reason === 'string' ? body.reason : undefined);
  }

  /** Applies the spec's membership rules (simplified to what a single homeserver needs) and appends the event. */
  function changeMembership(room: RoomRecord, actor: string, target: string, action: MembershipAction, reason?: string): Answer {
    const actorNow = currentMembership(room, actor);
    const targetNow = currentMembership(room, target);
    const forbidden = (why: string): Answer => matrixError(403, 'M_FORBIDDEN', why);
    const member = (membership: Membership): Answer => {
      appendEvent(room, actor, 'm.room.member', { ...memberContent(target, membership), ...(reason === undefined ? {} : { reason }) }, target);
      return ok({});
    };
    const outranks = (needed: 'invite' | 'kick' | 'ban'): boolean =>
      userLevel(room, actor) >= actionLevel(room, needed) && (actor === target || needed === 'invite' || userLevel(room, actor) > userLevel(room, target));

    if (action === 'join') {
      if (targetNow === 'ban') return forbidden('You are banned from this room');
      if (targetNow === 'join') return ok({});
      if (targetNow !== 'invite' && joinRule(room) !== 'public') return forbidden('You are not invited to this room.');
      return member('join');
    }
    if (action === 'leave') {
      if (targetNow !== 'join' && targetNow !== 'invite') return forbidden(`User ${target} is not in room ${room.id}`);
      return member('leave');
    }
    if (actorNow !== 'join') return forbidden(`User ${actor} is not in room ${room.id}`);
    if (action === 'invite') {
      if (!outranks('invite')) return forbidden('You do not have permission to invite users');
      if (targetNow === 'join') return forbidden(`${target} is already in the room.`);
      if (targetNow === 'ban') return forbidden(`${target} is banned from the room`);
      return targetNow === 'invite' ? ok({}) : member('invite');
    }
    if (action === 'kick') {
      if (targetNow !== 'join' && targetNow !== 'invite') return forbidden('The target user is not in the room');
      return outranks('kick') ? member('leave') : forbidden('You do not have permission to kick this user');
    }
    if (!outranks('ban')) return forbidden(`You do not have permission to ${action} this user`);
    if (action === 'unban') return targetNow === 'ban' ? member('leave') : forbidden(`${target} is not banned`);
    return member('ban');
  }

  function memberContent(userId: string, membership: Membership): Json {
    const profile = users.get(userId)?.profile ?? {};
    return {
      membership,
      ...(typeof profile.displayname === 'string' ? { displayname: profile.displayname } : {}),
      ...(typeof profile.avatar_url === 'string' ? { avatar_url: profile.avatar_url } : {}),
    };
  }

  function joinedRooms({ session }: AuthedCall): Answer {
    return ok({ joined_rooms: [...rooms.values()].filter((room) => currentMembership(room, session.userId) === 'join').map((room) => room.id) });
  }

  function resolveAlias({ params }: AuthedCall): Answer {
    const roomId = aliases.get(params[0] ?? '');
    return roomId === undefined ? matrixError(404, 'M_NOT_FOUND', 'Room alias not found') : ok({ room_id: roomId, servers: [serverName] });
  }

  // ---------------------------------------------------------------------------------------------
  // Rooms: sending and reading
  // ---------------------------------------------------------------------------------------------

  /** Sends a message-like event; a repeated (device, room, type, txnId) answers the first event id and creates nothing. */
  function sendRoute({ session, params, body }: AuthedCall): Answer {
    const [roomId = '', type = '', txnId = ''] = params;
    const key = [session.deviceId, roomId, type, txnId].join('\u0000');
    const earlier = transactions.get(key);
    if (earlier !== undefined) return ok({ event_id: earlier });
    const answer = withJoinedRoom(session, roomId, (room) => {
      if (userLevel(room, session.userId) < eventLevel(room, type, false)) return matrixError(403, 'M_FORBIDDEN', `You don't have permission to post ${type} events`);
      return appendChecked(room, session.userId, type, body, undefined, { deviceId: session.deviceId, txnId });
    });
    if (answer.status === 200 && isRecord(answer.body) && typeof answer.body.event_id === 'string') transactions.set(key, answer.body.event_id);
    return answer;
  }

  function putStateRoute({ session, params, body }: AuthedCall): Answer {
    const [roomId = '', type = '', key = ''] = params;
    return withJoinedRoom(session, roomId, (room) => setState(room, session.userId, type, key, body));
  }

  /** A state change by `sender`, checked against power levels; identical content returns the current event id. */
  function setState(room: RoomRecord, sender: string, type: string, key: string, content: Json): Answer {
    if (type === 'm.room.member') return matrixError(403, 'M_FORBIDDEN', 'The stand-in changes membership only through the membership endpoints');
    const senderLevel = userLevel(room, sender);
    if (senderLevel < eventLevel(room, type, true)) return matrixError(403, 'M_FORBIDDEN', `You don't have permission to set ${type} state`);
    if (type === 'm.room.power_levels' && raisesAbove(content, senderLevel)) return matrixError(403, 'M_FORBIDDEN', 'You cannot raise a power level above your own');
    const current = room.state.get(stateKey(type, key));
    if (current && current.event.sender === sender && JSON.stringify(current.event.content) === JSON.stringify(content)) return ok({ event_id: current.event.event_id });
    return appendChecked(room, sender, type, content, key);
  }

  function getAllState({ session, params }: AuthedCall): Answer {
    return withVisibleRoom(session, params[0], (room, upTo) => ok(stateBefore(room, upTo + 1).map((stored) => render(stored, session))));
  }

  function getStateEvent({ session, params, query }: AuthedCall): Answer {
    const [roomId, type = '', key = ''] = params;
    return withVisibleRoom(session, roomId, (room, upTo) => {
      const stored = stateBefore(room, upTo + 1).find((candidate) => candidate.event.type === type && candidate.event.state_key === key);
      if (!stored) return matrixError(404, 'M_NOT_FOUND', 'Event not found.');
      return ok(query.get('format') === 'event' ? render(stored, session) : stored.event.content);
    });
  }

  function members({ session, params, query }: AuthedCall): Answer {
    const only = query.get('membership');
    const not = query.get('not_membership');
    return withVisibleRoom(session, params[0], (room, upTo) => {
      const chunk = stateBefore(room, upTo + 1)
        .filter((stored) => stored.event.type === 'm.room.member')
        .filter((stored) => (only === null || stored.event.content.membership === only) && (not === null || stored.event.content.membership !== not));
      return ok({ chunk: chunk.map((stored) => render(stored, session)) });
    });
  }

  function joinedMembers({ session, params }: AuthedCall): Answer {
    return withJoinedRoom(session, params[0] ?? '', (room) => {
      const joined: Json = {};
      for (const stored of room.state.values()) {
        const { content, type, state_key: userId } = stored.event;
        if (type === 'm.room.member' && userId !== undefined && content.membership === 'join') {
          joined[userId] = { display_name: content.displayname ?? null, avatar_url: content.avatar_url ?? null };
        }
      }
      return ok({ joined });
    });
  }

  /** Pagination with sync tokens (`s<position>`), backwards (`dir=b`) or forwards (`dir=f`). */
  function messages({ session, params, query }: AuthedCall): Answer {
    const backwards = query.get('dir') !== 'f';
    const from = query.get('from');
    const position = from === null ? (backwards ? streamPos : 0) : parseToken(from);
    if (position === undefined) return matrixError(400, 'M_INVALID_PARAM', 'Invalid pagination token');
    const limit = clampInt(query.get('limit'), 0, MAX_TIMELINE_LIMIT, 10);
    return withVisibleRoom(session, params[0], (room, upTo) => {
      const candidates = room.events.filter((stored) => stored.pos <= upTo && (backwards ? stored.pos <= position : stored.pos > position));
      if (backwards) candidates.reverse();
      const chunk = candidates.slice(0, limit);
      const last = chunk.at(-1);
      const more = chunk.length < candidates.length && last !== undefined;
      return ok({
        chunk: chunk.map((stored) => render(stored, session)),
        start: token(position),
        ...(more ? { end: token(backwards ? last.pos - 1 : last.pos) } : {}),
      });
    });
  }

  function getEvent({ session, params }: AuthedCall): Answer {
    return withVisibleRoom(session, params[0], (room, upTo) => {
      const stored = room.events.find((candidate) => candidate.event.event_id === params[1] && candidate.pos <= upTo);
      return stored ? ok(render(stored, session)) : matrixError(404, 'M_NOT_FOUND', 'Event not found.');
    });
  }

  function typing({ session, params }: AuthedCall): Answer {
    if (params[1] !== session.userId) return matrixError(403, 'M_FORBIDDEN', 'Cannot set another user\'s typing state');
    return withJoinedRoom(session, params[0] ?? '', () => ok({}));
  }

  function withJoinedRoom(session: Session, roomId: string, then: (room: RoomRecord) => Answer): Answer {
    const room = rooms.get(roomId);
    if (!room) return matrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
    if (currentMembership(room, session.userId) !== 'join') return matrixError(403, 'M_FORBIDDEN', `User ${session.userId} not in room ${roomId}`);
    return then(room);
  }

  /**
   * Runs `then` with the last stream position the user may see in the room: everything while joined; up to their
   * leave or ban once they left, if they ever joined; nothing otherwise.
   */
  function withVisibleRoom(session: Session, roomId: string | undefined, then: (room: RoomRecord, upTo: number) => Answer): Answer {
    const room = rooms.get(roomId ?? '');
    if (!room) return matrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId ?? ''}`);
    const upTo = visibleUpTo(room, session.userId, streamPos);
    if (upTo === undefined) return matrixError(403, 'M_FORBIDDEN', `User ${session.userId} not in room ${room.id}, and was never in it`);
    return then(room, upTo);
  }

  // ---------------------------------------------------------------------------------------------
  // Events and state
  // ---------------------------------------------------------------------------------------------

  /** Appends after checking the size limit (what clients can send); internal events skip the check. */
  function appendChecked(room: RoomRecord, sender: string, type: string, content: Json, key?: string, txn?: StoredEvent['txn']): Answer {
    const size = Buffer.byteLength(JSON.stringify({ type, sender, content, room_id: room.id, state_key: key }));
    if (size > MAX_EVENT_BYTES) return matrixError(413, 'M_TOO_LARGE', 'Event too large');
    return ok({ event_id: appendEvent(room, sender, type, content, key, txn).event.event_id });
  }

  function appendEvent(room: RoomRecord, sender: string, type: string, content: Json, key?: string, txn?: StoredEvent['txn']): StoredEvent {
    const previous = key === undefined ? undefined : room.state.get(stateKey(type, key));
    const event: StandInEvent = {
      event_id: `$${randomBytes(18).toString('base64url')}`,
      room_id: room.id,
      sender,
      type,
      origin_server_ts: Date.now(),
      content: structuredClone(content),
      ...(key === undefined ? {} : { state_key: key }),
      unsigned: previous ? { prev_content: previous.event.content, replaces_state: previous.event.event_id } : {},
    };
    const stored: StoredEvent = { pos: ++streamPos, event, ...(txn ? { txn } : {}) };
    room.events.push(stored);
    if (key !== undefined) room.state.set(stateKey(type, key), stored);
    wakeSleepers();
    return stored;
  }

  /** The event as `session`'s device sees it: with its age, and its transaction id if that device sent it. */
  function render(stored: StoredEvent, session?: Session): StandInEvent {
    const ownTxn = stored.txn !== undefined && (session === undefined || stored.txn.deviceId === session.deviceId);
    return {
      ...structuredClone(stored.event),
      unsigned: { ...structuredClone(stored.event.unsigned), age: Date.now() - stored.event.origin_server_ts, ...(ownTxn && stored.txn ? { transaction_id: stored.txn.txnId } : {}) },
    };
  }

  function stateBefore(room: RoomRecord, pos: number): StoredEvent[] {
    const state = new Map<string, StoredEvent>();
    for (const stored of room.events) {
      if (stored.pos >= pos) break;
      if (stored.event.state_key !== undefined) state.set(stateKey(stored.event.type, stored.event.state_key), stored);
    }
    return [...state.values()];
  }

  function membershipAt(room: RoomRecord, userId: string, pos: number): StoredEvent | undefined {
    for (let i = room.events.length - 1; i >= 0; i--) {
      const stored = room.events[i];
      if (stored && stored.pos <= pos && stored.event.type === 'm.room.member' && stored.event.state_key === userId) return stored;
    }
    return undefined;
  }

  function currentMembership(room: RoomRecord, userId: string): Membership | undefined {
    return asMembership(room.state.get(stateKey('m.room.member', userId))?.event.content.membership);
  }

  function everJoined(room: RoomRecord, userId: string, upTo: number): boolean {
    return room.events.some((stored) => stored.pos <= upTo && stored.event.type === 'm.room.member' && stored.event.state_key === userId && stored.event.content.membership === 'join');
  }

  /** See `withVisibleRoom`; evaluated as of stream position `at`. */
  function visibleUpTo(room: RoomRecord, userId: string, at: number): number | undefined {
    const latest = membershipAt(room, userId, at);
    if (!latest) return undefined;
    const membership = asMembership(latest.event.content.membership);
    if (membership === 'join') return at;
    return (membership === 'leave' || membership === 'ban') && everJoined(room, userId, latest.pos) ? latest.pos : undefined;
  }

  function joinRule(room: RoomRecord): unknown {
    return room.state.get(stateKey('m.room.join_rules', ''))?.event.content.join_rule;
  }

  function powerLevels(room: RoomRecord): Json {
    return room.state.get(stateKey('m.room.power_levels', ''))?.event.content ?? {};
  }

  function userLevel(room: RoomRecord, userId: string): number {
    const levels = powerLevels(room);
    const usersLevels = isRecord(levels.users) ? levels.users : {};
    return numberOr(usersLevels[userId], numberOr(levels.users_default, 0));
  }

  function actionLevel(room: RoomRecord, action: 'invite' | 'kick' | 'ban'): number {
    return numberOr(powerLevels(room)[action], action === 'invite' ? 0 : 50);
  }

  function eventLevel(room: RoomRecord, type: string, isState: boolean): number {
    const levels = powerLevels(room);
    const events = isRecord(levels.events) ? levels.events : {};
    return numberOr(events[type], isState ? numberOr(levels.state_default, 50) : numberOr(levels.events_default, 0));
  }

  function wakeSleepers(): void {
    const woken = [...sleepers];
    sleepers.clear();
    for (const wake of woken) wake();
  }

  // ---------------------------------------------------------------------------------------------
  // Sync
  // ---------------------------------------------------------------------------------------------

  /** `/sync`: answers at once when there is news (or on an initial sync), otherwise long-polls up to `timeout` ms. */
  async function sync({ session, query, signal }: AuthedCall): Promise<Answer> {
    const sinceParam = query.get('since');
    const since = sinceParam === null ? undefined : parseToken(sinceParam);
    if (sinceParam !== null && (since === undefined || since > streamPos)) return matrixError(400, 'M_INVALID_PARAM', 'Invalid stream token');
    const filter = syncFilter(session, query.get('filter'));
    if ('status' in filter) return filter;
    const deadline = Date.now() + clampInt(query.get('timeout'), 0, MAX_SYNC_TIMEOUT_MS, 0);
    for (;;) {
      if (away) return proxyError();
      if (signal.aborted) return { status: 499 };
      const body = syncBody(session, since, filter, streamPos);
      if (since === undefined || hasRoomNews(body) || closed || Date.now() >= deadline) return ok(body);
      await sleepUntilNews(deadline - Date.now(), signal);
    }
  }

  /** Resolves on the next event, on goAway/close, when the client hangs up, or after `ms`. */
  function sleepUntilNews(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
      signal.addEventListener('abort', wake);
    });
  }

  function syncFilter(session: Session, param: string | null): SyncFilter | Answer {
    let definition: unknown = {};
    if (param?.startsWith('{')) definition = parseJson(param);
    else if (param !== null) definition = users.get(session.userId)?.filters.get(param);
    if (!isRecord(definition)) return matrixError(400, 'M_INVALID_PARAM', 'Invalid filter');
    const room = isRecord(definition.room) ? definition.room : {};
    const timeline = isRecord(room.timeline) ? room.timeline : {};
    const limit = typeof timeline.limit === 'number' && Number.isInteger(timeline.limit) ? Math.min(Math.max(timeline.limit, 0), MAX_TIMELINE_LIMIT) : DEFAULT_TIMELINE_LIMIT;
    return { limit, includeLeave: room.include_leave === true };
  }

  function syncBody(session: Session, since: number | undefined, filter: SyncFilter, upTo: number): Json {
    const join: Json = {};
    const invite: Json = {};
    const leave: Json = {};
    for (const room of rooms.values()) {
      const now = membershipAt(room, session.userId, upTo);
      if (!now) continue;
      const membership = asMembership(now.event.content.membership);
      const changedSince = since === undefined || now.pos > since;
      const joinedAtSince = since !== undefined && asMembership(membershipAt(room, session.userId, since)?.event.content.membership) === 'join';
      if (membership === 'join') {
        const entry = roomEntry(room, session, joinedAtSince ? since : undefined, upTo, filter.limit);
        if (entry) join[room.id] = { ...entry, ephemeral: { events: [] }, account_data: { events: [] }, unread_notifications: { notification_count: 0, highlight_count: 0 } };
      } else if (membership === 'invite' && changedSince) {
        invite[room.id] = { invite_state: { events: inviteState(room, now, session) } };
      } else if (changedSince && (since !== undefined || filter.includeLeave)) {
        leave[room.id] = { ...leftRoomEntry(room, session, joinedAtSince ? since : undefined, now, filter.limit), account_data: { events: [] } };
      }
    }
    return {
      next_batch: token(upTo),
      rooms: { join, invite, leave, knock: {} },
      account_data: { events: [] },
      presence: { events: [] },
      to_device: { events: [] },
      device_lists: { changed: [], left: [] },
    };
  }

  /**
   * A room's timeline after `from` up to `upTo` (the latest `limit` of them), or — when the client does not know the
   * room yet (`from` undefined) — its latest events plus the state before them. Undefined when nothing is new.
   */
  function roomEntry(room: RoomRecord, session: Session, from: number | undefined, upTo: number, limit: number): Json | undefined {
    const events = room.events.filter((stored) => stored.pos <= upTo && (from === undefined || stored.pos > from));
    if (from !== undefined && events.length === 0) return undefined;
    const timeline = limit === 0 ? [] : events.slice(-limit);
    const limited = timeline.length < events.length;
    const start = timeline[0]?.pos ?? upTo + 1;
    const state = from === undefined || limited ? stateBefore(room, start) : [];
    return {
      state: { events: state.map((stored) => render(stored, session)) },
      timeline: { events: timeline.map((stored) => render(stored, session)), limited, prev_batch: token(start - 1) },
    };
  }

  /** A room the user left or was kicked or banned from: what they could see up to their leave event. */
  function leftRoomEntry(room: RoomRecord, session: Session, from: number | undefined, leaveEvent: StoredEvent, limit: number): Json {
    if (everJoined(room, session.userId, leaveEvent.pos)) return roomEntry(room, session, from, leaveEvent.pos, Math.max(limit, 1)) ?? {};
    return { state: { events: [] }, timeline: { events: [render(leaveEvent, session)], limited: false, prev_batch: token(leaveEvent.pos - 1) } };
  }

  /** Stripped state about the room, then the invite event itself (as Synapse sends it). */
  function inviteState(room: RoomRecord, inviteEvent: StoredEvent, session: Session): unknown[] {
    const inviter = inviteEvent.event.sender;
    const stripped = [...room.state.values()]
      .filter((stored) => STRIPPED_STATE_TYPES.has(stored.event.type) || (stored.event.type === 'm.room.member' && stored.event.state_key === inviter))
      .map(({ event }) => ({ type: event.type, state_key: event.state_key, content: structuredClone(event.content), sender: event.sender }));
    return [...stripped, render(inviteEvent, session)];
  }

  // ---------------------------------------------------------------------------------------------
  // Test-facing API
  // ---------------------------------------------------------------------------------------------

  function roomOrThrow(roomId: string): RoomRecord {
    const room = rooms.get(roomId);
    if (!room) throw new Error(`stand-in: unknown room ${roomId}`);
    return room;
  }

  function expectOk(answer: Answer, what: string): void {
    if (answer.status !== 200) throw new Error(`stand-in: ${what} was refused: ${JSON.stringify(answer.body)}`);
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    serverName,
    requests,
    get unknownRoutes() {
      return requests.filter((request) => !request.routeKnown);
    },
    registerUser,
    timeline: (roomId) => roomOrThrow(roomId).events.map((stored) => render(stored)),
    sentBy(userId, roomId) {
      const inRooms = roomId === undefined ? [...rooms.values()] : [roomOrThrow(roomId)];
      return inRooms.flatMap((room) => room.events.filter((stored) => stored.event.sender === userId && stored.event.state_key === undefined).map((stored) => render(stored)));
    },
    sendAttempts(txnId) {
      const sentTxnId = (path: string): string | undefined => safeDecode(/\/rooms\/[^/]+\/send\/[^/]+\/([^/?]+)/.exec(path)?.[1] ?? '');
      return requests.filter((request) => request.method === 'PUT' && sentTxnId(request.path) === txnId);
    },
    membership: (roomId, userId) => currentMembership(roomOrThrow(roomId), userId),
    async setPowerLevel(roomId, userId, level, by) {
      const room = roomOrThrow(roomId);
      const levels = structuredClone(powerLevels(room));
      levels.users = { ...(isRecord(levels.users) ? levels.users : {}), [userId]: level };
      const sender = by ?? room.creator;
      if (currentMembership(room, sender) !== 'join') throw new Error(`stand-in: ${sender} is not in ${roomId}, so cannot change power levels`);
      expectOk(setState(room, sender, 'm.room.power_levels', '', levels), `setting ${userId}'s power level`);
    },
    async kick(roomId, userId, kickOptions = {}) {
      const room = roomOrThrow(roomId);
      expectOk(changeMembership(room, kickOptions.by ?? room.creator, userId, 'kick', kickOptions.reason), `kicking ${userId}`);
    },
    failNext(match, answer, times = 1) {
      failures.push({ ...match, answer, remaining: times });
    },
    goAway() {
      away = true;
      wakeSleepers();
    },
    comeBack() {
      away = false;
    },
    waitFor,
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        wakeSleepers();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}


// -----------------------------------------------------------------------------------------------
// Helpers
// -----------------------------------------------------------------------------------------------

/** A whole-path pattern; `[^/]+` groups are percent-decoded path parameters. */
function pathPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replaceAll('.', '\\.')}$`);
}

function defaultPowerLevels(creator: string, alsoAdmins: string[]): Json {
  return {
    users: Object.fromEntries([creator, ...alsoAdmins].map((userId) => [userId, 100])),
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
    historical: 100,
    notifications: { room: 50 },
  };
}

/** True when new power levels give anyone (or a default) more than the sender has. */
function raisesAbove(content: Json, senderLevel: number): boolean {
  const usersLevels = isRecord(content.users) ? Object.values(content.users) : [];
  return [...usersLevels, content.users_default].some((level) => typeof level === 'number' && level > senderLevel);
}

function stateKey(type: string, key: string): string {
  return `${type}\u0000${key}`;
}

function token(pos: number): string {
  return `s${pos}`;
}

function parseToken(value: string): number | undefined {
  const match = /^s(\d{1,15})$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

function asMembership(value: unknown): Membership | undefined {
  return value === 'join' || value === 'invite' || value === 'leave' || value === 'ban' ? value : undefined;
}

function isUserId(value: unknown): value is string {
  return typeof value === 'string' && /^@[^:\s]+:\S+$/.test(value);
}

function hasRoomNews(body: Json): boolean {
  const roomSections = isRecord(body.rooms) ? Object.values(body.rooms) : [];
  return roomSections.some((section) => isRecord(section) && Object.keys(section).length > 0);
}

function clampInt(value: string | null, min: number, max: number, fallback: number): number {
  const parsed = value === null ? Number.NaN : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? Math.min(Math.max(parsed, min), max) : fallback;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

function matrixError(status: number, errcode: string, error: string): Answer {
  return { status, body: { errcode, error } };
}

function proxyError(): Answer {
  return { status: 502, html: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>' };
}

function failureAnswer(answer: FailureAnswer): Answer {
  if (answer.status !== 429) return { status: answer.status, body: answer.body ?? { errcode: 'M_UNKNOWN', error: `stand-in failure (${answer.status})` } };
  const retryAfterMs = answer.retryAfterMs ?? 1000;
  return {
    status: 429,
    headers: { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) },
    body: answer.body ?? { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: retryAfterMs },
  };
}

function respond(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  if (answer.html !== undefined) {
    res.writeHead(answer.status, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(answer.html)) }).end(answer.html);
    return;
  }
  const json = JSON.stringify(answer.body ?? {});
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)), ...answer.headers });
  res.end(json);
}

/** The whole body, or undefined when it exceeds the limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
