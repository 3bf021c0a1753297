import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient } from '@keyv/redis';
import type { StoreKind } from '../../src/store/open-store.ts';

/**
 * The store backends a store test runs on: SQLite always; Redis and PostgreSQL when REDIS_URL / DATABASE_URL are
 * set (`bash .ci/services.sh` starts both). Tests write under random key prefixes, so parallel test files and
 * earlier runs sharing the same servers never meet, and purge them afterwards.
 */
export interface StoreBackend {
  kind: StoreKind;
  /** Shown in the describe title; names the missing variable when skipped. */
  title: string;
  /** Undefined: not configured here, the backend's suite is skipped. */
  url: string | undefined;
  /** Removes everything written under these prefixes (SQLite: nothing; its temporary directory goes). */
  purge(url: string, prefixes: string[]): Promise<void>;
}

export const randomPrefix = (): string => `t${randomBytes(6).toString('hex')}`;

export function storeBackends(sqliteFile: string): StoreBackend[] {
  return [
    { kind: 'sqlite', title: 'sqlite', url: `sqlite://${sqliteFile}`, purge: async () => {} },
    {
      kind: 'redis',
      title: process.env.REDIS_URL ? 'redis' : 'redis (REDIS_URL not set)',
      url: process.env.REDIS_URL,
      purge: purgeRedis,
    },
    {
      kind: 'postgres',
      title: process.env.DATABASE_URL ? 'postgres' : 'postgres (DATABASE_URL not set)',
      url: process.env.DATABASE_URL,
      purge: purgePostgres,
    },
  ];
}

async function purgeRedis(url: string, prefixes: string[]): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    for (const prefix of prefixes) {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    }
  } finally {
    await client.close();
  }
}

async function purgePostgres(url: string, prefixes: string[]): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    for (const prefix of prefixes) {
      await pool.query('DELETE FROM keyv WHERE starts_with(key, $1)', [`${prefix}:`]);
      await pool.query('DELETE FROM privacy_radar_leases WHERE starts_with(name, $1)', [`${prefix}:`]).catch(() => {});
    }
  } finally {
    await pool.end();
  }
}

/** Empties one Redis database (the URL's path names it): for tests whose processes write without a key prefix. */
export async function flushRedisDb(url: string): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  await client.flushDb();
  await client.close();
}
