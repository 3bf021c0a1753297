import type { Logger } from '../log.ts';
import type { Store } from '../store/open-store.ts';
import { forgetRemovedServers } from './forget-server.ts';
import { pruneSeenItems } from './prune-seen-items.ts';
import { utcDay } from '../store/day-index.ts';

export interface MaintenanceSettings {
  /** RETENTION_DAYS: news records kept this long; 0 keeps them. */
  retentionDays: number;
  /** FORGET_AFTER_DAYS: a server's settings go this long after it removed the bot. */
  forgetAfterDays: number;
}

export interface MaintenanceReport {
  /** False when another instance holds the maintenance lease (it does the work). */
  ran: boolean;
  seenItemsDeleted: number;
  articlesDeleted: number;
  seenItemsKept: number;
  serversForgotten: number;
  channelsForgotten: number;
  /** Sent and given-up deliveries older than OUTBOX_KEEP_DAYS. */
  deliveriesDeleted: number;
  /** False when a run's limit stopped it; the next run carries on. */
  complete: boolean;
}

/** Only one instance sweeps at a time; a run ends well within the lease (see RUN_LIMIT_MS). */
const LEASE = 'maintenance';
const LEASE_TTL_MS = 10 * 60_000;
/** Wall-clock bound on one run's pruning. */
const RUN_LIMIT_MS = 3 * 60_000;
/** Filed keys one run looks at: well above a day's intake of a large deployment (1,000 feeds × 20 new items). */
const MAX_KEYS_PER_RUN = 100_000;
/** Servers forgotten per run. */
const MAX_SERVERS_PER_RUN = 200;
/** Sent deliveries are kept this long: far beyond the day or two in which planning could repeat one. */
export const OUTBOX_KEEP_DAYS = 14;

/**
 * The daily sweep: forgets servers past their grace period, then prunes news records past retention. Runs under a
 * store lease, so that of several instances sharing a store one does it; bounded per run. Logs one info line.
 */
export async function runMaintenance(store: Store, settings: MaintenanceSettings, now: Date, log: Logger): Promise<MaintenanceReport> {
  const report: MaintenanceReport = {
    ran: false,
    seenItemsDeleted: 0,
    articlesDeleted: 0,
    seenItemsKept: 0,
    serversForgotten: 0,
    channelsForgotten: 0,
    deliveriesDeleted: 0,
    complete: true,
  };
  if (!(await store.leases.acquire(LEASE, store.instanceId, LEASE_TTL_MS))) {
    log.debug('maintenance: another instance is running it');
    return report;
  }
  try {
    report.ran = true;
    const forgotten = await forgetRemovedServers(store, now, settings.forgetAfterDays, MAX_SERVERS_PER_RUN);
    report.serversForgotten = forgotten.length;
    report.channelsForgotten = forgotten.reduce((n, server) => n + server.channels.length, 0);
    if (settings.retentionDays > 0) {
      const pruned = await pruneSeenItems(store, now, settings.retentionDays, {
        maxKeys: MAX_KEYS_PER_RUN,
        deadline: performance.now() + RUN_LIMIT_MS,
      });
      Object.assign(report, pruned);
    }
    report.complete &&= forgotten.length < MAX_SERVERS_PER_RUN;
    // Delivered entries only serve exactly-once planning and the digest's "already alerted" check, both of which
    // look back a day or two; the outbox is not history, and 1,000 channels' digests fill ~100 MB a month.
    const outbox = await store.outbox.prune(utcDay(new Date(now.getTime() - OUTBOX_KEEP_DAYS * 86_400_000)), utcDay(now), MAX_KEYS_PER_RUN);
    report.deliveriesDeleted = outbox.deleted;
    report.complete &&= outbox.complete;
  } finally {
    await store.leases.release(LEASE, store.instanceId).catch(() => {});
  }
  const retention = settings.retentionDays > 0 ? `${settings.retentionDays} days` : 'off';
  log.info(
    report,
    `maintenance done: deleted ${report.seenItemsDeleted} seen items and ${report.articlesDeleted} articles (retention ${retention}), ` +
      `kept ${report.seenItemsKept} old items still in their feeds; deleted ${report.deliveriesDeleted} old deliveries; forgot ${report.serversForgotten} servers ` +
      `(${report.channelsForgotten} channels)${report.complete ? '' : '; more is left for the next run'}`,
  );
  return report;
}
