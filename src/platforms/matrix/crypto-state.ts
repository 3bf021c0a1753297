import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { Collection } from '../../store/collection.ts';

/**
 * The Matrix device's end-to-end encryption state, kept in our store so that a restart is the same device.
 *
 * matrix-js-sdk's Rust crypto keeps its state (device keys, olm and megolm sessions, cross-signing keys) in
 * IndexedDB, or in memory. Node has no IndexedDB; fake-indexeddb provides one in memory, and this module makes it
 * durable: `restore` loads the last snapshot into the in-memory databases before the SDK opens them, `flush` writes a
 * new snapshot when something changed. The values were already encrypted by the SDK with MATRIX_CRYPTO_SECRET (its
 * store passphrase); the snapshot is a structured-clone serialisation of every object store (node:v8).
 *
 * When to flush is what makes it safe: before every request that lets the homeserver act on our state — a
 * `/sync` that acknowledges to-device messages (room keys are delivered once), an upload of one-time keys, a
 * to-device or encrypted room message — so the homeserver never knows of state that a crash could lose. The
 * Matrix session wraps the SDK's fetch for that (see persistentFetch).
 *
 * Why not the libraries: matrix-js-sdk has no Node store for its Rust crypto (matrix-org/matrix-js-sdk#4769),
 * the IndexedDB shims on SQLite are unmaintained or fail with the crypto's key ranges, and a file would not move
 * with a Redis or PostgreSQL store.
 */
export interface CryptoState {
  /** The database name prefix to give initRustCrypto (`cryptoDatabasePrefix`): one per user and device. */
  readonly databasePrefix: string;
  /** Loads the stored snapshot into IndexedDB; false when there was none (a new device). Call before initRustCrypto. */
  restore(): Promise<boolean>;
  /** Writes a snapshot if the databases changed since the last one. Serialised: concurrent calls share the work. */
  flush(): Promise<void>;
  /** Deletes the stored snapshot (the device is gone). */
  discard(): Promise<void>;
}

/** What is kept in the store: the serialised databases, base64 (Keyv stores JSON). */
export interface CryptoSnapshotRecord {
  format: 1;
  savedAt: string;
  data: string;
}

/** The IndexedDB API, as far as snapshots need it (the project's TypeScript has no DOM types). */
export interface IdbFactoryLike {
  open(name: string, version?: number): IdbOpenRequestLike;
  databases(): Promise<{ name?: string; version?: number }[]>;
}

interface IdbRequestLike<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequestLike extends IdbRequestLike<IdbDatabaseLike> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface IdbDatabaseLike {
  readonly name: string;
  readonly version: number;
  readonly objectStoreNames: ArrayLike<string>;
  transaction(names: string[], mode: 'readonly' | 'readwrite'): IdbTransactionLike;
  createObjectStore(name: string, options: { keyPath: string | string[] | null; autoIncrement: boolean }): IdbObjectStoreLike;
  close(): void;
}
interface IdbTransactionLike {
  objectStore(name: string): IdbObjectStoreLike;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: unknown;
}
interface IdbObjectStoreLike {
  readonly keyPath: string | string[] | null;
  readonly autoIncrement: boolean;
  readonly indexNames: ArrayLike<string>;
  index(name: string): { keyPath: string | string[]; unique: boolean; multiEntry: boolean };
  createIndex(name: string, keyPath: string | string[], options: { unique: boolean; multiEntry: boolean }): unknown;
  getAll(): IdbRequestLike<unknown[]>;
  getAllKeys(): IdbRequestLike<unknown[]>;
  put(value: unknown, key?: unknown): unknown;
}

interface DatabaseSnapshot {
  name: string;
  version: number;
  stores: StoreSnapshot[];
}
interface StoreSnapshot {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  indexes: { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }[];
  keys: unknown[];
  values: unknown[];
}

export interface CryptoStateOptions {
  /** Where snapshots are kept (the store's `matrix-crypto` collection). */
  collection: Collection<CryptoSnapshotRecord>;
  userId: string;
  deviceId: string;
  indexedDB: IdbFactoryLike;
  /** Counts committed read-write transactions of the IndexedDB (see countWrites): tells flush whether anything changed. */
  writes: () => number;
  now?: () => Date;
}

export function createCryptoState(options: CryptoStateOptions): CryptoState {
  const key = `${options.userId}|${options.deviceId}`;
  const databasePrefix = `privacy-radar|${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  let flushedAt = -1;
  let lastDigest = '';
  let running: Promise<void> = Promise.resolve();

  const snapshot = async (): Promise<DatabaseSnapshot[]> => {
    const names = (await options.indexedDB.databases())
      .map((database) => database.name)
      .filter((name): name is string => name !== undefined && name.startsWith(databasePrefix))
      .sort();
    const databases: DatabaseSnapshot[] = [];
    for (const name of names) databases.push(await readDatabase(options.indexedDB, name));
    return databases;
  };

  const write = async (): Promise<void> => {
    const writes = options.writes();
    if (writes === flushedAt) return;
    const bytes = serialize(await snapshot());
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== lastDigest) {
      await options.collection.set(key, { format: 1, savedAt: (options.now?.() ?? new Date()).toISOString(), data: bytes.toString('base64') });
      lastDigest = digest;
    }
    flushedAt = writes;
  };

  return {
    databasePrefix,
    restore: async () => {
      const record = await options.collection.get(key);
      if (!record) return false;
      if (record.format !== 1) throw new Error(`The stored Matrix crypto state of ${options.deviceId} has an unknown format`);
      const databases = deserialize(Buffer.from(record.data, 'base64')) as DatabaseSnapshot[];
      for (const database of databases) await writeDatabase(options.indexedDB, database);
      lastDigest = createHash('sha256').update(serialize(await snapshot())).digest('hex');
      flushedAt = options.writes();
      return true;
    },
    flush: () => {
      running = running.then(write, write);
      return running;
    },
    discard: () => options.collection.delete(key).then(() => undefined),
  };
}

/**
 * Counts committed read-write transactions on fake-indexeddb's databases, by wrapping its transaction method
 * once per process: the cheap answer to "did the crypto state change since the last snapshot?".
 */
export function countWrites(databaseClass: { prototype: object }): () => number {
  const proto = databaseClass.prototype as { transaction: (...args: unknown[]) => unknown; [COUNTED]?: { count: number } };
  if (!proto[COUNTED]) {
    const counter = { count: 0 };
    const original = proto.transaction;
    proto.transaction = function countingTransaction(this: unknown, ...args: unknown[]) {
      const transaction = original.apply(this, args) as { mode?: string; addEventListener(type: string, listener: () => void): void };
      if (transaction.mode === 'readwrite' || transaction.mode === 'versionchange') {
        transaction.addEventListener('complete', () => {
          counter.count += 1;
        });
      }
      return transaction;
    };
    proto[COUNTED] = counter;
  }
  const counter = proto[COUNTED]!;
  return () => counter.count;
}
const COUNTED = Symbol.for('privacy-radar.counted-idb-writes');

function request<T>(req: IdbRequestLike<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error instanceof Error ? req.error : new Error(String(req.error)));
  });
}

function completion(transaction: IdbTransactionLike): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error instanceof Error ? transaction.error : new Error('IndexedDB transaction failed'));
    transaction.onabort = () => reject(transaction.error instanceof Error ? transaction.error : new Error('IndexedDB transaction aborted'));
  });
}

function open(factory: IdbFactoryLike, name: string, version?: number, upgrade?: (database: IdbDatabaseLike) => void): Promise<IdbDatabaseLike> {
  return new Promise((resolve, reject) => {
    const req = version === undefined ? factory.open(name) : factory.open(name, version);
    req.onupgradeneeded = () => upgrade?.(req.result);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error instanceof Error ? req.error : new Error(`could not open ${name}`));
    req.onblocked = () => reject(new Error(`IndexedDB ${name} is in use`));
  });
}

/** Every object store of a database, read in one transaction: a consistent point in time. */
async function readDatabase(factory: IdbFactoryLike, name: string): Promise<DatabaseSnapshot> {
  const database = await open(factory, name);
  try {
    const storeNames = Array.from(database.objectStoreNames);
    if (storeNames.length === 0) return { name, version: database.version, stores: [] };
    const transaction = database.transaction(storeNames, 'readonly');
    const done = completion(transaction);
    const stores = await Promise.all(
      storeNames.map(async (storeName): Promise<StoreSnapshot> => {
        const store = transaction.objectStore(storeName);
        const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
        const indexes = Array.from(store.indexNames).map((indexName) => {
          const index = store.index(indexName);
          return { name: indexName, keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry };
        });
        return { name: storeName, keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexes, keys, values };
      }),
    );
    await done;
    return { name, version: database.version, stores };
  } finally {
    database.close();
  }
}

/** Creates a database as it was snapshotted: its stores and indexes at the same version, then every record. */
async function writeDatabase(factory: IdbFactoryLike, snapshot: DatabaseSnapshot): Promise<void> {
  const database = await open(factory, snapshot.name, snapshot.version, (upgrading) => {
    for (const store of snapshot.stores) {
      if (Array.from(upgrading.objectStoreNames).includes(store.name)) continue;
      const created = upgrading.createObjectStore(store.name, { keyPath: store.keyPath, autoIncrement: store.autoIncrement });
      for (const index of store.indexes) created.createIndex(index.name, index.keyPath, { unique: index.unique, multiEntry: index.multiEntry });
    }
  });
  try {
    const names = snapshot.stores.map((store) => store.name);
    if (names.length === 0) return;
    const transaction = database.transaction(names, 'readwrite');
    const done = completion(transaction);
    for (const store of snapshot.stores) {
      const target = transaction.objectStore(store.name);
      store.values.forEach((value, i) => {
        if (store.keyPath === null) target.put(value, store.keys[i]);
        else target.put(value);
      });
    }
    await done;
  } finally {
    database.close();
  }
}
