/** The health record kept for every feed; survives restarts. */
export interface FeedHealth {
  lastAttempt?: string;
  lastSuccess?: string;
  lastError?: string;
  /** Short machine word for the last error: dns, refused, timeout, http-404, too-large, not-a-feed, … */
  lastErrorKind?: string;
  consecutiveFailures: number;
  /** Earliest time the feed is fetched again (back-off, Retry-After, Cache-Control max-age). */
  nextAttempt?: string;
  lastStatus?: number;
  lastItemCount?: number;
  lastDurationMs?: number;
}

/** Conditional-GET and bookkeeping state of a feed, persisted in the store. */
export interface FeedState {
  etag?: string;
  lastModified?: string;
  /** True once the feed has been polled successfully once (its items were marked as known). */
  initialised: boolean;
  health: FeedHealth;
}
