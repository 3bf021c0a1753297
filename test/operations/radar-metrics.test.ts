import { describe, expect, it } from 'vitest';
import type { DeliveryRound } from '../../src/delivery/delivery-service.ts';
import type { FeedPollReport, PollCycleReport } from '../../src/ingest/poll-feeds.ts';
import { silentLogger } from '../../src/log.ts';
import type { Article } from '../../src/model/item.ts';
import { createRadarMetrics, type RadarMetricsSources } from '../../src/operations/radar-metrics.ts';
import { sample } from '../support/prometheus-text.ts';

const feed = (feedId: string, outcome: FeedPollReport['outcome'], consecutiveFailures = 0): FeedPollReport => ({
  feedId,
  outcome,
  ingested: 0,
  updated: 0,
  health: { consecutiveFailures },
});

const cycle = (feeds: FeedPollReport[], articles: number, durationMs: number): PollCycleReport => ({
  startedAt: '2025-03-01T08:00:00.000Z',
  durationMs,
  feeds,
  articles: new Array<Article>(articles).fill({} as Article),
});

const workingStore = (incidents: number, pending: number): RadarMetricsSources['store'] => ({
  incidents: { latest: async () => ({ incidents: [], total: incidents }) },
  outbox: { pending: async () => new Array(pending).fill({}) },
});

describe('radar metrics', () => {
  it('counts poll cycles, ingested items and feed outcomes; feeds and failing feeds come from the latest cycle', async () => {
    const metrics = createRadarMetrics({ store: workingStore(0, 0), platformStatus: () => ({}), log: silentLogger });
    const before = await metrics.render();
    expect(sample(before, 'privacy_radar_poll_cycles_total')).toBe(0);
    expect(sample(before, 'privacy_radar_feed_polls_total{outcome="failed"}')).toBe(0);
    expect(sample(before, 'privacy_radar_feeds')).toBeUndefined();

    metrics.recordPoll(cycle([feed('a', 'fetched'), feed('b', 'failed', 2), feed('c', 'not-due', 1), feed('d', 'elsewhere')], 3, 1500));
    metrics.recordPoll(cycle([feed('a', 'not-modified'), feed('b', 'fetched'), feed('c', 'failed', 2)], 1, 250));
    const text = await metrics.render();
    expect(sample(text, 'privacy_radar_poll_cycles_total')).toBe(2);
    expect(sample(text, 'privacy_radar_items_ingested_total')).toBe(4);
    expect(sample(text, 'privacy_radar_poll_cycle_duration_seconds')).toBe(0.25);
    expect(sample(text, 'privacy_radar_feeds')).toBe(3);
    expect(sample(text, 'privacy_radar_feeds_failing')).toBe(1);
    expect(sample(text, 'privacy_radar_feed_polls_total{outcome="fetched"}')).toBe(2);
    expect(sample(text, 'privacy_radar_feed_polls_total{outcome="failed"}')).toBe(2);
    expect(sample(text, 'privacy_radar_feed_polls_total{outcome="elsewhere"}')).toBe(1);
  });

  it('counts deliveries once per round, however many callers joined it', async () => {
    const metrics = createRadarMetrics({ store: workingStore(0, 0), platformStatus: () => ({}), log: silentLogger });
    const round: DeliveryRound = { sent: 4, failed: 1, elsewhere: 0, digestsPlanned: 2 };
    metrics.recordDelivery(round);
    metrics.recordDelivery(round);
    metrics.recordDelivery(undefined);
    metrics.recordDelivery({ sent: 1, failed: 0, elsewhere: 3, digestsPlanned: 0 });
    const text = await metrics.render();
    expect(sample(text, 'privacy_radar_deliveries_sent_total')).toBe(5);
    expect(sample(text, 'privacy_radar_deliveries_failed_total')).toBe(1);
    expect(sample(text, 'privacy_radar_digests_planned_total')).toBe(2);
  });

  it('reads incidents, outbox depth and platform state when scraped', async () => {
    let discord = true;
    const metrics = createRadarMetrics({ store: workingStore(17, 3), platformStatus: () => ({ discord, matrix: false }), log: silentLogger });
    let text = await metrics.render();
    expect(sample(text, 'privacy_radar_incidents')).toBe(17);
    expect(sample(text, 'privacy_radar_outbox_pending')).toBe(3);
    expect(sample(text, 'privacy_radar_platform_connected{platform="discord"}')).toBe(1);
    expect(sample(text, 'privacy_radar_platform_connected{platform="matrix"}')).toBe(0);
    discord = false;
    text = await metrics.render();
    expect(sample(text, 'privacy_radar_platform_connected{platform="discord"}')).toBe(0);
  });

  it('leaves the store-backed gauges out, rather than stale, when the store fails or hangs', async () => {
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    const store: RadarMetricsSources['store'] = {
      incidents: {
        latest: () => (mode === 'ok' ? Promise.resolve({ incidents: [], total: 5 }) : mode === 'fail' ? Promise.reject(new Error('down')) : new Promise(() => {})),
      },
      outbox: { pending: async () => [] },
    };
    const metrics = createRadarMetrics({ store, platformStatus: () => ({}), log: silentLogger, storeTimeoutMs: 50 });
    expect(sample(await metrics.render(), 'privacy_radar_incidents')).toBe(5);
    for (const failing of ['fail', 'hang'] as const) {
      mode = failing;
      const text = await metrics.render();
      expect(sample(text, 'privacy_radar_incidents'), failing).toBeUndefined();
      expect(sample(text, 'privacy_radar_outbox_pending'), failing).toBeUndefined();
      expect(text, failing).toContain('# TYPE privacy_radar_incidents gauge');
    }
  });
});
