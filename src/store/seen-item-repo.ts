import { createHash } from 'node:crypto';
import type { Collection } from './collection.ts';
import { utcDay, type DayIndex } from './day-index.ts';

/** What we remember about a feed item we have processed. */
export interface SeenItem {
  /** Content hash of the item as it was processed. */
  hash: string;
  /** ISO 8601. */
  firstSeen: string;
  /**
   * ISO 8601: when a full fetch of the feed last carried the item, brought up to date at most once a day. Retention
   * forgets an item by this date, so an item its feed still carries is never forgotten (and never announced again).
   * Absent on items stored before it existed: `firstSeen` stands in, and the next poll sets it.
   */
  lastSeen?: string;
  /** Key of the stored Article (see articleKey). */
  articleKey: string;
}

/** Answers "have we processed this feed item before?" across restarts. */
export interface SeenItemRepo {
  get(feedId: string, itemId: string): Promise<SeenItem | undefined>;
  /** Results in the order of `itemIds`; `undefined` for items never seen. */
  getMany(feedId: string, itemIds: string[]): Promise<(SeenItem | undefined)[]>;
  set(feedId: string, itemId: string, seen: SeenItem): Promise<void>;
  /** Saves several items of one feed in one batch (the daily last-seen refresh). */
  setMany(feedId: string, entries: [itemId: string, seen: SeenItem][]): Promise<void>;
  /**
   * Files items under the day of `at` for retention. Called before an item is saved for the first time (and for an item
   * saved before filing existed), so that no stored item escapes retention; filing one again is harmless.
   */
  file(feedId: string, itemIds: readonly string[], at: Date): Promise<void>;
  /**
   * Records a complete full fetch of the feed at `at`, made after every item it carried had its last-seen date brought
   * up to date: an item last seen well before that is no longer in the feed. A 304 Not Modified is no full fetch, so
   * a feed that stays unchanged for months never has its items taken for gone.
   */
  markFetched(feedId: string, at: Date): Promise<void>;
  /** What retention reads and deletes. */
  readonly retention: SeenItemRetention;
}

/** Seen items as retention sees them: by their stored keys (seenItemKey), filed by day. */
export interface SeenItemRetention {
  readonly index: DayIndex;
  getByKeys(keys: readonly string[]): Promise<(SeenItem | undefined)[]>;
  deleteByKey(key: string): Promise<boolean>;
  /** When each feed was last fetched in full (markFetched); undefined for a feed never recorded. */
  fetchedAt(feedIds: readonly string[]): Promise<(string | undefined)[]>;
}

/** A feed's last complete full fetch. */
export interface FeedFetch {
  at: string;
}

/**
 * Storage key of an item: `feedId:` + the first 32 hex digits of SHA-256(item id).
 * Item ids come from the feed — any length, any characters — so they are hashed;
 * the feed id stays readable. The hash part never contains `:`, so the key is
 * unambiguous even for a feed id that does.
 */
export function seenItemKey(feedId: string, itemId: string): string {
  return `${feedId}:${createHash('sha256').update(itemId, 'utf8').digest('hex').slice(0, 32)}`;
}

/** The feed id a seenItemKey was made from. */
export function feedIdOfSeenItemKey(key: string): string {
  return key.slice(0, -33);
}

/** The seen-item repository over its collection, the feeds' last full fetches and the day index retention reads. */
export function createSeenItemRepo(collection: Collection<SeenItem>, fetches: Collection<FeedFetch>, index: DayIndex): SeenItemRepo {
  return {
    get: (feedId, itemId) => collection.get(seenItemKey(feedId, itemId)),
    getMany: (feedId, itemIds) => collection.getMany(itemIds.map((itemId) => seenItemKey(feedId, itemId))),
    set: (feedId, itemId, seen) => collection.set(seenItemKey(feedId, itemId), seen),
    setMany: (feedId, entries) => collection.setMany(entries.map(([itemId, seen]) => [seenItemKey(feedId, itemId), seen])),
    file: (feedId, itemIds, at) => index.file(utcDay(at), itemIds.map((itemId) => seenItemKey(feedId, itemId))),
    markFetched: (feedId, at) => fetches.set(feedId, { at: at.toISOString() }),
    retention: {
      index,
      getByKeys: (keys) => collection.getMany([...keys]),
      deleteByKey: (key) => collection.delete(key),
      fetchedAt: async (feedIds) => (await fetches.getMany([...feedIds])).map((fetch) => fetch?.at),
    },
  };
}
