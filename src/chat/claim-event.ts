import { createHash } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { Platform } from '../model/channel.ts';
import type { Leases } from '../store/leases.ts';

/**
 * How long a claim on a chat event stands: longer than any platform redelivers an event (a Discord
 * interaction's token lives 15 minutes), short enough that the store forgets claims soon.
 */
export const EVENT_CLAIM_TTL_MS = 60 * 60_000;

/** Answers true for the one instance that should answer this event. */
export type ClaimEvent = (platform: Platform, eventId: string) => Promise<boolean>;

/**
 * Instances sharing a store all see every chat event (each has its own gateway session or sync loop); the
 * first to take the lease `event.<hash>` answers it, the others leave it. When the store cannot be asked the
 * instance answers anyway: a rare double answer beats a command nobody answers.
 */
export function claimEvents(leases: Leases, holder: string, log: Logger): ClaimEvent {
  return async (platform, eventId) => {
    const name = `event.${createHash('sha256').update(`${platform}\u0000${eventId}`).digest('hex').slice(0, 32)}`;
    try {
      return await leases.acquire(name, holder, EVENT_CLAIM_TTL_MS);
    } catch (error) {
      log.warn({ err: error, platform }, 'could not claim a chat event in the store; answering it anyway');
      return true;
    }
  };
}
