import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventType, MsgType, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { startMatrixServer, type MatrixStandIn, type StandInCredentials } from './matrix-server.ts';
import { E2EE_TIMEOUT_MS, eventually, startEncryptedUser, type EncryptedUser } from '../support/encrypted-matrix-user.ts';

type Participant = EncryptedUser;

let matrix: MatrixStandIn;
const running: MatrixClient[] = [];

beforeEach(async () => {
  // Some SDK models log through its deprecated global loglevel logger, which the client's logger option does not reach;
  // it warns of every expected decryption failure too.
  for (const method of ['log', 'debug', 'info', 'warn'] as const) vi.spyOn(console, method).mockImplementation(() => undefined);
  matrix = await startMatrixServer();
});

afterEach(async () => {
  for (const client of running.splice(0)) client.stopClient();
  await matrix.close();
  vi.restoreAllMocks();
});

/** A real client with in-memory Rust crypto, stopped after the test. */
async function start(credentials: StandInCredentials): Promise<Participant> {
  const participant = await startEncryptedUser(matrix, credentials);
  running.push(participant.client);
  return participant;
}

/** Alice creates an encrypted room and invites bob; resolves once both clients know the room is encrypted and joined. */
async function encryptedRoom(alice: Participant, bob: Participant): Promise<string> {
  const { room_id: roomId } = await alice.client.createRoom({
    name: 'Verschlüsselt',
    invite: [bob.credentials.userId],
    initial_state: [{ type: EventType.RoomEncryption, state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await matrix.waitFor(() => bob.client.getRoom(roomId)?.getMyMembership() === 'invite');
  await bob.client.joinRoom(roomId);
  for (const participant of [alice, bob]) {
    await matrix.waitFor(() => participant.client.getRoom(roomId)?.getMember(bob.credentials.userId)?.membership === 'join', E2EE_TIMEOUT_MS);
    expect(await participant.client.getCrypto()?.isEncryptionEnabledInRoom(roomId)).toBe(true);
  }
  return roomId;
}

async function sendText(from: Participant, roomId: string, body: string): Promise<string> {
  const { event_id: eventId } = await from.client.sendEvent(roomId, EventType.RoomMessage, { msgtype: MsgType.Text, body });
  return eventId;
}

/** The message with this event id as `to` saw it once decryption settled (successfully or not). */
function received(to: Participant, eventId: string): Promise<MatrixEvent> {
  return matrix.waitFor(() => to.messages.find((event) => event.getId() === eventId), E2EE_TIMEOUT_MS);
}


describe('Matrix stand-in with end-to-end encrypting matrix-js-sdk clients (Rust crypto)', () => {
  it('carries a megolm-encrypted exchange that only the two clients can read', async () => {
    const alice = await start(matrix.registerUser('alice'));
    const bob = await start(matrix.registerUser('bob'));
    const roomId = await encryptedRoom(alice, bob);

    const questionId = await sendText(alice, roomId, 'Wer liest hier mit?');
    const question = await received(bob, questionId);
    expect(question.isDecryptionFailure()).toBe(false);
    expect(question.getClearContent()).toMatchObject({ msgtype: 'm.text', body: 'Wer liest hier mit?' });
    // The room key travelled olm-encrypted, device to device, and bob's next sync acknowledged it.
    const keyDelivery = await matrix.waitFor(() => matrix.toDeviceSent().find((message) => message.userId === bob.credentials.userId && message.delivered));
    expect(keyDelivery).toMatchObject({ sender: alice.credentials.userId, type: 'm.room.encrypted', deviceId: bob.credentials.deviceId });
    expect(keyDelivery.content.algorithm).toBe('m.olm.v1.curve25519-aes-sha2');

    const answerId = await sendText(bob, roomId, 'Nur wir beide.');
    const answer = await received(alice, answerId);
    expect(answer.isDecryptionFailure()).toBe(false);
    expect(answer.getContent().body).toBe('Nur wir beide.');

    // The homeserver only ever held ciphertext.
    const messages = matrix.timeline(roomId).filter((event) => event.state_key === undefined);
    expect(messages.map((event) => [event.event_id, event.type])).toEqual([
      [questionId, 'm.room.encrypted'],
      [answerId, 'm.room.encrypted'],
    ]);
    for (const event of messages) {
      expect(event.content).toMatchObject({ algorithm: 'm.megolm.v1.aes-sha2' });
      expect(event.content).not.toHaveProperty('body');
      expect(JSON.stringify(event.content)).not.toMatch(/liest|beide/);
    }
    expect(matrix.unknownRoutes).toEqual([]);
  });

  it('shares the room key with a device bob adds later, for messages sent after it appeared', async () => {
    const alice = await start(matrix.registerUser('alice'));
    const bob = await start(matrix.registerUser('bob'));
    const roomId = await encryptedRoom(alice, bob);
    const earlierId = await sendText(alice, roomId, 'Vor dem neuen Gerät.');
    expect((await received(bob, earlierId)).getClearContent()?.body).toBe('Vor dem neuen Gerät.');

    const bobsLaptop = await start(matrix.registerUser('bob'));
    expect(Object.keys(matrix.deviceKeys(bob.credentials.userId)).sort()).toEqual([bob.credentials.deviceId, bobsLaptop.credentials.deviceId].sort());
    // Without key backup or key requests (the Rust crypto default), a new device cannot read what came before it;
    // the SDK tells why from the stand-in's 404 on /room_keys/version.
    const earlierOnLaptop = await received(bobsLaptop, earlierId);
    expect(earlierOnLaptop.isDecryptionFailure()).toBe(true);
    expect(earlierOnLaptop.decryptionFailureReason).toBe('HISTORICAL_MESSAGE_NO_KEY_BACKUP');
    // Alice learns of the new device from device_lists.changed in her sync, then queries its keys.
    await eventually(async () => {
      const devices = await alice.client.getCrypto()?.getUserDeviceInfo([bob.credentials.userId]);
      return devices?.get(bob.credentials.userId)?.has(bobsLaptop.credentials.deviceId) === true;
    });

    const laterId = await sendText(alice, roomId, 'Nach dem neuen Gerät.');
    const onLaptop = await received(bobsLaptop, laterId);
    expect(onLaptop.isDecryptionFailure()).toBe(false);
    expect(onLaptop.getClearContent()?.body).toBe('Nach dem neuen Gerät.');
    expect((await received(bob, laterId)).getClearContent()?.body).toBe('Nach dem neuen Gerät.');
    const toLaptop = matrix.toDeviceSent().filter((message) => message.deviceId === bobsLaptop.credentials.deviceId && message.sender === alice.credentials.userId);
    expect(toLaptop.length).toBeGreaterThan(0);
    expect(matrix.unknownRoutes).toEqual([]);
  });

  it("publishes bob's cross-signing keys and his signature on a device to his other devices", async () => {
    const bob = await start(matrix.registerUser('bob'));
    const bobsLaptop = await start(matrix.registerUser('bob'));
    const bobId = bob.credentials.userId;
    const signedByBob = async (): Promise<boolean> => (await bobsLaptop.client.getCrypto()?.getDeviceVerificationStatus(bobId, bob.credentials.deviceId))?.signedByOwner === true;
    const bobsKeyIdsOnDevice = (): string[] => {
      const signatures = matrix.deviceKeys(bobId)[bob.credentials.deviceId]?.signatures as Record<string, Record<string, string>> | undefined;
      return Object.keys(signatures?.[bobId] ?? {}).sort();
    };
    expect(await signedByBob()).toBe(false);
    expect(bobsKeyIdsOnDevice()).toEqual([`ed25519:${bob.credentials.deviceId}`]);

    await bob.client.getCrypto()?.bootstrapCrossSigning({ setupNewCrossSigning: true });
    // The device's own signature, and now the self-signing key's, merged in from /keys/signatures/upload.
    expect(bobsKeyIdsOnDevice()).toHaveLength(2);
    // The laptop hears of the change through its own user in device_lists.changed, queries, and checks the signature chain.
    await eventually(signedByBob);
    expect(matrix.unknownRoutes).toEqual([]);
  });
});

describe('Matrix stand-in key endpoints over plain HTTP', () => {
  async function call(path: string, token: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${matrix.url}/_matrix/client/v3${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('hands out each one-time key once, then the fallback key', async () => {
    const bob = matrix.registerUser('bob');
    const alice = matrix.registerUser('alice');
    const uploaded = await call('/keys/upload', bob.accessToken, {
      one_time_keys: { 'signed_curve25519:A1': { key: 'one' } },
      fallback_keys: { 'signed_curve25519:F1': { key: 'fallback', fallback: true } },
    });
    expect(uploaded.json).toEqual({ one_time_key_counts: { signed_curve25519: 1 } });
    const claim = { one_time_keys: { [bob.userId]: { [bob.deviceId]: 'signed_curve25519' } } };
    const first = await call('/keys/claim', alice.accessToken, claim);
    const second = await call('/keys/claim', alice.accessToken, claim);
    expect(first.json.one_time_keys).toEqual({ [bob.userId]: { [bob.deviceId]: { 'signed_curve25519:A1': { key: 'one' } } } });
    expect(second.json.one_time_keys).toEqual({ [bob.userId]: { [bob.deviceId]: { 'signed_curve25519:F1': { key: 'fallback', fallback: true } } } });

    const { json: synced } = await call('/sync', bob.accessToken);
    expect(synced).toMatchObject({ device_one_time_keys_count: { signed_curve25519: 0 }, device_unused_fallback_key_types: [] });
    const forAlice = await call('/keys/upload', bob.accessToken, { device_keys: { user_id: alice.userId, device_id: bob.deviceId, keys: {} } });
    expect(forAlice).toMatchObject({ status: 400, json: { errcode: 'M_INVALID_PARAM' } });
  });

  it("shows a signature on another user's master key only to its signer", async () => {
    const [alice, bob, carol] = [matrix.registerUser('alice'), matrix.registerUser('bob'), matrix.registerUser('carol')];
    const master = { user_id: bob.userId, usage: ['master'], keys: { 'ed25519:BOBMASTER': 'BOBMASTER' } };
    expect((await call('/keys/device_signing/upload', bob.accessToken, { master_key: master })).status).toBe(200);
    const aliceSignature = { [alice.userId]: { 'ed25519:ALICEUSK': 'signature' } };
    const signed = await call('/keys/signatures/upload', alice.accessToken, { [bob.userId]: { BOBMASTER: { ...master, signatures: aliceSignature } } });
    expect(signed.json).toEqual({ failures: {} });

    const query = { device_keys: { [bob.userId]: [] } };
    expect((await call('/keys/query', alice.accessToken, query)).json.master_keys).toEqual({ [bob.userId]: { ...master, signatures: aliceSignature } });
    expect((await call('/keys/query', carol.accessToken, query)).json.master_keys).toEqual({ [bob.userId]: { ...master, signatures: {} } });
    const unknown = await call('/keys/signatures/upload', alice.accessToken, { [bob.userId]: { NOSUCHKEY: { signatures: aliceSignature } } });
    expect(unknown.json.failures).toMatchObject({ [bob.userId]: { NOSUCHKEY: { errcode: 'M_INVALID_SIGNATURE' } } });
  });

  it('lists in device_lists whose keys changed among those sharing a room, and who no longer shares one', async () => {
    const [alice, bob, carol] = [matrix.registerUser('alice'), matrix.registerUser('bob'), matrix.registerUser('carol')];
    const { json: created } = await call('/createRoom', alice.accessToken, { invite: [bob.userId] });
    const roomId = String(created.room_id);
    const { json: initial } = await call('/sync', alice.accessToken);
    await call(`/join/${encodeURIComponent(roomId)}`, bob.accessToken, {});
    const deviceKeys = (who: StandInCredentials): unknown => ({ device_keys: { user_id: who.userId, device_id: who.deviceId, algorithms: [], keys: { [`ed25519:${who.deviceId}`]: 'k' } } });
    await call('/keys/upload', carol.accessToken, deviceKeys(carol));
    const { json: joined } = await call(`/sync?since=${String(initial.next_batch)}`, alice.accessToken);
    expect(joined.device_lists).toEqual({ changed: [bob.userId], left: [] });

    const polling = call(`/sync?since=${String(joined.next_batch)}&timeout=10000`, alice.accessToken);
    await matrix.waitFor(() => matrix.requests.some((request) => request.path.includes(`since=${String(joined.next_batch)}`)));
    await call('/keys/upload', bob.accessToken, deviceKeys(bob));
    const { json: woken } = await polling;
    expect(woken.device_lists).toEqual({ changed: [bob.userId], left: [] });

    await call(`/rooms/${encodeURIComponent(roomId)}/leave`, bob.accessToken, {});
    const { json: afterLeave } = await call(`/sync?since=${String(woken.next_batch)}`, alice.accessToken);
    expect(afterLeave.device_lists).toEqual({ changed: [], left: [bob.userId] });
    const { json: changes } = await call(`/keys/changes?from=${String(joined.next_batch)}&to=${String(afterLeave.next_batch)}`, alice.accessToken);
    expect(changes).toEqual({ changed: [], left: [bob.userId] });
  });

  it('wakes a long-poll with a to-device message and keeps it until a later sync acknowledges it', async () => {
    const alice = matrix.registerUser('alice');
    const bob = matrix.registerUser('bob');
    const { json: initial } = await call('/sync', bob.accessToken);
    const since = String(initial.next_batch);

    const polling = call(`/sync?since=${since}&timeout=10000`, bob.accessToken);
    await matrix.waitFor(() => matrix.requests.some((request) => request.path.includes(`since=${since}`)));
    const message = { messages: { [bob.userId]: { '*': { hello: 'bob' } } } };
    expect((await call('/sendToDevice/m.test/t1', alice.accessToken, message, 'PUT')).status).toBe(200);
    expect((await call('/sendToDevice/m.test/t1', alice.accessToken, message, 'PUT')).status).toBe(200);
    const { json: woken } = await polling;
    expect(woken.to_device).toEqual({ events: [{ sender: alice.userId, type: 'm.test', content: { hello: 'bob' } }] });
    expect(matrix.toDeviceSent()).toMatchObject([{ deviceId: bob.deviceId, delivered: false }]);

    // Syncing again from the old token (the response got lost) brings it again; from the new one, it is gone.
    const { json: retried } = await call(`/sync?since=${since}`, bob.accessToken);
    expect((retried.to_device as { events: unknown[] }).events).toHaveLength(1);
    const { json: after } = await call(`/sync?since=${String(woken.next_batch)}`, bob.accessToken);
    expect(after.to_device).toEqual({ events: [] });
    expect(matrix.toDeviceSent()).toMatchObject([{ delivered: true }]);
  });

  it('reports no key backup until one is created, and account data once it is set', async () => {
    const alice = matrix.registerUser('alice');
    expect(await call('/room_keys/version', alice.accessToken)).toMatchObject({ status: 404, json: { errcode: 'M_NOT_FOUND', error: 'No current backup version' } });
    const created = await call('/room_keys/version', alice.accessToken, { algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2', auth_data: { public_key: 'pk' } });
    expect((await call('/room_keys/version', alice.accessToken)).json).toMatchObject({ version: created.json.version, count: 0 });

    const path = `/user/${encodeURIComponent(alice.userId)}/account_data/m.secret_storage.default_key`;
    expect((await call(path, alice.accessToken)).status).toBe(404);
    await call(path, alice.accessToken, { key: 'abc' }, 'PUT');
    expect((await call(path, alice.accessToken)).json).toEqual({ key: 'abc' });
    const { json: synced } = await call('/sync', alice.accessToken);
    expect(synced.account_data).toEqual({ events: [{ type: 'm.secret_storage.default_key', content: { key: 'abc' } }] });
  });
});
