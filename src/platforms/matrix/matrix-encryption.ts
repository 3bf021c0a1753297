import { createHash } from 'node:crypto';
import { MatrixError, MatrixEvent, type ICreateClientOpts, type MatrixClient, type Room } from 'matrix-js-sdk';
import { decodeRecoveryKey } from 'matrix-js-sdk/lib/crypto-api/index.js';
import type { SecretStorageKeyDescription } from 'matrix-js-sdk/lib/secret-storage.js';
import { _createAndReEmitRoom } from 'matrix-js-sdk/lib/sync.js';
import { ChannelUnavailableError } from '../../chat/command.ts';
import type { MatrixConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Store } from '../../store/open-store.ts';
import { countWrites, createCryptoState, type CryptoSnapshotRecord, type CryptoState, type IdbFactoryLike } from './crypto-state.ts';
import type { MatrixSession } from './matrix-session.ts';
import type { SealMessage } from './send-notice.ts';

/**
 * End-to-end encryption for the Matrix adapter (MATRIX_CRYPTO_SECRET set): matrix-js-sdk's Rust crypto, its state
 * kept in our store (crypto-state.ts) so that the bot stays one device across restarts, and — with
 * MATRIX_RECOVERY_KEY — the device signed with the account's cross-signing key from secret storage, so that
 * everyone who verified the bot's account trusts it. Room keys go to the devices of a room's members only (the
 * SDK's rule); reading and sending in encrypted rooms is then the same as in plain ones.
 */
export interface MatrixEncryption {
  /** For createClient: the global fetch, writing the crypto state before every request (see crypto-state.ts). */
  readonly fetchFn: typeof globalThis.fetch;
  /** For createClient: where the SDK asks for the secret storage key (the recovery key). */
  readonly cryptoCallbacks: CryptoCallbacks;
  /** Starts the Rust crypto on the client (before startClient), from the stored state when there is one. */
  attach(client: MatrixClient): Promise<void>;
  /** After the first sync: signs the device with the cross-signing key when a recovery key is configured. */
  crossSign(): Promise<void>;
  /** Writes the crypto state if it changed (before the sync position is stored, and at shutdown). */
  flush(): Promise<void>;
  /** Writes the crypto state and lets another process use the device. */
  close(): Promise<void>;
}

type CryptoCallbacks = NonNullable<ICreateClientOpts['cryptoCallbacks']>;

/** The stored crypto state cannot be opened with MATRIX_CRYPTO_SECRET. */
export class CryptoSecretMismatchError extends Error {
  override name = 'CryptoSecretMismatchError';
}

/**
 * One process at a time may use a device's keys: two would ratchet the same sessions apart and overwrite each
 * other's state. Instances sharing a store hold this lease (`matrix-crypto.<device>`), renewed every third of it.
 */
export const CRYPTO_LEASE_MS = 30_000;

export async function prepareEncryption(config: MatrixConfig & { cryptoSecret: string }, session: MatrixSession, store: Store, log: Logger): Promise<MatrixEncryption> {
  const release = await holdDevice(store, session, log);
  const IDBDatabase = await installIndexedDB();
  const state: CryptoState = createCryptoState({
    collection: store.collection<CryptoSnapshotRecord>('matrix-crypto'),
    userId: session.userId,
    deviceId: session.deviceId,
    indexedDB: (globalThis as unknown as { indexedDB: IdbFactoryLike }).indexedDB,
    writes: countWrites(IDBDatabase),
  });
  const restored = await state.restore();
  let client: MatrixClient | undefined;
  /**
   * Whether the crypto opened the state: only then is it written back. A start with the wrong secret must leave
   * the stored state as it was, not replace it with whatever the failed attempt left in IndexedDB.
   */
  let opened = false;
  const flush = (): Promise<void> => (opened ? state.flush() : Promise.resolve());

  const cryptoCallbacks: CryptoCallbacks = {
    getSecretStorageKey: async ({ keys }: { keys: Record<string, SecretStorageKeyDescription> }) => {
      if (config.recoveryKey === undefined || !client) return null;
      let key: Uint8Array<ArrayBuffer>;
      try {
        key = decodeRecoveryKey(config.recoveryKey);
      } catch {
        log.error('MATRIX_RECOVERY_KEY is not a valid recovery key (a typing error?): the device stays unsigned');
        return null;
      }
      for (const [keyId, info] of Object.entries(keys)) {
        if (await client.secretStorage.checkKey(key, info)) return [keyId, key];
      }
      log.error('MATRIX_RECOVERY_KEY does not open the account\'s secret storage (a key from another account, or recovery was set up anew?)');
      return null;
    },
  };

  const fetchFn: typeof globalThis.fetch = async (input, init) => {
    await flush();
    return globalThis.fetch(input, init);
  };

  return {
    fetchFn,
    cryptoCallbacks,
    attach: async (attached) => {
      client = attached;
      try {
        await attached.initRustCrypto({ cryptoDatabasePrefix: state.databasePrefix, storagePassword: config.cryptoSecret });
      } catch (error) {
        if (!restored) throw error;
        throw new CryptoSecretMismatchError(
          `The stored encryption state of Matrix device ${session.deviceId} cannot be opened: MATRIX_CRYPTO_SECRET is not the secret it was saved with (or the state is damaged). Set the previous secret again; starting as a new device would leave every encrypted room unable to read the bot's messages for a while.`,
          { cause: error },
        );
      }
      opened = true;
      await flush();
      log.info({ deviceId: session.deviceId, restored }, restored ? 'end-to-end encryption on: device keys restored from the store' : 'end-to-end encryption on: new device keys made and kept in the store');
    },
    crossSign: async () => {
      if (config.recoveryKey === undefined || !client) return;
      const crypto = client.getCrypto();
      if (!crypto) return;
      if (!(await client.secretStorage.isStored('m.cross_signing.master'))) {
        log.warn('MATRIX_RECOVERY_KEY is set, but the bot account has no cross-signing keys in secret storage: set up recovery for it once in a client such as Element (see the README); the device stays unsigned');
        return;
      }
      try {
        // The account's public cross-signing keys first: importing the private ones checks against them.
        await crypto.getUserDeviceInfo([session.userId], true);
        await crypto.bootstrapCrossSigning({});
      } catch (error) {
        log.error({ err: error }, 'could not sign the device with the account\'s cross-signing key');
        return;
      }
      // The signature was uploaded as part of bootstrapping, with the self-signing key now held here.
      const status = await crypto.getCrossSigningStatus();
      if (status.publicKeysOnDevice && status.privateKeysCachedLocally.selfSigningKey) log.info({ deviceId: session.deviceId }, 'device signed with the account\'s cross-signing key: whoever verified the bot trusts it');
      else log.warn({ deviceId: session.deviceId }, 'the device is still not signed by the account\'s cross-signing key');
      await flush();
    },
    flush,
    close: async () => {
      await flush();
      await release();
    },
  };
}

/**
 * Takes the device's crypto lease, waiting out one left by a process that died (a restart after a crash); fails
 * with a clear message when another live instance keeps it.
 */
async function holdDevice(store: Store, session: MatrixSession, log: Logger): Promise<() => Promise<void>> {
  const name = `matrix-crypto.${createHash('sha256').update(`${session.userId}|${session.deviceId}`).digest('hex').slice(0, 16)}`;
  const deadline = Date.now() + 2 * CRYPTO_LEASE_MS;
  let told = false;
  while (!(await store.leases.acquire(name, store.instanceId, CRYPTO_LEASE_MS))) {
    if (Date.now() > deadline) {
      throw new Error(
        `Another privacy-radar instance on this store uses Matrix device ${session.deviceId} with encryption on; one device's keys cannot be used by two processes at once. Give Matrix (or MATRIX_CRYPTO_SECRET) to one instance only.`,
      );
    }
    if (!told) log.info({ deviceId: session.deviceId }, 'waiting for the Matrix device to be free (the previous process may have stopped without releasing it)');
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const renewal = setInterval(() => {
    store.leases.acquire(name, store.instanceId, CRYPTO_LEASE_MS).then(
      (held) => held || log.error({ deviceId: session.deviceId }, 'lost the Matrix device to another instance: encryption state may diverge; stop one of them'),
      () => {},
    );
  }, CRYPTO_LEASE_MS / 3);
  renewal.unref();
  return async () => {
    clearInterval(renewal);
    await store.leases.release(name, store.instanceId).catch(() => {});
  };
}

/**
 * Gives Node the IndexedDB the SDK's Rust crypto needs (fake-indexeddb, in memory; crypto-state.ts makes it
 * durable), as globals where the WebAssembly looks for them. Loaded only with encryption on. Answers the database
 * class, whose transactions crypto-state.ts counts.
 */
async function installIndexedDB(): Promise<{ prototype: object }> {
  const fake = await import('fake-indexeddb');
  const globals: Record<string, unknown> = {
    indexedDB: fake.indexedDB,
    IDBCursor: fake.IDBCursor,
    IDBCursorWithValue: fake.IDBCursorWithValue,
    IDBDatabase: fake.IDBDatabase,
    IDBFactory: fake.IDBFactory,
    IDBIndex: fake.IDBIndex,
    IDBKeyRange: fake.IDBKeyRange,
    IDBObjectStore: fake.IDBObjectStore,
    IDBOpenDBRequest: fake.IDBOpenDBRequest,
    IDBRequest: fake.IDBRequest,
    IDBTransaction: fake.IDBTransaction,
    IDBVersionChangeEvent: fake.IDBVersionChangeEvent,
  };
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
  return fake.IDBDatabase as unknown as { prototype: object };
}

/** The parts of the SDK's Rust crypto that encrypt a room event and learn a room's encryption (what the sync uses inside). */
interface RoomEventEncryption {
  encryptEvent(event: MatrixEvent, room: Room): Promise<void>;
  onCryptoEvent(room: Room, event: MatrixEvent): Promise<void>;
}

/**
 * How the bot's messages are sealed: megolm-encrypted in a room with `m.room.encryption` — the room key shared
 * with its members' devices first — and as they are elsewhere. Never plaintext into an encrypted room: with
 * encryption off such a room refuses the message like one that forbids the bot (and, refusing again, is
 * deactivated), and the log says why.
 *
 * Whether a room is encrypted is read from its full state. After a restart the client resumes from its saved
 * sync position, which brings only what changed since: a quiet room is unknown to the client or lacks its state
 * (found out by its missing `m.room.create`). Such a room's state is read from the homeserver once and given to
 * the client — and to the crypto, which then knows how to encrypt for it.
 */
export function sealMessages(client: MatrixClient, encryption: MatrixEncryption | undefined): SealMessage {
  const hydrated = new Map<string, Promise<Room>>();
  const roomWithState = (roomId: string): Promise<Room> => {
    const known = client.getRoom(roomId);
    if (known?.currentState.getStateEvents('m.room.create', '')) return Promise.resolve(known);
    let loading = hydrated.get(roomId);
    if (!loading) {
      loading = hydrateRoom(client, roomId, known).catch((error: unknown) => {
        hydrated.delete(roomId);
        throw error instanceof MatrixError && (error.httpStatus === 403 || error.httpStatus === 404)
          ? new ChannelUnavailableError(`Matrix room ${roomId}: ${error.errcode ?? error.httpStatus}`, { cause: error })
          : error;
      });
      hydrated.set(roomId, loading);
    }
    return loading;
  };

  return async (roomId, message, txnId) => {
    const room = await roomWithState(roomId);
    if (!room.hasEncryptionStateEvent()) return message;
    const crypto = client.getCrypto() as unknown as Partial<RoomEventEncryption> | undefined;
    if (!encryption || typeof crypto?.encryptEvent !== 'function') {
      throw new ChannelUnavailableError(`Matrix room ${roomId} is end-to-end encrypted and encryption is off (set MATRIX_CRYPTO_SECRET): nothing is sent there`);
    }
    const event = new MatrixEvent({ type: message.type, content: message.content, room_id: roomId, sender: client.getUserId() ?? '', event_id: `~${txnId}` });
    await crypto.encryptEvent(event, room);
    return { type: event.getWireType(), content: event.getWireContent() };
  };
}

/** Reads a room's full state from the homeserver into the client's room (made if the client has none). */
async function hydrateRoom(client: MatrixClient, roomId: string, known: Room | null): Promise<Room> {
  const events = (await client.roomState(roomId)).map((event) => new MatrixEvent({ ...event, room_id: roomId }));
  let room = client.getRoom(roomId) ?? known;
  if (!room) {
    // Made as the sync makes rooms, its events passed on to the client's listeners: when the room speaks up later,
    // the sync finds this room and the bot hears its commands.
    room = _createAndReEmitRoom(client, roomId, { lazyLoadMembers: true });
    client.store.storeRoom(room);
  }
  room.oldState.setStateEvents(events);
  room.currentState.setStateEvents(events);
  const encryptionEvent = room.currentState.getStateEvents('m.room.encryption', '');
  const crypto = client.getCrypto() as unknown as Partial<RoomEventEncryption> | undefined;
  if (encryptionEvent && typeof crypto?.onCryptoEvent === 'function') await crypto.onCryptoEvent(room, encryptionEvent);
  return room;
}
