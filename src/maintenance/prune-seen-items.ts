import { utcDay, type DayChunk } from '../store/day-index.ts';
import type { Store } from '../store/open-store.ts';
import { feedIdOfSeenItemKey, type SeenItem, type SeenItemRetention } from '../store/seen-item-repo.ts';

const DAY_MS = 24 * 3_600_000;

/**
 * An item last seen this long before its feed's latest full fetch was not in that fetch: last-seen dates are brought
 * up to date once a day (see poll-feeds.ts), and a second day covers clocks of instances that disagree.
 */
const GONE_MARGIN_MS = 2 * DAY_MS;

/** Items read and decided on per round trip. */
const BATCH = 250;

export interface PruneLimits {
  /** Stop after this many filed keys (the rest waits for the next run). */
  maxKeys: number;
  /** Stop once `performance.now()` passes this. */
  deadline: number;
}

export interface PruneReport {
  seenItemsDeleted: number;
  articlesDeleted: number;
  /** Old items kept: still in their feed, or their feed has not been fetched in full since (filed again for later). */
  seenItemsKept: number;
  /** False when a limit stopped the run before every old day was done. */
  complete: boolean;
}

/**
 * Retention of news records: seen-item ids not seen in their feed for `retentionDays`, and article texts first seen
 * more than `retentionDays` ago, are deleted; incidents stay (their sources keep link and title).
 *
 * Seen items are forgotten by their last-seen date, never by their first: an item its feed still carries has a
 * recent one (or its feed answered only 304 Not Modified since, and then nothing proves it gone), so it is never
 * forgotten and never announced again. Deduplication survives article deletion: the seen item answers "known" for as
 * long as the item is in the feed, and a story re-found under another link is matched to its incident, which keeps the
 * article's key among its sources.
 *
 * The work is bounded: the day index is read a chunk at a time, each chunk's items are decided on in batches, and the
 * run stops at `limits`; what is left waits for the next run. Callers hold the maintenance lease (one instance at a time).
 */
export async function pruneSeenItems(
  store: Pick<Store, 'seenItems' | 'articles'>,
  now: Date,
  retentionDays: number,
  limits: PruneLimits,
): Promise<PruneReport> {
  const report: PruneReport = { seenItemsDeleted: 0, articlesDeleted: 0, seenItemsKept: 0, complete: true };
  const retention = store.seenItems.retention;
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const cutoffDay = utcDay(new Date(cutoff));
  const fetchedAt = new Map<string, number>();
  let keysDone = 0;
  for (const day of await retention.index.days()) {
    if (day >= cutoffDay) break;
    for (let chunk = await retention.index.lastChunk(day); chunk; chunk = await retention.index.lastChunk(day)) {
      if (keysDone >= limits.maxKeys || performance.now() > limits.deadline) {
        report.complete = false;
        return report;
      }
      await pruneChunk(chunk, { store, retention, now, cutoff, fetchedAt, report });
      keysDone += chunk.keys.length;
    }
  }
  return report;
}

interface ChunkWork {
  store: Pick<Store, 'articles'>;
  retention: SeenItemRetention;
  now: Date;
  cutoff: number;
  /** Feed id → its last full fetch (ms; NaN when none), read once per run. */
  fetchedAt: Map<string, number>;
  report: PruneReport;
}

/** Decides on every key of a chunk, files the survivors under a later day, then drops the chunk. */
async function pruneChunk(chunk: DayChunk, work: ChunkWork): Promise<void> {
  const refile = new Map<string, string[]>();
  for (let start = 0; start < chunk.keys.length; start += BATCH) {
    const keys = chunk.keys.slice(start, start + BATCH);
    const items = await work.retention.getByKeys(keys);
    await loadFetches(keys, work);
    const deletions: string[] = [];
    const oldArticles = new Set<string>();
    keys.forEach((key, index) => {
      const item = items[index];
      if (!item) return;
      if (Date.parse(item.firstSeen) < work.cutoff) oldArticles.add(item.articleKey);
      const verdict = decide(item, work.fetchedAt.get(feedIdOfSeenItemKey(key)) ?? Number.NaN, work);
      if (verdict.kind === 'delete') deletions.push(key);
      else refile.set(verdict.day, [...(refile.get(verdict.day) ?? []), key]);
    });
    const [deleted, articles] = await Promise.all([
      Promise.all(deletions.map((key) => work.retention.deleteByKey(key))),
      Promise.all([...oldArticles].map((key) => work.store.articles.delete(key))),
    ]);
    work.report.seenItemsDeleted += deleted.filter(Boolean).length;
    work.report.articlesDeleted += articles.filter(Boolean).length;
  }
  for (const [day, keys] of refile) await work.retention.index.file(day, keys);
  work.report.seenItemsKept += [...refile.values()].reduce((n, keys) => n + keys.length, 0);
  await work.retention.index.dropChunk(chunk);
}

async function loadFetches(keys: string[], work: ChunkWork): Promise<void> {
  const missing = [...new Set(keys.map(feedIdOfSeenItemKey))].filter((feedId) => !work.fetchedAt.has(feedId));
  if (missing.length === 0) return;
  const fetched = await work.retention.fetchedAt(missing);
  missing.forEach((feedId, index) => work.fetchedAt.set(feedId, Date.parse(fetched[index] ?? '')));
}

type Verdict = { kind: 'delete' } | { kind: 'keep'; day: string };

/**
 * Delete, or keep and file under the day of its next check: the day of its last sighting when that is within
 * retention (checked again once that day is old), else today (its feed has not shown it gone yet).
 */
function decide(item: SeenItem, feedFetchedAt: number, work: Pick<ChunkWork, 'cutoff' | 'now'>): Verdict {
  const lastSeen = Date.parse(item.lastSeen ?? item.firstSeen);
  if (lastSeen >= work.cutoff) return { kind: 'keep', day: utcDay(new Date(lastSeen)) };
  // NaN (a feed never fetched in full since, or an unreadable date) compares false: the item stays.
  if (lastSeen < feedFetchedAt - GONE_MARGIN_MS) return { kind: 'delete' };
  return { kind: 'keep', day: utcDay(work.now) };
}
