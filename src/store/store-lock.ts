import { AsyncLocalStorage } from 'node:async_hooks';
import type { Leases } from './leases.ts';

/**
 * Runs `work` while holding the lock `name`: one caller at a time within this process and across every
 * instance sharing the store. For read-modify-write of shared documents (an index, a channel's settings).
 * Reentrant: work that already holds `name` (further down the same call chain) runs at once.
 */
export type Exclusive = <T>(name: string, work: () => Promise<T>) => Promise<T>;

/** The lock could not be taken in time: another instance holds it (or died holding it and it has not run out). */
export class StoreLockTimeoutError extends Error {
  override name = 'StoreLockTimeoutError';
}

export interface StoreLockOptions {
  /** How long a lock outlives a holder that stopped renewing it (died). Default 30 s. */
  ttlMs?: number;
  /** How long to wait for a lock before giving up. Default 60 s (twice the ttl: a dead holder's lock runs out first). */
  waitMs?: number;
}

/** First pause between attempts on a busy lock; doubles up to MAX_RETRY_MS, with jitter. */
const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 200;

/**
 * Locks over leases. Within the process callers of one name queue (no lease traffic while they wait); the
 * head of the queue takes the lease `lock.<name>`, renews it every third of its ttl while `work` runs, and
 * gives it up after. An instance that dies holding a lock delays the others by at most the ttl.
 */
export function createStoreLock(leases: Leases, holder: string, options: StoreLockOptions = {}): Exclusive {
  const ttlMs = options.ttlMs ?? 30_000;
  const waitMs = options.waitMs ?? 2 * ttlMs;
  const queues = new Map<string, Promise<unknown>>();
  /** The lock names the current call chain holds. */
  const held = new AsyncLocalStorage<ReadonlySet<string>>();

  const take = async (lease: string): Promise<void> => {
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt += 1) {
      if (await leases.acquire(lease, holder, ttlMs)) return;
      if (Date.now() >= deadline) throw new StoreLockTimeoutError(`The store lock ${lease} stayed busy for ${waitMs} ms`);
      const pause = Math.min(FIRST_RETRY_MS * 2 ** attempt, MAX_RETRY_MS);
      await new Promise((resolve) => setTimeout(resolve, pause / 2 + Math.random() * (pause / 2)));
    }
  };

  const holding = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const lease = `lock.${name}`;
    await take(lease);
    const renewal = setInterval(() => void leases.acquire(lease, holder, ttlMs).catch(() => {}), ttlMs / 3);
    renewal.unref();
    try {
      return await held.run(new Set([...(held.getStore() ?? []), name]), work);
    } finally {
      clearInterval(renewal);
      await leases.release(lease, holder).catch(() => {});
    }
  };

  return (name, work) => {
    if (held.getStore()?.has(name)) return work();
    const previous = queues.get(name) ?? Promise.resolve();
    const next = previous.then(
      () => holding(name, work),
      () => holding(name, work),
    );
    const settled = next.catch(() => {});
    queues.set(name, settled);
    void settled.then(() => {
      if (queues.get(name) === settled) queues.delete(name);
    });
    return next;
  };
}
