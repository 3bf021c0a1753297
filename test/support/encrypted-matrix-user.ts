import { ClientEvent, EventType, RoomEvent, SyncState, createClient, type ICreateClientOpts, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import type { MatrixStandIn, StandInCredentials } from '../stand-ins/matrix-server.ts';
import { quietLogger } from './quiet-matrix-logger.ts';

/**
 * A person on Matrix with a real matrix-js-sdk client and Rust crypto (in memory: Node has no IndexedDB), for tests
 * that talk end to end encrypted through the homeserver stand-in.
 */


/** Key sharing takes a few round trips (keys/query, keys/claim, sendToDevice, sync); generous for a busy machine. */
export const E2EE_TIMEOUT_MS = 15_000;

/** A running client with Rust crypto, and the message events that reached its live timelines once decryption settled. */
export interface EncryptedUser {
  credentials: StandInCredentials;
  client: MatrixClient;
  messages: MatrixEvent[];
}

/** Starts a client with in-memory Rust crypto, waits for its first sync and for its device keys to be on the server. */
export async function startEncryptedUser(matrix: MatrixStandIn, credentials: StandInCredentials, options: Partial<ICreateClientOpts> = {}): Promise<EncryptedUser> {
  const client = createClient({ baseUrl: matrix.url, ...credentials, logger: quietLogger, ...options });
  await client.initRustCrypto({ useIndexedDB: false });
  const user: EncryptedUser = { credentials, client, messages: [] };
  // Encrypted events arrive as m.room.encrypted and turn into m.room.message once decrypted (or fail to).
  client.on(RoomEvent.Timeline, (event, _room, toStartOfTimeline) => {
    if (toStartOfTimeline) return;
    void client.decryptEventIfNeeded(event).then(() => {
      if (event.getType() === EventType.RoomMessage || event.isDecryptionFailure()) user.messages.push(event);
    });
  });
  let prepared = false;
  client.on(ClientEvent.Sync, (state) => {
    if (state === SyncState.Prepared) prepared = true;
  });
  await client.startClient({ initialSyncLimit: 10 });
  await matrix.waitFor(() => prepared, E2EE_TIMEOUT_MS);
  // The device uploads its keys in the background, after the first sync: until then nobody can encrypt to it.
  await matrix.waitFor(() => matrix.deviceKeys(credentials.userId)[credentials.deviceId], E2EE_TIMEOUT_MS);
  return user;
}

/** Polls an async condition (the crypto API is async, the stand-in's `waitFor` is not). */
export async function eventually(condition: () => Promise<boolean>, timeoutMs = E2EE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() >= deadline) throw new Error(`eventually timed out after ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
