import type { FeedState } from '../model/health.ts';
import type { Collection } from './collection.ts';

/** Conditional-GET and health state per feed, kept across restarts. */
export interface FeedStateRepo {
  get(feedId: string): Promise<FeedState | undefined>;
  set(feedId: string, state: FeedState): Promise<void>;
}

/**
 * Feed state keyed by feed id. Feed ids are catalogue slugs, so they are used as
 * keys directly (readable in the backend); the collection hashes anything unusual.
 */
export function createFeedStateRepo(collection: Collection<FeedState>): FeedStateRepo {
  return {
    get: (feedId) => collection.get(feedId),
    set: (feedId, state) => collection.set(feedId, state),
  };
}
