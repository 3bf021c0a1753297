import { describe, expect, it } from 'vitest';
import { NEW_HEALTH, backoffSeconds, describeHealth, isDue, recordFailure, recordSuccess } from '../../src/ingest/feed-health.ts';

const settings = { baseSeconds: 300, maxSeconds: 24 * 3600 };
const now = new Date('2026-11-23T08:00:00Z');

describe('feed health', () => {
  it('backs off exponentially from the base, capped', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffSeconds(n, settings))).toEqual([0, 300, 600, 1200, 2400]);
    expect(backoffSeconds(20, settings)).toBe(24 * 3600);
    expect(backoffSeconds(10_000, settings)).toBe(24 * 3600);
  });

  it('counts consecutive failures and schedules the next attempt', () => {
    const once = recordFailure(NEW_HEALTH, { now, kind: 'timeout', message: 'timed out', durationMs: 15 }, settings);
    const twice = recordFailure(once, { now, kind: 'refused', message: 'refused', durationMs: 1 }, settings);
    expect(once.consecutiveFailures).toBe(1);
    expect(once.nextAttempt).toBe('2026-11-23T08:05:00.000Z');
    expect(twice.consecutiveFailures).toBe(2);
    expect(twice.nextAttempt).toBe('2026-11-23T08:10:00.000Z');
    expect(twice.lastErrorKind).toBe('refused');
  });

  it('honours a longer Retry-After, within the cap', () => {
    const h = recordFailure(NEW_HEALTH, { now, kind: 'http-503', message: 'busy', status: 503, durationMs: 3, retryAfterSeconds: 7200 }, settings);
    expect(h.nextAttempt).toBe('2026-11-23T10:00:00.000Z');
    const capped = recordFailure(NEW_HEALTH, { now, kind: 'http-429', message: 'slow down', durationMs: 3, retryAfterSeconds: 10 ** 9 }, settings);
    expect(capped.nextAttempt).toBe('2026-11-24T08:00:00.000Z');
  });

  it('resets failures on success but remembers the last error', () => {
    const failed = recordFailure(NEW_HEALTH, { now, kind: 'dns', message: 'no such host', durationMs: 2 }, settings);
    const ok = recordSuccess(failed, { now, status: 200, itemCount: 12, durationMs: 40 });
    expect(ok.consecutiveFailures).toBe(0);
    expect(ok.lastSuccess).toBe(now.toISOString());
    expect(ok.lastError).toBe('no such host');
    expect(ok.nextAttempt).toBeUndefined();
    expect(ok.lastItemCount).toBe(12);
  });

  it('is due when the next attempt has come, with slack for early ticks', () => {
    expect(isDue(NEW_HEALTH, now)).toBe(true);
    expect(isDue({ consecutiveFailures: 1, nextAttempt: '2026-11-23T08:00:20Z' }, now)).toBe(true);
    expect(isDue({ consecutiveFailures: 1, nextAttempt: '2026-11-23T08:05:00Z' }, now)).toBe(false);
  });

  it('describes health in one line a person can read', () => {
    const failed = recordFailure(NEW_HEALTH, { now, kind: 'dns', message: 'could not resolve host rss.example', durationMs: 2 }, settings);
    const again = recordFailure(failed, { now, kind: 'dns', message: 'could not resolve host rss.example', durationMs: 2 }, settings);
    expect(describeHealth('golem', failed)).toBe(
      'FAIL  golem: could not resolve host rss.example (1 failure; next attempt 2026-11-23T08:05:00.000Z)',
    );
    expect(describeHealth('golem', again)).toContain('(2 failures in a row;');
    expect(describeHealth('heise', recordSuccess(again, { now, status: 200, itemCount: 150, durationMs: 83 }))).toBe(
      'ok    heise: 150 items, HTTP 200, 83 ms',
    );
  });
});
