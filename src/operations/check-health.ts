import type { Logger } from '../log.ts';
import type { Platform } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';
import { withinTime } from './within-time.ts';

/** What `/healthz` answers: each check by name (`store`, then each configured platform) and which are down. */
export interface HealthReport {
  healthy: boolean;
  checks: Record<string, 'ok' | 'down'>;
  /** The names of the failing checks, in check order; empty when healthy. */
  down: string[];
}

export interface HealthSources {
  store: Pick<Store, 'collection'>;
  /** Each configured platform and whether it is connected now. */
  platformStatus: () => Partial<Record<Platform, boolean>>;
  log: Logger;
  /** Bound on the store round trip; past it the store counts as down. Default 2000. */
  storeTimeoutMs?: number;
  now?: () => Date;
}

const DEFAULT_STORE_TIMEOUT_MS = 2000;
/** One fixed key, overwritten by every check of every instance: the probe never grows the store. */
const PROBE_KEY = 'probe';

/**
 * The health check: healthy while a store round trip (a write, then reading it back) answers in time and every
 * configured platform is connected. Checks asked for while one runs share its answer, so a burst of probes costs
 * one round trip. Why the store failed is logged when the state changes (not on every probe), never answered.
 */
export function createHealthCheck(sources: HealthSources): () => Promise<HealthReport> {
  const probes = sources.store.collection<{ at: string }>('health');
  const timeoutMs = sources.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const now = sources.now ?? (() => new Date());
  let storeWasUp = true;
  let running: Promise<HealthReport> | undefined;

  const storeUp = async (): Promise<boolean> => {
    try {
      const at = now().toISOString();
      const roundTrip = (async () => {
        await probes.set(PROBE_KEY, { at });
        return (await probes.get(PROBE_KEY)) !== undefined;
      })();
      const up = await withinTime(roundTrip, timeoutMs, 'health check: store');
      if (!up) throw new Error('health check: the store lost the value just written');
      if (!storeWasUp) sources.log.info('health check: the store answers again');
      storeWasUp = true;
      return true;
    } catch (error) {
      if (storeWasUp) sources.log.warn({ err: error }, 'health check: the store is down');
      storeWasUp = false;
      return false;
    }
  };

  const check = async (): Promise<HealthReport> => {
    const checks: HealthReport['checks'] = { store: (await storeUp()) ? 'ok' : 'down' };
    for (const [platform, connected] of Object.entries(sources.platformStatus())) checks[platform] = connected ? 'ok' : 'down';
    const down = Object.entries(checks)
      .filter(([, state]) => state === 'down')
      .map(([name]) => name);
    return { healthy: down.length === 0, checks, down };
  };

  return () =>
    (running ??= check().finally(() => {
      running = undefined;
    }));
}
