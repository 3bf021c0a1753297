import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpFetcher, type HttpFetcher } from '../../src/ingest/http-fetcher.ts';
import { pollFeeds, type PollDeps } from '../../src/ingest/poll-feeds.ts';
import { silentLogger } from '../../src/log.ts';
import { pruneSeenItems } from '../../src/maintenance/prune-seen-items.ts';
import { runMaintenance } from '../../src/maintenance/run-maintenance.ts';
import type { Incident } from '../../src/model/analysis.ts';
import type { FeedConfig } from '../../src/model/feed.ts';
import type { Article } from '../../src/model/item.ts';
import { DAY_CHUNK_KEYS, utcDay } from '../../src/store/day-index.ts';
import { newIncidentId } from '../../src/store/incident-repo.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { rssFeed, serve, startFeedServer, type FeedServer, type RssItemFixture } from '../stand-ins/feed-server.ts';
import { randomPrefix, storeBackends } from '../support/store-backends.ts';

/**
 * Retention on every backend, with real polls of a loopback feed and a hand-set clock that runs through months:
 * items that left their feed are forgotten RETENTION_DAYS after they were last seen, items still in it are kept
 * however old, article texts go after RETENTION_DAYS, and nothing is ever announced twice.
 */

const DAY_MS = 24 * 3_600_000;
const RETENTION = { retentionDays: 90, forgetAfterDays: 30 };
const START = new Date('2026-01-01T06:00:00.000Z');

const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-retention-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const story = (n: number): RssItemFixture => ({
  guid: `urn:retention:${n}`,
  title: `Meldung ${n}: Aufsichtsbehörde prüft Datenweitergabe`,
  link: `https://news.example.org/meldung-${n}.html`,
  description: `<p>Anriss zu Meldung ${n}.</p>`,
  pubDate: new Date(START.getTime() + n * 60_000),
});

for (const backend of storeBackends(path.join(sqliteDir, 'retention.sqlite'))) {
  describe.skipIf(backend.url === undefined)(`retention: ${backend.title}`, () => {
    const url = backend.url ?? '';
    const prefixes: string[] = [];
    let server: FeedServer;
    let fetcher: HttpFetcher;
    let store: Store;
    let clock: Date;
    /** Every article a poll handed over, by key: an article handed over twice would be announced twice. */
    let handedOver: Map<string, number>;

    const open = (prefix: string, instanceId?: string): Promise<Store> => openStore(url, { prefix, ...(instanceId ? { instanceId } : {}) });
    const feed = (id: string): FeedConfig => ({ id, name: id, url: server.url(`/${id}.xml`), language: 'de', scope: 'privacy', fullText: false, enabled: true });
    const deps = (): PollDeps => ({
      store,
      fetcher,
      log: silentLogger,
      now: () => clock,
      settings: { maxCacheSeconds: 0, backoff: { baseSeconds: 300, maxSeconds: 86_400 } },
    });
    const poll = async (feeds: FeedConfig[]): Promise<Article[]> => {
      const report = await pollFeeds(feeds, deps());
      expect(report.feeds.map((f) => f.outcome)).not.toContain('failed');
      for (const article of report.articles) handedOver.set(article.key, (handedOver.get(article.key) ?? 0) + 1);
      return report.articles;
    };
    const day = (n: number, hours = 0): Date => new Date(START.getTime() + n * DAY_MS + hours * 3_600_000);

    beforeAll(async () => {
      server = await startFeedServer();
    });
    afterAll(async () => {
      await server.close();
      await backend.purge(url, prefixes);
    });
    beforeEach(async () => {
      const prefix = randomPrefix();
      prefixes.push(prefix);
      store = await open(prefix);
      fetcher = createHttpFetcher({
        userAgent: 'privacy-radar-test',
        headersTimeoutMs: 2000,
        bodyTimeoutMs: 2000,
        maxBytes: 1024 * 1024,
        maxRedirects: 0,
        maxConcurrency: 4,
        perHostConcurrency: 4,
        allowPrivateAddresses: true, // the feed server is on loopback
      });
      handedOver = new Map();
      clock = START;
    });
    afterEach(async () => {
      await fetcher.close();
      await store.close();
    });

    it('forgets items that left their feed 90 days after they were last seen, keeps one still in it for 200 days, never hands one over twice', async () => {
      const alpha = feed('alpha');
      server.route('/alpha.xml', serve(rssFeed({ title: 'Alpha', items: [story(1), story(2), story(3)] })));
      const [first] = await poll([alpha]);
      expect(first).toBeDefined();
      const keyOf = new Map((await store.seenItems.getMany('alpha', ['urn:retention:1', 'urn:retention:2'])).map((s, i) => [i + 1, s!.articleKey]));

      // The last-seen date is written at most once a day.
      clock = day(0, 5);
      await poll([alpha]);
      expect((await store.seenItems.get('alpha', 'urn:retention:1'))?.lastSeen).toBe(START.toISOString());
      clock = day(1);
      await poll([alpha]);
      expect((await store.seenItems.get('alpha', 'urn:retention:1'))?.lastSeen).toBe(day(1).toISOString());

      const totals = { seenItemsDeleted: 0, articlesDeleted: 0 };
      for (let n = 2; n <= 200; n += 1) {
        clock = day(n);
        // Day 5: items 2 and 3 leave the feed, item 4 arrives; item 1 stays for good.
        if (n === 5) server.route('/alpha.xml', serve(rssFeed({ title: 'Alpha', items: [story(1), story(4)] })));
        await poll([alpha]);
        const report = await runMaintenance(store, RETENTION, clock, silentLogger);
        expect(report).toMatchObject({ ran: true, complete: true });
        totals.seenItemsDeleted += report.seenItemsDeleted;
        totals.articlesDeleted += report.articlesDeleted;

        const seen = await store.seenItems.getMany('alpha', ['urn:retention:1', 'urn:retention:2', 'urn:retention:4']);
        expect(seen[0], `item 1 on day ${n}`).toBeDefined();
        expect(seen[2] !== undefined, `item 4 on day ${n}`).toBe(n >= 5);
        // Item 2 was last seen on day 4: kept through day 94, forgotten by day 95.
        if (n <= 94) expect(seen[1], `item 2 on day ${n}`).toBeDefined();
        if (n >= 95) expect(seen[1], `item 2 on day ${n}`).toBeUndefined();
        // Item 1's text goes 90 days after it was first seen, although the item stays (and stays known).
        expect((await store.articles.get(keyOf.get(1)!)) !== undefined, `article 1 on day ${n}`).toBe(n < 91);
      }
      expect([...handedOver.values()].every((times) => times === 1)).toBe(true);
      expect([...handedOver.keys()]).toHaveLength(4);
      expect(totals).toEqual({ seenItemsDeleted: 2, articlesDeleted: 4 });
      expect(await store.articles.get(keyOf.get(2)!)).toBeUndefined();
      // The index keeps only days that still matter.
      const days = await store.seenItems.retention.index.days();
      expect(days.every((d) => d >= utcDay(new Date(clock.getTime() - 90 * DAY_MS)))).toBe(true);
    }, 120_000);

    it('keeps the items of a feed that answers 304 Not Modified for months, and announces none of them when it changes', async () => {
      const beta = feed('beta');
      server.route('/beta.xml', serve(rssFeed({ title: 'Beta', items: [story(10), story(11)] }), { etag: '"v1"' }));
      await poll([beta]);
      for (let n = 1; n <= 150; n += 1) {
        clock = day(n);
        await poll([beta]);
        await runMaintenance(store, RETENTION, clock, silentLogger);
      }
      expect(server.requestsTo('/beta.xml').filter((r) => r.headers['if-none-match'] === '"v1"').length).toBeGreaterThanOrEqual(150);
      expect(await store.seenItems.getMany('beta', ['urn:retention:10', 'urn:retention:11'])).not.toContain(undefined);

      clock = day(151);
      server.route('/beta.xml', serve(rssFeed({ title: 'Beta', items: [story(10), story(11), story(12)] }), { etag: '"v2"' }));
      const fresh = await poll([beta]);
      expect(fresh.map((article) => article.id)).toEqual(['urn:retention:12']);
      expect(fresh[0]!.announce).toBe(true);
    }, 120_000);

    it('keeps incidents and their sources whatever it prunes', async () => {
      const incident: Incident = {
        id: newIncidentId(START.toISOString(), 'u:retention'),
        companies: ['amazon'],
        types: ['breach'],
        title: 'Datenpanne',
        summary: 'Eine Zusammenfassung.',
        language: 'de',
        firstSeen: START.toISOString(),
        lastSeen: START.toISOString(),
        sources: [{ articleKey: 'u:retention', url: 'https://news.example.org/panne.html', title: 'Datenpanne', outlet: 'Alpha', feedId: 'alpha', published: START.toISOString(), language: 'de' }],
      };
      await store.incidents.put(incident);
      await store.seenItems.file('alpha', ['urn:old'], START);
      await store.seenItems.set('alpha', 'urn:old', { hash: 'h', firstSeen: START.toISOString(), lastSeen: START.toISOString(), articleKey: 'u:retention' });
      await store.seenItems.markFetched('alpha', day(300));
      const report = await runMaintenance(store, RETENTION, day(400), silentLogger);
      expect(report.seenItemsDeleted).toBe(1);
      expect(await store.incidents.get(incident.id)).toEqual(incident);
    });

    it('works through a backlog in bounded runs, and lets one instance at a time sweep', async () => {
      const ids = Array.from({ length: 2 * DAY_CHUNK_KEYS + 500 }, (_, n) => `urn:backlog:${n}`);
      await store.seenItems.file('gamma', ids, START);
      await store.seenItems.file('gamma', ids.slice(0, 10), START); // filing again adds nothing
      const limits = { maxKeys: 1, deadline: Number.POSITIVE_INFINITY };
      const runs: boolean[] = [];
      for (let run = 0; run < 5 && !runs.at(-1); run += 1) runs.push((await pruneSeenItems(store, day(200), 90, limits)).complete);
      expect(runs).toEqual([false, false, true]);
      expect(await store.seenItems.retention.index.days()).toEqual([]);

      const prefix = prefixes.at(-1)!;
      const other = await open(prefix, 'other-instance');
      try {
        expect(await other.leases.acquire('maintenance', other.instanceId, 60_000)).toBe(true);
        expect((await runMaintenance(store, RETENTION, day(200), silentLogger)).ran).toBe(false);
        await other.leases.release('maintenance', other.instanceId);
        expect((await runMaintenance(store, RETENTION, day(200), silentLogger)).ran).toBe(true);
      } finally {
        await other.close();
      }
    });

    it('keeps everything with RETENTION_DAYS=0', async () => {
      await store.seenItems.file('delta', ['urn:kept'], START);
      await store.seenItems.set('delta', 'urn:kept', { hash: 'h', firstSeen: START.toISOString(), lastSeen: START.toISOString(), articleKey: 'u:kept' });
      await store.seenItems.markFetched('delta', day(900));
      const report = await runMaintenance(store, { retentionDays: 0, forgetAfterDays: 30 }, day(1000), silentLogger);
      expect(report).toMatchObject({ ran: true, seenItemsDeleted: 0 });
      expect(await store.seenItems.get('delta', 'urn:kept')).toBeDefined();
    });
  });
}
