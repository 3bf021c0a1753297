import { createHash, randomUUID } from 'node:crypto';
import {
  ClientEvent,
  createClient,
  MatrixEventEvent,
  MemoryStore,
  RoomEvent,
  RoomMemberEvent,
  SyncState,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from 'matrix-js-sdk';
import { logger as sdkGlobalLogger } from 'matrix-js-sdk/lib/logger.js';
import type { ChannelMessage } from '../../chat/command.ts';
import { claimEvents } from '../../chat/claim-event.ts';
import { ChannelUnavailableError } from '../../chat/command.ts';
import { parseTextCommand, type TextCommandSyntax } from '../../chat/parse-text-command.ts';
import type { CommandRunner } from '../../chat/run-command.ts';
import { t } from '../../chat/translate.ts';
import type { MatrixConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { reconcileServers, recordServerPresent, recordServerRemoved } from '../../maintenance/track-server-membership.ts';
import type { Store } from '../../store/open-store.ts';
import { channelContent, replyContent, type NoticeContent } from './message-content.ts';
import { openMatrixSession, type MatrixSession } from './matrix-session.ts';
import { sdkLogger } from './sdk-logger.ts';
import { prepareEncryption, sealMessages, type MatrixEncryption } from './matrix-encryption.ts';
import { sendNotice, type SealMessage } from './send-notice.ts';

export interface MatrixBot {
  /** Logs in (or reuses the stored session), starts syncing from where the last run stopped, and resolves once synced. */
  start(): Promise<void>;
  /** Posts a message the bot sends on its own (a digest) to a room; ChannelUnavailableError marks the room inactive. */
  post(roomId: string, message: ChannelMessage, txnId?: string): Promise<void>;
  /** The sync loop is running (false before start, after stop, and while the homeserver cannot be reached). */
  connected(): boolean;
  stop(): Promise<void>;
}

/** How long the first sync may take before start-up fails with a clear message. */
const READY_TIMEOUT_MS = 60_000;
/** Rooms whose power levels were read recently: a burst of commands costs one request. */
const POWER_LEVEL_CACHE_MS = 30_000;
/**
 * A command whose room key arrives later is answered when it becomes readable — unless it is older than this by
 * then: an answer long after the question, out of the blue, helps nobody.
 */
export const LATE_COMMAND_MS = 5 * 60_000;

/** A MemoryStore that starts from the sync token the previous run reached: the first sync catches up from there. */
class ResumingStore extends MemoryStore {
  readonly #saved: string | null;
  constructor(saved: string | undefined) {
    super();
    this.#saved = saved ?? null;
  }
  override getSavedSyncToken(): Promise<string | null> {
    return Promise.resolve(this.#saved);
  }
}

/**
 * The Matrix adapter: the real matrix-js-sdk, text commands (`!incidents amazon`, or addressing the bot by name),
 * replies as `m.notice` in reply to the command (in its thread when it was in one), invites from allowed users
 * accepted, rooms left when the bot is alone in them, and kicked/banned rooms marked inactive.
 *
 * Exactly once: the sync token is stored after the events of each sync have been handled, so a restart catches
 * up from there and nothing is missed; a reply's transaction id is derived from the command's event id, so a
 * command handled again after a crash yields the same event on the homeserver, not a second answer. Events from
 * before the bot's first start, its own events and notices (other bots) are never commands.
 */
export function createMatrixBot(config: MatrixConfig, runner: CommandRunner, store: Store, log: Logger): MatrixBot {
  const matrixLog = log.child({ platform: 'matrix' });
  const state = store.collection<string>('platform-state');
  const syncKey = `matrix-sync.${config.userId}`;
  let client: MatrixClient | undefined;
  let session: MatrixSession | undefined;
  let encryption: MatrixEncryption | undefined;
  let seal: SealMessage | undefined;
  /** Encrypted rooms already reported as unreadable (encryption off): one log line each. */
  const unreadableRooms = new Set<string>();
  let syntax: TextCommandSyntax = { prefix: config.prefix, names: [config.userId, localpart(config.userId)] };
  /** Events are handled one at a time, in order; the sync token is stored behind them. */
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (work: () => Promise<unknown>): void => {
    queue = queue.then(work).catch((error: unknown) => matrixLog.error({ err: error }, 'handling a Matrix event failed'));
  };
  const powerLevels = new Map<string, { at: number; content: PowerLevels }>();

  /** A refusal (ChannelUnavailableError) is counted by the core, which deactivates a room that keeps refusing. */
  const send = async (roomId: string, content: NoticeContent, txnId: string): Promise<void> => {
    await sendNotice(client!, roomId, content, txnId, undefined, seal);
  };

  const markInactive = async (roomId: string, reason: string): Promise<void> => {
    await store.channels.update({ platform: 'matrix', id: roomId }, (channel) => {
      channel.active = false;
      channel.inactiveReason = reason;
    });
  };

  const isManager = async (roomId: string, userId: string): Promise<boolean> => {
    const cached = powerLevels.get(roomId);
    let content = cached && Date.now() - cached.at < POWER_LEVEL_CACHE_MS ? cached.content : undefined;
    if (!content) {
      content = ((await client!.getStateEvent(roomId, 'm.room.power_levels', '').catch(() => ({}))) ?? {}) as PowerLevels;
      powerLevels.set(roomId, { at: Date.now(), content });
    }
    const level = typeof content.users?.[userId] === 'number' ? content.users[userId] : typeof content.users_default === 'number' ? content.users_default : 0;
    return level >= config.managerPowerLevel;
  };

  const claim = claimEvents(store.leases, store.instanceId, matrixLog);

  const handleMessage = async (event: MatrixEvent, room: Room): Promise<void> => {
    const me = session!.userId;
    if (event.getType() !== 'm.room.message' || event.getSender() === me || event.isRedacted()) return;
    // Only what was said while the bot was in the room: not the history it sees on joining.
    const joinedAt = room.getMember(me)?.events.member?.getTs() ?? 0;
    if (event.getTs() < joinedAt) return;
    const content = event.getContent<{ msgtype?: string; body?: unknown; 'm.relates_to'?: Relation }>();
    if (content.msgtype !== 'm.text' || typeof content.body !== 'string') return;
    const relation = content['m.relates_to'];
    if (relation?.rel_type === 'm.replace') return; // an edit of an earlier message, not a new command
    const parsed = parseTextCommand(stripReplyFallback(content.body, relation), runner.commands, syntax);
    if (parsed.kind === 'none' || (parsed.kind === 'unknown' && !parsed.addressedByName)) return;
    // Every instance sharing the store syncs every event: the one that claims it answers.
    const eventId = event.getId();
    if (eventId !== undefined && !(await claim('matrix', eventId))) return;
    const invocation = parsed.kind === 'command' ? parsed.invocation : { command: parsed.name, options: {} };
    const sender = event.getSender() ?? '';
    const reply = await runner.run({
      invocation,
      channel: { platform: 'matrix', id: room.roomId, isDirect: false },
      isManager: await isManager(room.roomId, sender),
      fallbackLanguage: 'en',
      prefix: config.prefix,
      managerRequirement: {
        en: `power level ${config.managerPowerLevel} in this room`,
        de: `Berechtigungsstufe ${config.managerPowerLevel} in diesem Raum`,
      },
    });
    const answer: NoticeContent = { ...replyContent(reply, reply.language ?? 'en', config.prefix), 'm.relates_to': replyRelation(event.getId()!, relation) };
    await send(room.roomId, answer, `reply-${digest(event.getId()!)}`).catch((error: unknown) => {
      if (!(error instanceof ChannelUnavailableError)) throw error;
    });
  };

  /**
   * A live room event: decrypted first when it came encrypted. One that cannot be decrypted yet (its room key has
   * not arrived) is not answered now, and is answered when the key comes — if it is not too old by then.
   */
  const handleTimelineEvent = async (event: MatrixEvent, room: Room): Promise<void> => {
    if (event.isEncrypted()) {
      if (!encryption) {
        if (!unreadableRooms.has(room.roomId)) {
          unreadableRooms.add(room.roomId);
          matrixLog.warn({ room: room.roomId }, 'a message in an end-to-end encrypted room, and encryption is off (MATRIX_CRYPTO_SECRET): the bot cannot read this room');
        }
        return;
      }
      await client!.decryptEventIfNeeded(event);
      if (event.isDecryptionFailure()) {
        matrixLog.warn({ room: room.roomId, event: event.getId(), reason: event.decryptionFailureReason }, 'could not decrypt a message (its key has not arrived): not answered for now');
        // Each retry (as keys arrive) reports again; the first success is handled, once.
        const onDecrypted = (decrypted: MatrixEvent): void => {
          if (decrypted.isDecryptionFailure()) return;
          event.off(MatrixEventEvent.Decrypted, onDecrypted);
          enqueue(() => handleLateDecrypted(decrypted, room));
        };
        event.on(MatrixEventEvent.Decrypted, onDecrypted);
        return;
      }
    }
    await handleMessage(event, room);
  };

  const handleLateDecrypted = async (event: MatrixEvent, room: Room): Promise<void> => {
    const age = Date.now() - event.getTs();
    if (age > LATE_COMMAND_MS) {
      matrixLog.info({ room: room.roomId, event: event.getId(), ageMinutes: Math.round(age / 60_000) }, 'a message became readable too late to answer');
      return;
    }
    matrixLog.info({ room: room.roomId, event: event.getId() }, 'a message became readable: handled now');
    await handleMessage(event, room);
  };

  const handleInvite = async (roomId: string, inviter: string | undefined): Promise<void> => {
    if (!inviterAllowed(inviter, config.allowedInviters)) {
      matrixLog.info({ room: roomId, inviter }, 'invite declined: inviter not in MATRIX_ALLOWED_INVITERS');
      await client!.leave(roomId).catch(() => {});
      return;
    }
    await client!.joinRoom(roomId);
    await store.channels.update({ platform: 'matrix', id: roomId }, (channel) => {
      channel.active = true;
      delete channel.inactiveReason;
    });
    await recordServerPresent(store, `matrix:${roomId}`, matrixLog);
    matrixLog.info({ room: roomId, inviter }, 'joined a Matrix room on invitation');
    const welcome = t('en', 'matrix.joined', { prefix: config.prefix });
    await send(roomId, { ...replyContent({ lines: [welcome] }, 'en', config.prefix) }, `welcome-${digest(roomId)}`).catch(() => {});
  };

  const handleMembership = async (roomId: string, userId: string, membership: string | undefined, by: string | undefined): Promise<void> => {
    const me = session!.userId;
    if (userId === me) {
      if (membership === 'invite') return handleInvite(roomId, by);
      if (membership === 'leave' || membership === 'ban') {
        if (by !== undefined && by !== me) {
          matrixLog.warn({ room: roomId, membership, by }, 'removed from a Matrix room: marked inactive');
          // Who did it goes to the log only: the store keeps no user ids.
          await markInactive(roomId, membership === 'ban' ? 'banned from the room' : 'removed from the room');
        }
        // Kicked, banned or gone on its own: the room's settings go after the grace period unless it is invited back.
        await recordServerRemoved(store, `matrix:${roomId}`, new Date(), matrixLog);
      }
      return;
    }
    if (membership === 'leave' || membership === 'ban') {
      const room = client!.getRoom(roomId);
      if (room && room.getMyMembership() === 'join' && room.getJoinedMemberCount() <= 1) {
        matrixLog.info({ room: roomId }, 'alone in a Matrix room: leaving it');
        await client!.leave(roomId);
      }
    }
  };

  return {
    async start() {
      // Parts of the SDK log through its global console logger, which would put plain lines between our JSON logs;
      // everything worth knowing reaches us through the client's own logger.
      (sdkGlobalLogger as unknown as { setLevel?: (level: string) => void }).setLevel?.('silent');
      session = await openMatrixSession(config, store.collection<MatrixSession>('platform-state'), matrixLog);
      const { cryptoSecret } = config;
      if (cryptoSecret !== undefined) encryption = await prepareEncryption({ ...config, cryptoSecret }, session, store, matrixLog);
      const savedToken = await state.get(syncKey);
      client = createClient({
        baseUrl: config.homeserverUrl,
        accessToken: session.accessToken,
        userId: session.userId,
        deviceId: session.deviceId,
        store: new ResumingStore(savedToken),
        logger: sdkLogger(matrixLog),
        ...(encryption ? { fetchFn: encryption.fetchFn, cryptoCallbacks: encryption.cryptoCallbacks } : {}),
      });
      await encryption?.attach(client);
      seal = sealMessages(client, encryption);
      const displayName = await client.getProfileInfo(session.userId).then((p) => p.displayname, () => undefined);
      syntax = { prefix: config.prefix, names: [session.userId, localpart(session.userId), ...(displayName ? [displayName] : [])] };

      // Without a stored token the first sync is the room history so far: none of it is a command for us.
      let live = savedToken !== undefined;
      client.on(RoomEvent.Timeline, (event, room, toStartOfTimeline, removed, data) => {
        if (room && event.getType() === 'm.room.power_levels') powerLevels.delete(room.roomId);
        if (!live || toStartOfTimeline || removed || !room || !data.liveEvent) return;
        enqueue(() => handleTimelineEvent(event, room));
      });
      client.on(RoomMemberEvent.Membership, (event, member) => {
        const by = event.getSender();
        enqueue(() => handleMembership(member.roomId, member.userId, member.membership, by));
      });
      client.on(ClientEvent.Sync, (syncState, _previous, data) => {
        if (syncState === SyncState.Prepared || syncState === SyncState.Syncing) live = true;
        const token = data?.nextSyncToken;
        // The crypto state before the position: what this sync brought (room keys) must not be lost behind it.
        if (token) enqueue(async () => {
          await encryption?.flush();
          await state.set(syncKey, token);
        });
        if (syncState === SyncState.Error) matrixLog.warn({ err: data?.error }, 'Matrix sync failed; retrying with back-off');
      });

      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Matrix did not finish its first sync within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
        client!.once(ClientEvent.Sync, function onSync(syncState) {
          if (syncState === SyncState.Prepared) {
            clearTimeout(timer);
            resolve();
          } else {
            client!.once(ClientEvent.Sync, onSync);
          }
        });
      });
      await client.startClient({ initialSyncLimit: 10, lazyLoadMembers: true });
      await ready;
      await encryption?.crossSign();
      // Rooms that removed the bot (or took it back) while it was offline: the sync since the saved token says so
      // too, but not when the token is gone or too old — the homeserver's list of joined rooms always does.
      await client
        .getJoinedRooms()
        .then(({ joined_rooms: joined }) => reconcileServers(store, 'matrix', new Set(joined.map((roomId) => `matrix:${roomId}`)), new Date(), matrixLog))
        .catch((error: unknown) => matrixLog.error({ err: error }, 'could not compare the joined rooms with the stored ones'));
      matrixLog.info({ user: session.userId, rooms: client.getRooms().length, resumed: savedToken !== undefined }, `Matrix ready as ${session.userId} in ${client.getRooms().length} rooms`);
    },

    async post(roomId, message, txnId = `post-${randomUUID()}`) {
      await send(roomId, channelContent(message), txnId);
    },

    connected: () => {
      const state = client?.getSyncState();
      return state === SyncState.Prepared || state === SyncState.Syncing || state === SyncState.Catchup;
    },

    async stop() {
      client?.stopClient();
      await queue;
      await encryption?.close();
    },
  };
}

interface PowerLevels {
  users?: Record<string, number>;
  users_default?: number;
}

interface Relation {
  rel_type?: string;
  event_id?: string;
  'm.in_reply_to'?: { event_id?: string };
}

/** A reply to the command, inside its thread when it was sent in one. */
function replyRelation(eventId: string, relation: Relation | undefined): Record<string, unknown> {
  if (relation?.rel_type === 'm.thread' && typeof relation.event_id === 'string') {
    return { rel_type: 'm.thread', event_id: relation.event_id, is_falling_back: false, 'm.in_reply_to': { event_id: eventId } };
  }
  return { 'm.in_reply_to': { event_id: eventId } };
}

/** Replies may still carry the quoted original (`> <@alice:…> text` lines, then a blank line) in front of the new text. */
export function stripReplyFallback(body: string, relation: Relation | undefined): string {
  if (!relation?.['m.in_reply_to']) return body;
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i += 1;
  if (i > 0 && lines[i]?.trim() === '') i += 1;
  return lines.slice(i).join('\n');
}

/** `*` anyone; `*:server` anyone on that homeserver; otherwise exact user ids. */
export function inviterAllowed(inviter: string | undefined, allowed: readonly string[]): boolean {
  if (inviter === undefined) return false;
  return allowed.some((entry) => entry === '*' || entry === inviter || (entry.startsWith('*:') && inviter.endsWith(entry.slice(1))));
}

function localpart(userId: string): string {
  return userId.slice(1, userId.includes(':') ? userId.indexOf(':') : undefined);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
