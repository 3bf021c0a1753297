import type { FeedConfig } from '../model/feed.ts';
import { FetchError, type HttpFetcher } from './http-fetcher.ts';
import { FeedParseError, parseFeed } from './parse-feed.ts';

export interface FeedCheck {
  id: string;
  url: string;
  ok: boolean;
  status?: number;
  items?: number;
  ms: number;
  error?: string;
  kind?: string;
}

/** Fetches and parses every feed once, without conditional headers and without storing anything. */
export async function checkFeeds(feeds: readonly FeedConfig[], fetcher: HttpFetcher): Promise<FeedCheck[]> {
  return Promise.all(feeds.map((feed) => checkFeed(feed, fetcher)));
}

async function checkFeed(feed: FeedConfig, fetcher: HttpFetcher): Promise<FeedCheck> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const result = await fetcher.fetchText(feed.url);
    if (result.kind === 'not-modified') return { id: feed.id, url: feed.url, ok: true, status: 304, ms: ms() };
    const parsed = await parseFeed(result.body);
    return { id: feed.id, url: feed.url, ok: true, status: result.status, items: parsed.items.length, ms: ms() };
  } catch (error) {
    const check: FeedCheck = { id: feed.id, url: feed.url, ok: false, ms: ms(), error: (error as Error).message };
    if (error instanceof FetchError) {
      check.kind = error.kind;
      if (error.status !== undefined) check.status = error.status;
    } else if (error instanceof FeedParseError) {
      check.kind = error.kind;
    } else {
      check.kind = 'internal';
    }
    return check;
  }
}
