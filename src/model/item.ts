import type { Language } from './feed.ts';

/** One entry as the feed parser found it: strings as they came, HTML and entities still in. */
export interface RawFeedItem {
  guid?: string;
  link?: string;
  title?: string;
  /** The item's own date as written in the feed (pubDate, published, updated, dc:date). */
  date?: string;
  /** Short description / summary (HTML allowed). */
  summary?: string;
  /** Full content (content:encoded, Atom content), HTML allowed. */
  content?: string;
  categories?: string[];
}

/** A normalised feed item: stable id, canonical URL, plain text. */
export interface FeedItem {
  /** Stable within its feed: guid, else link, else a hash of title + date; made unique within the feed. */
  id: string;
  feedId: string;
  /** Canonical URL: tracking parameters and feed-only suffixes removed. Empty when the item has no link. */
  url: string;
  /** Plain text, entities decoded, tags stripped, whitespace folded. */
  title: string;
  /** ISO 8601. The item's date, else the time it was first seen. */
  published: string;
  /** Whether `published` came from the feed (false: it is the first-seen time). */
  publishedFromFeed: boolean;
  language: Language;
  /** Plain text of the item (content, else summary); paragraphs separated by blank lines. */
  text: string;
  categories: string[];
}

/** What the store keeps of an item: the normalised item plus what ingestion learned about it. */
export interface Article extends FeedItem {
  /** Storage key: derived from the canonical URL, else from feed id + item id. */
  key: string;
  /** Hash of title + text as first normalised from the feed (before full-text fetching). */
  contentHash: string;
  firstSeen: string;
  updated?: string;
  /** `feed`: text from the feed; `page`: extracted from the article page. */
  textSource: 'feed' | 'page';
  /**
   * `pending` from the moment it is stored until every consumer (analysis, delivery) has taken it; then `done`.
   * A `pending` article found again after a crash is handed over again, so nothing is lost between the two.
   */
  status: 'pending' | 'done';
  /**
   * False for what a feed's first poll found: stored as history, not announced, so a new deployment does
   * not flood channels — except the newest `backfill` items the feed's catalogue entry asks for.
   */
  announce: boolean;
}
