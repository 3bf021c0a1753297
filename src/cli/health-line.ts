import type { FeedHealth } from '../model/health.ts';

/** One human line about a feed's health, for terminals and logs. */
export function formatHealthLine(feedId: string, health: FeedHealth): string {
  if (health.consecutiveFailures === 0) {
    return `ok    ${feedId}: ${health.lastItemCount ?? 0} items, HTTP ${health.lastStatus ?? '-'}, ${health.lastDurationMs ?? 0} ms`;
  }
  const next = health.nextAttempt ? `; next attempt ${health.nextAttempt}` : '';
  const failures = health.consecutiveFailures === 1 ? '1 failure' : `${health.consecutiveFailures} failures in a row`;
  return `FAIL  ${feedId}: ${health.lastError ?? 'unknown error'} (${failures}${next})`;
}
