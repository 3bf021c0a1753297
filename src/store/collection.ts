import { createHash } from 'node:crypto';
import type Keyv from 'keyv';

/**
 * A small typed key-value collection: the one storage primitive every repository
 * (and later stage) builds on. Values are JSON-serialised; `undefined` means "absent".
 * Every method rejects when the backend fails, instead of pretending a miss.
 */
export interface Collection<T> {
  get(key: string): Promise<T | undefined>;
  /** Results in the order of `keys`; `undefined` for each miss. */
  getMany(keys: string[]): Promise<(T | undefined)[]>;
  set(key: string, value: T): Promise<void>;
  /** Sets several entries, batched where the backend can (Redis MULTI, one PostgreSQL statement). */
  setMany(entries: [key: string, value: T][]): Promise<void>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  has(key: string): Promise<boolean>;
}

/**
 * Store prefixes and collection namespaces: short and plain, so that storage keys
 * stay readable, unambiguous (no `:` or `/`) and within PostgreSQL's VARCHAR(255).
 */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;

/** Keys kept verbatim in storage; anything else is replaced by a hash. */
const PLAIN_KEY_PATTERN = /^[A-Za-z0-9._:~-]{1,128}$/;

/** Keys per backend round trip in getMany: bounds statement and reply size. */
const GET_MANY_CHUNK = 256;

/** Whether `name` may be used as a store prefix or collection namespace. */
export function isValidStorageName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/**
 * Maps a caller's key to the key stored in the backend.
 *
 * Namespacing is done here, by key prefix, on one shared Keyv instance without a
 * Keyv namespace, rather than with one Keyv (namespace) per collection: Keyv writes
 * its namespace into the adapter it wraps, so several Keyv instances sharing one
 * adapter (one SQLite handle, one Redis client, one PostgreSQL pool) would overwrite
 * each other's namespace — @keyv/redis even prefixes keys with the adapter's
 * namespace. One adapter per store, prefixed keys here, avoids that entirely.
 *
 * Layout: `[prefix:]namespace/key`. Keys that are short and plain are kept as they
 * are (readable when inspecting Redis or SQL); any other key — long, empty, or with
 * unusual characters — becomes `#` + its SHA-256. `#` is not a plain-key character,
 * so the two forms never collide.
 */
export function storageKey(keyPrefix: string, key: string): string {
  const encoded = PLAIN_KEY_PATTERN.test(key) ? key : `#${createHash('sha256').update(key, 'utf8').digest('hex')}`;
  return `${keyPrefix}/${encoded}`;
}

/** The part of a storage key before `/`: `prefix:namespace`, or `namespace` without a prefix. */
export function collectionKeyPrefix(storePrefix: string, namespace: string): string {
  if (!isValidStorageName(namespace)) {
    throw new Error(
      `Invalid collection namespace ${JSON.stringify(namespace)}: use 1-48 letters, digits, '_', '.', '-'`,
    );
  }
  return storePrefix === '' ? namespace : `${storePrefix}:${namespace}`;
}

/**
 * Keeps count of the backend operations in flight so that closing a store can wait
 * for them (a write started just before shutdown still lands), and refuses new ones
 * once closing has begun.
 */
export class OperationTracker {
  #inFlight = new Set<Promise<unknown>>();
  #closing = false;

  /** Runs `operation` unless the store is closing; tracks it until it settles. */
  run<R>(operation: () => Promise<R>): Promise<R> {
    if (this.#closing) {
      return Promise.reject(new Error('The store is closed'));
    }
    const pending = operation();
    this.#inFlight.add(pending);
    const forget = (): void => {
      this.#inFlight.delete(pending);
    };
    pending.then(forget, forget);
    return pending;
  }

  /** Refuses new operations, then resolves once every tracked one has settled. */
  async drain(): Promise<void> {
    this.#closing = true;
    while (this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight]);
    }
  }
}

/**
 * A Collection over a Keyv instance (which must have no namespace of its own and
 * throw on errors), storing under `keyPrefix` (see collectionKeyPrefix).
 */
export function createCollection<T>(keyv: Keyv, tracker: OperationTracker, keyPrefix: string): Collection<T> {
  const toStorage = (key: string): string => storageKey(keyPrefix, key);

  const getChunk = async (keys: string[]): Promise<(T | undefined)[]> => {
    const values = await keyv.getMany<T>(keys.map(toStorage));
    return keys.map((_, index) => values[index]);
  };

  return {
    get: (key) => tracker.run(() => keyv.get<T>(toStorage(key))),

    getMany: (keys) =>
      tracker.run(async () => {
        const results: (T | undefined)[] = [];
        for (let start = 0; start < keys.length; start += GET_MANY_CHUNK) {
          results.push(...(await getChunk(keys.slice(start, start + GET_MANY_CHUNK))));
        }
        return results;
      }),

    set: (key, value) =>
      tracker.run(async () => {
        const stored = await keyv.set(toStorage(key), value);
        if (!stored) {
          throw new Error(`The store refused to save a value in ${keyPrefix}`);
        }
      }),

    setMany: (entries) =>
      tracker.run(async () => {
        if (entries.length === 0) return;
        // Adapters without a batch operation answer per entry; PostgreSQL's answers nothing (undefined).
        const stored: unknown = await keyv.setMany(entries.map(([key, value]) => ({ key: toStorage(key), value })));
        if (Array.isArray(stored) && stored.some((ok) => ok === false)) {
          throw new Error(`The store refused to save values in ${keyPrefix}`);
        }
      }),

    delete: (key) => tracker.run(() => keyv.delete(toStorage(key))),

    has: (key) => tracker.run(() => keyv.has(toStorage(key))),
  };
}
