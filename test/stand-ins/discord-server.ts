/**
 * A loopback stand-in for Discord (REST API v10 and the JSON gateway) that the real discord.js talks to unpatched.
 *
 * Tests start it, point a discord.js `Client` at it and then behave like a Discord user: run slash commands, type
 * into autocomplete, press buttons — and read back exactly what that user would see. Failures Discord produces in
 * real life (rate limits, 5xx, channels that vanished or lost permissions, a dropped gateway connection) can be
 * switched on per test.
 *
 * ```ts
 * const discord = await startDiscordServer();
 * const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
 * await client.login('test-token');
 * const { id } = await discord.slashCommand({ name: 'feeds' });
 * const reply = await discord.waitFor(() => discord.visibleReply(id));
 * await discord.close();
 * ```
 *
 * What it checks like Discord does: bot routes need `Authorization: Bot …`; message bodies must fit Discord's limits
 * (content 2000 characters, 10 embeds, embed field limits, 6000 characters per message's embeds, 5 component rows of
 * at most 5 buttons, custom ids of at most 100 characters) and must not be empty; an interaction is answered once,
 * within `interactionDeadlineMs`; a follow-up or edit needs an acknowledged interaction. Uploaded files (multipart)
 * are accepted and listed as attachments, but their bytes are not kept.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { listenOnLoopback, waitFor } from './loopback.ts';

/** Ids of the guild, channel, DM channel and user used when a test passes none. */
export const DEFAULT_IDS = {
  applicationId: '200000000000000001',
  guild: '100000000000000001',
  channel: '100000000000000002',
  dmChannel: '100000000000000003',
  user: '300000000000000001',
} as const;

/** A guild the bot is in; it arrives in GUILD_CREATE right after READY. */
export interface StandInGuild {
  id: string;
  name?: string;
  /** Default `de`; also the `guild_locale` of interactions from this guild. */
  preferredLocale?: string;
  /** Permissions of the @everyone role, a bitfield (default: view, send, embed, attach, history, use commands). */
  everyonePermissions?: bigint | string;
  /** Text channels (type 0). */
  channels: { id: string; name?: string }[];
}

/** A direct-message channel between the bot and `userId`. */
export interface StandInDmChannel {
  id: string;
  userId: string;
}

export interface DiscordStandInOptions {
  applicationId?: string;
  /** The bot user's id (default: the application id, as for real bots). */
  botUserId?: string;
  /** Default: one guild `DEFAULT_IDS.guild` with one channel `DEFAULT_IDS.channel`. */
  guilds?: StandInGuild[];
  /** Default: one DM channel `DEFAULT_IDS.dmChannel` with `DEFAULT_IDS.user`. */
  dmChannels?: StandInDmChannel[];
  /** How long after an interaction its first callback is still accepted (Discord: 3000 ms). */
  interactionDeadlineMs?: number;
  /** Announced in HELLO; default 45000 so heartbeats do not spam tests. */
  heartbeatIntervalMs?: number;
  /**
   * How long a message's `nonce` with `enforce_nonce` makes a repeat return the first message instead of creating
   * another (Discord: "the past few minutes"). Default 300000.
   */
  nonceWindowMs?: number;
  /** Enforces Discord's global and per-route rate limits with their `X-RateLimit-*` headers; off when absent. */
  rateLimits?: StandInRateLimits;
}

/** A user object as Discord sends it. */
export interface StandInUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
}

/** A message as the REST API answers it (snake_case wire shape). */
export interface StandInMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: StandInUser;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: unknown[];
  /** 64 = ephemeral, 128 = "is thinking…" (a deferred reply not yet edited). */
  flags: number;
  timestamp: string;
  edited_timestamp: string | null;
  type: number;
  tts: boolean;
  pinned: boolean;
  mention_everyone: boolean;
  mentions: unknown[];
  mention_roles: unknown[];
  nonce?: string | number;
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: { id: string; type: number; user: StandInUser; authorizing_integration_owners: object };
}

export interface RecordedRestRequest {
  method: string;
  /** Path with query, e.g. `/api/v10/interactions/1/tok/callback?with_response=false`. */
  path: string;
  /** Parsed JSON body (for multipart: the `payload_json` part), or undefined. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The status answered (0 while the request is being handled). */
  status: number;
  /** False when no route matched: the stand-in answered 404 because it does not know the endpoint. */
  routeKnown: boolean;
}

/** A successful `POST /channels/{id}/messages`. */
export interface SentMessage {
  channelId: string;
  /** The body as sent (content, embeds, components, allowed_mentions, nonce, enforce_nonce, …). */
  body: Record<string, unknown>;
  /** The message as created (later edits do not change this; see `message(id)`). */
  message: StandInMessage;
}

/** An accepted interaction callback. */
export interface InteractionCallback {
  interactionId: string;
  token: string;
  /** 4 reply, 5 deferred reply, 6 deferred update, 7 update, 8 autocomplete result, 9 modal. */
  type: number;
  data: unknown;
}

/** A `POST /interactions/{id}/{token}/callback` as the stand-in answered it. */
export interface InteractionCallbackAttempt {
  interactionId: string;
  /** The callback type asked for, when the body had one. */
  type: number | undefined;
  /** 204/200 when accepted; e.g. 400 (code 40060) for a second callback, 404 (code 10062) after the deadline. */
  status: number;
  /** Discord's JSON error code of a refusal. */
  code?: number;
}

export interface CommandRegistration {
  /** `global`, or the guild id for guild commands. */
  scope: string;
  commands: unknown[];
}

/** An application command option on the wire: `{ name, type, value }`, or a subcommand with its own options. */
export interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOption[];
  focused?: boolean;
}

/** Who triggers an interaction, and from where. */
export interface InteractionActor {
  /** Default `DEFAULT_IDS.user`. */
  userId?: string;
  username?: string;
  /** The member's permissions in guild channels (default: a plain member without manage rights). */
  permissions?: bigint | string;
  /** The bot's permissions in the channel (default: view, send, embed, attach, history). */
  appPermissions?: bigint | string;
  /** The user's client locale (default `de`). */
  locale?: string;
}

export interface SlashCommandInput extends InteractionActor {
  name: string;
  options?: CommandOption[];
  /** Guild text channel or DM channel; the guild follows from it. Default `DEFAULT_IDS.channel`. */
  channelId?: string;
}

export interface AutocompleteInput extends SlashCommandInput {
  /** Name of the option being typed into (searched in subcommands too); it gets `focused: true`. */
  focused: string;
}

export interface ButtonPressInput extends InteractionActor {
  customId: string;
  /** A message the stand-in served (or its id); its current state is what the button is on. */
  message: StandInMessage | string;
}

export interface FailureAnswer {
  status: number;
  /** For 429: sent as `Retry-After` (seconds, may be fractional) and as `retry_after` in the body. */
  retryAfterSeconds?: number;
  /** For 429: a global rate limit (`X-RateLimit-Global`, scope `global`). */
  global?: boolean;
  /** Replaces the default JSON body. */
  body?: unknown;
}

export interface DiscordStandIn {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** `http://127.0.0.1:<port>/api` — pass as discord.js `rest.api`. */
  readonly apiBase: string;
  /** `ws://127.0.0.1:<port>` */
  readonly gatewayUrl: string;
  readonly applicationId: string;
  readonly botUser: StandInUser;
  /** Every REST request, in arrival order. */
  readonly requests: RecordedRestRequest[];
  /** Requests for endpoints the stand-in does not know (tests usually expect none). */
  readonly unknownRoutes: RecordedRestRequest[];
  readonly channelMessages: SentMessage[];
  readonly callbacks: InteractionCallback[];
  readonly commandRegistrations: CommandRegistration[];
  /**
   * Every interaction callback request that reached the stand-in's callback logic, accepted or refused (e.g. a
   * second callback answered 40060), in arrival order. `callbacks` holds only the accepted ones.
   */
  readonly callbackAttempts: InteractionCallbackAttempt[];
  /** IDENTIFY and RESUME payloads received on the gateway so far (accepted ones). */
  readonly identifies: number;
  readonly resumes: number;
  /** Message creations answered with an earlier message because of a repeated enforced nonce. */
  readonly nonceRepeats: number;
  /** Requests answered 429 by the `rateLimits` mode so far: by the global limit, by a route bucket. */
  readonly rateLimited: { global: number; route: number };
  /** Some gateway connection is open and has identified or resumed. */
  readonly connected: boolean;
  /**
   * Gateway sessions with an open connection. Each IDENTIFY starts its own session (as Discord does for several
   * processes with one token); every event goes to each of them.
   */
  readonly liveSessions: number;
  /** Dispatches a slash command (INTERACTION_CREATE type 2) as if the user ran it. */
  slashCommand(input: SlashCommandInput): Promise<{ id: string; token: string }>;
  /** Dispatches an autocomplete interaction (type 4) with the `focused` option marked. */
  autocomplete(input: AutocompleteInput): Promise<{ id: string; token: string }>;
  /** Presses a button (type 3); throws if the message has no enabled button with that custom id. */
  pressButton(input: ButtonPressInput): Promise<{ id: string; token: string }>;
  /**
   * What the user sees as the interaction's response now: the reply (or, for a button, the message it updated) with
   * all edits applied; undefined before any visible response or after it was deleted. Follow-ups are separate.
   */
  visibleReply(interactionId: string): StandInMessage | undefined;
  followUps(interactionId: string): StandInMessage[];
  /** The choices of an autocomplete response, or undefined if none was sent. */
  autocompleteChoices(interactionId: string): unknown[] | undefined;
  /** The current state of any message the stand-in served (edits applied), or undefined (unknown or deleted). */
  message(id: string): StandInMessage | undefined;
  /** Resolves with the predicate's first truthy value (polled every 10 ms); rejects after `timeoutMs` (default 5000). */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /**
   * The next `times` (default 1) requests whose method matches (any if omitted) and whose path (with query) matches
   * `path` get `answer` instead of being handled.
   */
  failNext(match: { method?: string; path: RegExp }, answer: FailureAnswer, times?: number): void;
  /** From now on the channel answers REST calls with 404 Unknown Channel (`gone`), 403 Missing Access (`forbidden`), or normally. */
  setChannelState(channelId: string, state: ChannelState): void;
  /** Deletes a guild channel as a server admin would: it answers 404 from now on and CHANNEL_DELETE is dispatched. */
  deleteChannel(channelId: string): Promise<void>;
  /**
   * Kills the gateway sockets without a close frame — all of them, or only the one of `sessionId` (the READY's
   * `session_id`); discord.js should reconnect and RESUME. Throws for a session id the stand-in does not know.
   */
  dropGatewayConnection(sessionId?: string): void;
  /**
   * Sets (or with undefined removes) a hook that runs synchronously right after a channel message is created and
   * recorded in `channelMessages`, before the HTTP answer is written — so a test can kill the bot at exactly
   * "message created, answer not yet received". Not called for an enforced-nonce repeat (that creates nothing).
   * Whatever the hook throws is ignored.
   */
  afterChannelMessage(hook: ((sent: SentMessage) => void) | undefined): void;
  /** Closes the gateway and HTTP server and every connection. */
  close(): Promise<void>;
}

export type ChannelState = 'ok' | 'gone' | 'forbidden';

// Permission bits (https://discord.com/developers/docs/topics/permissions).
const VIEW_CHANNEL = 1n << 10n;
const SEND_MESSAGES = 1n << 11n;
const EMBED_LINKS = 1n << 14n;
const ATTACH_FILES = 1n << 15n;
const READ_MESSAGE_HISTORY = 1n << 16n;
const USE_APPLICATION_COMMANDS = 1n << 31n;
const BOT_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY;
const MEMBER_PERMISSIONS = BOT_PERMISSIONS | USE_APPLICATION_COMMANDS;

const FLAG_EPHEMERAL = 64;
const FLAG_LOADING = 128;
const DISCORD_EPOCH = 1_420_070_400_000n;
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const DISPATCH_LOG_LIMIT = 1000;
/** Gateway sessions remembered for RESUME; beyond that, the oldest not-live ones are forgotten. */
const SESSIONS_KEPT = 50;

interface ChannelRecord {
  id: string;
  type: 0 | 1;
  guildId?: string;
  name?: string;
  position: number;
  recipientId?: string;
  state: ChannelState;
}

interface InteractionRecord {
  id: string;
  token: string;
  type: 2 | 3 | 4;
  channel: ChannelRecord;
  user: StandInUser;
  createdAt: number;
  /** The message a pressed button is on. */
  sourceMessageId?: string;
  callbackType?: number;
  originalId?: string;
  followUpIds: string[];
  choices?: unknown[];
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface RestCall {
  method: string;
  params: string[];
  query: URLSearchParams;
  body: unknown;
  files: File[];
}

interface Route {
  method: string;
  pattern: RegExp;
  /** Needs `Authorization: Bot …` (interaction callbacks and webhooks use the token in the path instead). */
  bot: boolean;
  handle(call: RestCall): Answer;
}

type Dispatch = { op: 0; t: string; s: number; d: unknown };

/** A gateway session: created by IDENTIFY, continued by RESUME, with its own sequence and dispatch log. */
interface GatewaySession {
  id: string;
  seq: number;
  /** The last `DISPATCH_LOG_LIMIT` dispatches, replayed on RESUME from the sequence the bot last saw. */
  log: Dispatch[];
  /** The connection it is on; undefined once that closed. */
  socket?: WebSocket | undefined;
}

/** Starts the stand-in on 127.0.0.1 with a random free port. */
export async function startDiscordServer(options: DiscordStandInOptions = {}): Promise<DiscordStandIn> {
  const applicationId = options.applicationId ?? DEFAULT_IDS.applicationId;
  const botUser: StandInUser = {
    id: options.botUserId ?? applicationId,
    username: 'privacy-radar',
    discriminator: '0',
    global_name: null,
    avatar: null,
    bot: true,
  };
  const guilds = options.guilds ?? [{ id: DEFAULT_IDS.guild, name: 'Test Guild', channels: [{ id: DEFAULT_IDS.channel, name: 'news' }] }];
  const channels = new Map<string, ChannelRecord>();
  for (const guild of guilds) {
    guild.channels.forEach((channel, position) =>
      channels.set(channel.id, { id: channel.id, type: 0, guildId: guild.id, name: channel.name ?? `channel-${position}`, position, state: 'ok' }),
    );
  }
  for (const dm of options.dmChannels ?? [{ id: DEFAULT_IDS.dmChannel, userId: DEFAULT_IDS.user }]) {
    channels.set(dm.id, { id: dm.id, type: 1, recipientId: dm.userId, position: 0, state: 'ok' });
  }
  const interactionDeadlineMs = options.interactionDeadlineMs ?? 3000;
  const nonceWindowMs = options.nonceWindowMs ?? 300_000;
  const nextId = snowflakeGenerator();
  const recentNonces = new Map<string, { at: number; messageId: string; message: StandInMessage }>();
  let nonceRepeats = 0;
  const rateLimiter = options.rateLimits ? createRateLimiter(options.rateLimits) : undefined;

  const requests: RecordedRestRequest[] = [];
  const channelMessages: SentMessage[] = [];
  const callbacks: InteractionCallback[] = [];
  const callbackAttempts: InteractionCallbackAttempt[] = [];
  let channelMessageHook: ((sent: SentMessage) => void) | undefined;
  const commandRegistrations: CommandRegistration[] = [];
  const commandsByScope = new Map<string, Record<string, unknown>[]>();
  const messages = new Map<string, StandInMessage>();
  const interactions = new Map<string, InteractionRecord>();
  const interactionsByToken = new Map<string, InteractionRecord>();
  const failures: { method?: string; path: RegExp; answer: FailureAnswer; remaining: number }[] = [];

  const server = http.createServer((req, res) => {
    handleRest(req, res).catch((error: unknown) => {
      if (!res.headersSent) respond(res, { status: 500, body: { message: `stand-in failed: ${String(error)}`, code: 0 } });
      else res.destroy();
    });
  });
  const port = await listenOnLoopback(server);
  const origin = `http://127.0.0.1:${port}`;
  const gatewayUrl = `ws://127.0.0.1:${port}`;

  // ---------------------------------------------------------------------------------------------
  // REST
  // ---------------------------------------------------------------------------------------------

  async function handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record: RecordedRestRequest = { method, path, body: undefined, headers: req.headers, status: 0, routeKnown: true };
    requests.push(record);
    const answer = await answerRest(req, record);
    record.status = answer.status;
    respond(res, answer);
  }

  async function answerRest(req: IncomingMessage, record: RecordedRestRequest): Promise<Answer> {
    const raw = await readBody(req);
    if (raw === undefined) return error(413, 40005, 'Request entity too large');
    const parsed = await parseBody(raw, req.headers['content-type']);
    record.body = parsed?.body;
    const failure = takeFailure(record.method, record.path);
    if (failure) return failureAnswer(failure);
    if (parsed === undefined) return error(400, 50109, 'The request body contains invalid JSON.');

    const url = new URL(record.path, origin);
    // discord.js percent-encodes path segments (`%40original`); Discord matches the decoded path.
    const pathname = decodePath(url.pathname);
    const apiPath = pathname?.startsWith('/api/v10/') ? pathname.slice('/api/v10'.length) : undefined;
    for (const route of apiPath === undefined ? [] : routes) {
      const match = route.method === record.method ? route.pattern.exec(apiPath ?? '') : null;
      if (!match) continue;
      if (route.bot && !/^Bot \S+$/.test(req.headers.authorization ?? '')) return error(401, 0, '401: Unauthorized');
      // Interaction endpoints (the routes without a bot token) are not bound to the global limit.
      const limits = rateLimiter?.admit(record.method, apiPath ?? '', route.bot);
      if (limits?.refusal) return limits.refusal;
      const answer = route.handle({ method: record.method, params: match.slice(1), query: url.searchParams, body: parsed.body, files: parsed.files });
      return limits ? { ...answer, headers: { ...answer.headers, ...limits.headers } } : answer;
    }
    record.routeKnown = false;
    return error(404, 0, '404: Not Found');
  }

  function takeFailure(method: string, path: string): FailureAnswer | undefined {
    const failure = failures.find((f) => (f.method === undefined || f.method.toUpperCase() === method) && f.path.test(path));
    if (!failure) return undefined;
    failure.remaining--;
    if (failure.remaining <= 0) failures.splice(failures.indexOf(failure), 1);
    return failure.answer;
  }

  const routes: Route[] = [
    { method: 'GET', pattern: /^\/gateway\/bot$/, bot: true, handle: () => ok(gatewayBot()) },
    { method: 'GET', pattern: /^\/gateway$/, bot: false, handle: () => ok({ url: gatewayUrl }) },
    { method: 'GET', pattern: /^\/users\/@me$/, bot: true, handle: () => ok(botUser) },
    { method: 'GET', pattern: /^\/applications\/@me$/, bot: true, handle: () => ok(applicationObject()) },
    { method: 'GET', pattern: /^\/channels\/(\d+)$/, bot: true, handle: ({ params }) => withChannel(params[0], (c) => ok(channelObject(c))) },
    { method: 'POST', pattern: /^\/channels\/(\d+)\/messages$/, bot: true, handle: createChannelMessage },
    { method: 'GET', pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/, bot: true, handle: channelMessageRoute },
    { method: 'PATCH', pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/, bot: true, handle: channelMessageRoute },
    { method: 'DELETE', pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/, bot: true, handle: channelMessageRoute },
    { method: 'PUT', pattern: /^\/applications\/(\d+)\/commands$/, bot: true, handle: commandsRoute },
    { method: 'GET', pattern: /^\/applications\/(\d+)\/commands$/, bot: true, handle: commandsRoute },
    { method: 'PUT', pattern: /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/, bot: true, handle: commandsRoute },
    { method: 'GET', pattern: /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/, bot: true, handle: commandsRoute },
    { method: 'POST', pattern: /^\/interactions\/(\d+)\/([^/]+)\/callback$/, bot: false, handle: recordedInteractionCallback },
    { method: 'POST', pattern: /^\/webhooks\/(\d+)\/([^/]+)$/, bot: false, handle: webhookFollowUp },
    { method: 'GET', pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/, bot: false, handle: webhookMessageRoute },
    { method: 'PATCH', pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/, bot: false, handle: webhookMessageRoute },
    { method: 'DELETE', pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/, bot: false, handle: webhookMessageRoute },
  ];

  function gatewayBot(): unknown {
    return { url: gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } };
  }

  function applicationObject(): unknown {
    return { id: applicationId, name: botUser.username, description: '', icon: null, bot_public: true, bot_require_code_grant: false, flags: 0, bot: botUser, owner: { ...userObject(DEFAULT_IDS.user), bot: false } };
  }

  /** Runs `then` for a known channel in state `ok`; otherwise answers as Discord would for that channel. */
  function withChannel(channelId: string | undefined, then: (channel: ChannelRecord) => Answer): Answer {
    const channel = channelId === undefined ? undefined : channels.get(channelId);
    if (!channel || channel.state === 'gone') return error(404, 10003, 'Unknown Channel');
    if (channel.state === 'forbidden') return error(403, 50001, 'Missing Access');
    return then(channel);
  }

  function createChannelMessage({ params, body, files }: RestCall): Answer {
    return withChannel(params[0], (channel) => {
      if (!isRecord(body)) return error(400, 50035, 'Invalid Form Body');
      const invalid = validateMessageBody(body, files.length, true);
      if (invalid) return invalid;
      const nonce = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : undefined;
      // enforce_nonce: the same author's repeat within the window answers the first message and creates nothing.
      const nonceKey = nonce === undefined || body.enforce_nonce !== true ? undefined : `${channel.id}\u0000${String(nonce)}`;
      const earlier = nonceKey === undefined ? undefined : recentNonces.get(nonceKey);
      if (earlier && Date.now() - earlier.at < nonceWindowMs) {
        nonceRepeats += 1;
        return ok(messages.get(earlier.messageId) ?? earlier.message);
      }
      const message = storeMessage(newMessage(channel, body, files));
      if (nonce !== undefined) message.nonce = nonce;
      if (nonceKey !== undefined) recentNonces.set(nonceKey, { at: Date.now(), messageId: message.id, message: structuredClone(message) });
      const sent: SentMessage = { channelId: channel.id, body, message: structuredClone(message) };
      channelMessages.push(sent);
      runChannelMessageHook(sent);
      return ok(message);
    });
  }

  function runChannelMessageHook(sent: SentMessage): void {
    try {
      channelMessageHook?.(sent);
    } catch {
      // The hook is the test's business (it may e.g. kill a process that is already gone).
    }
  }

  function channelMessageRoute({ method, params, body, files }: RestCall): Answer {
    return withChannel(params[0], (channel) => {
      const message = messages.get(params[1] ?? '');
      if (!message || message.channel_id !== channel.id) return error(404, 10008, 'Unknown Message');
      return messageVerb(method, message, body, files);
    });
  }

  /** GET, PATCH or DELETE of a stored message, shared by channel and webhook routes. */
  function messageVerb(method: string, message: StandInMessage, body: unknown, files: File[]): Answer {
    if (method === 'GET') return ok(message);
    if (method === 'DELETE') {
      messages.delete(message.id);
      return { status: 204 };
    }
    if (!isRecord(body)) return error(400, 50035, 'Invalid Form Body');
    const invalid = validateMessageBody(body, files.length, false);
    if (invalid) return invalid;
    return ok(storeMessage(editedMessage(message, body, files)));
  }

  function commandsRoute({ method, params, body }: RestCall): Answer {
    const [appId, guildId] = params;
    if (appId !== applicationId) return error(404, 10002, 'Unknown Application');
    if (guildId !== undefined && !guilds.some((guild) => guild.id === guildId)) return error(403, 50001, 'Missing Access');
    const scope = guildId ?? 'global';
    if (method === 'GET') return ok(commandsByScope.get(scope) ?? []);
    if (!Array.isArray(body) || !body.every(isRecord)) return error(400, 50035, 'Invalid Form Body');
    commandRegistrations.push({ scope, commands: structuredClone(body) });
    const previous = commandsByScope.get(scope) ?? [];
    const stored = body.map((command) => ({
      id: previous.find((old) => old.name === command.name)?.id ?? nextId(),
      application_id: applicationId,
      version: nextId(),
      type: 1,
      default_member_permissions: null,
      ...(guildId === undefined ? {} : { guild_id: guildId }),
      ...command,
    }));
    commandsByScope.set(scope, stored);
    return ok(stored);
  }

  function recordedInteractionCallback(call: RestCall): Answer {
    const answer = interactionCallback(call);
    const type = isRecord(call.body) && typeof call.body.type === 'number' ? call.body.type : undefined;
    const code = isRecord(answer.body) && typeof answer.body.code === 'number' && answer.status >= 400 ? answer.body.code : undefined;
    callbackAttempts.push({ interactionId: call.params[0] ?? '', type, status: answer.status, ...(code === undefined ? {} : { code }) });
    return answer;
  }

  function interactionCallback({ params, query, body, files }: RestCall): Answer {
    const interaction = interactions.get(params[0] ?? '');
    if (!interaction || interaction.token !== params[1] || Date.now() - interaction.createdAt > interactionDeadlineMs) {
      return error(404, 10062, 'Unknown interaction');
    }
    if (interaction.callbackType !== undefined) return error(400, 40060, 'Interaction has already been acknowledged.');
    if (!isRecord(body) || typeof body.type !== 'number') return error(400, 50035, 'Invalid Form Body');
    const data = isRecord(body.data) ? body.data : {};
    const type = body.type;
    const allowed = interaction.type === 4 ? [8] : interaction.type === 3 ? [4, 5, 6, 7, 9] : [4, 5, 9];
    if (!allowed.includes(type)) return error(400, 50035, 'Invalid Form Body (interaction response type not allowed here)');
    if (type === 4 || type === 7) {
      const invalid = validateMessageBody(data, files.length, type === 4);
      if (invalid) return invalid;
    }
    callbacks.push({ interactionId: interaction.id, token: interaction.token, type, data: body.data });
    interaction.callbackType = type;
    const source = interaction.sourceMessageId === undefined ? undefined : messages.get(interaction.sourceMessageId);
    if (type === 4) interaction.originalId = storeMessage(interactionMessage(interaction, data, files)).id;
    if (type === 5) interaction.originalId = storeMessage(interactionMessage(interaction, { flags: numberOr(data.flags, 0) | FLAG_LOADING }, [])).id;
    if (type === 6 && source) interaction.originalId = source.id;
    if (type === 7 && source) interaction.originalId = storeMessage(editedMessage(source, data, files)).id;
    if (type === 8) interaction.choices = Array.isArray(data.choices) ? data.choices : [];
    if (query.get('with_response') !== 'true') return { status: 204 };
    const message = interaction.originalId === undefined ? undefined : messages.get(interaction.originalId);
    return ok({
      interaction: {
        id: interaction.id,
        type: interaction.type,
        response_message_id: message?.id,
        response_message_loading: type === 5,
        response_message_ephemeral: message ? (message.flags & FLAG_EPHEMERAL) !== 0 : false,
      },
      resource: { type, ...(message && type !== 6 ? { message } : {}) },
    });
  }

  /** The acknowledged interaction behind a webhook path, or the error Discord gives. */
  function webhookInteraction(params: string[]): InteractionRecord | Answer {
    const interaction = interactionsByToken.get(params[1] ?? '');
    if (params[0] !== applicationId || !interaction || interaction.callbackType === undefined) return error(404, 10015, 'Unknown Webhook');
    return interaction;
  }

  function webhookFollowUp({ params, query, body, files }: RestCall): Answer {
    const interaction = webhookInteraction(params);
    if ('status' in interaction) return interaction;
    if (!isRecord(body)) return error(400, 50035, 'Invalid Form Body');
    const invalid = validateMessageBody(body, files.length, true);
    if (invalid) return invalid;
    const message = storeMessage(interactionMessage(interaction, body, files));
    interaction.followUpIds.push(message.id);
    return query.get('wait') === 'true' ? ok(message) : { status: 204 };
  }

  function webhookMessageRoute({ method, params, body, files }: RestCall): Answer {
    const interaction = webhookInteraction(params);
    if ('status' in interaction) return interaction;
    const messageId = params[2] === '@original' ? interaction.originalId : interaction.followUpIds.find((id) => id === params[2]);
    const message = messageId === undefined ? undefined : messages.get(messageId);
    if (!message) return error(404, 10008, 'Unknown Message');
    return messageVerb(method, message, body, files);
  }

  // ---------------------------------------------------------------------------------------------
  // Messages
  // ---------------------------------------------------------------------------------------------

  function storeMessage(message: StandInMessage): StandInMessage {
    messages.set(message.id, message);
    return message;
  }

  function newMessage(channel: ChannelRecord, body: Record<string, unknown>, files: File[]): StandInMessage {
    return {
      id: nextId(),
      channel_id: channel.id,
      ...(channel.guildId === undefined ? {} : { guild_id: channel.guildId }),
      author: botUser,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? body.embeds : [],
      components: Array.isArray(body.components) ? body.components : [],
      attachments: attachmentsOf(files),
      flags: numberOr(body.flags, 0),
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      type: 0,
      tts: false,
      pinned: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
    };
  }

  function interactionMessage(interaction: InteractionRecord, body: Record<string, unknown>, files: File[]): StandInMessage {
    return {
      ...newMessage(interaction.channel, body, files),
      webhook_id: applicationId,
      application_id: applicationId,
      interaction_metadata: { id: interaction.id, type: interaction.type, user: interaction.user, authorizing_integration_owners: {} },
    };
  }

  /** Applies an edit: fields present in `body` replace the old ones; the ephemeral flag stays, "thinking" ends. */
  function editedMessage(message: StandInMessage, body: Record<string, unknown>, files: File[]): StandInMessage {
    const flags = typeof body.flags === 'number' ? body.flags | (message.flags & FLAG_EPHEMERAL) : message.flags;
    return {
      ...message,
      ...('content' in body ? { content: typeof body.content === 'string' ? body.content : '' } : {}),
      ...('embeds' in body ? { embeds: Array.isArray(body.embeds) ? body.embeds : [] } : {}),
      ...('components' in body ? { components: Array.isArray(body.components) ? body.components : [] } : {}),
      ...('attachments' in body || files.length > 0 ? { attachments: attachmentsOf(files) } : {}),
      flags: flags & ~FLAG_LOADING,
      edited_timestamp: new Date().toISOString(),
    };
  }

  function attachmentsOf(files: File[]): unknown[] {
    return files.map((file) => {
      const id = nextId();
      const url = `${origin}/attachments/${id}/${encodeURIComponent(file.name)}`;
      return { id, filename: file.name, size: file.size, url, proxy_url: url, content_type: file.type || undefined };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Gateway
  // ---------------------------------------------------------------------------------------------

  const gateway = new WebSocketServer({ server });
  /** Known sessions in the order they identified; a dropped one stays resumable until pushed out by newer ones. */
  const sessions = new Map<string, GatewaySession>();
  const gatewayCounts = { identifies: 0, resumes: 0 };
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 45_000;

  gateway.on('connection', (socket) => {
    socket.on('error', () => socket.terminate());
    socket.on('close', () => detach(socket));
    socket.on('message', (data, isBinary) => onGatewayMessage(socket, data, isBinary));
    socket.send(JSON.stringify({ op: 10, s: null, t: null, d: { heartbeat_interval: heartbeatIntervalMs } }));
  });

  function onGatewayMessage(socket: WebSocket, data: RawData, isBinary: boolean): void {
    const payload = isBinary ? undefined : parseJson(rawDataText(data));
    if (!isRecord(payload) || typeof payload.op !== 'number') {
      socket.close(4002, 'Error while decoding payload.');
      return;
    }
    const d = isRecord(payload.d) ? payload.d : {};
    if (payload.op === 1) socket.send(JSON.stringify({ op: 11, s: null, t: null, d: null }));
    if (payload.op === 2) identify(socket, d);
    if (payload.op === 6) resume(socket, d);
  }

  function isLive(session: GatewaySession): boolean {
    return session.socket?.readyState === WebSocket.OPEN;
  }

  /** The socket no longer carries a session; the session stays resumable. */
  function detach(socket: WebSocket): void {
    for (const session of sessions.values()) if (session.socket === socket) session.socket = undefined;
  }

  /** Each IDENTIFY starts a session of its own, so several bot processes with one token can be connected at once. */
  function identify(socket: WebSocket, d: Record<string, unknown>): void {
    if ([...sessions.values()].some((session) => session.socket === socket)) {
      socket.close(4005, 'Already authenticated.');
      return;
    }
    if (typeof d.token !== 'string' || d.token === '') {
      socket.close(4004, 'Authentication failed.');
      return;
    }
    gatewayCounts.identifies++;
    forgetOldSessions();
    const session: GatewaySession = { id: randomBytes(16).toString('hex'), seq: 0, log: [], socket };
    sessions.set(session.id, session);
    void dispatch('READY', {
      v: 10,
      user: botUser,
      guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: gatewayUrl,
      application: { id: applicationId, flags: 0 },
      shard: [0, 1],
      private_channels: [],
    }, session);
    for (const guild of guilds) void dispatch('GUILD_CREATE', guildObject(guild), session);
  }

  /** Keeps the number of sessions (each logging every dispatch) bounded: the oldest dropped ones go first. */
  function forgetOldSessions(): void {
    for (const session of sessions.values()) {
      if (sessions.size < SESSIONS_KEPT) return;
      if (!isLive(session)) sessions.delete(session.id);
    }
  }

  /** Replays what the session missed since `seq`, then RESUMED — or an invalid session for an unknown one. */
  function resume(socket: WebSocket, d: Record<string, unknown>): void {
    const seq = d.seq;
    const session = typeof d.session_id === 'string' ? sessions.get(d.session_id) : undefined;
    if (!session || typeof seq !== 'number') {
      socket.send(JSON.stringify({ op: 9, s: null, t: null, d: false }));
      return;
    }
    gatewayCounts.resumes++;
    detach(socket);
    // A session lives on one connection: resuming it elsewhere ends the old one.
    if (session.socket && session.socket !== socket) session.socket.terminate();
    session.socket = socket;
    for (const entry of session.log.filter((logged) => logged.s > seq)) socket.send(JSON.stringify(entry));
    void dispatch('RESUMED', null, session);
  }

  /**
   * Sends a dispatch to one session (`to`) or to every session, each with its own sequence number. It is logged
   * for replay on RESUME whether or not the session is live; resolves once the live ones have it.
   */
  async function dispatch(t: string, d: unknown, to?: GatewaySession): Promise<void> {
    const targets = to ? [to] : [...sessions.values()];
    await Promise.all(
      targets.map((session) => {
        const entry: Dispatch = { op: 0, t, s: ++session.seq, d };
        session.log.push(entry);
        if (session.log.length > DISPATCH_LOG_LIMIT) session.log.shift();
        const socket = session.socket;
        if (!socket || socket.readyState !== WebSocket.OPEN) return undefined;
        return new Promise<void>((resolve) => socket.send(JSON.stringify(entry), () => resolve()));
      }),
    );
  }

  function guildObject(guild: StandInGuild): unknown {
    const joinedAt = new Date().toISOString();
    return {
      id: guild.id,
      name: guild.name ?? 'Test Guild',
      icon: null,
      owner_id: DEFAULT_IDS.user,
      preferred_locale: guild.preferredLocale ?? 'de',
      channels: [...channels.values()].filter((channel) => channel.guildId === guild.id).map(channelObject),
      roles: [{ id: guild.id, name: '@everyone', permissions: String(guild.everyonePermissions ?? MEMBER_PERMISSIONS), position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      members: [{ user: botUser, roles: [], joined_at: joinedAt, deaf: false, mute: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      voice_states: [],
      presences: [],
      threads: [],
      stage_instances: [],
      guild_scheduled_events: [],
      member_count: 2,
      large: false,
      joined_at: joinedAt,
      unavailable: false,
    };
  }

  function channelObject(channel: ChannelRecord): Record<string, unknown> {
    if (channel.type === 1) return { id: channel.id, type: 1, last_message_id: null, flags: 0, recipients: [userObject(channel.recipientId ?? DEFAULT_IDS.user)] };
    return { id: channel.id, type: 0, guild_id: channel.guildId, name: channel.name, position: channel.position, permission_overwrites: [], topic: null, nsfw: false, last_message_id: null, rate_limit_per_user: 0, parent_id: null, flags: 0 };
  }

  // ---------------------------------------------------------------------------------------------
  // Interactions caused by the simulated user
  // ---------------------------------------------------------------------------------------------

  async function createInteraction(type: 2 | 3 | 4, actor: InteractionActor, channelId: string, data: unknown, sourceMessage?: StandInMessage): Promise<{ id: string; token: string }> {
    const channel = channels.get(channelId);
    if (!channel) throw new Error(`stand-in: unknown channel ${channelId} for an interaction`);
    const user = userObject(actor.userId ?? DEFAULT_IDS.user, actor.username);
    const interaction: InteractionRecord = { id: nextId(), token: `itok_${randomBytes(24).toString('base64url')}`, type, channel, user, createdAt: Date.now(), followUpIds: [] };
    if (sourceMessage) interaction.sourceMessageId = sourceMessage.id;
    interactions.set(interaction.id, interaction);
    interactionsByToken.set(interaction.token, interaction);
    const guild = guilds.find((g) => g.id === channel.guildId);
    const common = {
      id: interaction.id,
      application_id: applicationId,
      type,
      token: interaction.token,
      version: 1,
      data,
      channel: channel.type === 1 ? { id: channel.id, type: 1, last_message_id: null, flags: 0, recipients: [user] } : { id: channel.id, type: 0, guild_id: channel.guildId, name: channel.name },
      channel_id: channel.id,
      app_permissions: String(actor.appPermissions ?? BOT_PERMISSIONS),
      locale: actor.locale ?? 'de',
      entitlements: [],
      authorizing_integration_owners: {},
      attachment_size_limit: 10 * 1024 * 1024,
      ...(sourceMessage ? { message: sourceMessage } : {}),
    };
    const where = guild
      ? {
          guild_id: guild.id,
          guild_locale: guild.preferredLocale ?? 'de',
          guild: { id: guild.id, locale: guild.preferredLocale ?? 'de', features: [] },
          member: { user, roles: [], permissions: String(actor.permissions ?? MEMBER_PERMISSIONS), joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 },
          context: 0,
        }
      : { user, context: 1 };
    await dispatch('INTERACTION_CREATE', { ...common, ...where });
    return { id: interaction.id, token: interaction.token };
  }

  function commandData(input: SlashCommandInput): unknown {
    const guildId = channels.get(input.channelId ?? DEFAULT_IDS.channel)?.guildId;
    const registered = [...(guildId === undefined ? [] : (commandsByScope.get(guildId) ?? [])), ...(commandsByScope.get('global') ?? [])];
    const command = registered.find((candidate) => candidate.name === input.name);
    return { id: typeof command?.id === 'string' ? command.id : nextId(), name: input.name, type: 1, options: input.options ?? [], ...(command?.guild_id ? { guild_id: command.guild_id } : {}) };
  }

  function pressButton(input: ButtonPressInput): Promise<{ id: string; token: string }> {
    const id = typeof input.message === 'string' ? input.message : input.message.id;
    const message = messages.get(id);
    if (!message) throw new Error(`stand-in: message ${id} is unknown or deleted, so its buttons cannot be pressed`);
    const button = findComponent(message.components, input.customId);
    if (!button) throw new Error(`stand-in: message ${id} has no component with custom_id ${JSON.stringify(input.customId)}`);
    if (button.disabled === true) throw new Error(`stand-in: the button ${JSON.stringify(input.customId)} is disabled`);
    return createInteraction(3, input, message.channel_id, { custom_id: input.customId, component_type: button.type }, message);
  }

  function autocomplete(input: AutocompleteInput): Promise<{ id: string; token: string }> {
    const options = structuredClone(input.options ?? []);
    const focused = findOption(options, input.focused);
    if (!focused) throw new Error(`stand-in: autocomplete option ${JSON.stringify(input.focused)} is not among the options`);
    focused.focused = true;
    return createInteraction(4, input, input.channelId ?? DEFAULT_IDS.channel, commandData({ ...input, options }));
  }

  let closing: Promise<void> | undefined;
  return {
    origin,
    apiBase: `${origin}/api`,
    gatewayUrl,
    applicationId,
    botUser,
    requests,
    get unknownRoutes() {
      return requests.filter((request) => !request.routeKnown);
    },
    channelMessages,
    callbacks,
    commandRegistrations,
    callbackAttempts,
    get identifies() {
      return gatewayCounts.identifies;
    },
    get nonceRepeats() {
      return nonceRepeats;
    },
    get rateLimited() {
      return { ...(rateLimiter?.refused ?? { global: 0, route: 0 }) };
    },
    get resumes() {
      return gatewayCounts.resumes;
    },
    get connected() {
      return [...sessions.values()].some(isLive);
    },
    get liveSessions() {
      return [...sessions.values()].filter(isLive).length;
    },
    slashCommand: (input) => createInteraction(2, input, input.channelId ?? DEFAULT_IDS.channel, commandData(input)),
    autocomplete: async (input) => autocomplete(input),
    pressButton: async (input) => pressButton(input),
    visibleReply(interactionId) {
      const id = interactions.get(interactionId)?.originalId;
      return id === undefined ? undefined : messages.get(id);
    },
    followUps(interactionId) {
      const ids = interactions.get(interactionId)?.followUpIds ?? [];
      return ids.flatMap((id) => messages.get(id) ?? []);
    },
    autocompleteChoices: (interactionId) => interactions.get(interactionId)?.choices,
    message: (id) => messages.get(id),
    waitFor,
    failNext(match, answer, times = 1) {
      failures.push({ ...match, answer, remaining: times });
    },
    setChannelState(channelId, state) {
      const channel = channels.get(channelId);
      if (!channel) throw new Error(`stand-in: unknown channel ${channelId}`);
      channel.state = state;
    },
    async deleteChannel(channelId) {
      const channel = channels.get(channelId);
      if (!channel?.guildId) throw new Error(`stand-in: no guild channel ${channelId}`);
      const deleted = channelObject(channel);
      channel.state = 'gone';
      await dispatch('CHANNEL_DELETE', deleted);
    },
    dropGatewayConnection(sessionId) {
      if (sessionId !== undefined && !sessions.has(sessionId)) throw new Error(`stand-in: unknown gateway session ${sessionId}`);
      for (const session of sessions.values()) {
        if (sessionId !== undefined && session.id !== sessionId) continue;
        session.socket?.terminate();
        session.socket = undefined;
      }
    },
    afterChannelMessage(hook) {
      channelMessageHook = hook;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of gateway.clients) socket.terminate();
        gateway.close();
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

/** Increasing snowflakes whose timestamps are now, so discord.js's `createdAt` makes sense. */
function snowflakeGenerator(): () => string {
  let last = 0n;
  return () => {
    const now = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    last = now > last ? now : last + 1n;
    return last.toString();
  };
}

function userObject(id: string, username?: string): StandInUser {
  return { id, username: username ?? `user${id.slice(-4)}`, discriminator: '0', global_name: null, avatar: null };
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

function error(status: number, code: number, message: string): Answer {
  return { status, body: { message, code } };
}

function failureAnswer(answer: FailureAnswer): Answer {
  if (answer.status !== 429) return { status: answer.status, body: answer.body ?? { message: `${answer.status}: stand-in failure`, code: 0 } };
  const retryAfter = answer.retryAfterSeconds ?? 1;
  return {
    status: 429,
    headers: {
      'retry-after': String(retryAfter),
      'x-ratelimit-scope': answer.global ? 'global' : 'user',
      ...(answer.global ? { 'x-ratelimit-global': 'true' } : {}),
    },
    body: answer.body ?? { message: 'You are being rate limited.', retry_after: retryAfter, global: answer.global ?? false },
  };
}

function respond(res: ServerResponse, answer: Answer): void {
  if (answer.status === 204 || answer.body === undefined) {
    res.writeHead(answer.status, answer.headers).end();
    return;
  }
  const json = JSON.stringify(answer.body);
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

/** JSON, or multipart with a `payload_json` part and files; undefined when the JSON is broken. */
async function parseBody(raw: Buffer, contentType: string | undefined): Promise<{ body: unknown; files: File[] } | undefined> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData().catch(() => undefined);
    if (!form) return undefined;
    const payload = form.get('payload_json');
    const files = [...form.values()].filter((value): value is File => typeof value !== 'string');
    const body = typeof payload === 'string' ? parseJson(payload) : {};
    return body === undefined ? undefined : { body, files };
  }
  const body = parseJson(raw.toString('utf8'));
  return body === undefined ? undefined : { body, files: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function rawDataText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function decodePath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? value.length : 0;
}

/**
 * Discord's 400 for a message body that breaks its limits, or undefined if the body is fine. `creating` adds the
 * "cannot send an empty message" check, which edits do not have.
 */
function validateMessageBody(body: Record<string, unknown>, fileCount: number, creating: boolean): Answer | undefined {
  const invalid = (why: string): Answer => error(400, 50035, `Invalid Form Body: ${why}`);
  const content = typeof body.content === 'string' ? body.content : '';
  const embeds = Array.isArray(body.embeds) ? body.embeds : [];
  const components = Array.isArray(body.components) ? body.components : [];
  if (content.length > 2000) return invalid('content must be 2000 or fewer in length');
  if (embeds.length > 10) return invalid('embeds must be 10 or fewer in length');
  let embedTotal = 0;
  for (const embed of embeds.filter(isRecord)) {
    const author = isRecord(embed.author) ? embed.author : {};
    const footer = isRecord(embed.footer) ? embed.footer : {};
    const fields = Array.isArray(embed.fields) ? embed.fields.filter(isRecord) : [];
    if (textLength(embed.title) > 256 || textLength(author.name) > 256) return invalid('embed title/author must be 256 or fewer in length');
    if (textLength(embed.description) > 4096) return invalid('embed description must be 4096 or fewer in length');
    if (textLength(footer.text) > 2048) return invalid('embed footer must be 2048 or fewer in length');
    if (fields.length > 25) return invalid('embed fields must be 25 or fewer in length');
    if (fields.some((field) => textLength(field.name) > 256 || textLength(field.value) > 1024)) return invalid('embed field name/value too long');
    embedTotal += textLength(embed.title) + textLength(embed.description) + textLength(author.name) + textLength(footer.text);
    embedTotal += fields.reduce((sum, field) => sum + textLength(field.name) + textLength(field.value), 0);
  }
  if (embedTotal > 6000) return invalid('embeds must be 6000 or fewer characters in total');
  if (components.length > 5) return invalid('components must be 5 or fewer in length');
  for (const row of components.filter(isRecord)) {
    if (Array.isArray(row.components) && row.components.length > 5) return invalid('an action row holds 5 or fewer components');
  }
  if (allComponents(components).some((component) => textLength(component.custom_id) > 100)) return invalid('custom_id must be 100 or fewer in length');
  const stickers = Array.isArray(body.sticker_ids) ? body.sticker_ids.length : 0;
  if (creating && content === '' && embeds.length === 0 && components.length === 0 && fileCount === 0 && stickers === 0) {
    return error(400, 50006, 'Cannot send an empty message');
  }
  return undefined;
}

/** Every component object, nested ones (in action rows, sections, containers) included; depth-bounded. */
function allComponents(components: unknown[], depth = 0): Record<string, unknown>[] {
  if (depth > 5) return [];
  return components.filter(isRecord).flatMap((component) => {
    const children = [component.components, component.accessory].flatMap((child) => (Array.isArray(child) ? child : isRecord(child) ? [child] : []));
    return [component, ...allComponents(children, depth + 1)];
  });
}

function findComponent(components: unknown[], customId: string): Record<string, unknown> | undefined {
  return allComponents(components).find((component) => component.custom_id === customId);
}

function findOption(options: CommandOption[], name: string): CommandOption | undefined {
  for (const option of options) {
    if (option.name === name && option.type !== 1 && option.type !== 2) return option;
    const nested = findOption(option.options ?? [], name);
    if (nested) return nested;
  }
  return undefined;
}

// -----------------------------------------------------------------------------------------------
// Rate limits (opt-in)
// -----------------------------------------------------------------------------------------------

/**
 * Discord's rate limits as the stand-in enforces them (https://discord.com/developers/docs/topics/rate-limits).
 * Both are fixed windows that open with the first request after the previous window closed. A refused request
 * uses up nothing.
 */
export interface StandInRateLimits {
  /** Requests with a bot token per second, interaction endpoints excepted (Discord: 50). */
  globalPerSecond?: number;
  /** Requests per window in each route bucket: method, route template and top-level resource (Discord's message creation: 5). */
  routeLimit?: number;
  /** How long a route bucket's window lasts (Discord's message creation: 5000 ms). */
  routeResetMs?: number;
}

interface RateLimitWindow {
  used: number;
  resetAt: number;
}

interface RateLimiter {
  /**
   * Counts a request against the global limit (`countsGlobally`) and its route bucket. `refusal` is the 429 to
   * answer instead; otherwise `headers` go on the answer.
   */
  admit(method: string, apiPath: string, countsGlobally: boolean): { refusal?: Answer; headers: Record<string, string> };
  /** 429s answered so far. */
  readonly refused: { global: number; route: number };
}

/** Route buckets kept before windows that have closed are dropped. */
const ROUTE_BUCKETS_KEPT = 10_000;

function createRateLimiter(limits: StandInRateLimits): RateLimiter {
  const globalPerSecond = limits.globalPerSecond ?? 50;
  const routeLimit = limits.routeLimit ?? 5;
  const routeResetMs = limits.routeResetMs ?? 5000;
  const refused = { global: 0, route: 0 };
  let global: RateLimitWindow = { used: 0, resetAt: 0 };
  const buckets = new Map<string, RateLimitWindow>();

  function routeWindow(key: string, now: number): RateLimitWindow {
    const open = buckets.get(key);
    if (open && now < open.resetAt) return open;
    if (buckets.size >= ROUTE_BUCKETS_KEPT) {
      for (const [old, window] of buckets) if (now >= window.resetAt) buckets.delete(old);
    }
    const fresh = { used: 0, resetAt: now + routeResetMs };
    buckets.set(key, fresh);
    return fresh;
  }

  return {
    refused,
    admit(method, apiPath, countsGlobally) {
      const now = Date.now();
      if (countsGlobally && now >= global.resetAt) global = { used: 0, resetAt: now + 1000 };
      if (countsGlobally && global.used >= globalPerSecond) {
        refused.global += 1;
        return { refusal: rateLimitRefusal((global.resetAt - now) / 1000, {}, 'global'), headers: {} };
      }
      const { hash, major } = routeBucket(method, apiPath);
      const window = routeWindow(`${hash}:${major}`, now);
      const headers = (remaining: number): Record<string, string> => ({
        'x-ratelimit-limit': String(routeLimit),
        'x-ratelimit-remaining': String(remaining),
        'x-ratelimit-reset': (window.resetAt / 1000).toFixed(3),
        'x-ratelimit-reset-after': ((window.resetAt - now) / 1000).toFixed(3),
        'x-ratelimit-bucket': hash,
      });
      if (window.used >= routeLimit) {
        refused.route += 1;
        return { refusal: rateLimitRefusal((window.resetAt - now) / 1000, headers(0), 'user'), headers: {} };
      }
      window.used += 1;
      if (countsGlobally) global.used += 1;
      return { headers: headers(routeLimit - window.used) };
    },
  };
}

/**
 * The bucket of a request as Discord forms it: a hash of method and route template (ids generalised), and the
 * top-level resource (channel, guild, webhook id with token, or the interaction) that gives each its own limit.
 */
function routeBucket(method: string, apiPath: string): { hash: string; major: string } {
  const segments = apiPath.split('/');
  let major = 'global';
  const template = segments.map((segment, i) => {
    const parent = segments[i - 1];
    const top = i === 2 && (parent === 'channels' || parent === 'guilds' || parent === 'webhooks' || parent === 'interactions');
    const token = i === 3 && (segments[1] === 'webhooks' || segments[1] === 'interactions');
    if (top) major = segment;
    if (token) major += `/${segment}`;
    if (top) return `{${parent}_id}`;
    if (token) return '{token}';
    return /^\d+$/.test(segment) ? '{id}' : segment;
  });
  const hash = createHash('sha256').update(`${method} ${template.join('/')}`).digest('hex').slice(0, 32);
  return { hash, major };
}

/** Discord's 429: `Retry-After` in whole seconds (rounded up), the exact wait in the body. */
function rateLimitRefusal(waitSeconds: number, headers: Record<string, string>, scope: 'global' | 'user'): Answer {
  const retryAfter = Math.max(0, Number(waitSeconds.toFixed(3)));
  return {
    status: 429,
    headers: {
      ...headers,
      'retry-after': String(Math.max(1, Math.ceil(retryAfter))),
      'x-ratelimit-scope': scope,
      ...(scope === 'global' ? { 'x-ratelimit-global': 'true' } : {}),
    },
    body: { message: 'You are being rate limited.', retry_after: retryAfter, global: scope === 'global' },
  };
}
