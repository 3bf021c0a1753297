import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IDBDatabase, IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countWrites, createCryptoState, type CryptoSnapshotRecord, type IdbFactoryLike } from '../../../src/platforms/matrix/crypto-state.ts';
import type { Collection } from '../../../src/store/collection.ts';
import { openStore, type Store } from '../../../src/store/open-store.ts';

/**
 * The Matrix device's crypto state outlives the process: IndexedDB databases (fake-indexeddb, as the SDK's Rust
 * crypto uses them) go into the store as a snapshot and come back into a fresh IndexedDB exactly — stores, key
 * paths, indexes, out-of-line keys, binary values — and a snapshot is written only when something changed.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-crypto-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let store: Store;
let collection: Collection<CryptoSnapshotRecord>;
let counter = 0;
beforeEach(async () => {
  store = await openStore(`sqlite://${path.join(dir, `store-${++counter}.sqlite`)}`);
  collection = store.collection<CryptoSnapshotRecord>('matrix-crypto');
});
afterEach(() => store.close());

const writes = countWrites(IDBDatabase);
/** fake-indexeddb's own types lean on the DOM library, which this project does not load: the test's view of it is loose. */
type Loose = any;
type LooseFactory = { open(name: string, version?: number): Loose; databases(): Promise<{ name?: string; version?: number }[]> };
const factory = (): LooseFactory => new IDBFactory() as LooseFactory;
const stateFor = (indexedDB: IdbFactoryLike, deviceId = 'BOTDEVICE') =>
  createCryptoState({ collection, userId: '@privacy-radar:stand-in.test', deviceId, indexedDB, writes, now: () => new Date('2026-11-23T08:00:00Z') });

function done(request: Loose): Promise<Loose> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** A database shaped like the Rust crypto's: a keyed store with an index, and one with out-of-line keys. */
async function seed(indexedDB: LooseFactory, name: string): Promise<void> {
  const open = indexedDB.open(name, 3);
  open.onupgradeneeded = () => {
    const sessions = open.result.createObjectStore('inbound_group_sessions', { keyPath: 'id' });
    sessions.createIndex('backed_up', 'needsBackup', { unique: false });
    open.result.createObjectStore('core');
  };
  const database = await done(open);
  const transaction = database.transaction(['inbound_group_sessions', 'core'], 'readwrite');
  transaction.objectStore('inbound_group_sessions').put({ id: 'room-a|session-1', needsBackup: 1, pickle: new Uint8Array([1, 2, 3, 250]) });
  transaction.objectStore('inbound_group_sessions').put({ id: 'room-b|session-2', needsBackup: 0, pickle: new Uint8Array([9]) });
  transaction.objectStore('core').put({ account: 'pickled-account', created: new Date('2026-11-01T00:00:00Z') }, 'account');
  transaction.objectStore('core').put(42, ['nested', 'key']);
  await new Promise((resolve) => (transaction.oncomplete = resolve));
  database.close();
}

async function read(indexedDB: LooseFactory, name: string): Promise<{ version: number; sessions: unknown[]; backedUp: unknown[]; account: unknown; nested: unknown }> {
  const database = await done(indexedDB.open(name));
  const transaction = database.transaction(['inbound_group_sessions', 'core'], 'readonly');
  const sessions = transaction.objectStore('inbound_group_sessions');
  const result = {
    version: database.version,
    sessions: await done(sessions.getAll()),
    backedUp: await done(sessions.index('backed_up').getAll(1)),
    account: await done(transaction.objectStore('core').get('account')),
    nested: await done(transaction.objectStore('core').get(['nested', 'key'])),
  };
  database.close();
  return result;
}

describe('Matrix crypto state in the store', () => {
  it('brings every database of the device back into a fresh IndexedDB', async () => {
    const before = factory();
    const state = stateFor(before);
    expect(await state.restore()).toBe(false);
    await seed(before, `${state.databasePrefix}::matrix-sdk-crypto`);
    await seed(before, 'someone-else::matrix-sdk-crypto');
    await state.flush();
    const record = await collection.get('@privacy-radar:stand-in.test|BOTDEVICE');
    expect(record).toMatchObject({ format: 1, savedAt: '2026-11-23T08:00:00.000Z' });

    const after = factory();
    const restored = stateFor(after);
    expect(await restored.restore()).toBe(true);
    const names = (await after.databases()).map((database) => database.name);
    expect(names).toEqual([`${state.databasePrefix}::matrix-sdk-crypto`]);
    expect(await read(after, names[0]!)).toEqual(await read(before, names[0]!));
    const copy = await read(after, names[0]!);
    expect(copy.version).toBe(3);
    expect(copy.backedUp).toEqual([{ id: 'room-a|session-1', needsBackup: 1, pickle: new Uint8Array([1, 2, 3, 250]) }]);
    expect(copy.account).toEqual({ account: 'pickled-account', created: new Date('2026-11-01T00:00:00Z') });
    expect(copy.nested).toBe(42);
  });

  it('writes a snapshot only when the databases changed', async () => {
    const indexedDB = factory();
    const state = stateFor(indexedDB);
    await seed(indexedDB, `${state.databasePrefix}::matrix-sdk-crypto`);
    await state.flush();
    const first = await collection.get('@privacy-radar:stand-in.test|BOTDEVICE');
    await collection.set('@privacy-radar:stand-in.test|BOTDEVICE', { ...first!, savedAt: 'marker' });
    await state.flush();
    expect((await collection.get('@privacy-radar:stand-in.test|BOTDEVICE'))?.savedAt).toBe('marker');

    const database = await done(indexedDB.open(`${state.databasePrefix}::matrix-sdk-crypto`));
    const transaction = database.transaction(['core'], 'readwrite');
    transaction.objectStore('core').put('ratcheted', 'account');
    await new Promise((resolve) => (transaction.oncomplete = resolve));
    database.close();
    await state.flush();
    const written = await collection.get('@privacy-radar:stand-in.test|BOTDEVICE');
    expect(written?.savedAt).toBe('2026-11-23T08:00:00.000Z');
    expect(written?.data).not.toBe(first?.data);
  });

  it('keeps devices apart, and forgets one on request', async () => {
    const indexedDB = factory();
    const one = stateFor(indexedDB, 'DEVICEONE');
    const two = stateFor(indexedDB, 'DEVICETWO');
    expect(one.databasePrefix).not.toBe(two.databasePrefix);
    await seed(indexedDB, `${one.databasePrefix}::matrix-sdk-crypto`);
    await one.flush();
    expect(await stateFor(factory(), 'DEVICETWO').restore()).toBe(false);
    await one.discard();
    expect(await stateFor(factory(), 'DEVICEONE').restore()).toBe(false);
  });
});
