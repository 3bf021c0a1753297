import { ChannelUnavailableError, type ChannelMessage } from '../chat/command.ts';
import type { Logger } from '../log.ts';
import type { ChannelRef } from '../model/channel.ts';
import type { OutboxRepo } from '../store/outbox-repo.ts';

/** How a platform sends one delivery; `deliveryId` makes a repeat harmless (Discord nonce, Matrix transaction id). */
export type DeliverySender = (channel: ChannelRef, message: ChannelMessage, deliveryId: string) => Promise<void>;

/** Attempts before a delivery is given up (the channel stays; the failure is logged). */
export const MAX_DELIVERY_ATTEMPTS = 8;

/**
 * Sends what is pending in the outbox, channels side by side (one slow or failing channel holds up only itself),
 * each channel's entries in order. A sent entry is marked; a channel that is gone ends its entries; other
 * failures leave the entry for the next round until MAX_DELIVERY_ATTEMPTS.
 */
export async function sendOutbox(
  outbox: OutboxRepo,
  send: DeliverySender,
  log: Logger,
  now: () => Date,
  /** Entries for platforms that are not connected wait, untouched, until they are. */
  canSend: (channel: ChannelRef) => boolean = () => true,
): Promise<{ sent: number; failed: number }> {
  const pending = (await outbox.pending()).filter((entry) => canSend(entry.channel));
  const byChannel = new Map<string, typeof pending>();
  for (const entry of pending) {
    const key = `${entry.channel.platform}:${entry.channel.id}`;
    byChannel.set(key, [...(byChannel.get(key) ?? []), entry]);
  }
  let sent = 0;
  let failed = 0;
  await Promise.all(
    [...byChannel.values()].map(async (entries) => {
      let unavailable: string | undefined;
      for (const entry of entries) {
        if (unavailable !== undefined) {
          // The rest of this channel's entries would fail the same way.
          await outbox.markAttempt(entry.id, unavailable, true);
          failed += 1;
          continue;
        }
        try {
          await send(entry.channel, entry.message, entry.id);
          await outbox.markSent(entry.id, now().toISOString());
          sent += 1;
        } catch (error) {
          const gone = error instanceof ChannelUnavailableError;
          const final = gone || entry.attempts + 1 >= MAX_DELIVERY_ATTEMPTS;
          await outbox.markAttempt(entry.id, error instanceof Error ? error.message : String(error), final);
          failed += 1;
          log.warn({ delivery: entry.id, channel: entry.channel, err: error, final }, final ? 'delivery given up' : 'delivery failed; retried next round');
          if (gone) unavailable = (error as Error).message;
        }
      }
    }),
  );
  return { sent, failed };
}
