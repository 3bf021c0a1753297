import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import type { Logger } from '../log.ts';
import type { Incident } from '../model/analysis.ts';
import type { ChannelRef } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';
import { planAlerts } from './plan-alerts.ts';
import { planDigests } from './plan-digests.ts';
import { sendOutbox, type DeliverySender } from './send-outbox.ts';

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
}

export interface Delivery {
  /** Plans the alerts for an incident that an article just started (sent at the next `tick`). */
  incidentStarted(incident: Incident): Promise<void>;
  /** Plans the digests that are due and sends everything pending (also what a crash left unfinished). One at a time. */
  tick(): Promise<void>;
  /** Resolves when no round is running (for shutdown). */
  settled(): Promise<void>;
}

/** Alerts and digests through the outbox: planned, recorded, then sent — exactly once across restarts. */
export function createDelivery(settings: DeliverySettings): Delivery {
  const { store, log } = settings;
  let running: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    const digests = await planDigests({ store, gazetteer: settings.gazetteer, now: settings.now(), graceMs: settings.graceMs, announceEmpty: settings.announceEmpty, prefix: settings.prefix });
    const result = await sendOutbox(store.outbox, settings.send, log, settings.now, settings.canSend);
    if (digests.length > 0 || result.sent > 0 || result.failed > 0) {
      log.info({ digestsPlanned: digests.length, ...result }, `delivery: ${digests.length} digests planned, ${result.sent} sent, ${result.failed} failed`);
    }
  };
  return {
    incidentStarted: async (incident) => {
      const planned = await planAlerts(incident, store, settings.gazetteer, settings.now());
      if (planned.length > 0) log.info({ incident: incident.id, alerts: planned.length }, `alerts planned for ${planned.length} channels`);
    },
    tick: () => {
      running ??= tick()
        .catch((error: unknown) => log.error({ err: error }, 'delivery round failed'))
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
