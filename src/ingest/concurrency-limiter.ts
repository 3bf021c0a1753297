/**
 * Tiny FIFO concurrency limiters for outgoing requests.
 *
 * Written by hand rather than pulled in as a dependency because we need exactly two things — a
 * global cap and a per-key (per-host) cap, both first-come-first-served and both able to drop a
 * waiter whose caller gave up — and that fits in a page.
 */

/** Runs async jobs with at most `max` of them in flight; the rest wait in arrival order. */
export interface Limiter {
  /**
   * Runs `fn` once a slot is free and resolves or rejects with its outcome. If `signal` aborts while
   * the job is still waiting, the job is dropped from the queue and the promise rejects with the
   * signal's reason (`fn` is never called); once `fn` has started, aborting is `fn`'s business.
   */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Jobs currently running. */
  readonly active: number;
  /** Jobs waiting for a slot. */
  readonly pending: number;
}

/** A {@link Limiter} per key (e.g. per host name), each with the same cap. */
export interface KeyedLimiter {
  run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Number of keys with running or waiting jobs; idle keys are forgotten so memory stays bounded. */
  readonly size: number;
}

interface Waiter {
  start: () => void;
}

/** Creates a FIFO limiter allowing `max` (at least 1) concurrent jobs. */
export function createLimiter(max: number): Limiter {
  const limit = Math.max(1, Math.floor(max));
  const queue: Waiter[] = [];
  let active = 0;

  function release(): void {
    active--;
    const next = queue.shift();
    if (next) next.start();
  }

  function acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (active < limit) {
      active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          active++;
          resolve();
        },
      };
      queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      await acquire(signal);
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get pending() {
      return queue.length;
    },
  };
}

/** Creates a limiter allowing `maxPerKey` concurrent jobs for each key independently. */
export function createKeyedLimiter(maxPerKey: number): KeyedLimiter {
  const limiters = new Map<string, Limiter>();

  return {
    async run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      let limiter = limiters.get(key);
      if (!limiter) {
        limiter = createLimiter(maxPerKey);
        limiters.set(key, limiter);
      }
      try {
        return await limiter.run(fn, signal);
      } finally {
        if (limiter.active === 0 && limiter.pending === 0) limiters.delete(key);
      }
    },
    get size() {
      return limiters.size;
    },
  };
}
