import type { Language } from '../../src/model/feed.ts';
import type { Article } from '../../src/model/item.ts';

/** An ingested article as the poll cycle hands it over (pending, announced), for analysis tests. */
export function articleFixture(
  key: string,
  title: string,
  text: string,
  options: { published?: string; language?: Language } = {},
): Article {
  const published = options.published ?? '2026-11-20T08:00:00.000Z';
  return {
    id: key,
    feedId: 'news',
    url: `https://news.example/${key}`,
    title,
    published,
    publishedFromFeed: true,
    language: options.language ?? 'de',
    text,
    categories: [],
    key,
    contentHash: key,
    firstSeen: published,
    textSource: 'feed',
    status: 'pending',
    announce: true,
  };
}
