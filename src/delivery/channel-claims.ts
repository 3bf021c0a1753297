import { channelKey } from '../model/channel.ts';
import type { Leases } from '../store/leases.ts';
import { shortHash } from './plan-alerts.ts';
import type { ChannelClaim, ClaimChannel } from './send-outbox.ts';

/**
 * Channel claims over the store's leases (`deliver.<hash of the channel>`), for instances sharing a store:
 * the claim is renewed every third of `ttlMs` while the channel's deliveries are sent, and counts as held only
 * until its last successful renewal runs out — an instance that stalls longer stops before its next send
 * instead of racing the instance that took over. (Even then the platform's idempotency key makes the one
 * send in flight harmless.)
 */
export function leaseChannelClaims(leases: Leases, holder: string, ttlMs: number, clock: () => number = Date.now): ClaimChannel {
  return async (channel) => {
    const name = `deliver.${shortHash(channelKey(channel))}`;
    const asked = clock();
    if (!(await leases.acquire(name, holder, ttlMs))) return undefined;
    let validUntil = asked + ttlMs;
    let released = false;
    const renewal = setInterval(() => {
      const at = clock();
      leases.acquire(name, holder, ttlMs).then(
        (renewed) => {
          if (renewed) validUntil = Math.max(validUntil, at + ttlMs);
          else validUntil = 0;
        },
        () => {},
      );
    }, ttlMs / 3);
    renewal.unref();
    const claim: ChannelClaim = {
      held: () => !released && clock() < validUntil,
      release: async () => {
        released = true;
        clearInterval(renewal);
        await leases.release(name, holder);
      },
    };
    return claim;
  };
}
