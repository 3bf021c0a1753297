import { EventType, MsgType, type MatrixEvent } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AMAZON_STORIES, BREAKING_STORIES } from '../../fixtures/amazon-stories.ts';
import { startFeedServer, type FeedServer } from '../../stand-ins/feed-server.ts';
import { startMatrixServer, type MatrixStandIn, type StandInCredentials } from '../../stand-ins/matrix-server.ts';
import { createBotFolder, serveStories } from '../../support/bot-fixture.ts';
import { E2EE_TIMEOUT_MS, eventually, startEncryptedUser, type EncryptedUser } from '../../support/encrypted-matrix-user.ts';
import { runCli, startCli, type RunningCli } from '../../support/run-cli.ts';
import { LATE_COMMAND_MS } from '../../../src/platforms/matrix/matrix-bot.ts';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Encrypted rooms end to end: the bot (`privacy-radar run`, real matrix-js-sdk with Rust crypto, its crypto state in
 * the SQLite store) in a megolm-encrypted room with people on real clients. It decrypts their commands and answers
 * encrypted; it stays the same device across a restart and still reads and answers; digests arrive encrypted; room
 * keys go to members' devices only; a command whose key comes late is answered when it comes; with the account's
 * recovery key it signs its device with the account's cross-signing key.
 */

describe('Matrix: end-to-end encrypted rooms', () => {
  let matrix: MatrixStandIn;
  let feeds: FeedServer;
  let bot: RunningCli | undefined;
  let env: Record<string, string>;
  let botUser: StandInCredentials;
  let alice: EncryptedUser;
  let carol: EncryptedUser;
  let roomId: string;
  let recoveryKey: string;

  const startBot = async (): Promise<RunningCli> => {
    const running = startCli(['run'], env);
    await running.waitForOutput(/Matrix ready as/, 60_000);
    return running;
  };

  const say = async (from: EncryptedUser, body: string): Promise<string> =>
    (await from.client.sendEvent(roomId, EventType.RoomMessage, { msgtype: MsgType.Text, body })).event_id;

  const inReplyTo = (event: MatrixEvent): string | undefined => {
    const relation = (event.getWireContent()['m.relates_to'] ?? event.getContent()['m.relates_to']) as { 'm.in_reply_to'?: { event_id?: string } } | undefined;
    return relation?.['m.in_reply_to']?.event_id;
  };

  /** The bot's answer to a command, as the person's own client decrypted it. */
  const answerTo = (user: EncryptedUser, commandId: string): Promise<MatrixEvent> =>
    matrix.waitFor(() => user.messages.find((event) => event.getSender() === botUser.userId && inReplyTo(event) === commandId), E2EE_TIMEOUT_MS);

  const botMessagesOnServer = () => matrix.sentBy(botUser.userId, roomId);

  beforeAll(async () => {
    // The SDK's global logger (which the client's logger option does not reach) warns of expected decryption failures.
    for (const method of ['log', 'debug', 'info', 'warn'] as const) vi.spyOn(console, method).mockImplementation(() => undefined);
    feeds = await startFeedServer();
    matrix = await startMatrixServer();
    botUser = matrix.registerUser('privacy-radar');
    const folder = await createBotFolder(feeds, 'matrix-e2ee', { backfill: 20 });
    serveStories(feeds, AMAZON_STORIES);

    // The admin's one-time setup, as in Element: cross-signing and secret storage for the bot's account, from a
    // session of their own; the recovery key it shows goes into MATRIX_RECOVERY_KEY.
    recoveryKey = await setUpRecovery(matrix, matrix.registerUser('privacy-radar'));

    env = {
      ...folder.env,
      MATRIX_HOMESERVER_URL: matrix.url,
      MATRIX_USER_ID: botUser.userId,
      MATRIX_ACCESS_TOKEN: botUser.accessToken,
      MATRIX_CRYPTO_SECRET: 'correct horse battery staple, kept in the environment',
      MATRIX_RECOVERY_KEY: recoveryKey,
      POLL_CRON: '*/2 * * * * *',
    };
    bot = await startBot();
    await bot.waitForOutput(/poll cycle done: 1 feeds polled/, 30_000);

    alice = await startEncryptedUser(matrix, matrix.registerUser('alice'));
    carol = await startEncryptedUser(matrix, matrix.registerUser('carol'));
    roomId = (
      await alice.client.createRoom({
        name: 'Verschlüsselt',
        invite: [botUser.userId],
        initial_state: [{ type: EventType.RoomEncryption, state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
      })
    ).room_id;
    await matrix.waitFor(() => matrix.membership(roomId, botUser.userId) === 'join', E2EE_TIMEOUT_MS);
    await matrix.waitFor(() => matrix.deviceKeys(botUser.userId)[botUser.deviceId], E2EE_TIMEOUT_MS);
    await matrix.waitFor(() => alice.client.getRoom(roomId)?.getMember(botUser.userId)?.membership === 'join', E2EE_TIMEOUT_MS);
  }, 120_000);

  afterAll(async () => {
    alice?.client.stopClient();
    carol?.client.stopClient();
    await bot?.stop();
    await matrix?.close();
    await feeds?.close();
    vi.restoreAllMocks();
  });

  it('decrypts !incidents amazon and answers encrypted, readable by the room', async () => {
    const command = await say(alice, '!incidents amazon');
    const answer = await answerTo(alice, command);
    expect(answer.isDecryptionFailure()).toBe(false);
    expect(answer.getContent()).toMatchObject({ msgtype: 'm.notice', 'm.mentions': {} });
    expect(answer.getContent().body).toMatch(/^Amazon \(with Ring, Alexa, .+\): \d+ incidents/);
    expect(answer.getContent().formatted_body).toContain('<a href="https://news.example/ring-police">');
    // The homeserver held only ciphertext from the bot: its welcome and its answer.
    expect(botMessagesOnServer().length).toBeGreaterThanOrEqual(2);
    expect(botMessagesOnServer().every((event) => event.type === 'm.room.encrypted' && !('body' in event.content))).toBe(true);
    expect(bot!.output()).toMatch(/end-to-end encryption on: new device keys made and kept in the store/);
  }, 60_000);

  it('signs its device with the account\'s cross-signing key from the recovery key', async () => {
    expect(bot!.output()).toMatch(/device signed with the account's cross-signing key/);
    await eventually(async () => (await alice.client.getCrypto()!.getDeviceVerificationStatus(botUser.userId, botUser.deviceId))?.signedByOwner === true);
  }, 30_000);

  it('shares room keys with the devices of members only', async () => {
    await alice.client.invite(roomId, carol.credentials.userId);
    await matrix.waitFor(() => carol.client.getRoom(roomId)?.getMyMembership() === 'invite', E2EE_TIMEOUT_MS);
    await carol.client.joinRoom(roomId);
    await matrix.waitFor(() => alice.client.getRoom(roomId)?.getMember(carol.credentials.userId)?.membership === 'join', E2EE_TIMEOUT_MS);
    const keysForCarol = () => matrix.toDeviceSent().filter((message) => message.sender === botUser.userId && message.userId === carol.credentials.userId);

    // A member: the bot's answer reaches carol's device too.
    const whileMember = await say(alice, '!feeds');
    expect((await answerTo(carol, whileMember)).isDecryptionFailure()).toBe(false);
    const sharedWhileMember = keysForCarol().length;
    expect(sharedWhileMember).toBeGreaterThan(0);

    // Gone: the bot's next answer is not for her.
    await carol.client.leave(roomId);
    await matrix.waitFor(() => alice.client.getRoom(roomId)?.getMember(carol.credentials.userId)?.membership === 'leave', E2EE_TIMEOUT_MS);
    const afterLeaving = await say(alice, '!help');
    expect((await answerTo(alice, afterLeaving)).isDecryptionFailure()).toBe(false);
    expect(keysForCarol()).toHaveLength(sharedWhileMember);
  }, 60_000);

  it('answers a command whose room key arrives late, once the key is there', async () => {
    // A new session from alice, whose key the bot's device does not get for now.
    alice.client.getCrypto()!.forceDiscardSession(roomId);
    const release = matrix.holdToDevice(botUser.userId);
    const command = await say(alice, '!incidents ring');
    await bot!.waitForOutput(/could not decrypt a message \(its key has not arrived\)/, E2EE_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alice.messages.some((event) => inReplyTo(event) === command)).toBe(false);

    release();
    const answer = await answerTo(alice, command);
    expect(answer.getContent().body).toMatch(/Ring/);
    expect(bot!.output()).toMatch(/a message became readable: handled now/);
  }, 60_000);

  it('does not answer a command whose key came when it was already old', async () => {
    alice.client.getCrypto()!.forceDiscardSession(roomId);
    const release = matrix.holdToDevice(botUser.userId);
    matrix.backdate(LATE_COMMAND_MS + 60_000);
    const command = await say(alice, '!incidents amazon');
    matrix.backdate(0);
    await bot!.waitForOutput(new RegExp(`could not decrypt a message[^\\n]*${escapeRegExp(command)}|${escapeRegExp(command)}[^\\n]*could not decrypt a message`), E2EE_TIMEOUT_MS);
    release();
    await bot!.waitForOutput(/a message became readable too late to answer/, E2EE_TIMEOUT_MS);
    const next = await say(alice, '!help');
    await answerTo(alice, next);
    expect(alice.messages.some((event) => inReplyTo(event) === command)).toBe(false);
  }, 60_000);

  it('shrugs off a message that can never be decrypted', async () => {
    const response = await fetch(`${matrix.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/garbage-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${alice.credentials.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ algorithm: 'm.megolm.v1.aes-sha2', sender_key: 'not-a-key', session_id: 'no-such-session', ciphertext: '%%%', device_id: 'NOPE' }),
    });
    expect(response.status).toBe(200);
    const next = await say(alice, '!help');
    expect((await answerTo(alice, next)).isDecryptionFailure()).toBe(false);
  }, 60_000);

  it('stays the same device across a restart, still decrypts and answers, and sends alerts and the digest encrypted', async () => {
    expect((await answerTo(alice, await say(alice, '!subscribe amazon'))).getContent().body).toContain('Amazon');
    const devicesBefore = matrix.deviceKeys(botUser.userId);
    await bot!.stop();
    bot = await startBot();
    expect(bot.output()).toMatch(/end-to-end encryption on: device keys restored from the store/);
    // No new device, the same identity keys: nobody has to trust anything anew.
    expect(matrix.deviceKeys(botUser.userId)).toEqual(devicesBefore);

    // The room is quiet since the restart (the resumed sync brings nothing of it): the bot speaks first, encrypted.
    serveStories(feeds, [...AMAZON_STORIES, BREAKING_STORIES.twitchAccounts]);
    const alert = await matrix.waitFor(
      () => alice.messages.find((event) => event.getSender() === botUser.userId && String(event.getContent().body).startsWith('New incident')),
      E2EE_TIMEOUT_MS * 2,
    );
    expect(alert.isDecryptionFailure()).toBe(false);
    expect(botMessagesOnServer().every((event) => event.type === 'm.room.encrypted')).toBe(true);

    // And still hears the room afterwards.
    const command = await say(alice, '!incidents amazon');
    const answer = await answerTo(alice, command);
    expect(answer.isDecryptionFailure()).toBe(false);
    expect(answer.getContent().body).toMatch(/^Amazon/);

    const now = new Date();
    const time = `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`;
    await answerTo(alice, await say(alice, `!digest ${time} UTC`));
    const digest = await matrix.waitFor(
      () => alice.messages.find((event) => event.getSender() === botUser.userId && String(event.getContent().body).startsWith('Privacy digest')),
      E2EE_TIMEOUT_MS * 2,
    );
    expect(digest.isDecryptionFailure()).toBe(false);
    expect(String(digest.getContent().formatted_body).match(/<li>/g)?.length).toBeGreaterThan(1);
    expect(botMessagesOnServer().every((event) => event.type === 'm.room.encrypted')).toBe(true);
  }, 90_000);

  it('refuses to start with another secret rather than become a new device', async () => {
    await bot!.stop();
    bot = undefined;
    const devicesBefore = matrix.deviceKeys(botUser.userId);
    const run = await runCli(['run'], { ...env, MATRIX_CRYPTO_SECRET: 'a different secret than the one the keys were saved with' });
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/MATRIX_CRYPTO_SECRET is not the secret it was saved with/);
    expect(run.stdout + run.stderr).not.toContain('a different secret than the one');
    expect(matrix.deviceKeys(botUser.userId)).toEqual(devicesBefore);

    // The refused start left the stored keys as they were: the right secret opens them again.
    bot = await startBot();
    expect(bot.output()).toMatch(/end-to-end encryption on: device keys restored from the store/);
    const command = await say(alice, '!help');
    expect((await answerTo(alice, command)).isDecryptionFailure()).toBe(false);
  }, 90_000);
});

/**
 * What an admin does once in Element for the bot's account: cross-signing keys, and secret storage holding them
 * under a recovery key. Returns the recovery key as Element shows it.
 */
async function setUpRecovery(matrix: MatrixStandIn, session: StandInCredentials): Promise<string> {
  let created: { keyId?: string; privateKey: Uint8Array<ArrayBuffer>; encodedPrivateKey?: string } | undefined;
  const admin = await startEncryptedUser(matrix, session, {
    cryptoCallbacks: {
      getSecretStorageKey: async ({ keys }) => {
        const keyId = Object.keys(keys)[0];
        return created && keyId !== undefined ? [keyId, created.privateKey] : null;
      },
    },
  });
  try {
    const crypto = admin.client.getCrypto()!;
    await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: async (makeRequest) => void (await makeRequest({})) });
    await crypto.bootstrapSecretStorage({
      setupNewSecretStorage: true,
      createSecretStorageKey: async () => (created = await crypto.createRecoveryKeyFromPassphrase()),
    });
    await eventually(async () => (await admin.client.secretStorage.isStored('m.cross_signing.master')) !== null);
    if (!created?.encodedPrivateKey) throw new Error('no recovery key was made');
    return created.encodedPrivateKey;
  } finally {
    admin.client.stopClient();
  }
}
