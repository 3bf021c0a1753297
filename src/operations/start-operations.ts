import type { DeliveryRound } from '../delivery/delivery-service.ts';
import type { PollCycleReport } from '../ingest/poll-feeds.ts';
import type { App } from '../main.ts';
import { createHealthCheck } from './check-health.ts';
import { startHealthServer } from './health-server.ts';
import { createRadarMetrics } from './radar-metrics.ts';

/** The running operations side of `run`: what the poll loop and the delivery rounds report to, and the server. */
export interface Operations {
  /** `http://host:port` of /healthz and /metrics. */
  readonly url: string;
  recordPoll(report: PollCycleReport): void;
  recordDelivery(round: DeliveryRound | undefined): void;
  close(): Promise<void>;
}

/** Wires the health check and the metrics to the app and serves them on HEALTH_HOST:HEALTH_PORT. */
export async function startOperations(app: Pick<App, 'store' | 'platformStatus' | 'log'>, where: { host: string; port: number }): Promise<Operations> {
  const log = app.log.child({ component: 'operations' });
  const platformStatus = () => app.platformStatus();
  const metrics = createRadarMetrics({ store: app.store, platformStatus, log });
  const server = await startHealthServer({
    ...where,
    checkHealth: createHealthCheck({ store: app.store, platformStatus, log }),
    renderMetrics: () => metrics.render(),
    log,
  });
  return {
    url: server.url,
    recordPoll: (report) => metrics.recordPoll(report),
    recordDelivery: (round) => metrics.recordDelivery(round),
    close: () => server.close(),
  };
}
