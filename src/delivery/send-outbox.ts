import { ChannelUnavailableError, type ChannelMessage } from '../chat/command.ts';
import { createLimiter } from '../ingest/concurrency-limiter.ts';
import type { Logger } from '../log.ts';
import { channelKey, type ChannelRef } from '../model/channel.ts';
import type { ChannelRepo } from '../store/channel-repo.ts';
import type { OutboxEntry, OutboxRepo } from '../store/outbox-repo.ts';
import { recordReachable, recordRefusal } from './channel-health.ts';

/** How a platform sends one delivery; `deliveryId` makes a repeat harmless (Discord nonce, Matrix transaction id). */
export type DeliverySender = (channel: ChannelRef, message: ChannelMessage, deliveryId: string) => Promise<void>;

/** Attempts before a delivery is given up (the channel stays; the failure is logged). */
export const MAX_DELIVERY_ATTEMPTS = 8;

/** Channels served side by side: enough to keep a platform's rate limit busy, few enough to keep memory flat. */
export const CHANNELS_IN_FLIGHT = 100;

/**
 * Several instances on one store: a claim on a channel's deliveries for this instance (a lease in the store).
 * While it is held, no other instance sends to that channel; `held()` turns false when the claim could not be
 * renewed (this instance stalled past its lease), and the sender stops before the next message.
 */
export interface ChannelClaim {
  held(): boolean;
  release(): Promise<void>;
}

/** Claims a channel's deliveries; undefined while another instance delivers to it. */
export type ClaimChannel = (channel: ChannelRef) => Promise<ChannelClaim | undefined>;

export interface OutboxSending {
  outbox: OutboxRepo;
  channels: ChannelRepo;
  send: DeliverySender;
  log: Logger;
  now: () => Date;
  /** Entries for platforms that are not connected wait, untouched, until they are. */
  canSend?: (channel: ChannelRef) => boolean;
  /** Absent: this instance is alone on its store. */
  claimChannel?: ClaimChannel;
  /** Default CHANNELS_IN_FLIGHT. */
  concurrency?: number;
}

export interface OutboxRound {
  sent: number;
  failed: number;
  /** Channels another instance was delivering to: left to it. */
  elsewhere: number;
}

/**
 * Sends what is pending in the outbox. Channels go side by side, at most `concurrency` at a time, so one slow
 * or failing channel holds up only itself; each channel's entries go in order. Every entry is read again just
 * before it is sent, under the channel's claim, so an entry another instance sent meanwhile is not sent again.
 *
 * A sent entry is marked sent. A definite refusal (the channel is gone or forbids the bot) counts towards
 * deactivating the channel and leaves its remaining entries for the next round — once the channel is
 * deactivated they are given up. Other failures retry next round, up to MAX_DELIVERY_ATTEMPTS.
 */
export async function sendOutbox(sending: OutboxSending): Promise<OutboxRound> {
  const { outbox, log } = sending;
  const canSend = sending.canSend ?? (() => true);
  const byChannel = new Map<string, OutboxEntry[]>();
  for (const entry of await outbox.pending()) {
    if (!canSend(entry.channel)) continue;
    const key = channelKey(entry.channel);
    const list = byChannel.get(key);
    if (list) list.push(entry);
    else byChannel.set(key, [entry]);
  }
  const round: OutboxRound = { sent: 0, failed: 0, elsewhere: 0 };
  const limiter = createLimiter(sending.concurrency ?? CHANNELS_IN_FLIGHT);
  await Promise.all(
    [...byChannel.values()].map((entries) =>
      limiter.run(async () => {
        const channel = entries[0]!.channel;
        const claim = sending.claimChannel ? await sending.claimChannel(channel) : undefined;
        if (sending.claimChannel && !claim) {
          round.elsewhere += 1;
          return;
        }
        try {
          await sendChannel(entries, claim, sending, round);
        } catch (error) {
          // The store failed under us: what was not marked stays pending for the next round.
          log.error({ channel: channelKey(channel), err: error }, 'delivery to a channel interrupted');
        } finally {
          await claim?.release().catch(() => {});
        }
      }),
    ),
  );
  return round;
}

async function sendChannel(entries: OutboxEntry[], claim: ChannelClaim | undefined, sending: OutboxSending, round: OutboxRound): Promise<void> {
  const { outbox, channels, log, now } = sending;
  for (const listed of entries) {
    if (claim && !claim.held()) return;
    // Fresh from the store: another instance may have sent it (or given it up) since the list was read.
    const entry = await outbox.get(listed.id);
    if (entry?.status !== 'pending') continue;
    try {
      await sending.send(entry.channel, entry.message, entry.id);
    } catch (error) {
      round.failed += 1;
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof ChannelUnavailableError) {
        const inactive = await recordRefusal(channels, entry.channel, reason, log);
        await outbox.markAttempt(entry.id, reason, inactive);
        if (inactive) round.failed += await giveUpRest(entries.slice(entries.indexOf(listed) + 1), reason, outbox);
        else log.warn({ delivery: entry.id, channel: channelKey(entry.channel), reason }, 'channel refused the delivery; retried next round');
        return;
      }
      const final = entry.attempts + 1 >= MAX_DELIVERY_ATTEMPTS;
      await outbox.markAttempt(entry.id, reason, final);
      log.warn({ delivery: entry.id, channel: channelKey(entry.channel), err: error, final }, final ? 'delivery given up' : 'delivery failed; retried next round');
      continue;
    }
    await outbox.markSent(entry.id, now().toISOString());
    round.sent += 1;
    await recordReachable(channels, entry.channel, log);
  }
}

/** An inactive channel's other pending entries: nothing will be sent there. Answers how many. */
async function giveUpRest(rest: OutboxEntry[], reason: string, outbox: OutboxRepo): Promise<number> {
  for (const entry of rest) await outbox.markAttempt(entry.id, reason, true);
  return rest.length;
}
