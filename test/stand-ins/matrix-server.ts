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
 * await client.initRustCrypto({ useIndexedDB: false }); // only for encrypted rooms; Node has no IndexedDB
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
 * `M_LIMIT_EXCEEDED`, …).
 *
 * End-to-end encryption works as against Synapse, so real clients with Rust crypto (`initRustCrypto`) exchange
 * megolm-encrypted messages through it: device keys, one-time and fallback keys (`/keys/upload`, `/keys/query`,
 * `/keys/claim`, `/keys/changes`), cross-signing keys and signatures (accepted without user-interactive auth),
 * to-device messages (idempotent per device and txnId, `*` for all of a user's devices, kept until a later `/sync`
 * acknowledges them), and in `/sync` the `to_device` events, `device_lists` (users sharing a room whose keys
 * changed, users who newly share one, users who no longer do), one-time key counts and unused fallback key types.
 * To-device messages, key changes and account data sit on the global stream too, so they wake pending long-polls.
 * Global account data (`/user/{userId}/account_data/{type}`, e.g. secret storage) and server-side key backup versions
 * and keys (`/room_keys/…`; none exists until a client creates one) are stored and served. The stand-in never sees a
 * plaintext of an encrypted message: `m.room.encrypted` events are ordinary events to it.
 *
 * What it leaves out: federation, presence, receipts and typing notifications (accepted and dropped), room account
 * data, lazy loading of members, room upgrades, dehydrated devices, and `m.room.member` changes through
 * `PUT …/state` (use the membership endpoints).
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

/** A to-device message as the stand-in accepted it, one per target device (`*` already expanded). */
export interface ToDeviceRecord {
  sender: string;
  senderDeviceId: string;
  type: string;
  userId: string;
  deviceId: string;
  content: Record<string, unknown>;
  /** True once the device acknowledged it (a `/sync` from a later token), i.e. its client has processed it. */
  delivered: boolean;
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
  /** Every to-device message accepted so far (olm-encrypted ones arrive as `m.room.encrypted`), in arrival order. */
  toDeviceSent(): ToDeviceRecord[];
  /**
   * Keeps to-device messages for a user's devices queued, undelivered, until the returned release is called (a
   * room key that is late): what arrives meanwhile cannot be decrypted by that user yet.
   */
  holdToDevice(userId: string): () => void;
  /** Stamps the events created from now on `ms` earlier (`origin_server_ts`), as if they were old; 0 ends it. */
  backdate(ms: number): void;
  /** A user's uploaded device keys by device id, signatures merged, as `/keys/query` answers them. */
  deviceKeys(userId: string): Record<string, Record<string, unknown>>;
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

interface QueuedToDevice {
  /** Position in the global stream; once a response carried it, a `/sync` with a later `since` acknowledges (and drops) it. */
  pos: number;
  record: ToDeviceRecord;
  /** A `/sync` response carried it. */
  offered?: boolean;
}

interface FallbackKey {
  keyId: string;
  key: unknown;
  used: boolean;
}

/** A device's end-to-end encryption state: exists from its login on, keys once the client uploads them. */
interface DeviceRecord {
  userId: string;
  deviceId: string;
  displayName?: string;
  /** `device_keys` exactly as uploaded. */
  keys?: Json;
  /** Signatures from `/keys/signatures/upload` (e.g. by the self-signing key), merged in when served. */
  signatures: Json;
  /** `algorithm:keyId` → key, in upload order (claimed first come first). */
  oneTimeKeys: Map<string, unknown>;
  /** Algorithm → the current fallback key. */
  fallbackKeys: Map<string, FallbackKey>;
  toDevice: QueuedToDevice[];
}

type CrossSigningUsage = 'master' | 'self_signing' | 'user_signing';

interface KeyBackup {
  version: string;
  algorithm: string;
  authData: Json;
  /** `roomId`, `sessionId` → key backup data. */
  sessions: Map<string, { roomId: string; sessionId: string; data: Json }>;
  etag: number;
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
  /** `userId` → `deviceId` → keys and to-device queue. */
  const devices = new Map<string, Map<string, DeviceRecord>>();
  /** `userId` → usage → cross-signing key as uploaded, signatures merged. */
  const crossSigning = new Map<string, Map<CrossSigningUsage, Json>>();
  /** Signer → signed user → signatures on that user's master key (by the signer's user-signing key): only the signer sees them. */
  const privateSignatures = new Map<string, Map<string, Json>>();
  /** Whose device or cross-signing keys changed, and when (a stream position). */
  const keyChanges: { pos: number; userId: string }[] = [];
  /** `userId, deviceId, type, txnId` of to-device sends already handled. */
  const toDeviceTransactions = new Set<string>();
  const toDeviceLog: ToDeviceRecord[] = [];
  /** Added to the time new events are stamped with (backdate). */
  let clockOffsetMs = 0;
  /** Users whose to-device messages are held back (holdToDevice). */
  const heldToDevice = new Set<string>();
  /** `userId` → type → global account data and the stream position it was last set at. */
  const accountData = new Map<string, Map<string, { pos: number; content: Json }>>();
  /** `userId` → key backup versions, the current one last. */
  const keyBackups = new Map<string, KeyBackup[]>();
  let nextBackupVersion = 1;
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
    { method: 'GET', pattern: pathPattern(`${CLIENT}/user/([^/]+)/account_data/([^/]+)`), open: false, handle: getAccountData },
    { method: 'PUT', pattern: pathPattern(`${CLIENT}/user/([^/]+)/account_data/([^/]+)`), open: false, handle: putAccountData },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/keys/upload`), open: false, handle: uploadKeys },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/keys/query`), open: false, handle: queryKeys },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/keys/claim`), open: false, handle: claimKeys },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/keys/changes`), open: false, handle: keyChangesRoute },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/keys/device_signing/upload`), open: false, handle: uploadSigningKeys },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/keys/signatures/upload`), open: false, handle: uploadSignatures },
    { method: 'PUT', pattern: pathPattern(`${CLIENT}/sendToDevice/([^/]+)/([^/]+)`), open: false, handle: sendToDevice },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/room_keys/version(?:/([^/]+))?`), open: false, handle: getKeyBackup },
    { method: 'POST', pattern: pathPattern(`${CLIENT}/room_keys/version`), open: false, handle: createKeyBackup },
    { method: 'PUT', pattern: pathPattern(`${CLIENT}/room_keys/version/([^/]+)`), open: false, handle: updateKeyBackup },
    { method: 'PUT', pattern: pathPattern(`${CLIENT}/room_keys/keys`), open: false, handle: putBackedUpKeys },
    { method: 'GET', pattern: pathPattern(`${CLIENT}/room_keys/keys/([^/]+)/([^/]+)`), open: false, handle: getBackedUpKey },
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

  /** A new access token for a device; a new device (no keys yet) unless the login named an existing one. */
  function newSession(userId: string, deviceId?: string, displayName?: string): Session {
    const session = { userId, deviceId: deviceId ?? `DEV${randomBytes(5).toString('hex').toUpperCase()}`, accessToken: `syt_${randomBytes(24).toString('base64url')}` };
    sessions.set(session.accessToken, session);
    const device = deviceOf(userId, session.deviceId);
    if (displayName !== undefined) device.displayName = displayName;
    return session;
  }

  function login({ body }: Call): Answer {
    if (body.type !== 'm.login.password') return matrixError(400, 'M_UNKNOWN', 'Unknown login type');
    const identifier = isRecord(body.identifier) ? body.identifier : {};
    const name = typeof identifier.user === 'string' ? identifier.user : typeof body.user === 'string' ? body.user : '';
    const userId = name.startsWith('@') ? name : `@${name}:${serverName}`;
    const user = users.get(userId);
    if (!user || user.password !== body.password) return matrixError(403, 'M_FORBIDDEN', 'Invalid username or password');
    const deviceId = typeof body.device_id === 'string' && body.device_id !== '' ? body.device_id : undefined;
    const session = newSession(userId, deviceId, typeof body.initial_device_display_name === 'string' ? body.initial_device_display_name : undefined);
    return ok({ user_id: userId, access_token: session.accessToken, device_id: session.deviceId, home_server: serverName });
  }

  /** Ends the session and, as the spec says, deletes its device and the device's keys (a device list change). */
  function logout({ session }: AuthedCall): Answer {
    sessions.delete(session.accessToken);
    const userDevices = devices.get(session.userId);
    const hadKeys = userDevices?.get(session.deviceId)?.keys !== undefined;
    userDevices?.delete(session.deviceId);
    if (hadKeys) keysChanged(session.userId);
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
      origin_server_ts: Date.now() + clockOffsetMs,
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
  // Account data
  // ---------------------------------------------------------------------------------------------

  function getAccountData({ session, params }: AuthedCall): Answer {
    const [userId = '', type = ''] = params;
    if (userId !== session.userId) return matrixError(403, 'M_FORBIDDEN', 'Cannot get account data for other users.');
    const entry = accountData.get(userId)?.get(type);
    return entry ? ok(structuredClone(entry.content)) : matrixError(404, 'M_NOT_FOUND', 'Account data not found');
  }

  /** Stores global account data on the stream, so the user's other devices get it by `/sync`. */
  function putAccountData({ session, params, body }: AuthedCall): Answer {
    const [userId = '', type = ''] = params;
    if (userId !== session.userId) return matrixError(403, 'M_FORBIDDEN', 'Cannot add account data for other users.');
    let entries = accountData.get(userId);
    if (!entries) accountData.set(userId, (entries = new Map()));
    entries.set(type, { pos: ++streamPos, content: structuredClone(body) });
    wakeSleepers();
    return ok({});
  }

  function accountDataSince(userId: string, since: number | undefined, upTo: number): Json[] {
    const entries = [...(accountData.get(userId) ?? new Map<string, { pos: number; content: Json }>())];
    return entries.filter(([, entry]) => entry.pos <= upTo && (since === undefined || entry.pos > since)).map(([type, entry]) => ({ type, content: structuredClone(entry.content) }));
  }

  // ---------------------------------------------------------------------------------------------
  // End-to-end encryption: device keys, cross-signing, to-device messages, key backup
  // ---------------------------------------------------------------------------------------------

  function deviceOf(userId: string, deviceId: string): DeviceRecord {
    let userDevices = devices.get(userId);
    if (!userDevices) devices.set(userId, (userDevices = new Map()));
    let device = userDevices.get(deviceId);
    if (!device) userDevices.set(deviceId, (device = { userId, deviceId, signatures: {}, oneTimeKeys: new Map(), fallbackKeys: new Map(), toDevice: [] }));
    return device;
  }

  /** Puts a change of `userId`'s device or cross-signing keys on the stream, for `device_lists` and `/keys/changes`. */
  function keysChanged(userId: string): void {
    keyChanges.push({ pos: ++streamPos, userId });
    wakeSleepers();
  }

  /** `/keys/upload`: the device's own identity keys, new one-time keys, and a new fallback key per algorithm. */
  function uploadKeys({ session, body }: AuthedCall): Answer {
    const device = deviceOf(session.userId, session.deviceId);
    const deviceKeys = body.device_keys;
    if (deviceKeys !== undefined && (!isRecord(deviceKeys) || deviceKeys.user_id !== session.userId || deviceKeys.device_id !== session.deviceId)) {
      return matrixError(400, 'M_INVALID_PARAM', 'User ID and device ID in device_keys must match the uploading device');
    }
    const oneTimeKeys = Object.entries(isRecord(body.one_time_keys) ? body.one_time_keys : {});
    const fallbackKeys = Object.entries(isRecord(body.fallback_keys) ? body.fallback_keys : {});
    if (![...oneTimeKeys, ...fallbackKeys].every(([keyId]) => algorithmOf(keyId) !== undefined)) return matrixError(400, 'M_INVALID_PARAM', 'Key ids must look like algorithm:id');
    const clash = oneTimeKeys.find(([keyId, key]) => device.oneTimeKeys.has(keyId) && !sameJson(device.oneTimeKeys.get(keyId), key));
    if (clash) return matrixError(400, 'M_INVALID_PARAM', `One time key ${clash[0]} already exists`);

    if (isRecord(deviceKeys) && !sameJson(device.keys, deviceKeys)) {
      device.keys = structuredClone(deviceKeys);
      keysChanged(session.userId);
    }
    for (const [keyId, key] of oneTimeKeys) device.oneTimeKeys.set(keyId, structuredClone(key));
    for (const [keyId, key] of fallbackKeys) {
      const algorithm = algorithmOf(keyId) ?? '';
      const current = device.fallbackKeys.get(algorithm);
      if (current?.keyId !== keyId || !sameJson(current.key, key)) device.fallbackKeys.set(algorithm, { keyId, key: structuredClone(key), used: false });
    }
    return ok({ one_time_key_counts: oneTimeKeyCounts(device) });
  }

  /** `/keys/query`: device keys of the users asked for, and their cross-signing keys (user-signing only one's own). */
  function queryKeys({ session, body }: AuthedCall): Answer {
    const wanted = isRecord(body.device_keys) ? body.device_keys : {};
    const answer: Record<'device_keys' | 'master_keys' | 'self_signing_keys' | 'user_signing_keys', Json> = { device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {} };
    for (const [userId, deviceIds] of Object.entries(wanted)) {
      const only = Array.isArray(deviceIds) && deviceIds.length > 0 ? new Set(deviceIds) : undefined;
      answer.device_keys[userId] = Object.fromEntries(Object.entries(publishedDeviceKeys(userId)).filter(([deviceId]) => only === undefined || only.has(deviceId)));
      const keys = crossSigning.get(userId);
      const master = keys?.get('master');
      if (master) answer.master_keys[userId] = withSignatures(master, privateSignatures.get(session.userId)?.get(userId));
      const selfSigning = keys?.get('self_signing');
      if (selfSigning) answer.self_signing_keys[userId] = structuredClone(selfSigning);
      const userSigning = keys?.get('user_signing');
      if (userSigning && userId === session.userId) answer.user_signing_keys[userId] = structuredClone(userSigning);
    }
    return ok({ ...answer, failures: {} });
  }

  /** Device keys by device id as `/keys/query` serves them: signatures merged, display name in `unsigned`. */
  function publishedDeviceKeys(userId: string): Record<string, Json> {
    const published: Record<string, Json> = {};
    for (const device of devices.get(userId)?.values() ?? []) {
      if (!device.keys) continue;
      const keys = withSignatures(device.keys, device.signatures);
      if (device.displayName !== undefined) keys.unsigned = { ...(isRecord(keys.unsigned) ? keys.unsigned : {}), device_display_name: device.displayName };
      published[device.deviceId] = keys;
    }
    return published;
  }

  /** `/keys/claim`: one key per device asked for; a one-time key is used up, the fallback key only marked used. */
  function claimKeys({ body }: AuthedCall): Answer {
    const wanted = isRecord(body.one_time_keys) ? body.one_time_keys : {};
    const claimed: Record<string, Json> = {};
    for (const [userId, byDevice] of Object.entries(wanted)) {
      for (const [deviceId, algorithm] of Object.entries(isRecord(byDevice) ? byDevice : {})) {
        const device = devices.get(userId)?.get(deviceId);
        const key = device && typeof algorithm === 'string' ? claimKey(device, algorithm) : undefined;
        if (key) claimed[userId] = { ...claimed[userId], [deviceId]: { [key.keyId]: structuredClone(key.key) } };
      }
    }
    return ok({ one_time_keys: claimed, failures: {} });
  }

  function claimKey(device: DeviceRecord, algorithm: string): { keyId: string; key: unknown } | undefined {
    for (const [keyId, key] of device.oneTimeKeys) {
      if (algorithmOf(keyId) !== algorithm) continue;
      device.oneTimeKeys.delete(keyId);
      return { keyId, key };
    }
    const fallback = device.fallbackKeys.get(algorithm);
    if (fallback) fallback.used = true;
    return fallback;
  }

  function keyChangesRoute({ session, query }: AuthedCall): Answer {
    const from = parseToken(query.get('from') ?? '');
    const to = parseToken(query.get('to') ?? '');
    if (from === undefined || to === undefined) return matrixError(400, 'M_INVALID_PARAM', 'from and to must be sync tokens');
    return ok(deviceListChanges(session.userId, from, Math.min(to, streamPos)));
  }

  /**
   * What changed for `userId` between two stream positions: users sharing a room with them (or they themselves)
   * whose keys changed, users who newly share a room with them, and users who no longer share any.
   */
  function deviceListChanges(userId: string, since: number, upTo: number): { changed: string[]; left: string[] } {
    const before = usersSharingRoomWith(userId, since);
    const now = usersSharingRoomWith(userId, upTo);
    const changed = new Set<string>();
    for (const change of keyChanges) {
      if (change.pos > since && change.pos <= upTo && (change.userId === userId || now.has(change.userId))) changed.add(change.userId);
    }
    for (const other of now) if (!before.has(other)) changed.add(other);
    return { changed: [...changed], left: [...before].filter((other) => !now.has(other)) };
  }

  function usersSharingRoomWith(userId: string, pos: number): Set<string> {
    const shared = new Set<string>();
    for (const room of rooms.values()) {
      const joined = joinedAt(room, pos);
      if (!joined.has(userId)) continue;
      for (const member of joined) if (member !== userId) shared.add(member);
    }
    return shared;
  }

  /** `/keys/device_signing/upload`: the user's cross-signing keys (no user-interactive auth asked). */
  function uploadSigningKeys({ session, body }: AuthedCall): Answer {
    const uploads = ([['master', body.master_key], ['self_signing', body.self_signing_key], ['user_signing', body.user_signing_key]] as const).filter(([, key]) => key !== undefined);
    const invalid = uploads.find(([usage, key]) => !isRecord(key) || key.user_id !== session.userId || !Array.isArray(key.usage) || !key.usage.includes(usage) || !isRecord(key.keys));
    if (invalid) return matrixError(400, 'M_INVALID_PARAM', `Invalid ${invalid[0]} key`);
    if (uploads.length === 0) return ok({});
    let keys = crossSigning.get(session.userId);
    if (!keys) crossSigning.set(session.userId, (keys = new Map()));
    for (const [usage, key] of uploads) keys.set(usage, structuredClone(key) as Json);
    // Signatures others made on a replaced master key sign a key that is gone.
    if (uploads.some(([usage]) => usage === 'master')) for (const bySigner of privateSignatures.values()) bySigner.delete(session.userId);
    keysChanged(session.userId);
    return ok({});
  }

  /**
   * `/keys/signatures/upload`: the uploader's signatures on their own devices and cross-signing keys (seen by all),
   * or on another user's master key (seen only by the uploader). Unknown keys are reported in `failures`.
   */
  function uploadSignatures({ session, body }: AuthedCall): Answer {
    const failures: Record<string, Json> = {};
    const changed = new Set<string>();
    for (const [userId, objects] of Object.entries(body)) {
      for (const [keyId, object] of Object.entries(isRecord(objects) ? objects : {})) {
        const signatures = isRecord(object) && isRecord(object.signatures) ? object.signatures[session.userId] : undefined;
        const ownSignatures = isRecord(signatures) ? { [session.userId]: signatures } : undefined;
        const target = ownSignatures ? signatureTarget(session.userId, userId, keyId) : undefined;
        if (!ownSignatures || !target) {
          failures[userId] = { ...failures[userId], [keyId]: { errcode: 'M_INVALID_SIGNATURE', error: 'No such key of this user, or no signature by the uploader' } };
          continue;
        }
        mergeSignatures(target, ownSignatures);
        changed.add(userId === session.userId ? userId : session.userId);
      }
    }
    for (const userId of changed) keysChanged(userId);
    return ok({ failures });
  }

  /** The signatures object the uploader's signature on `userId`'s `keyId` (a device id or public key) belongs to. */
  function signatureTarget(uploader: string, userId: string, keyId: string): Json | undefined {
    const crossSigningKey = (usage: CrossSigningUsage): Json | undefined => {
      const key = crossSigning.get(userId)?.get(usage);
      return key && isRecord(key.keys) && Object.values(key.keys).includes(keyId) ? key : undefined;
    };
    if (userId !== uploader) {
      if (!crossSigningKey('master')) return undefined;
      let bySigner = privateSignatures.get(uploader);
      if (!bySigner) privateSignatures.set(uploader, (bySigner = new Map()));
      let signatures = bySigner.get(userId);
      if (!signatures) bySigner.set(userId, (signatures = {}));
      return signatures;
    }
    const device = devices.get(userId)?.get(keyId);
    if (device?.keys) return device.signatures;
    const key = crossSigningKey('master') ?? crossSigningKey('self_signing') ?? crossSigningKey('user_signing');
    if (!key) return undefined;
    if (!isRecord(key.signatures)) key.signatures = {};
    return key.signatures as Json;
  }

  /** `PUT /sendToDevice/{type}/{txnId}`: queues a message per target device (`*`: all of the user's devices). */
  function sendToDevice({ session, params, body }: AuthedCall): Answer {
    const [type = '', txnId = ''] = params;
    const transaction = [session.userId, session.deviceId, type, txnId].join('\u0000');
    if (toDeviceTransactions.has(transaction)) return ok({});
    if (!isRecord(body.messages)) return matrixError(400, 'M_BAD_JSON', 'messages must be an object');
    toDeviceTransactions.add(transaction);
    for (const [userId, byDevice] of Object.entries(body.messages)) {
      for (const [deviceId, content] of Object.entries(isRecord(byDevice) ? byDevice : {})) {
        const userDevices = devices.get(userId);
        const targets = deviceId === '*' ? [...(userDevices?.values() ?? [])] : [userDevices?.get(deviceId)];
        for (const target of targets) {
          if (!target || !isRecord(content)) continue;
          const record: ToDeviceRecord = { sender: session.userId, senderDeviceId: session.deviceId, type, userId, deviceId: target.deviceId, content: structuredClone(content), delivered: false };
          toDeviceLog.push(record);
          target.toDevice.push({ pos: ++streamPos, record });
        }
      }
    }
    wakeSleepers();
    return ok({});
  }

  /** Drops what the device's client acknowledged by syncing from `since` (so it processed that earlier response). */
  function acknowledgeToDevice(session: Session, since: number): void {
    const device = devices.get(session.userId)?.get(session.deviceId);
    if (!device) return;
    // Only what a response carried: messages held back (holdToDevice) stay queued whatever the token says.
    const acknowledged = (queued: QueuedToDevice): boolean => queued.offered === true && queued.pos <= since;
    for (const queued of device.toDevice) if (acknowledged(queued)) queued.record.delivered = true;
    device.toDevice = device.toDevice.filter((queued) => !acknowledged(queued));
  }

  function toDeviceEvents(session: Session, upTo: number): Json[] {
    if (heldToDevice.has(session.userId)) return [];
    const queue = devices.get(session.userId)?.get(session.deviceId)?.toDevice ?? [];
    const offered = queue.filter((queued) => queued.pos <= upTo);
    for (const queued of offered) queued.offered = true;
    return offered.map(({ record }) => ({ sender: record.sender, type: record.type, content: structuredClone(record.content) }));
  }

  function currentKeyBackup(userId: string, version?: string): KeyBackup | undefined {
    const backups = keyBackups.get(userId) ?? [];
    return version === undefined ? backups.at(-1) : backups.find((backup) => backup.version === version);
  }

  /** `GET /room_keys/version[/{version}]`: 404 until a client created a backup. */
  function getKeyBackup({ session, params }: AuthedCall): Answer {
    const version = params[0] === '' ? undefined : params[0];
    const backup = currentKeyBackup(session.userId, version);
    if (!backup) return matrixError(404, 'M_NOT_FOUND', version === undefined ? 'No current backup version' : `Unknown backup version ${version}`);
    return ok({ version: backup.version, algorithm: backup.algorithm, auth_data: structuredClone(backup.authData), count: backup.sessions.size, etag: String(backup.etag) });
  }

  function createKeyBackup({ session, body }: AuthedCall): Answer {
    if (typeof body.algorithm !== 'string' || !isRecord(body.auth_data)) return matrixError(400, 'M_BAD_JSON', 'algorithm and auth_data are required');
    const backup: KeyBackup = { version: String(nextBackupVersion++), algorithm: body.algorithm, authData: structuredClone(body.auth_data), sessions: new Map(), etag: 0 };
    keyBackups.set(session.userId, [...(keyBackups.get(session.userId) ?? []), backup]);
    return ok({ version: backup.version });
  }

  function updateKeyBackup({ session, params, body }: AuthedCall): Answer {
    const backup = currentKeyBackup(session.userId, params[0]);
    if (!backup) return matrixError(404, 'M_NOT_FOUND', `Unknown backup version ${params[0] ?? ''}`);
    if (body.algorithm !== backup.algorithm || !isRecord(body.auth_data)) return matrixError(400, 'M_INVALID_PARAM', 'Algorithm does not match, or auth_data missing');
    if (body.version !== undefined && body.version !== backup.version) return matrixError(400, 'M_INVALID_PARAM', 'Version in body does not match');
    backup.authData = structuredClone(body.auth_data);
    return ok({});
  }

  /** `PUT /room_keys/keys?version=`: only into the current backup version, as the spec demands. */
  function putBackedUpKeys({ session, query, body }: AuthedCall): Answer {
    const version = query.get('version') ?? '';
    const current = currentKeyBackup(session.userId);
    if (!currentKeyBackup(session.userId, version)) return matrixError(404, 'M_NOT_FOUND', `Unknown backup version ${version}`);
    if (current?.version !== version) return { status: 403, body: { errcode: 'M_WRONG_ROOM_KEYS_VERSION', error: 'Wrong backup version.', current_version: current?.version } };
    for (const [roomId, room] of Object.entries(isRecord(body.rooms) ? body.rooms : {})) {
      const sessionsInRoom = isRecord(room) && isRecord(room.sessions) ? room.sessions : {};
      for (const [sessionId, data] of Object.entries(sessionsInRoom)) {
        if (isRecord(data)) current.sessions.set(`${roomId}\u0000${sessionId}`, { roomId, sessionId, data: structuredClone(data) });
      }
    }
    current.etag++;
    return ok({ etag: String(current.etag), count: current.sessions.size });
  }

  function getBackedUpKey({ session, params, query }: AuthedCall): Answer {
    const [roomId = '', sessionId = ''] = params;
    const backup = currentKeyBackup(session.userId, query.get('version') ?? undefined);
    const stored = backup?.sessions.get(`${roomId}\u0000${sessionId}`);
    return stored ? ok(structuredClone(stored.data)) : matrixError(404, 'M_NOT_FOUND', 'No room_keys found');
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
    if (since !== undefined) acknowledgeToDevice(session, since);
    const deadline = Date.now() + clampInt(query.get('timeout'), 0, MAX_SYNC_TIMEOUT_MS, 0);
    for (;;) {
      if (away) return proxyError();
      if (signal.aborted) return { status: 499 };
      const body = syncBody(session, since, filter, streamPos);
      if (since === undefined || hasNews(body) || closed || Date.now() >= deadline) return ok(body);
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
    const device = devices.get(session.userId)?.get(session.deviceId);
    return {
      next_batch: token(upTo),
      rooms: { join, invite, leave, knock: {} },
      account_data: { events: accountDataSince(session.userId, since, upTo) },
      presence: { events: [] },
      to_device: { events: toDeviceEvents(session, upTo) },
      device_lists: since === undefined ? { changed: [], left: [] } : deviceListChanges(session.userId, since, upTo),
      device_one_time_keys_count: oneTimeKeyCounts(device),
      device_unused_fallback_key_types: unusedFallbackKeyTypes(device),
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
    toDeviceSent: () => toDeviceLog.map((record) => structuredClone(record)),
    backdate: (ms) => {
      clockOffsetMs = -ms;
    },
    holdToDevice: (userId) => {
      heldToDevice.add(userId);
      return () => {
        heldToDevice.delete(userId);
        wakeSleepers();
      };
    },
    deviceKeys: (userId) => publishedDeviceKeys(userId),
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

/** True when a sync body carries anything a long-poll should return for (counts of keys are not news). */
function hasNews(body: Json): boolean {
  const roomSections = isRecord(body.rooms) ? Object.values(body.rooms) : [];
  const listed = (section: unknown, key: string): boolean => isRecord(section) && Array.isArray(section[key]) && section[key].length > 0;
  return (
    roomSections.some((section) => isRecord(section) && Object.keys(section).length > 0) ||
    listed(body.to_device, 'events') ||
    listed(body.account_data, 'events') ||
    listed(body.device_lists, 'changed') ||
    listed(body.device_lists, 'left')
  );
}

/** Users joined to the room at stream position `pos`. */
function joinedAt(room: { events: StoredEvent[] }, pos: number): Set<string> {
  const memberships = new Map<string, unknown>();
  for (const { pos: at, event } of room.events) {
    if (at > pos) break;
    if (event.type === 'm.room.member' && event.state_key !== undefined) memberships.set(event.state_key, event.content.membership);
  }
  return new Set([...memberships].filter(([, membership]) => membership === 'join').map(([userId]) => userId));
}

/** `signed_curve25519:AAAAAQ` → `signed_curve25519`; undefined for a malformed key id. */
function algorithmOf(keyId: string): string | undefined {
  return /^([^:]+):./.exec(keyId)?.[1];
}

/** Remaining one-time keys per algorithm; `signed_curve25519` always present, as Synapse answers. */
function oneTimeKeyCounts(device: DeviceRecord | undefined): Record<string, number> {
  const counts: Record<string, number> = { signed_curve25519: 0 };
  for (const keyId of device?.oneTimeKeys.keys() ?? []) {
    const algorithm = algorithmOf(keyId) ?? '';
    counts[algorithm] = (counts[algorithm] ?? 0) + 1;
  }
  return counts;
}

function unusedFallbackKeyTypes(device: DeviceRecord | undefined): string[] {
  return [...(device?.fallbackKeys ?? [])].filter(([, fallback]) => !fallback.used).map(([algorithm]) => algorithm);
}

/** Adds `from`'s signatures (`{ signer: { keyId: signature } }`) to `into`, keeping the ones already there. */
function mergeSignatures(into: Json, from: Json): void {
  for (const [signer, bySigner] of Object.entries(from)) {
    if (isRecord(bySigner)) into[signer] = { ...(isRecord(into[signer]) ? into[signer] : {}), ...bySigner };
  }
}

/** A copy of a signed key object with more signatures merged in. */
function withSignatures(object: Json, extra: Json | undefined): Json {
  const copy = structuredClone(object);
  const signatures: Json = isRecord(copy.signatures) ? copy.signatures : {};
  if (extra) mergeSignatures(signatures, extra);
  copy.signatures = signatures;
  return copy;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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
