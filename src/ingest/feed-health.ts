import type { FeedHealth } from '../model/health.ts';

/** Pure bookkeeping of a feed's health: what happened, and when to try again. */

export interface BackoffSettings {
  baseSeconds: number;
  maxSeconds: number;
}

export const NEW_HEALTH: FeedHealth = Object.freeze({ consecutiveFailures: 0 });

/** Exponential back-off: base × 2^(failures−1), capped. */
export function backoffSeconds(consecutiveFailures: number, settings: BackoffSettings): number {
  if (consecutiveFailures <= 0) return 0;
  const exponent = Math.min(consecutiveFailures - 1, 30);
  return Math.min(settings.baseSeconds * 2 ** exponent, settings.maxSeconds);
}

export interface Success {
  now: Date;
  status: number;
  itemCount?: number;
  durationMs: number;
  /** Earliest next fetch the feed itself allows or asks for (interval, Cache-Control max-age), if any. */
  notBefore?: Date;
}

export function recordSuccess(previous: FeedHealth, success: Success): FeedHealth {
  const health: FeedHealth = {
    lastAttempt: success.now.toISOString(),
    lastSuccess: success.now.toISOString(),
    consecutiveFailures: 0,
    lastStatus: success.status,
    lastItemCount: success.itemCount ?? previous.lastItemCount,
    lastDurationMs: success.durationMs,
  };
  if (previous.lastError !== undefined) health.lastError = previous.lastError;
  if (previous.lastErrorKind !== undefined) health.lastErrorKind = previous.lastErrorKind;
  if (success.notBefore) health.nextAttempt = success.notBefore.toISOString();
  return stripUndefined(health);
}

export interface Failure {
  now: Date;
  kind: string;
  message: string;
  status?: number;
  durationMs: number;
  /** Retry-After from a 429/503, in seconds. Honoured when longer than the back-off, within the cap. */
  retryAfterSeconds?: number;
}

export function recordFailure(previous: FeedHealth, failure: Failure, settings: BackoffSettings): FeedHealth {
  const consecutiveFailures = previous.consecutiveFailures + 1;
  const waitSeconds = Math.min(
    Math.max(backoffSeconds(consecutiveFailures, settings), failure.retryAfterSeconds ?? 0),
    settings.maxSeconds,
  );
  return stripUndefined({
    ...previous,
    lastAttempt: failure.now.toISOString(),
    lastError: failure.message,
    lastErrorKind: failure.kind,
    lastStatus: failure.status,
    lastDurationMs: failure.durationMs,
    consecutiveFailures,
    nextAttempt: new Date(failure.now.getTime() + waitSeconds * 1000).toISOString(),
  });
}

/** A feed is due when its next attempt has come, with some slack so a cron tick a few seconds early still counts. */
export function isDue(health: FeedHealth, now: Date, slackMs = 30_000): boolean {
  if (health.nextAttempt === undefined) return true;
  return Date.parse(health.nextAttempt) <= now.getTime() + slackMs;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** One human line about a feed's health, for terminals and logs. */
export function describeHealth(feedId: string, health: FeedHealth): string {
  if (health.consecutiveFailures === 0) {
    return `ok    ${feedId}: ${health.lastItemCount ?? 0} items, HTTP ${health.lastStatus ?? '-'}, ${health.lastDurationMs ?? 0} ms`;
  }
  const next = health.nextAttempt ? `; next attempt ${health.nextAttempt}` : '';
  const failures = health.consecutiveFailures === 1 ? '1 failure' : `${health.consecutiveFailures} failures in a row`;
  return `FAIL  ${feedId}: ${health.lastError ?? 'unknown error'} (${failures}${next})`;
}
