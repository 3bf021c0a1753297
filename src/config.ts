import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import cron from 'node-cron';
import { canonicalTimezone, parseTimeOfDay } from './chat/digest-time.ts';

/**
 * Environment → typed, validated settings. Every variable here is documented in `.env.example`.
 * A wrong value stops the program with one line naming the variable (exit code 2), never a stack trace.
 */

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A DNS host name (labels of letters, digits and hyphens). */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** RETENTION_DAYS and FORGET_AFTER_DAYS when unset. */
export const DEFAULT_RETENTION = { days: 90, forgetAfterDays: 30 } as const;

const EnvSchema = z.object({
  STORE_URL: z
    .string()
    .regex(/^(sqlite|redis|rediss|postgres|postgresql):\/\/.+/, 'a sqlite://, redis:// or postgres:// URL')
    .default('sqlite://data/privacy-radar.sqlite'),
  FEEDS_DIR: z.string().min(1).default('./feeds'),
  POLL_CRON: z
    .string()
    .refine((v) => cron.validate(v), 'a cron expression such as "*/10 * * * *"')
    .default('*/10 * * * *'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json`: one JSON object per line (for log collectors); `pretty`: for people; `auto`: pretty on a terminal. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  USER_AGENT_CONTACT: z
    .string()
    .regex(/^(https?:\/\/|mailto:)\S+$/, 'a contact URL (https://…) or mailto: address for the User-Agent')
    .default('https://github.com/privacy-radar/privacy-radar'),
  FETCH_HEADERS_TIMEOUT_MS: positiveInt(100, 300_000).default(15_000),
  FETCH_BODY_TIMEOUT_MS: positiveInt(100, 600_000).default(30_000),
  FETCH_MAX_BYTES: positiveInt(1024, 100 * 1024 * 1024).default(5 * 1024 * 1024),
  FEED_MAX_BYTES: positiveInt(1024, 100 * 1024 * 1024).default(2 * 1024 * 1024),
  FETCH_CONCURRENCY: positiveInt(1, 256).default(8),
  FETCH_PER_HOST_CONCURRENCY: positiveInt(1, 32).default(2),
  /**
   * Lets feeds (and the article links in them) be fetched from loopback, private and other non-public addresses,
   * for feeds on the operator's own network. Cloud metadata addresses stay refused either way.
   */
  ALLOW_PRIVATE_FEEDS: z.enum(['true', 'false']).default('false'),
  /** Upper bound on how long a feed's Cache-Control max-age may delay its next fetch. */
  FEED_MAX_CACHE_SECONDS: positiveInt(0, 24 * 3600).default(3600),
  /** Back-off after a failure: BACKOFF_BASE_SECONDS × 2^(failures−1), capped. */
  BACKOFF_BASE_SECONDS: positiveInt(1, 24 * 3600).default(300),
  BACKOFF_MAX_SECONDS: positiveInt(1, 7 * 24 * 3600).default(24 * 3600),
  /** Optional OpenAI-compatible chat-completions endpoint for summaries, e.g. http://127.0.0.1:11434/v1 (Ollama). */
  LLM_BASE_URL: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'an http(s) URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1')
    .optional(),
  LLM_MODEL: z.string().min(1).max(200).optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_TIMEOUT_MS: positiveInt(1000, 300_000).default(20_000),
  /** The bot token from Discord's developer portal; turns Discord on. A secret: never logged. */
  DISCORD_TOKEN: z.string().regex(/^[\w.-]{20,200}$/, 'a Discord bot token').optional(),
  /** Discord's REST base; another value points the bot at a Discord-compatible server (or the test stand-in). */
  DISCORD_API_BASE: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http(s) URL such as https://discord.com/api')
    .transform((url) => url.replace(/\/+$/, ''))
    .default('https://discord.com/api'),
  /** Register slash commands in this server only (appear at once; for development); otherwise globally. */
  DISCORD_GUILD_ID: z.string().regex(/^\d{15,22}$/, 'a Discord server id (a number)').optional(),
  /** The homeserver's client-server API base, e.g. https://matrix.example.org; turns Matrix on. */
  MATRIX_HOMESERVER_URL: z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http(s) URL such as https://matrix.example.org').transform((url) => url.replace(/\/+$/, '')).optional(),
  MATRIX_USER_ID: z.string().regex(/^@[a-z0-9._=\/+-]+:[A-Za-z0-9.-]+(?::\d{1,5})?$/, 'a Matrix user id such as @privacy-radar:example.org').optional(),
  /** A secret: never logged. Either this or MATRIX_PASSWORD. */
  MATRIX_ACCESS_TOKEN: z.string().regex(/^\S{8,500}$/, 'an access token').optional(),
  /** A secret: used once to log in; the access token it yields is kept in the store. */
  MATRIX_PASSWORD: z.string().min(1).max(500).optional(),
  /** Commands start with this in Matrix rooms (addressing the bot by name works too). */
  MATRIX_COMMAND_PREFIX: z.string().regex(/^[!.?$%&#~+=-]{1,3}$/, 'one to three punctuation characters such as !').default('!'),
  /** Who may invite the bot into rooms: user ids or *:server patterns, comma-separated; default: its own homeserver. */
  MATRIX_ALLOWED_INVITERS: z.string().regex(/^\s*(?:\*|@[^\s,]+|\*:[^\s,]+)(?:\s*,\s*(?:\*|@[^\s,]+|\*:[^\s,]+))*\s*$/, 'user ids or *:server patterns, comma-separated').optional(),
  /**
   * A secret: turns end-to-end encryption on and encrypts the device's crypto state (kept in the store) with a key
   * derived from it. Changing it later makes the stored state unreadable: the bot refuses to start rather than
   * becoming a new device silently.
   */
  MATRIX_CRYPTO_SECRET: z.string().min(16, 'at least 16 characters (a long random string)').max(500).optional(),
  /**
   * A secret: the account's recovery key (secret storage key), with which the bot signs its own device with the
   * account's cross-signing key, so that users who verified the bot's account trust the device.
   */
  MATRIX_RECOVERY_KEY: z.string().regex(/^[1-9A-HJ-NP-Za-km-z\s]{40,80}$/, 'a recovery key: groups of letters and digits such as "EsTc LW2K …"').optional(),
  /** The power level a room member needs for manager commands. */
  MATRIX_MANAGER_POWER_LEVEL: z.coerce.number().int().min(0).max(100).default(50),
  /** When the delivery round runs: due digests are built, pending alerts and digests sent (cron, seconds allowed). */
  DELIVERY_CRON: z
    .string()
    .refine((v) => cron.validate(v), 'a cron expression such as "* * * * *"')
    .default('* * * * *'),
  /** A digest missed while the bot was down is still sent this many hours after its time. */
  DIGEST_GRACE_HOURS: positiveInt(0, 24).default(6),
  /** On a day without news, say so instead of staying silent. */
  DIGEST_NOTHING_NEW: z.enum(['true', 'false']).default('false'),
  /**
   * This instance's name in the store's leases. Instances sharing a store need different names; a stable one lets
   * a restarted instance take its leases back at once instead of waiting for them to run out. Default: host
   * name, process id and a random part (unique per process).
   */
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, '1-64 letters, digits, ".", "_", ":" or "-"').optional(),
  /** How long an instance's claim on a feed or a channel's deliveries outlives the instance (seconds). */
  LEASE_TTL_SECONDS: positiveInt(1, 3600).default(60),
  /**
   * Seen-item ids and article texts are kept this many days (an item still in its feed is kept however old); incidents
   * stay. 0 keeps everything.
   */
  RETENTION_DAYS: positiveInt(0, 3650).default(DEFAULT_RETENTION.days),
  /** A server's (or room's) settings are deleted this many days after it removed the bot, unless the bot is back by then. */
  FORGET_AFTER_DAYS: positiveInt(1, 3650).default(DEFAULT_RETENTION.forgetAfterDays),
  /** How many outlets of its own a server may add with `/feeds add`; 0 turns adding off. */
  USER_FEEDS_PER_SERVER: positiveInt(0, 1000).default(20),
  /** `privacy-radar backfill`: at least this long between two requests to one host (default one a second). */
  BACKFILL_HOST_INTERVAL_MS: positiveInt(0, 60_000).default(1000),
  /** The time of day a digest uses when `/digest daily` names none (HH:MM, 24-hour). */
  DIGEST_DEFAULT_TIME: z
    .string()
    .refine((time) => parseTimeOfDay(time) !== undefined, 'a time of day such as 08:00')
    .transform((time) => parseTimeOfDay(time)!)
    .default('08:00'),
  /** The time zone a digest uses when `/digest daily` names none. */
  DIGEST_DEFAULT_TZ: z
    .string()
    .refine((zone) => canonicalTimezone(zone) !== undefined, 'an IANA time zone such as Europe/Berlin')
    .transform((zone) => canonicalTimezone(zone)!)
    .default('Europe/Berlin'),
  /** Serves /healthz and /metrics on this port; unset: no health server. */
  HEALTH_PORT: positiveInt(1, 65535).optional(),
  /** The address the health server listens on; loopback by default, since /metrics is not meant for everyone. */
  HEALTH_HOST: z
    .string()
    .refine((host) => isIP(host) !== 0 || HOST_NAME.test(host), 'an IP address or host name such as 127.0.0.1, ::1 or 0.0.0.0')
    .default('127.0.0.1'),
});

/** Every environment variable the bot reads (documented in .env.example and the README; a test keeps them in step). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export interface Config {
  storeUrl: string;
  feedsDir: string;
  pollCron: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  userAgent: string;
  fetch: {
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
    maxBytes: number;
    /** FEED_MAX_BYTES: feeds get a smaller cap than pages (parsing a large feed is the costly part). */
    feedMaxBytes: number;
    maxConcurrency: number;
    perHostConcurrency: number;
    /** ALLOW_PRIVATE_FEEDS: fetch from non-public addresses too (see src/ingest/address-guard.ts). */
    allowPrivateAddresses: boolean;
  };
  feedMaxCacheSeconds: number;
  backoff: { baseSeconds: number; maxSeconds: number };
  /** Set when DISCORD_TOKEN is: the bot runs on Discord. */
  discord?: { token: string; apiBase: string; guildId?: string };
  /** Set when MATRIX_HOMESERVER_URL is: the bot runs on Matrix. */
  matrix?: MatrixConfig;
  digestDefaultTimezone: string;
  /** HH:MM: the time `/digest daily` uses when none is given. */
  digestDefaultTime: string;
  /** How many feeds of its own a server may add; 0: none. */
  userFeedsPerServer: number;
  /** BACKFILL_HOST_INTERVAL_MS. */
  backfillHostIntervalMs: number;
  delivery: { cron: string; graceMs: number; announceEmpty: boolean };
  /** How instances sharing a store share the work (see src/store/leases.ts). */
  instance: { id?: string; leaseTtlMs: number };
  /** What is kept how long (see src/maintenance/run-maintenance.ts): days; `days` 0 keeps news records forever. */
  retention: { days: number; forgetAfterDays: number };
  /** Set when an LLM endpoint is configured; summaries fall back to the extractive one on any failure. */
  llm?: { baseUrl: string; model: string; apiKey?: string; timeoutMs: number };
  /** Set when HEALTH_PORT is: where /healthz and /metrics are served (see src/operations/health-server.ts). */
  health?: { host: string; port: number };
}

export interface MatrixConfig {
  homeserverUrl: string;
  userId: string;
  /** Exactly one of the two: a token to use, or a password to log in with once. */
  accessToken?: string;
  password?: string;
  prefix: string;
  /** User ids and `*:server` patterns; `*` allows anyone. */
  allowedInviters: string[];
  managerPowerLevel: number;
  /** MATRIX_CRYPTO_SECRET: set, the bot takes part in encrypted rooms (see src/platforms/matrix/matrix-encryption.ts). */
  cryptoSecret?: string;
  /** MATRIX_RECOVERY_KEY: sign the device with the account's cross-signing key from secret storage. */
  recoveryKey?: string;
}

/** Variables whose values never appear in messages or logs, not even when they are malformed. */
const SECRET_VARIABLES = new Set(['DISCORD_TOKEN', 'LLM_API_KEY', 'MATRIX_ACCESS_TOKEN', 'MATRIX_PASSWORD', 'MATRIX_CRYPTO_SECRET', 'MATRIX_RECOVERY_KEY']);

/** A setting that cannot be used. `message` is the one line shown to the operator. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const VERSION = '0.1.0';
/** Where people read about the bot and report problems (shown by /about). */
export const HOMEPAGE = 'https://github.com/privacy-radar/privacy-radar';

/** Reads `.env` from the working directory if present; variables already set in the environment win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty values count as unset, as they do in most .env tooling.
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key in EnvSchema.shape && value !== undefined && value.trim() !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const got = SECRET_VARIABLES.has(variable) ? `a value of ${(env[variable] ?? '').length} characters (not shown: it is a secret)` : JSON.stringify(env[variable] ?? '');
    throw new ConfigError(`${variable}: expected ${describeExpectation(issue)}, got ${got}`);
  }
  const e = parsed.data;
  if (e.BACKOFF_MAX_SECONDS < e.BACKOFF_BASE_SECONDS) {
    throw new ConfigError(`BACKOFF_MAX_SECONDS: expected at least BACKOFF_BASE_SECONDS (${e.BACKOFF_BASE_SECONDS})`);
  }
  if (e.MATRIX_HOMESERVER_URL !== undefined) {
    if (e.MATRIX_USER_ID === undefined) throw new ConfigError('MATRIX_USER_ID: expected the bot\'s user id when MATRIX_HOMESERVER_URL is set');
    if (e.MATRIX_ACCESS_TOKEN === undefined && e.MATRIX_PASSWORD === undefined) {
      throw new ConfigError('MATRIX_ACCESS_TOKEN: expected an access token (or MATRIX_PASSWORD) when MATRIX_HOMESERVER_URL is set');
    }
    if (e.MATRIX_RECOVERY_KEY !== undefined && e.MATRIX_CRYPTO_SECRET === undefined) {
      throw new ConfigError('MATRIX_CRYPTO_SECRET: expected a secret when MATRIX_RECOVERY_KEY is set (the recovery key is only used with encryption on)');
    }
  }
  if (e.LLM_BASE_URL !== undefined && e.LLM_MODEL === undefined) {
    throw new ConfigError('LLM_MODEL: expected a model name when LLM_BASE_URL is set');
  }
  return {
    ...(e.LLM_BASE_URL !== undefined && e.LLM_MODEL !== undefined
      ? {
          llm: {
            baseUrl: e.LLM_BASE_URL,
            model: e.LLM_MODEL,
            timeoutMs: e.LLM_TIMEOUT_MS,
            ...(e.LLM_API_KEY !== undefined ? { apiKey: e.LLM_API_KEY } : {}),
          },
        }
      : {}),
    ...(e.DISCORD_TOKEN !== undefined
      ? { discord: { token: e.DISCORD_TOKEN, apiBase: e.DISCORD_API_BASE, ...(e.DISCORD_GUILD_ID ? { guildId: e.DISCORD_GUILD_ID } : {}) } }
      : {}),
    ...(e.MATRIX_HOMESERVER_URL !== undefined && e.MATRIX_USER_ID !== undefined
      ? {
          matrix: {
            homeserverUrl: e.MATRIX_HOMESERVER_URL,
            userId: e.MATRIX_USER_ID,
            ...(e.MATRIX_ACCESS_TOKEN !== undefined ? { accessToken: e.MATRIX_ACCESS_TOKEN } : { password: e.MATRIX_PASSWORD! }),
            prefix: e.MATRIX_COMMAND_PREFIX,
            allowedInviters: (e.MATRIX_ALLOWED_INVITERS ?? `*:${e.MATRIX_USER_ID.slice(e.MATRIX_USER_ID.indexOf(':') + 1)}`)
              .split(',')
              .map((entry) => entry.trim())
              .filter((entry) => entry !== ''),
            managerPowerLevel: e.MATRIX_MANAGER_POWER_LEVEL,
            ...(e.MATRIX_CRYPTO_SECRET !== undefined ? { cryptoSecret: e.MATRIX_CRYPTO_SECRET } : {}),
            ...(e.MATRIX_RECOVERY_KEY !== undefined ? { recoveryKey: e.MATRIX_RECOVERY_KEY } : {}),
          },
        }
      : {}),
    digestDefaultTimezone: e.DIGEST_DEFAULT_TZ,
    digestDefaultTime: e.DIGEST_DEFAULT_TIME,
    userFeedsPerServer: e.USER_FEEDS_PER_SERVER,
    backfillHostIntervalMs: e.BACKFILL_HOST_INTERVAL_MS,
    delivery: { cron: e.DELIVERY_CRON, graceMs: e.DIGEST_GRACE_HOURS * 3_600_000, announceEmpty: e.DIGEST_NOTHING_NEW === 'true' },
    instance: { ...(e.INSTANCE_ID !== undefined ? { id: e.INSTANCE_ID } : {}), leaseTtlMs: e.LEASE_TTL_SECONDS * 1000 },
    retention: { days: e.RETENTION_DAYS, forgetAfterDays: e.FORGET_AFTER_DAYS },
    storeUrl: e.STORE_URL,
    feedsDir: e.FEEDS_DIR,
    pollCron: e.POLL_CRON,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT === 'auto' ? (process.stderr.isTTY ? 'pretty' : 'json') : e.LOG_FORMAT,
    userAgent: `privacy-radar/${VERSION} (+${e.USER_AGENT_CONTACT})`,
    fetch: {
      headersTimeoutMs: e.FETCH_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.FETCH_BODY_TIMEOUT_MS,
      maxBytes: e.FETCH_MAX_BYTES,
      feedMaxBytes: e.FEED_MAX_BYTES,
      maxConcurrency: e.FETCH_CONCURRENCY,
      perHostConcurrency: e.FETCH_PER_HOST_CONCURRENCY,
      allowPrivateAddresses: e.ALLOW_PRIVATE_FEEDS === 'true',
    },
    feedMaxCacheSeconds: e.FEED_MAX_CACHE_SECONDS,
    backoff: { baseSeconds: e.BACKOFF_BASE_SECONDS, maxSeconds: e.BACKOFF_MAX_SECONDS },
    ...(e.HEALTH_PORT !== undefined ? { health: { host: e.HEALTH_HOST, port: e.HEALTH_PORT } } : {}),
  };
}

function describeExpectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return `a whole number of at least ${String(issue.minimum)}`;
    case 'too_big':
      return `a whole number of at most ${String(issue.maximum)}`;
    case 'invalid_type':
      return issue.expected === 'number' ? 'a whole number' : issue.expected;
    default:
      return issue.message.replace(/^Invalid input: /i, '');
  }
}
