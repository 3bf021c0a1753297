import { createHash } from 'node:crypto';
import type { Collection } from './collection.ts';

/** What we remember about a feed item we have processed. */
export interface SeenItem {
  /** Content hash of the item as it was processed. */
  hash: string;
  /** ISO 8601. */
  firstSeen: string;
  /** Key of the stored Article (see articleKey). */
  articleKey: string;
}

/** Answers "have we processed this feed item before?" across restarts. */
export interface SeenItemRepo {
  get(feedId: string, itemId: string): Promise<SeenItem | undefined>;
  /** Results in the order of `itemIds`; `undefined` for items never seen. */
  getMany(feedId: string, itemIds: string[]): Promise<(SeenItem | undefined)[]>;
  set(feedId: string, itemId: string, seen: SeenItem): Promise<void>;
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

/** The seen-item repository over its collection. */
export function createSeenItemRepo(collection: Collection<SeenItem>): SeenItemRepo {
  return {
    get: (feedId, itemId) => collection.get(seenItemKey(feedId, itemId)),
    getMany: (feedId, itemIds) => collection.getMany(itemIds.map((itemId) => seenItemKey(feedId, itemId))),
    set: (feedId, itemId, seen) => collection.set(seenItemKey(feedId, itemId), seen),
  };
}
