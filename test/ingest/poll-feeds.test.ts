import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpFetcher, type HttpFetcher } from '../../src/ingest/http-fetcher.ts';
import { pollFeeds, type PollDeps } from '../../src/ingest/poll-feeds.ts';
import { silentLogger } from '../../src/log.ts';
import type { FeedConfig } from '../../src/model/feed.ts';
import type { Article } from '../../src/model/item.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import {
  hugeBody,
  htmlPage,
  rssFeed,
  serve,
  slowHeaders,
  stalledBody,
  startFeedServer,
  status,
  redirect,
  truncate,
  type FeedServer,
  type RssItemFixture,
} from '../stand-ins/feed-server.ts';

/**
 * The poll cycle end to end: real fetcher, real parser and normaliser, real SQLite file, a loopback feed server.
 * Nothing of ours is mocked; only the clock is set by hand.
 */

const item = (n: number, extra: Partial<RssItemFixture> = {}): RssItemFixture => ({
  guid: `urn:example:${n}`,
  title: `Meldung ${n}: Datenschutzbehörde prüft Fall ${n}`,
  link: `https://news.example.org/artikel-${n}.html?utm_source=rss`,
  description: `<p>Kurzer Anriss zu Meldung ${n}.</p>`,
  pubDate: new Date(Date.UTC(2026, 10, 20, 8, n)),
  ...extra,
});

function feedConfig(server: FeedServer, id: string, extra: Partial<FeedConfig> = {}): FeedConfig {
  return {
    id,
    name: `Outlet ${id}`,
    url: server.url(`/${id}.xml`),
    language: 'de',
    scope: 'privacy',
    fullText: false,
    enabled: true,
    ...extra,
  };
}

describe('pollFeeds', () => {
  let server: FeedServer;
  let fetcher: HttpFetcher;
  let store: Store;
  let storeFile: string;
  let clock: Date;
  let handed: Article[];

  const deps = (extra: Partial<PollDeps> = {}): PollDeps => ({
    store,
    fetcher,
    log: silentLogger,
    now: () => clock,
    settings: { maxCacheSeconds: 3600, backoff: { baseSeconds: 300, maxSeconds: 86_400 } },
    onArticle: async (article) => {
      handed.push(article);
    },
    ...extra,
  });

  beforeEach(async () => {
    server = await startFeedServer();
    fetcher = createHttpFetcher({
      userAgent: 'privacy-radar-test',
      headersTimeoutMs: 300,
      bodyTimeoutMs: 300,
      maxBytes: 1024 * 1024,
      maxRedirects: 5,
      maxConcurrency: 8,
      perHostConcurrency: 4,
      allowPrivateAddresses: true, // the feed server is on loopback
    });
    storeFile = path.join(await mkdtemp(path.join(tmpdir(), 'poll-')), 'store.sqlite');
    store = await openStore(`sqlite://${storeFile}`);
    clock = new Date('2026-11-21T10:00:00Z');
    handed = [];
  });

  afterEach(async () => {
    await fetcher.close();
    await store.close();
    await server.close();
  });

  it('first poll stores everything as history, later polls hand over only new items', async () => {
    const feed = feedConfig(server, 'alpha');
    server.route('/alpha.xml', serve(rssFeed({ title: 'Alpha', items: [item(1), item(2)] })));
    const first = await pollFeeds([feed], deps());
    expect(first.feeds[0]).toMatchObject({ feedId: 'alpha', outcome: 'fetched', ingested: 2 });
    expect(first.articles.map((a) => a.announce)).toEqual([false, false]);
    expect(first.articles[0]).toMatchObject({
      id: 'urn:example:1',
      url: 'https://news.example.org/artikel-1.html',
      title: 'Meldung 1: Datenschutzbehörde prüft Fall 1',
      text: 'Kurzer Anriss zu Meldung 1.',
      status: 'done',
      published: '2026-11-20T08:01:00.000Z',
    });

    server.route('/alpha.xml', serve(rssFeed({ title: 'Alpha', items: [item(3), item(1), item(2)] })));
    clock = new Date('2026-11-21T10:10:00Z');
    const second = await pollFeeds([feed], deps());
    expect(second.articles.map((a) => [a.id, a.announce])).toEqual([['urn:example:3', true]]);
    expect(handed.map((a) => a.id)).toEqual(['urn:example:1', 'urn:example:2', 'urn:example:3']);
    expect(await store.articles.get(second.articles[0]!.key)).toMatchObject({ status: 'done', firstSeen: clock.toISOString() });
  });

  it('announces the newest N items of a first poll when the feed asks for a backfill', async () => {
    const feed = feedConfig(server, 'beta', { backfill: 1 });
    server.route('/beta.xml', serve(rssFeed({ title: 'Beta', items: [item(1), item(5), item(3)] })));
    const report = await pollFeeds([feed], deps());
    expect(report.articles.filter((a) => a.announce).map((a) => a.id)).toEqual(['urn:example:5']);
  });

  it('uses ETag and Last-Modified across a restart: 304 is success with nothing new', async () => {
    const feed = feedConfig(server, 'gamma');
    server.route(
      '/gamma.xml',
      serve(rssFeed({ title: 'Gamma', items: [item(1)] }), { etag: '"v1"', lastModified: 'Fri, 20 Nov 2026 08:00:00 GMT' }),
    );
    await pollFeeds([feed], deps());
    await store.close();
    store = await openStore(`sqlite://${storeFile}`); // a restart: only the file remains
    handed = [];
    clock = new Date('2026-11-21T10:10:00Z');
    const again = await pollFeeds([feed], deps());
    expect(again.feeds[0]).toMatchObject({ outcome: 'not-modified', ingested: 0 });
    expect(again.feeds[0]!.health).toMatchObject({ consecutiveFailures: 0, lastStatus: 304 });
    expect(handed).toEqual([]);
    const second = server.requestsTo('/gamma.xml')[1]!;
    expect(second.headers['if-none-match']).toBe('"v1"');
    expect(second.headers['if-modified-since']).toBe('Fri, 20 Nov 2026 08:00:00 GMT');
  });

  it('honours Cache-Control max-age up to the cap before fetching again', async () => {
    const feed = feedConfig(server, 'cached');
    server.route('/cached.xml', serve(rssFeed({ title: 'Cached', items: [item(1)] }), { headers: { 'cache-control': 'max-age=900' } }));
    await pollFeeds([feed], deps());
    clock = new Date('2026-11-21T10:10:00Z');
    const early = await pollFeeds([feed], deps());
    expect(early.feeds[0]!.outcome).toBe('not-due');
    clock = new Date('2026-11-21T10:15:00Z');
    const due = await pollFeeds([feed], deps());
    expect(due.feeds[0]!.outcome).toBe('fetched');
    expect(server.requestsTo('/cached.xml')).toHaveLength(2);
  });

  it('updates a changed item without handing it over again', async () => {
    const feed = feedConfig(server, 'delta');
    server.route('/delta.xml', serve(rssFeed({ title: 'Delta', items: [item(1)] })));
    const [first] = (await pollFeeds([feed], deps())).articles;
    server.route('/delta.xml', serve(rssFeed({ title: 'Delta', items: [item(1, { title: 'Meldung 1 (aktualisiert)' })] })));
    const report = await pollFeeds([feed], deps({ now: () => new Date('2026-11-21T11:00:00Z') }));
    expect(report.feeds[0]).toMatchObject({ ingested: 0, updated: 1 });
    expect(handed).toHaveLength(1);
    expect(await store.articles.get(first!.key)).toMatchObject({
      title: 'Meldung 1 (aktualisiert)',
      updated: '2026-11-21T11:00:00.000Z',
      firstSeen: first!.firstSeen,
    });
  });

  it('hands over an article carried by two feeds in the same cycle once', async () => {
    const main = feedConfig(server, 'main');
    const topic = feedConfig(server, 'topic');
    server.route('/main.xml', serve(rssFeed({ title: 'Main', items: [] })));
    server.route('/topic.xml', serve(rssFeed({ title: 'Topic', items: [] })));
    await pollFeeds([main, topic], deps());
    server.route('/main.xml', serve(rssFeed({ title: 'Main', items: [item(4)] })));
    server.route('/topic.xml', serve(rssFeed({ title: 'Topic', items: [item(4, { guid: 'topic-4' })] })));
    const report = await pollFeeds([main, topic], deps());
    expect(report.articles).toHaveLength(1);
    expect(handed.map((a) => a.url)).toEqual(['https://news.example.org/artikel-4.html']);
    expect(await store.seenItems.get('topic', 'topic-4')).toBeDefined();
  });

  it('stores an article carried by two feeds once', async () => {
    const main = feedConfig(server, 'main');
    const topic = feedConfig(server, 'topic');
    server.route('/main.xml', serve(rssFeed({ title: 'Main', items: [item(1)] })));
    server.route('/topic.xml', serve(rssFeed({ title: 'Topic', items: [] })));
    await pollFeeds([main, topic], deps());
    server.route('/topic.xml', serve(rssFeed({ title: 'Topic', items: [item(1, { guid: 'topic-1' })] })));
    const report = await pollFeeds([main, topic], deps());
    expect(report.articles).toEqual([]);
    expect(handed).toHaveLength(1);
  });

  it('shares feeds between two instances on one store: each feed polled once, each article handed over once', async () => {
    const other = await openStore(`sqlite://${storeFile}`, { instanceId: 'instance-b' });
    try {
      const main = feedConfig(server, 'main');
      const topic = feedConfig(server, 'topic');
      server.route('/main.xml', serve(rssFeed({ title: 'Main', items: [] })));
      server.route('/topic.xml', serve(rssFeed({ title: 'Topic', items: [] })));
      await pollFeeds([main, topic], deps());
      server.route('/main.xml', serve(rssFeed({ title: 'Main', items: [item(7)] })));
      server.route('/topic.xml', serve(rssFeed({ title: 'Topic', items: [item(7, { guid: 'topic-7' }), item(8)] })));
      const before = server.requests.length;
      clock = new Date('2026-11-21T10:10:00Z');
      // A cycle of each instance at the same moment, as their cron fires: the lease decides who polls a feed.
      const claimFor = (instance: Store) => (feed: FeedConfig) => instance.leases.acquire(`poll.${feed.id}`, instance.instanceId, 60_000);
      const [a, b] = await Promise.all([
        pollFeeds([main, topic], deps({ claimFeed: claimFor(store), exclusive: store.exclusive })),
        pollFeeds([topic, main], deps({ store: other, claimFeed: claimFor(other), exclusive: other.exclusive })),
      ]);
      expect(server.requests.length - before).toBe(2);
      const outcomes = [...a.feeds, ...b.feeds].map((feed) => `${feed.feedId}:${feed.outcome}`).sort();
      expect(outcomes).toEqual(['main:elsewhere', 'main:fetched', 'topic:elsewhere', 'topic:fetched']);
      expect(handed.map((article) => article.url).sort()).toEqual(['https://news.example.org/artikel-7.html', 'https://news.example.org/artikel-8.html']);
    } finally {
      await other.close();
    }
  });

  it('fetches one URL once per cycle however many feed entries point at it', async () => {
    const a = feedConfig(server, 'shared');
    const b = { ...feedConfig(server, 'shared'), id: 'shared-copy' };
    server.route('/shared.xml', serve(rssFeed({ title: 'Shared', items: [item(1)] })));
    const report = await pollFeeds([a, b], deps());
    expect(server.requestsTo('/shared.xml')).toHaveLength(1);
    expect(report.feeds.map((f) => f.outcome)).toEqual(['fetched', 'fetched']);
    expect(report.articles).toHaveLength(1);
  });

  it('fetches the article page for announced items of full-text feeds and keeps only the story', async () => {
    const feed = feedConfig(server, 'teaser', { fullText: true });
    const story = [
      'Ein Versicherer hat die Gesundheitsdaten von zehntausend Kundinnen und Kunden offen im Netz gelassen.',
      'Die Aufsichtsbehörde prüft nun ein Bußgeld, wie eine Sprecherin am Montag bestätigte.',
      'Betroffene sollen in den kommenden Tagen per Brief informiert werden, teilte das Unternehmen mit.',
    ];
    server.route('/teaser.xml', serve(rssFeed({ title: 'Teaser', items: [] })));
    await pollFeeds([feed], deps());
    server.route('/artikel-7.html', serve(htmlPage({ title: 'Datenpanne beim Versicherer', paragraphs: story }), { contentType: 'text/html; charset=utf-8' }));
    server.route('/teaser.xml', serve(rssFeed({ title: 'Teaser', items: [item(7, { link: server.url('/artikel-7.html') })] })));
    const [article] = (await pollFeeds([feed], deps())).articles;
    expect(article).toMatchObject({ textSource: 'page', announce: true });
    for (const sentence of story) expect(article!.text).toContain(sentence);
  });

  it('keeps the feed text when the article page cannot be fetched', async () => {
    const feed = feedConfig(server, 'nopage', { fullText: true });
    server.route('/nopage.xml', serve(rssFeed({ title: 'No page', items: [] })));
    await pollFeeds([feed], deps());
    server.route('/gone.html', status(404));
    server.route('/nopage.xml', serve(rssFeed({ title: 'No page', items: [item(8, { link: server.url('/gone.html') })] })));
    const [article] = (await pollFeeds([feed], deps())).articles;
    expect(article).toMatchObject({ textSource: 'feed', text: 'Kurzer Anriss zu Meldung 8.' });
  });

  describe('feeds that are odd but fine yield the right items', () => {
    const umlauts = item(1, { title: 'Datenschutzverstöße: Bußgeld für Übermittlung', description: 'Größere Verstöße gegen die DSGVO.' });
    const cases: Array<[string, () => Parameters<FeedServer['route']>[1], string[]]> = [
      ['ISO-8859-1', () => serve(rssFeed({ title: 'Latin', items: [umlauts] }, { encoding: 'iso-8859-1' }), { contentType: 'application/rss+xml' }), ['Datenschutzverstöße: Bußgeld für Übermittlung']],
      ['gzip', () => serve(rssFeed({ title: 'Zipped', items: [item(1), item(2)] }), { encoding: 'gzip' }), ['Meldung 1: Datenschutzbehörde prüft Fall 1', 'Meldung 2: Datenschutzbehörde prüft Fall 2']],
      ['an empty feed', () => serve(rssFeed({ title: 'Empty', items: [] })), []],
      ['duplicate guids', () => serve(rssFeed({ title: 'Dupes', items: [item(1), item(2, { guid: 'urn:example:1' })] })), ['Meldung 1: Datenschutzbehörde prüft Fall 1', 'Meldung 2: Datenschutzbehörde prüft Fall 2']],
    ];
    it.each(cases)('%s', async (_name, handler, titles) => {
      const feed = feedConfig(server, 'odd');
      server.route('/odd.xml', handler());
      const report = await pollFeeds([feed], deps());
      expect(report.feeds[0]).toMatchObject({ outcome: 'fetched', ingested: titles.length });
      expect(report.feeds[0]!.health.consecutiveFailures).toBe(0);
      expect(report.articles.map((a) => a.title)).toEqual(titles);
      expect(new Set(report.articles.map((a) => a.id)).size).toBe(titles.length);
    });
  });

  it('drops advertising items', async () => {
    const feed = feedConfig(server, 'ads');
    server.route('/ads.xml', serve(rssFeed({ title: 'Ads', items: [item(1), item(2, { title: 'Anzeige: Jetzt VPN-Abo sichern' })] })));
    const report = await pollFeeds([feed], deps());
    expect(report.articles.map((a) => a.id)).toEqual(['urn:example:1']);
  });

  describe('failures never stop other feeds and are recorded in the health record', () => {
    const cases: Array<[string, (s: FeedServer) => Parameters<FeedServer['route']>[1], string, number?]> = [
      ['500', () => status(500), 'http-500', 500],
      ['slow headers', () => slowHeaders(2000, serve('<rss/>')), 'timeout'],
      ['a stalled body', () => stalledBody(rssFeed({ title: 'x', items: [item(1)] })), 'timeout'],
      ['truncated XML', () => serve(truncate(rssFeed({ title: 'x', items: [item(1), item(2)] }), 300)), 'malformed'],
      ['an HTML page', () => serve(htmlPage({ title: 'Home', paragraphs: ['Willkommen'] }), { contentType: 'text/html' }), 'not-a-feed'],
      ['a redirect loop', () => redirect('/broken.xml'), 'redirects'],
      ['a 50 MB body', () => hugeBody({ totalBytes: 50 * 1024 * 1024 }), 'too-large'],
    ];
    it.each(cases)('%s', async (_name, handler, kind, statusCode) => {
      const broken = feedConfig(server, 'broken');
      const healthy = feedConfig(server, 'healthy');
      server.route('/broken.xml', handler(server));
      server.route('/healthy.xml', serve(rssFeed({ title: 'Healthy', items: [item(1)] })));
      const report = await pollFeeds([broken, healthy], deps());
      const [b, h] = report.feeds;
      expect(b).toMatchObject({ feedId: 'broken', outcome: 'failed' });
      expect(b!.health).toMatchObject({ consecutiveFailures: 1, lastErrorKind: kind, nextAttempt: '2026-11-21T10:05:00.000Z' });
      if (statusCode) expect(b!.health.lastStatus).toBe(statusCode);
      expect(h).toMatchObject({ feedId: 'healthy', outcome: 'fetched', ingested: 1 });
      expect((await store.feedState.get('broken'))?.health.consecutiveFailures).toBe(1);
    });
  });

  it('backs off exponentially, honours Retry-After, and recovers', async () => {
    const feed = feedConfig(server, 'flaky');
    server.route('/flaky.xml', status(503, { retryAfter: '3600' }));
    await pollFeeds([feed], deps());
    expect((await store.feedState.get('flaky'))?.health.nextAttempt).toBe('2026-11-21T11:00:00.000Z');
    clock = new Date('2026-11-21T10:30:00Z');
    expect((await pollFeeds([feed], deps())).feeds[0]!.outcome).toBe('not-due');
    server.route('/flaky.xml', status(500));
    clock = new Date('2026-11-21T11:00:00Z');
    await pollFeeds([feed], deps());
    expect((await store.feedState.get('flaky'))?.health).toMatchObject({ consecutiveFailures: 2, nextAttempt: '2026-11-21T11:10:00.000Z' });
    server.route('/flaky.xml', serve(rssFeed({ title: 'Flaky', items: [item(1)] })));
    clock = new Date('2026-11-21T11:10:00Z');
    const ok = await pollFeeds([feed], deps());
    expect(ok.feeds[0]!.health).toMatchObject({ consecutiveFailures: 0, lastSuccess: '2026-11-21T11:10:00.000Z' });
  });

  it('retries an item whose hand-over failed, and keeps the ETag back until it succeeded', async () => {
    const feed = feedConfig(server, 'crash');
    server.route('/crash.xml', serve(rssFeed({ title: 'Crash', items: [] }), { etag: '"e0"' }));
    await pollFeeds([feed], deps());
    server.route('/crash.xml', serve(rssFeed({ title: 'Crash', items: [item(1), item(2)] }), { etag: '"e1"' }));
    let failOnce = true;
    const flaky = deps({
      onArticle: async (article) => {
        if (article.id === 'urn:example:2' && failOnce) {
          failOnce = false;
          throw new Error('consumer crashed');
        }
        handed.push(article);
      },
    });
    const first = await pollFeeds([feed], flaky);
    expect(first.articles.map((a) => a.id)).toEqual(['urn:example:1']);
    expect((await store.feedState.get('crash'))?.etag).toBeUndefined();
    const second = await pollFeeds([feed], flaky);
    expect(second.articles.map((a) => a.id)).toEqual(['urn:example:2']);
    expect(server.requestsTo('/crash.xml')[2]!.headers['if-none-match']).toBeUndefined();
    expect((await store.feedState.get('crash'))?.etag).toBe('"e1"');
    expect(handed.map((a) => a.id)).toEqual(['urn:example:1', 'urn:example:2']);
  });

  it('skips disabled feeds and ignores not-due feeds unless forced', async () => {
    const off = feedConfig(server, 'off', { enabled: false });
    const paced = feedConfig(server, 'paced', { intervalMinutes: 60 });
    server.route('/paced.xml', serve(rssFeed({ title: 'Paced', items: [item(1)] })));
    await pollFeeds([off, paced], deps());
    expect(server.requestsTo('/off.xml')).toHaveLength(0);
    clock = new Date('2026-11-21T10:10:00Z');
    expect((await pollFeeds([paced], deps())).feeds[0]!.outcome).toBe('not-due');
    expect((await pollFeeds([paced], deps(), { force: true })).feeds[0]!.outcome).toBe('fetched');
  });
});
