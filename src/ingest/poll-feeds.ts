import { createHash } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { FeedConfig } from '../model/feed.ts';
import type { FeedHealth, FeedState } from '../model/health.ts';
import type { Article, FeedItem } from '../model/item.ts';
import { articleKey } from '../store/article-repo.ts';
import type { Store } from '../store/open-store.ts';
import type { SeenItem } from '../store/seen-item-repo.ts';
import type { Exclusive } from '../store/store-lock.ts';
import { cleanArticleText } from './clean-article-text.ts';
import { createKeyedLimiter, createLimiter, type KeyedLimiter } from './concurrency-limiter.ts';
import { fetchFullText } from './fetch-full-text.ts';
import { NEW_HEALTH, describeHealth, isDue, recordFailure, recordSuccess, type BackoffSettings } from './feed-health.ts';
import { FetchError, type ConditionalHeaders, type FetchResult, type HttpFetcher } from './http-fetcher.ts';
import { contentHash, normaliseItems } from './normalise-items.ts';
import { FeedParseError, parseFeed } from './parse-feed.ts';

/**
 * One poll cycle: every due feed is fetched (each URL once), parsed, normalised and de-duplicated; new
 * articles are stored and handed to the consumers exactly once.
 *
 * Exactly once, across crashes: an article is stored as `pending`, handed to `onArticle`, then marked `done`
 * and its feed item marked seen. A crash anywhere in between leaves the item unseen and the article pending,
 * and the next poll hands it over again — so consumers must be idempotent per `article.key`. The feed's
 * conditional-GET state (ETag, Last-Modified) only advances when every item of the document was handled, so
 * an interrupted feed is fetched in full next time rather than answered with a 304 that would hide the rest.
 */

export interface PollDeps {
  store: Pick<Store, 'feedState' | 'seenItems' | 'articles'>;
  fetcher: HttpFetcher;
  log: Logger;
  now?: () => Date;
  settings: { maxCacheSeconds: number; backoff: BackoffSettings };
  /** Takes each newly ingested article. Must be idempotent per `article.key`; a throw retries it next poll. */
  onArticle?: (article: Article, feed: FeedConfig) => Promise<void>;
  /**
   * Several instances on one store: claims the feed for this instance's cycle (a lease); false means another
   * instance polls it now, and this one leaves it alone. Not asked for forced polls.
   */
  claimFeed?: (feed: FeedConfig) => Promise<boolean>;
  /**
   * Several instances on one store: a new article is stored and handed over under a store lock of its own, so
   * two instances polling feeds that carry the same article hand it over once.
   */
  exclusive?: Exclusive;
}

export interface PollOptions {
  /** Poll every feed now, ignoring back-off, intervals and max-age. */
  force?: boolean;
}

/**
 * Feeds worked on at once. The fetcher bounds requests already; this bounds everything around them (store
 * reads, parsing, items in hand), so a thousand feeds cost the memory of a few dozen.
 */
const FEEDS_IN_FLIGHT = 32;

/** `elsewhere`: another instance sharing the store polls this feed this cycle. */
export type FeedOutcome = 'fetched' | 'not-modified' | 'not-due' | 'elsewhere' | 'failed';

export interface FeedPollReport {
  feedId: string;
  outcome: FeedOutcome;
  /** Articles stored for the first time in this cycle. */
  ingested: number;
  /** Known items whose content changed (article updated, not announced again). */
  updated: number;
  health: FeedHealth;
  error?: string;
}

export interface PollCycleReport {
  startedAt: string;
  durationMs: number;
  feeds: FeedPollReport[];
  /** Newly ingested articles, in feed order within each feed. */
  articles: Article[];
}

export async function pollFeeds(
  feeds: readonly FeedConfig[],
  deps: PollDeps,
  options: PollOptions = {},
): Promise<PollCycleReport> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const fetchOnce = memoiseFetches(deps.fetcher);
  // One article at a time per key: two feeds of a cycle often carry the same article (golem's topic feeds
  // repeat the main feed), and the second must find it `done`, not `pending` — a pending article means a
  // crash to recover from, and would be handed over twice.
  const articleLocks = createKeyedLimiter(1);
  const feedsInFlight = createLimiter(FEEDS_IN_FLIGHT);
  const cycleDeps: Deps = { ...deps, now, articleLocks };
  const results = await Promise.all(
    feeds
      .filter((f) => f.enabled)
      .map((feed) =>
        feedsInFlight
          .run(() => pollOneFeed(feed, cycleDeps, fetchOnce, options))
          .catch((error: unknown) => storeUnavailable(feed, error, deps.log)),
      ),
  );
  return {
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    feeds: results.map((r) => r.report),
    articles: results.flatMap((r) => r.articles),
  };
}

type FetchOnce = (url: string, conditional: ConditionalHeaders | undefined) => Promise<FetchResult>;

/** Within one cycle a URL is fetched once, however many feed entries point at it. */
function memoiseFetches(fetcher: HttpFetcher): FetchOnce {
  const inFlight = new Map<string, Promise<FetchResult>>();
  return (url, conditional) => {
    const key = JSON.stringify([url, conditional?.etag ?? null, conditional?.lastModified ?? null]);
    let pending = inFlight.get(key);
    if (!pending) {
      pending = conditional ? fetcher.fetchText(url, { conditional }) : fetcher.fetchText(url);
      inFlight.set(key, pending);
    }
    return pending;
  };
}

interface FeedRun {
  report: FeedPollReport;
  articles: Article[];
}

type Deps = PollDeps & { now: () => Date; articleLocks: KeyedLimiter };

/** What storing and handing over one new item needs (a poll, or a backfill's archive page). */
type ItemDeps = Pick<Deps, 'store' | 'fetcher' | 'log' | 'now' | 'onArticle' | 'exclusive' | 'articleLocks'>;

/** What ingestArchiveItems needs: a poll's dependencies without the polling schedule. */
export type ArchiveDeps = Pick<PollDeps, 'store' | 'fetcher' | 'log' | 'now' | 'onArticle' | 'exclusive'>;

/** Only the store can fail outside pollOneFeed's own handling; one feed's trouble never ends the cycle. */
function storeUnavailable(feed: FeedConfig, error: unknown, log: Logger): FeedRun {
  log.error({ feed: feed.id, err: error }, 'feed state unavailable; feed skipped this cycle');
  const health: FeedHealth = { ...NEW_HEALTH, lastError: 'store unavailable', lastErrorKind: 'store' };
  return { report: { feedId: feed.id, outcome: 'failed', ingested: 0, updated: 0, health, error: 'store unavailable' }, articles: [] };
}

async function pollOneFeed(feed: FeedConfig, deps: Deps, fetchOnce: FetchOnce, options: PollOptions): Promise<FeedRun> {
  const { store, log } = deps;
  // Claimed before the state is read: an instance that gets the feed after another one polled it sees that poll.
  if (!options.force && deps.claimFeed && !(await deps.claimFeed(feed))) {
    const health = (await store.feedState.get(feed.id))?.health ?? { ...NEW_HEALTH };
    return { report: { feedId: feed.id, outcome: 'elsewhere', ingested: 0, updated: 0, health }, articles: [] };
  }
  const state: FeedState = (await store.feedState.get(feed.id)) ?? { initialised: false, health: { ...NEW_HEALTH } };
  const now = deps.now();
  if (!options.force && !isDue(state.health, now)) {
    return { report: { feedId: feed.id, outcome: 'not-due', ingested: 0, updated: 0, health: state.health }, articles: [] };
  }
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const conditional = state.initialised ? conditionalHeaders(state) : undefined;
    const result = await fetchOnce(feed.url, conditional);
    if (result.kind === 'not-modified') {
      const health = recordSuccess(state.health, {
        now,
        status: 304,
        durationMs: elapsed(),
        ...notBefore(feed, result.maxAgeSeconds, now, deps),
      });
      await store.feedState.set(feed.id, { ...state, ...validators(result, state), health });
      return { report: { feedId: feed.id, outcome: 'not-modified', ingested: 0, updated: 0, health }, articles: [] };
    }
    const parsed = await parseFeed(result.body);
    const items = normaliseItems(parsed.items, { feed, feedLink: parsed.link ?? result.url, now });
    const outcome = await ingestItems(feed, items, state.initialised, deps);
    const health = recordSuccess(state.health, {
      now,
      status: result.status,
      itemCount: items.length,
      durationMs: elapsed(),
      ...notBefore(feed, result.maxAgeSeconds, now, deps),
    });
    const next: FeedState = { initialised: true, health };
    if (outcome.complete) Object.assign(next, validators(result, {}));
    await store.feedState.set(feed.id, next);
    if (outcome.articles.length > 0 || outcome.updated > 0) {
      log.info({ feed: feed.id, ingested: outcome.articles.length, updated: outcome.updated }, 'feed polled');
    }
    return {
      report: { feedId: feed.id, outcome: 'fetched', ingested: outcome.articles.length, updated: outcome.updated, health },
      articles: outcome.articles,
    };
  } catch (error) {
    const failure = describeFailure(error);
    const health = recordFailure(state.health, { now, durationMs: elapsed(), ...failure }, deps.settings.backoff);
    const fields = { feed: feed.id, kind: failure.kind, failures: health.consecutiveFailures, nextAttempt: health.nextAttempt };
    if (failure.kind === 'internal') log.error({ ...fields, err: error }, describeHealth(feed.id, health));
    else log.warn(fields, describeHealth(feed.id, health));
    await saveHealthQuietly(feed, { ...state, health }, deps);
    return {
      report: { feedId: feed.id, outcome: 'failed', ingested: 0, updated: 0, health, error: failure.message },
      articles: [],
    };
  }
}

/** Recording a failure must not itself fail the cycle (the store may be what failed). */
async function saveHealthQuietly(feed: FeedConfig, state: FeedState, deps: Deps): Promise<void> {
  try {
    await deps.store.feedState.set(feed.id, state);
  } catch (error) {
    deps.log.error({ feed: feed.id, err: error }, 'could not record feed health');
  }
}

function conditionalHeaders(state: FeedState): ConditionalHeaders | undefined {
  if (state.etag === undefined && state.lastModified === undefined) return undefined;
  const headers: ConditionalHeaders = {};
  if (state.etag !== undefined) headers.etag = state.etag;
  if (state.lastModified !== undefined) headers.lastModified = state.lastModified;
  return headers;
}

function validators(
  result: { etag?: string; lastModified?: string },
  fallback: { etag?: string; lastModified?: string },
): { etag?: string; lastModified?: string } {
  const out: { etag?: string; lastModified?: string } = {};
  const etag = result.etag ?? fallback.etag;
  const lastModified = result.lastModified ?? fallback.lastModified;
  if (etag !== undefined) out.etag = etag;
  if (lastModified !== undefined) out.lastModified = lastModified;
  return out;
}

/** The feed's own pacing: its catalogue interval and its Cache-Control max-age (capped). */
function notBefore(feed: FeedConfig, maxAgeSeconds: number | undefined, now: Date, deps: Deps): { notBefore?: Date } {
  const cacheSeconds = Math.min(maxAgeSeconds ?? 0, deps.settings.maxCacheSeconds);
  const intervalSeconds = (feed.intervalMinutes ?? 0) * 60;
  const waitSeconds = Math.max(cacheSeconds, intervalSeconds);
  return waitSeconds > 0 ? { notBefore: new Date(now.getTime() + waitSeconds * 1000) } : {};
}

interface IngestOutcome {
  articles: Article[];
  updated: number;
  /** False when some item could not be handed over; it is retried on the next poll. */
  complete: boolean;
}

async function ingestItems(feed: FeedConfig, items: FeedItem[], initialised: boolean, deps: Deps): Promise<IngestOutcome> {
  const { store, log } = deps;
  const now = deps.now();
  const seen = await store.seenItems.getMany(feed.id, items.map((i) => i.id));
  // Filed for retention before they are saved: new items, and items saved before filing (and last-seen dates) existed.
  const unfiled = items.filter((_, index) => seen[index]?.lastSeen === undefined).map((item) => item.id);
  if (unfiled.length > 0) await store.seenItems.file(feed.id, unfiled, now);
  const refreshes: [string, SeenItem][] = [];
  const announced = initialised ? undefined : newestIds(items, feed.backfill ?? 0);
  const outcome: IngestOutcome = { articles: [], updated: 0, complete: true };
  for (const [index, item] of items.entries()) {
    const hash = contentHash(item);
    const seenItem = seen[index];
    try {
      if (seenItem) {
        if (seenItem.hash === hash) {
          if (needsLastSeen(seenItem, now)) refreshes.push([item.id, { ...seenItem, lastSeen: now.toISOString() }]);
          continue;
        }
        if (await updateArticle(seenItem.articleKey, item, hash, deps)) outcome.updated++;
        await store.seenItems.set(feed.id, item.id, { ...seenItem, hash, lastSeen: now.toISOString() });
        continue;
      }
      const announce = announced === undefined || announced.has(item.id);
      const article = await ingestNewItem({ feed, item, key: articleKey(item), hash, announce }, deps);
      if (article) outcome.articles.push(article);
    } catch (error) {
      outcome.complete = false;
      log.error({ feed: feed.id, item: item.id, err: error }, 'item not ingested; retried next poll');
    }
  }
  await recordLastSeen(feed, refreshes, outcome, now, deps);
  return outcome;
}

/** How often an item still in its feed has its last-seen date written: daily is plenty against a retention of days. */
const LAST_SEEN_REFRESH_MS = 24 * 3_600_000;

function needsLastSeen(seen: SeenItem, now: Date): boolean {
  return seen.lastSeen === undefined || now.getTime() - Date.parse(seen.lastSeen) >= LAST_SEEN_REFRESH_MS;
}

/**
 * Saves the refreshed last-seen dates, then — when every item of the document was handled — records the full fetch,
 * which tells retention that items last seen well before it have left the feed.
 */
async function recordLastSeen(feed: FeedConfig, refreshes: [string, SeenItem][], outcome: IngestOutcome, now: Date, deps: Deps): Promise<void> {
  try {
    if (refreshes.length > 0) await deps.store.seenItems.setMany(feed.id, refreshes);
    if (outcome.complete) await deps.store.seenItems.markFetched(feed.id, now);
  } catch (error) {
    outcome.complete = false;
    deps.log.error({ feed: feed.id, err: error }, 'last-seen dates not saved; retried next poll');
  }
}

/** The ids of the newest `count` items by date (feed order breaks ties): the opt-in first-poll backfill. */
function newestIds(items: FeedItem[], count: number): Set<string> {
  if (count <= 0) return new Set();
  const ranked = items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => Date.parse(b.item.published) - Date.parse(a.item.published) || a.index - b.index);
  return new Set(ranked.slice(0, count).map((r) => r.item.id));
}

/** What archive items (backfill) came to. */
export interface ArchiveIngest {
  /** Articles stored for the first time, as history. */
  articles: Article[];
  /** Items this feed (or another, for the same article) had brought before. */
  known: number;
  /** Items that could not be handed over (logged); a later backfill of the page retries them. */
  failed: number;
}

/**
 * Items from a feed's archive (`privacy-radar backfill`): each one this feed has not brought before is stored and
 * handed over exactly as a first poll's items are — as history, not announced: its privacy story is filed for
 * `/incidents` and grouped with live reports, but nothing is pushed to any channel, and no article page is fetched.
 * Shares the poll's exactly-once path (pending → handed over → done, then seen), so a backfill that runs while the
 * bot polls, or again after a crash, hands each article over once.
 */
export async function ingestArchiveItems(feed: FeedConfig, items: readonly FeedItem[], deps: ArchiveDeps): Promise<ArchiveIngest> {
  const full: ItemDeps = { ...deps, now: deps.now ?? (() => new Date()), articleLocks: createKeyedLimiter(1) };
  const seen = await deps.store.seenItems.getMany(feed.id, items.map((item) => item.id));
  const fresh = items.filter((_, index) => seen[index] === undefined);
  if (fresh.length > 0) await deps.store.seenItems.file(feed.id, fresh.map((item) => item.id), full.now());
  const outcome: ArchiveIngest = { articles: [], known: items.length - fresh.length, failed: 0 };
  for (const item of fresh) {
    try {
      const article = await ingestNewItem({ feed, item, key: articleKey(item), hash: contentHash(item), announce: false }, full);
      if (article) outcome.articles.push(article);
      else outcome.known += 1;
    } catch (error) {
      outcome.failed += 1;
      deps.log.error({ feed: feed.id, item: item.id, err: error }, 'archive item not ingested; a later backfill retries it');
    }
  }
  return outcome;
}

/** A feed item not seen before in its feed, on its way to becoming an article. */
interface NewItem {
  feed: FeedConfig;
  item: FeedItem;
  key: string;
  hash: string;
  announce: boolean;
}

function ingestNewItem(candidate: NewItem, deps: ItemDeps): Promise<Article | undefined> {
  const { exclusive } = deps;
  const work = () => ingestUnderLock(candidate, deps);
  return deps.articleLocks.run(candidate.key, exclusive ? () => exclusive(`article.${createHash('sha256').update(candidate.key).digest('hex').slice(0, 32)}`, work) : work);
}

async function ingestUnderLock(candidate: NewItem, deps: ItemDeps): Promise<Article | undefined> {
  const { feed, item, key, hash } = candidate;
  const { store } = deps;
  const existing = await store.articles.get(key);
  if (existing?.status === 'done') {
    // The same story under another feed (golem's topic feeds repeat the main feed) or another id: known already.
    await store.seenItems.set(feed.id, item.id, { hash, firstSeen: existing.firstSeen, lastSeen: deps.now().toISOString(), articleKey: key });
    return undefined;
  }
  const article = existing ?? (await buildArticle(candidate, deps));
  if (!existing) await store.articles.put(article);
  await deps.onArticle?.(article, feed);
  const done: Article = { ...article, status: 'done' };
  await store.articles.put(done);
  await store.seenItems.set(feed.id, item.id, { hash, firstSeen: done.firstSeen, lastSeen: deps.now().toISOString(), articleKey: key });
  return done;
}

async function buildArticle({ feed, item, key, hash, announce }: NewItem, deps: ItemDeps): Promise<Article> {
  const options = { title: item.title, language: item.language };
  let text = cleanArticleText(item.text, options);
  let textSource: Article['textSource'] = 'feed';
  // Article pages are fetched for announced items only: a first poll's history stays with the feed text,
  // so a new deployment does not fire hundreds of page requests at the outlets.
  if (feed.fullText && announce) {
    const page = await fetchFullText(deps.fetcher, item.url, deps.log);
    if (page !== undefined && page.length > text.length) {
      text = page;
      textSource = 'page';
    }
  }
  return {
    ...item,
    text,
    key,
    contentHash: hash,
    firstSeen: deps.now().toISOString(),
    textSource,
    status: 'pending',
    announce,
  };
}

/** A known item changed in the feed: keep the article current, but it is not news again. */
async function updateArticle(key: string, item: FeedItem, hash: string, deps: Deps): Promise<boolean> {
  const article = await deps.store.articles.get(key);
  if (!article) return false;
  const text = article.textSource === 'page' ? article.text : cleanArticleText(item.text, { title: item.title, language: item.language });
  await deps.store.articles.put({
    ...article,
    title: item.title,
    text,
    categories: item.categories,
    contentHash: hash,
    updated: deps.now().toISOString(),
  });
  return true;
}

interface FailureDescription {
  kind: string;
  message: string;
  status?: number;
  retryAfterSeconds?: number;
}

function describeFailure(error: unknown): FailureDescription {
  if (error instanceof FetchError) {
    const failure: FailureDescription = {
      kind: error.kind === 'http' && error.status !== undefined ? `http-${error.status}` : error.kind,
      message: error.message,
    };
    if (error.status !== undefined) failure.status = error.status;
    if (error.retryAfterSeconds !== undefined) failure.retryAfterSeconds = error.retryAfterSeconds;
    return failure;
  }
  if (error instanceof FeedParseError) return { kind: error.kind, message: error.message };
  return { kind: 'internal', message: `internal error: ${(error as Error)?.message ?? String(error)}` };
}
