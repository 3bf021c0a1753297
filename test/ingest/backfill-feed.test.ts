import { describe, expect, it } from 'vitest';
import { archivePageUrl, createHostPacer } from '../../src/ingest/backfill-feed.ts';
import type { FeedConfig } from '../../src/model/feed.ts';

/** Where a feed's archive pages are, and how requests to one host are spaced. */

const feed = (url: string, archive?: FeedConfig['archive']): FeedConfig => ({
  id: 'blog',
  name: 'Blog',
  url,
  language: 'de',
  scope: 'privacy',
  fullText: false,
  enabled: true,
  ...(archive ? { archive } : {}),
});

describe('archivePageUrl', () => {
  it('pages a WordPress feed back with ?paged=N, keeping its own query, and by default', () => {
    expect(archivePageUrl(feed('https://blog.example/feed/'), 1)).toBe('https://blog.example/feed/');
    expect(archivePageUrl(feed('https://blog.example/feed/'), 2)).toBe('https://blog.example/feed/?paged=2');
    expect(archivePageUrl(feed('https://blog.example/?feed=rss2&cat=3', { style: 'wordpress' }), 7)).toBe('https://blog.example/?feed=rss2&cat=3&paged=7');
  });

  it('follows a listed archive and ends with it', () => {
    const listed = feed('https://news.example/rss.xml', { style: 'pages', urls: ['https://news.example/archiv/2026-10.xml', 'https://news.example/archiv/2026-09.xml'] });
    expect([1, 2, 3, 4].map((page) => archivePageUrl(listed, page))).toEqual([
      'https://news.example/rss.xml',
      'https://news.example/archiv/2026-10.xml',
      'https://news.example/archiv/2026-09.xml',
      undefined,
    ]);
  });

  it('has nothing beyond the feed itself without an archive', () => {
    const plain = feed('https://news.example/rss.xml', { style: 'none' });
    expect(archivePageUrl(plain, 1)).toBe('https://news.example/rss.xml');
    expect(archivePageUrl(plain, 2)).toBeUndefined();
  });
});

describe('createHostPacer', () => {
  it('spaces requests to one host, not to different hosts', async () => {
    const waits: number[] = [];
    const pace = createHostPacer(1000, async (ms) => void waits.push(ms));
    await Promise.all([pace('https://a.example/1'), pace('https://a.example/2'), pace('https://a.example/3'), pace('https://b.example/1')]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThan(900);
    expect(waits[1]).toBeGreaterThan(1900);
  });
});
