import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import type { Logger } from '../log.ts';
import type { Incident } from '../model/analysis.ts';
import type { ChannelRef } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';
import { planAlerts } from './plan-alerts.ts';
import { planDigests } from './plan-digests.ts';
import { sendOutbox, type ClaimChannel, type DeliverySender, type OutboxRound } from './send-outbox.ts';

export interface DeliverySettings {
  store: Store;
  gazetteer: Gazetteer;
  send: DeliverySender;
  /** Whether the platform of a channel is connected now. */
  canSend: (channel: ChannelRef) => boolean;
  log: Logger;
  now: () => Date;
  graceMs: number;
  announceEmpty: boolean;
  prefix: (platform: string) => string;
  /** Instances sharing the store: who delivers to a channel now (see channel-claims.ts). Absent: alone. */
  claimChannel?: ClaimChannel;
}

export interface Delivery {
  /** Plans the alerts for an incident that an article just started (sent at the next `tick`). Takes PLANNING_LOCK (reentrant). */
  incidentStarted(incident: Incident): Promise<void>;
  /**
   * Plans the digests that are due and sends everything pending (also what a crash left unfinished). One at a
   * time: a call while a round runs joins it. Answers what the round did (undefined when it failed; logged).
   */
  tick(): Promise<DeliveryRound | undefined>;
  /** Resolves when no round is running (for shutdown). */
  settled(): Promise<void>;
}

/** What one delivery round did. */
export interface DeliveryRound extends OutboxRound {
  digestsPlanned: number;
}

/**
 * The store lock under which incidents are filed with their alerts planned (pass it to the article processor
 * as `serialise`) and digests are planned, across every instance: a digest composed under it sees each new
 * incident together with its alerts, never the incident alone (which would show it twice).
 */
export const PLANNING_LOCK = 'incident-filing';

/** Alerts and digests through the outbox: planned, recorded, then sent — exactly once across restarts and instances. */
export function createDelivery(settings: DeliverySettings): Delivery {
  const { store, log } = settings;
  let running: Promise<DeliveryRound | undefined> | undefined;
  const tick = async (): Promise<DeliveryRound> => {
    const digests = await store.exclusive(PLANNING_LOCK, () =>
      planDigests({ store, gazetteer: settings.gazetteer, now: settings.now(), graceMs: settings.graceMs, announceEmpty: settings.announceEmpty, prefix: settings.prefix }),
    );
    if (digests.length > 0) log.info({ digestsPlanned: digests.length }, `${digests.length} digests planned`);
    const result = await sendOutbox({
      outbox: store.outbox,
      channels: store.channels,
      send: settings.send,
      log,
      now: settings.now,
      canSend: settings.canSend,
      ...(settings.claimChannel ? { claimChannel: settings.claimChannel } : {}),
    });
    if (result.sent > 0 || result.failed > 0) {
      log.info({ ...result }, `delivery: ${result.sent} sent, ${result.failed} failed`);
    }
    return { ...result, digestsPlanned: digests.length };
  };
  return {
    incidentStarted: async (incident) => {
      const planned = await store.exclusive(PLANNING_LOCK, () => planAlerts(incident, store, settings.gazetteer, settings.now()));
      if (planned.length > 0) log.info({ incident: incident.id, alerts: planned.length }, `alerts planned for ${planned.length} channels`);
    },
    tick: () => {
      running ??= tick()
        .catch((error: unknown) => {
          log.error({ err: error }, 'delivery round failed');
          return undefined;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    },
    settled: async () => {
      await running;
    },
  };
}
