import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Keyv from 'keyv';
import type { Deserialize, KeyvStoreAdapter, Serialize } from 'keyv';
import type { Article } from '../model/item.ts';
import type { FeedState } from '../model/health.ts';
import type { Incident } from '../model/analysis.ts';
import { createArticleRepo } from './article-repo.ts';
import type { ArticleRepo } from './article-repo.ts';
import { collectionKeyPrefix, createCollection, isValidStorageName, OperationTracker } from './collection.ts';
import type { Collection } from './collection.ts';
import { createChannelRepo, type ChannelRepo } from './channel-repo.ts';
import { createFeedStateRepo } from './feed-state-repo.ts';
import { createOutboxRepo, type OutboxRepo } from './outbox-repo.ts';
import { createUserFeedRepo, type UserFeedRepo } from './user-feed-repo.ts';
import type { FeedStateRepo } from './feed-state-repo.ts';
import { createIncidentRepo } from './incident-repo.ts';
import { createPostgresLeases, createRedisLeases, createSqliteLeases, type Leases, type RedisEval } from './leases.ts';
import { createStoreLock, type Exclusive } from './store-lock.ts';
import type { IncidentIndexRecord, IncidentRepo } from './incident-repo.ts';
import { createSeenItemRepo } from './seen-item-repo.ts';
import { createDayIndex } from './day-index.ts';
import type { SeenItem, SeenItemRepo } from './seen-item-repo.ts';
import { createUnknownCompanyRepo, type UnknownCompanyRepo } from './unknown-company-repo.ts';

export type StoreKind = 'sqlite' | 'redis' | 'postgres';

/** Everything the bot persists, behind one handle chosen by STORE_URL. */
export interface Store {
  readonly kind: StoreKind;
  readonly feedState: FeedStateRepo;
  readonly seenItems: SeenItemRepo;
  readonly articles: ArticleRepo;
  /** Privacy incidents, indexed per company. */
  readonly incidents: IncidentRepo;
  /** Organisations the gazetteer does not know, counted as stories name them. */
  readonly unknownCompanies: UnknownCompanyRepo;
  /** Channel and room settings (language, subscriptions, digest), with the company → subscribers index. */
  readonly channels: ChannelRepo;
  /** Deliveries (alerts, digests) recorded before they are sent: exactly once across crashes. */
  readonly outbox: OutboxRepo;
  /** Outlets that servers added with `/feeds add`. */
  readonly userFeeds: UserFeedRepo;
  /** Generic typed collection for later stages (incidents, subscriptions, outbox). */
  collection<T>(namespace: string): Collection<T>;
  /** This process's name in leases; unique per process unless set (INSTANCE_ID). */
  readonly instanceId: string;
  /** Time-limited claims shared by every instance on this store (who polls a feed, who delivers to a channel). */
  readonly leases: Leases;
  /** Runs work under a named lock held across every instance on this store (read-modify-write of shared documents). */
  readonly exclusive: Exclusive;
  /** Waits for in-flight writes, then closes connections. Idempotent. */
  close(): Promise<void>;
}

/** STORE_URL (or the prefix) is malformed or names an unsupported backend. */
export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

export interface OpenStoreOptions {
  /**
   * Prepended to every key, so that several stores (parallel test files, two bots)
   * can share one Redis or PostgreSQL database without seeing each other's data.
   * 1-48 letters, digits, '_', '.', '-'.
   */
  prefix?: string;
  /**
   * Receives the backends' error events — dropped connections, failed reconnects, a
   * failed table creation — which would otherwise go unseen (failed calls reject, and
   * may be reported here as well). Default: ignore.
   */
  onError?: (error: unknown) => void;
  /** Bound on connecting to Redis/PostgreSQL, and (twice that) on opening at all. Default 5000. */
  connectTimeoutMs?: number;
  /** This process's name in leases and locks. Default: host name, process id and a random part. */
  instanceId?: string;
}

/** Where a STORE_URL points. */
export type StoreLocation =
  | { kind: 'sqlite'; file: string }
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string };

const SUPPORTED_URLS =
  'sqlite://relative/path.sqlite, sqlite:///absolute/path.sqlite, sqlite://:memory:, ' +
  'redis://[user:password@]host:port[/db], rediss://…, postgres://user:password@host:port/database or postgresql://…';

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Bound on a single Redis command or PostgreSQL query once open. */
const COMMAND_TIMEOUT_MS = 15_000;
/** How long SQLite waits for a lock held by another process before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Longest pause between Redis reconnect attempts after the connection drops. */
const REDIS_MAX_RECONNECT_DELAY_MS = 5000;
/** Key read once at open: proves the backend answers and the table exists. */
const PROBE_KEY = 'privacy-radar-store-probe';

/**
 * Parses a STORE_URL. Relative SQLite paths resolve against `cwd`. Error messages
 * name the scheme only, never the whole URL: it may carry a password.
 */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const file = url.slice('sqlite://'.length);
      if (file === '') {
        throw new StoreConfigError(`STORE_URL "sqlite://" has no file path; expected one of: ${SUPPORTED_URLS}`);
      }
      return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(cwd, file) };
    }
    case 'redis':
    case 'rediss':
      return { kind: 'redis', url: checkedNetworkUrl(url, scheme) };
    case 'postgres':
    case 'postgresql':
      return { kind: 'postgres', url: checkedNetworkUrl(url, scheme) };
    default:
      throw new StoreConfigError(
        scheme === undefined
          ? `STORE_URL is not a URL; expected one of: ${SUPPORTED_URLS}`
          : `STORE_URL scheme "${scheme}://" is not supported; expected one of: ${SUPPORTED_URLS}`,
      );
  }
}

function checkedNetworkUrl(url: string, scheme: string): string {
  let hostname = '';
  try {
    hostname = new URL(url).hostname;
  } catch {
    throw new StoreConfigError(`STORE_URL with scheme "${scheme}://" is malformed; expected one of: ${SUPPORTED_URLS}`);
  }
  if (hostname === '') {
    throw new StoreConfigError(`STORE_URL with scheme "${scheme}://" has no host; expected one of: ${SUPPORTED_URLS}`);
  }
  return url;
}

/** A location fit for messages and logs: no credentials, no query. */
function describeLocation(location: StoreLocation): string {
  if (location.kind === 'sqlite') {
    return location.file;
  }
  const url = new URL(location.url);
  return `${url.protocol}//${url.host}${location.kind === 'postgres' ? url.pathname : ''}`;
}

/**
 * Opens the store STORE_URL names: SQLite (embedded; the file and its directory are
 * created on first run), Redis or PostgreSQL. Resolves once the backend has answered;
 * rejects with StoreConfigError for a bad URL or prefix, and with an Error within
 * about 2 × connectTimeoutMs when the backend cannot be reached.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const prefix = options.prefix ?? '';
  if (prefix !== '' && !isValidStorageName(prefix)) {
    throw new StoreConfigError(`Store prefix ${JSON.stringify(prefix)} is invalid: use 1-48 letters, digits, '_', '.', '-'`);
  }
  const location = parseStoreUrl(url);
  const onError = options.onError ?? (() => {});
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(connectTimeoutMs > 0 && Number.isFinite(connectTimeoutMs))) {
    throw new StoreConfigError(`connectTimeoutMs must be a positive number of milliseconds, not ${connectTimeoutMs}`);
  }

  const failure = (error: unknown): Error =>
    new Error(`Could not open the ${location.kind} store at ${describeLocation(location)}: ${errorMessage(error)}`, {
      cause: error,
    });

  let backend: Backend;
  try {
    backend = await createBackend(location, connectTimeoutMs);
  } catch (error) {
    throw failure(error);
  }
  const keyv = new Keyv(backend.adapter, {
    namespace: undefined, // see storageKey: collections prefix keys themselves
    serialize: serializeJson,
    deserialize: deserializeJson,
    throwOnErrors: true,
  });
  keyv.on('error', onError);

  try {
    await withTimeout(
      (async () => {
        await backend.connect();
        await keyv.get(PROBE_KEY);
      })(),
      2 * connectTimeoutMs,
      `no answer within ${2 * connectTimeoutMs} ms`,
    );
  } catch (error) {
    await withTimeout(backend.abort(), connectTimeoutMs, 'abort timed out').catch(() => {});
    throw failure(error);
  }
  let leases: Leases;
  try {
    leases = await withTimeout(backend.leases(prefix), 2 * connectTimeoutMs, `no answer within ${2 * connectTimeoutMs} ms`);
  } catch (error) {
    await withTimeout(backend.abort(), connectTimeoutMs, 'abort timed out').catch(() => {});
    throw failure(error);
  }
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  return assembleStore(location.kind, keyv, prefix, leases, instanceId);
}

function assembleStore(kind: StoreKind, keyv: Keyv, prefix: string, rawLeases: Leases, instanceId: string): Store {
  const tracker = new OperationTracker();
  const collection = <T>(namespace: string): Collection<T> =>
    createCollection<T>(keyv, tracker, collectionKeyPrefix(prefix, namespace));
  // Lease operations are tracked like collection operations: closing waits for them.
  const leases: Leases = {
    acquire: (name, holder, ttlMs) => tracker.run(() => rawLeases.acquire(name, holder, ttlMs)),
    release: (name, holder) => tracker.run(() => rawLeases.release(name, holder)),
  };
  const exclusive = createStoreLock(leases, instanceId);
  let closing: Promise<void> | undefined;
  return {
    kind,
    feedState: createFeedStateRepo(collection<FeedState>('feed-state')),
    seenItems: createSeenItemRepo(
      collection<SeenItem>('seen-items'),
      collection('feed-fetches'),
      createDayIndex(collection('seen-days'), collection('seen-day-keys'), exclusive, 'seen-days'),
    ),
    articles: createArticleRepo(collection<Article>('articles')),
    incidents: createIncidentRepo(collection<Incident>('incidents'), collection<IncidentIndexRecord>('incident-index'), exclusive),
    unknownCompanies: createUnknownCompanyRepo(collection('unknown-companies'), exclusive),
    channels: createChannelRepo(
      {
        settings: collection('channels'),
        subscribers: collection('subscribers'),
        digests: collection('digest-channels'),
        serverChannels: collection('server-channels'),
        servers: collection('servers'),
        removals: collection('server-removals'),
      },
      exclusive,
    ),
    outbox: createOutboxRepo(
      collection('outbox'),
      collection('outbox-index'),
      exclusive,
      createDayIndex(collection('outbox-days'), collection('outbox-day-keys'), exclusive, 'outbox-days'),
    ),
    userFeeds: createUserFeedRepo(collection('user-feeds'), collection('user-feed-index'), exclusive),
    collection,
    instanceId,
    leases,
    exclusive,
    close: () => {
      closing ??= tracker.drain().then(() => keyv.disconnect());
      return closing;
    },
  };
}

/**
 * Plain JSON instead of Keyv's default serialiser, which rewrites strings starting
 * with ':' and turns ':base64:' strings into Buffers: stored rows stay ordinary JSON
 * that other tools can read, and every string round-trips unchanged.
 */
const serializeJson: Serialize = (data) => JSON.stringify(data);
const deserializeJson: Deserialize = (text) => JSON.parse(text);

interface Backend {
  /** A Keyv storage adapter with no namespace of its own, throwing on errors. */
  adapter: KeyvStoreAdapter;
  /** Connects (where connecting is a separate step) and prepares the backend. */
  connect(): Promise<void>;
  /** Drops the connection after a failed open, without waiting for pending replies. */
  abort(): Promise<void>;
  /** Leases in this backend (after connect), with atomic take-over (see leases.ts). */
  leases(prefix: string): Promise<Leases>;
}

/**
 * Each backend's client library is loaded only when its URL is used: a SQLite deployment never loads the Redis
 * and PostgreSQL clients (about 40 MB of resident memory between them).
 */
async function createBackend(location: StoreLocation, connectTimeoutMs: number): Promise<Backend> {
  switch (location.kind) {
    case 'sqlite':
      return createSqliteBackend(location.file);
    case 'redis':
      return createRedisBackend(location.url, connectTimeoutMs);
    case 'postgres':
      return createPostgresBackend(location.url, connectTimeoutMs);
  }
}

/** One sqlite3 connection; WAL so that readers (a CLI, a backup) don't block the bot. */
async function createSqliteBackend(file: string): Promise<Backend> {
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  if (file !== ':memory:') {
    mkdirSync(path.dirname(file), { recursive: true });
  }
  const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
  return {
    adapter,
    connect: async () => {
      if (file !== ':memory:') {
        await adapter.query('PRAGMA journal_mode = WAL');
      }
    },
    abort: () => adapter.disconnect(),
    leases: (prefix) => createSqliteLeases((sql, parameters) => adapter.query(sql, ...parameters) as Promise<unknown[]>, prefix),
  };
}

/**
 * Our own Redis client, so that connecting is bounded: while opening, a failed
 * attempt ends the open (no endless retry); once open, a dropped connection is
 * retried with capped back-off, and commands fail at once meanwhile instead of
 * queueing without limit.
 */
async function createRedisBackend(url: string, connectTimeoutMs: number): Promise<Backend> {
  const { default: KeyvRedis, createClient } = await import('@keyv/redis');
  let opened = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (retries: number) =>
        opened ? Math.min(100 * 2 ** Math.min(retries, 16), REDIS_MAX_RECONNECT_DELAY_MS) : false,
    },
  });
  // The adapter forwards the client's 'error' events through Keyv to onError.
  const adapter = new KeyvRedis<string>(client, { throwOnConnectError: true, throwOnErrors: true });
  return {
    adapter,
    connect: async () => {
      await client.connect();
      opened = true;
    },
    abort: () => adapter.disconnect(true),
    leases: async (prefix) => {
      const scripts: RedisEval = { eval: (script, options) => client.eval(script, options) as Promise<unknown> };
      return createRedisLeases(scripts, prefix);
    },
  };
}

/**
 * @keyv/postgres keeps one module-wide pg pool, replaced (not closed) when another
 * URL is opened and ended by whichever store disconnects first; and it attaches no
 * 'error' listener, so an idle connection dropped by the server would crash the
 * process. Each store therefore brings its own pool, with an error listener and
 * timeouts.
 */
async function createPostgresBackend(url: string, connectTimeoutMs: number): Promise<Backend> {
  const [{ default: KeyvPostgres }, { default: pg }] = await Promise.all([import('@keyv/postgres'), import('pg')]);
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: COMMAND_TIMEOUT_MS,
  });
  class OwnPoolKeyvPostgres extends KeyvPostgres {
    override async connect(): Promise<(sql: string, values?: unknown[]) => Promise<unknown[]>> {
      return async (sql, values) => (await pool.query(sql, values)).rows;
    }
    override async disconnect(): Promise<void> {
      await pool.end();
    }
  }
  const adapter = new OwnPoolKeyvPostgres({ uri: url });
  pool.on('error', (error) => adapter.emit('error', error));
  // Table creation starts in the adapter's constructor; the probe read waits for it.
  return {
    adapter,
    connect: async () => {},
    abort: () => pool.end(),
    leases: (prefix) => createPostgresLeases(async (sql, parameters) => (await pool.query(sql, parameters)).rows, prefix),
  };
}

/** Rejects with `message` if `promise` has not settled within `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(errorMessage).join('; ');
  }
  return error instanceof Error ? error.message || error.name : String(error);
}
