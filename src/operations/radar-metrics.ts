import type { DeliveryRound } from '../delivery/delivery-service.ts';
import type { FeedOutcome, PollCycleReport } from '../ingest/poll-feeds.ts';
import type { Logger } from '../log.ts';
import type { Platform } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';
import { createMetricsRegistry } from './metrics.ts';
import { withinTime } from './within-time.ts';

/**
 * The bot's metrics for `/metrics`. Counters count what this process did since it started (Prometheus sums them
 * across instances); gauges describe the state at scrape time: the feeds' health as of the latest poll cycle
 * (every feed's stored health is in each cycle's report, so a scrape reads nothing for it), and the incidents and
 * the outbox read from the store when scraped.
 */
export interface RadarMetrics {
  /** Takes a finished poll cycle's report. */
  recordPoll(report: PollCycleReport): void;
  /** Takes what `delivery.tick()` answered; a round two callers joined is counted once, a failed round (undefined) not at all. */
  recordDelivery(round: DeliveryRound | undefined): void;
  /** Reads the store-backed gauges and the platforms' state, then renders the exposition text. Never rejects. */
  render(): Promise<string>;
}

export interface RadarMetricsSources {
  store: { incidents: Pick<Store['incidents'], 'latest'>; outbox: Pick<Store['outbox'], 'pending'> };
  /** Each configured platform and whether it is connected now. */
  platformStatus: () => Partial<Record<Platform, boolean>>;
  log: Logger;
  /** Bound on the store reads of one scrape; past it the store-backed gauges are left out. Default 2000. */
  storeTimeoutMs?: number;
}

const FEED_OUTCOMES: readonly FeedOutcome[] = ['fetched', 'not-modified', 'not-due', 'elsewhere', 'failed'];
const DEFAULT_STORE_TIMEOUT_MS = 2000;

export function createRadarMetrics(sources: RadarMetricsSources): RadarMetrics {
  const registry = createMetricsRegistry();
  const m = {
    feeds: registry.gauge('privacy_radar_feeds', 'Feeds in the latest poll cycle (catalogue and added by servers).'),
    feedsFailing: registry.gauge('privacy_radar_feeds_failing', 'Feeds whose latest fetch failed, as of the latest poll cycle.'),
    pollCycles: registry.counter('privacy_radar_poll_cycles_total', 'Poll cycles finished.'),
    pollDuration: registry.gauge('privacy_radar_poll_cycle_duration_seconds', 'How long the latest poll cycle took.'),
    feedPolls: registry.counter('privacy_radar_feed_polls_total', 'Feeds looked at by poll cycles, by outcome.', ['outcome']),
    ingested: registry.counter('privacy_radar_items_ingested_total', 'New articles ingested from feeds.'),
    incidents: registry.gauge('privacy_radar_incidents', 'Privacy incidents in the store.'),
    sent: registry.counter('privacy_radar_deliveries_sent_total', 'Alerts and digests sent to channels.'),
    failed: registry.counter('privacy_radar_deliveries_failed_total', 'Failed attempts to send an alert or digest.'),
    digests: registry.counter('privacy_radar_digests_planned_total', 'Digests planned.'),
    outbox: registry.gauge('privacy_radar_outbox_pending', 'Alerts and digests waiting in the outbox to be sent.'),
    platform: registry.gauge('privacy_radar_platform_connected', 'Whether a configured chat platform is connected (1) or not (0).', ['platform']),
  };
  for (const outcome of FEED_OUTCOMES) m.feedPolls.inc({ outcome }, 0);
  const counted = new WeakSet<DeliveryRound>();
  const storeTimeoutMs = sources.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;

  const sampleStore = async (): Promise<void> => {
    try {
      const [incidents, pending] = await withinTime(
        Promise.all([sources.store.incidents.latest({ limit: 1 }), sources.store.outbox.pending()]),
        storeTimeoutMs,
        'metrics: store',
      );
      m.incidents.set(incidents.total);
      m.outbox.set(pending.length);
    } catch (error) {
      // Left out rather than shown stale: an absent series says "unknown"; /healthz says why.
      m.incidents.clear();
      m.outbox.clear();
      sources.log.warn({ err: error }, 'metrics: could not read the store; incidents and outbox left out');
    }
  };

  return {
    recordPoll(report) {
      m.pollCycles.inc();
      m.pollDuration.set(report.durationMs / 1000);
      m.ingested.inc({}, report.articles.length);
      for (const feed of report.feeds) m.feedPolls.inc({ outcome: feed.outcome });
      m.feeds.set(report.feeds.length);
      m.feedsFailing.set(report.feeds.filter((feed) => feed.outcome === 'failed' || feed.health.consecutiveFailures > 0).length);
    },
    recordDelivery(round) {
      if (round === undefined || counted.has(round)) return;
      counted.add(round);
      m.sent.inc({}, round.sent);
      m.failed.inc({}, round.failed);
      m.digests.inc({}, round.digestsPlanned);
    },
    async render() {
      await sampleStore();
      m.platform.clear();
      for (const [platform, connected] of Object.entries(sources.platformStatus())) m.platform.set(connected ? 1 : 0, { platform });
      return registry.render();
    },
  };
}
