/**
 * Leases: time-limited claims that every bot instance sharing a store agrees on — who polls a feed this cycle,
 * who delivers to a channel now, who holds a lock on a read-modify-write document, who answers a chat command.
 *
 * Taking a lease is one atomic operation in the backend (Redis: a Lua script over SET … PX; PostgreSQL and
 * SQLite: an upsert whose update only applies when the lease has run out or is the holder's own), so two
 * instances can never both hold the same unexpired lease. A lease is never renewed by anyone but its holder,
 * and an instance that dies simply stops renewing: its leases run out and another instance takes over.
 *
 * Lease names are plain (`poll.heise`, `deliver.discord:123`, `lock.outbox`); callers hash anything longer.
 */
export interface Leases {
  /**
   * Takes the lease `name` for `holder` until `ttlMs` from now, or extends it when `holder` has it already.
   * False while another holder's lease runs.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` still has it (a lease taken over meanwhile is left alone). */
  release(name: string, holder: string): Promise<void>;
}

/** Lease rows past their expiry are deleted at most this often (SQL backends; Redis expires keys itself). */
const PRUNE_INTERVAL_MS = 60_000;

/** Runs a SQL statement with positional parameters and answers its rows. */
export type SqlQuery = (sql: string, parameters: unknown[]) => Promise<unknown[]>;

const LEASE_TABLE = 'privacy_radar_leases';

/**
 * Leases in a SQLite file: the upsert runs in one statement, which SQLite executes under its write lock, so
 * processes sharing the file (a bot and a CLI run) see one another's leases. Time is the machine's clock —
 * every process of a SQLite store runs on the same machine.
 */
export async function createSqliteLeases(query: SqlQuery, prefix: string, now: () => number = Date.now): Promise<Leases> {
  await query(`CREATE TABLE IF NOT EXISTS ${LEASE_TABLE} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires INTEGER NOT NULL)`, []);
  let lastPrune = 0;
  const prune = async (at: number): Promise<void> => {
    if (at - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = at;
    await query(`DELETE FROM ${LEASE_TABLE} WHERE expires < ?`, [at]);
  };
  return {
    acquire: async (name, holder, ttlMs) => {
      const at = now();
      await prune(at);
      const rows = await query(
        `INSERT INTO ${LEASE_TABLE} (name, holder, expires) VALUES (?, ?, ?) ` +
          `ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires ` +
          `WHERE ${LEASE_TABLE}.expires <= ? OR ${LEASE_TABLE}.holder = excluded.holder RETURNING holder`,
        [prefixed(prefix, name), holder, at + ttlMs, at],
      );
      return rows.length === 1;
    },
    release: async (name, holder) => {
      await query(`DELETE FROM ${LEASE_TABLE} WHERE name = ? AND holder = ?`, [prefixed(prefix, name), holder]);
    },
  };
}

/**
 * Leases in PostgreSQL, timed by the server's clock so that instances on machines with skewed clocks still
 * agree. `INSERT … ON CONFLICT DO UPDATE … WHERE` is atomic per row.
 */
export async function createPostgresLeases(query: SqlQuery, prefix: string): Promise<Leases> {
  try {
    await query(`CREATE TABLE IF NOT EXISTS ${LEASE_TABLE} (name VARCHAR(255) PRIMARY KEY, holder TEXT NOT NULL, expires TIMESTAMPTZ NOT NULL)`, []);
  } catch (error) {
    // Two instances creating the table at the same moment: one wins, the other sees a duplicate type or table.
    if (!isDuplicateObject(error)) throw error;
  }
  let lastPrune = 0;
  const prune = async (): Promise<void> => {
    if (Date.now() - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = Date.now();
    await query(`DELETE FROM ${LEASE_TABLE} WHERE expires < clock_timestamp()`, []);
  };
  return {
    acquire: async (name, holder, ttlMs) => {
      await prune();
      const rows = await query(
        `INSERT INTO ${LEASE_TABLE} AS lease (name, holder, expires) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond') ` +
          `ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires ` +
          `WHERE lease.expires <= clock_timestamp() OR lease.holder = excluded.holder RETURNING holder`,
        [prefixed(prefix, name), holder, Math.ceil(ttlMs)],
      );
      return rows.length === 1;
    },
    release: async (name, holder) => {
      await query(`DELETE FROM ${LEASE_TABLE} WHERE name = $1 AND holder = $2`, [prefixed(prefix, name), holder]);
    },
  };
}

/** The part of a Redis client leases need: EVAL with keys and arguments. */
export interface RedisEval {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

const REDIS_ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const REDIS_RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Leases as Redis keys with a PX expiry, timed by the Redis server; each operation is one atomic script. */
export function createRedisLeases(client: RedisEval, prefix: string): Leases {
  const key = (name: string): string => `${prefixed(prefix, 'lease')}/${name}`;
  return {
    acquire: async (name, holder, ttlMs) =>
      Number(await client.eval(REDIS_ACQUIRE, { keys: [key(name)], arguments: [holder, String(Math.max(1, Math.ceil(ttlMs)))] })) === 1,
    release: async (name, holder) => {
      await client.eval(REDIS_RELEASE, { keys: [key(name)], arguments: [holder] });
    },
  };
}

function prefixed(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}:${name}`;
}

function isDuplicateObject(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === '42P07';
}
