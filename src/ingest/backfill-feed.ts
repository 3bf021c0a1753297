import type { FeedConfig } from '../model/feed.ts';
import type { FeedItem } from '../model/item.ts';
import type { Collection } from '../store/collection.ts';
import { FetchError } from './http-fetcher.ts';
import { normaliseItems } from './normalise-items.ts';
import { FeedParseError, parseFeed } from './parse-feed.ts';
import { ingestArchiveItems, type ArchiveDeps } from './poll-feeds.ts';

/**
 * Backfill: a feed's archive, page by page, into the incident store as history (see ingestArchiveItems) — so that
 * `/incidents amazon` on a new deployment knows more than the few dozen items the feeds carry today.
 *
 * Page 1 is the feed itself; older pages come from the outlet's archive style (FeedConfig.archive: WordPress's
 * `?paged=N` by default, a list of archive feed URLs, or none). A backfill stops at the end of the archive (no
 * such page, an empty one, or the list exhausted), at an archive page with nothing new (the history is there
 * already; also what a site that ignores `?paged` answers), at items older than `since`, after `maxPages` pages,
 * at an error, or when interrupted. Where it stopped is kept per feed (BackfillState): after an error, an
 * interruption, `since` or `maxPages`, the next backfill continues at the next page instead of starting over.
 * Polite: every request waits for its host's turn (`pace`), with the fetcher's usual limits.
 */

/** Why a feed's backfill stopped. `error` and `interrupted` resume at the same page, `since` and `max-pages` at the next. */
export type BackfillStop = 'end' | 'nothing-new' | 'since' | 'max-pages' | 'error' | 'interrupted';

/** Kept per feed in the store, so that a backfill continues where the last one stopped. */
export interface BackfillState {
  /** The page the next backfill starts at (1 = the feed itself). */
  nextPage: number;
  stopped: BackfillStop;
  at: string;
  /** Pages read and articles stored by every backfill of this feed together. */
  pagesRead: number;
  articles: number;
  error?: string;
}

export interface BackfillProgress {
  feedId: string;
  page: number;
  /** New articles (history) and known items on this page. */
  articles: number;
  known: number;
  /** This run so far. */
  pagesRead: number;
  totalArticles: number;
}

export interface BackfillReport {
  feedId: string;
  pagesRead: number;
  articles: number;
  known: number;
  failed: number;
  stopped: BackfillStop;
  /** The page the next backfill of this feed starts at. */
  nextPage: number;
  error?: string;
}

export interface BackfillDeps extends ArchiveDeps {
  state: Collection<BackfillState>;
  /** Resolves when the URL's host may be asked again (see createHostPacer). */
  pace: (url: string) => Promise<void>;
  /** Aborted: the backfill stops before its next page and keeps its place (`interrupted`). */
  signal?: AbortSignal;
}

export interface BackfillOptions {
  /** Items published before this are not stored, and the backfill stops after the page that reached them. */
  since?: Date;
  /** Pages read in this run at most. */
  maxPages: number;
  onPage?: (progress: BackfillProgress) => void;
}

/** Stops that start the next backfill at page 1 again (the archive was read to its end). */
const FINISHED: ReadonlySet<BackfillStop> = new Set(['end', 'nothing-new']);

/** The URL of page `page` (1-based) of a feed's archive, or undefined past its end. */
export function archivePageUrl(feed: FeedConfig, page: number): string | undefined {
  if (page === 1) return feed.url;
  const archive = feed.archive ?? { style: 'wordpress' };
  if (archive.style === 'none') return undefined;
  if (archive.style === 'pages') return archive.urls[page - 2];
  const url = new URL(feed.url);
  url.searchParams.set('paged', String(page));
  return url.href;
}

export async function backfillFeed(feed: FeedConfig, deps: BackfillDeps, options: BackfillOptions): Promise<BackfillReport> {
  const now = deps.now ?? (() => new Date());
  const previous = await deps.state.get(feed.id);
  let page = previous && !FINISHED.has(previous.stopped) ? previous.nextPage : 1;
  const report: BackfillReport = { feedId: feed.id, pagesRead: 0, articles: 0, known: 0, failed: 0, stopped: 'end', nextPage: page };
  const totals = { pagesRead: previous?.pagesRead ?? 0, articles: previous?.articles ?? 0 };

  const stop = async (stopped: BackfillStop, nextPage: number, error?: string): Promise<BackfillReport> => {
    Object.assign(report, { stopped, nextPage: FINISHED.has(stopped) ? 1 : nextPage }, error === undefined ? {} : { error });
    await deps.state.set(feed.id, {
      nextPage: report.nextPage,
      stopped,
      at: now().toISOString(),
      pagesRead: totals.pagesRead,
      articles: totals.articles,
      ...(error === undefined ? {} : { error }),
    });
    return report;
  };

  for (;;) {
    if (deps.signal?.aborted) return stop('interrupted', page);
    if (report.pagesRead >= options.maxPages) return stop('max-pages', page);
    const url = archivePageUrl(feed, page);
    if (url === undefined) return stop('end', page);
    await deps.pace(url);
    if (deps.signal?.aborted) return stop('interrupted', page);

    let items: FeedItem[];
    try {
      const result = await deps.fetcher.fetchText(url, deps.signal ? { signal: deps.signal } : {});
      if (result.kind !== 'fetched') return stop('error', page, `page ${page}: unexpected ${result.status}`);
      const parsed = await parseFeed(result.body);
      items = normaliseItems(parsed.items, { feed, feedLink: parsed.link ?? result.url, now: now() });
    } catch (error) {
      if (deps.signal?.aborted) return stop('interrupted', page);
      // Past the last page WordPress answers 404 (some sites 410, or an HTML page): the end, not a failure.
      const pastTheEnd =
        page > 1 &&
        ((error instanceof FetchError && error.kind === 'http' && (error.status === 404 || error.status === 410)) ||
          (error instanceof FeedParseError && error.kind === 'not-a-feed'));
      if (pastTheEnd) return stop('end', page);
      const message = error instanceof FetchError || error instanceof FeedParseError ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
      return stop('error', page, `page ${page}: ${message}`);
    }
    if (items.length === 0 && page > 1) return stop('end', page);

    const wanted = options.since ? items.filter((item) => Date.parse(item.published) >= options.since!.getTime()) : items;
    const ingested = await ingestArchiveItems(feed, wanted, deps);
    report.pagesRead += 1;
    report.articles += ingested.articles.length;
    report.known += ingested.known;
    report.failed += ingested.failed;
    totals.pagesRead += 1;
    totals.articles += ingested.articles.length;
    options.onPage?.({ feedId: feed.id, page, articles: ingested.articles.length, known: ingested.known, pagesRead: report.pagesRead, totalArticles: report.articles });

    if (ingested.failed > 0) return stop('error', page, `page ${page}: ${ingested.failed} items could not be stored`);
    if (wanted.length < items.length) return stop('since', page + 1);
    if (page > 1 && ingested.articles.length === 0) return stop('nothing-new', page + 1);
    page += 1;
    // Where it got to, page by page: a crash resumes here.
    await deps.state.set(feed.id, { nextPage: page, stopped: 'interrupted', at: now().toISOString(), pagesRead: totals.pagesRead, articles: totals.articles });
  }
}

/**
 * At most one request per `intervalMs` to each host: a backfill reads hundreds of pages, and publishers deserve the
 * pace of a reader, not of a crawler. Requests to different hosts do not wait for each other.
 */
export function createHostPacer(intervalMs: number, sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))): (url: string) => Promise<void> {
  const nextTurn = new Map<string, number>();
  return async (url) => {
    const host = new URL(url).host;
    const now = Date.now();
    const turn = Math.max(now, nextTurn.get(host) ?? 0);
    nextTurn.set(host, turn + intervalMs);
    if (turn > now) await sleep(turn - now);
  };
}
