import { createHash } from 'node:crypto';
import type { Article, FeedItem } from '../model/item.ts';
import type { Collection } from './collection.ts';

/** Stored articles, keyed by articleKey. */
export interface ArticleRepo {
  get(key: string): Promise<Article | undefined>;
  /** Saves (or replaces) the article under `article.key`. */
  put(article: Article): Promise<void>;
  /** Retention: the article's text (and the rest of it) goes; incidents keep their sources' links and titles. */
  delete(key: string): Promise<boolean>;
}

const sha256Prefix = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);

/**
 * The storage key of an item's article. Keyed by canonical URL where there is one,
 * so the same story reached through two feeds (or re-issued with a new guid) maps
 * to one article; otherwise by feed id + item id. Hashed (first 32 hex digits of
 * SHA-256) because both come from the feed: any length, any characters.
 */
export function articleKey(item: Pick<FeedItem, 'url' | 'feedId' | 'id'>): string {
  return item.url !== '' ? `u:${sha256Prefix(item.url)}` : `i:${sha256Prefix(`${item.feedId}\n${item.id}`)}`;
}

/** The article repository over its collection. */
export function createArticleRepo(collection: Collection<Article>): ArticleRepo {
  return {
    get: (key) => collection.get(key),
    put: (article) => collection.set(article.key, article),
    delete: (key) => collection.delete(key),
  };
}
