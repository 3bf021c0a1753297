import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/model/analysis.ts';
import type { BackfillState } from '../../src/ingest/backfill-feed.ts';
import { openStore } from '../../src/store/open-store.ts';
import { AMAZON_STORIES, type FeedStory } from '../fixtures/amazon-stories.ts';
import { rssFeed, startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';
import { runCli, startCli } from '../support/run-cli.ts';

/**
 * `privacy-radar backfill` end to end: the real command against a WordPress-style archive on the loopback feed
 * server — pages that overlap, a page in ISO-8859-1, a page that fails once, a 404 past the last page — into a
 * real SQLite store: page by page, paced per host, resumed at the failed page, nothing counted twice, the
 * stories filed as history, and `--since` / `--max-pages` stopping where they should and continuing from there.
 */

const story = (guid: string): FeedStory => AMAZON_STORIES.find((s) => s.guid === guid)!;

/** Two stories of our own for the Latin-1 page: umlauts and ß that only survive a correct decoding. */
const TELEKOM_DELETION: FeedStory = {
  guid: 'telekom-loeschung',
  date: '2026-11-01T08:00:00Z',
  title: 'Bußgeld für die Telekom: Kundendaten jahrelang nicht gelöscht',
  text:
    'Die Bundesdatenschutzbeauftragte hat gegen die Deutsche Telekom ein Bußgeld verhängt, weil Kundendaten ehemaliger Vertragspartner ' +
    'über Jahre nicht gelöscht wurden. Betroffen seien Namen, Anschriften und Bankverbindungen. Die Telekom räumte Versäumnisse ein.',
};
const O2_TRACKING: FeedStory = {
  guid: 'o2-standortdaten',
  date: '2026-09-10T08:00:00Z',
  title: 'O2 verkauft Standortdaten an Werbepartner',
  text:
    'Der Mobilfunkanbieter O2 hat Standortdaten seiner Kundinnen und Kunden an Werbepartner weitergegeben. ' +
    'Verbraucherschützer sprechen von einem Verstoß gegen die DSGVO, weil keine wirksame Einwilligung vorlag.',
};

/** The archive, newest first: page 1 is the feed itself; page 2 repeats page 1's last story (a post shifted the pages). */
const PAGES: FeedStory[][] = [
  [story('ring-police'), story('twitch-leak')],
  [story('twitch-leak'), story('amazon-fine'), story('amazon-employees')],
  [story('alexa-recordings'), TELEKOM_DELETION],
  [story('amazon-warehouse'), O2_TRACKING],
];
const LATIN1_PAGE = 3;
const ALL_GUIDS = new Set(PAGES.flat().map((s) => s.guid));

describe('privacy-radar backfill against a WordPress-style archive', () => {
  let server: FeedServer;
  /** When each page was asked for (ms), in order: pacing and resuming are read from here. */
  const asked: { page: number; at: number }[] = [];
  /** Pages that fail the next time they are asked for. */
  const failOnce = new Set<number>();

  beforeAll(async () => {
    server = await startFeedServer();
    server.route('/wp/feed/', (req: IncomingMessage, res: ServerResponse) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('paged') ?? '1');
      asked.push({ page, at: Date.now() });
      if (failOnce.delete(page)) return void res.writeHead(500, { 'content-type': 'text/plain' }).end('database error');
      const stories = PAGES[page - 1];
      if (!stories) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Seite nicht gefunden</body></html>');
      const encoding = page === LATIN1_PAGE ? 'iso-8859-1' : 'utf-8';
      const body = rssFeed(
        {
          title: 'Datenschutz-Blog',
          link: 'https://blog.example/',
          items: stories.map((s) => ({ guid: `https://blog.example/?p=${s.guid}`, title: s.title, link: `https://blog.example/${s.guid}/`, description: s.text, pubDate: new Date(s.date) })),
        },
        { encoding },
      );
      res.writeHead(200, { 'content-type': `application/rss+xml; charset=${encoding === 'utf-8' ? 'UTF-8' : 'ISO-8859-1'}` }).end(body);
    });
  });

  afterAll(async () => {
    await server.close();
  });

  async function deployment(name: string): Promise<Record<string, string>> {
    const dir = await mkdtemp(path.join(tmpdir(), `backfill-${name}-`));
    await writeFile(
      path.join(dir, 'blog.json'),
      JSON.stringify({ id: 'blog', name: 'Datenschutz-Blog', url: server.url('/wp/feed/'), language: 'de', scope: 'privacy', fullText: false, enabled: true, archive: { style: 'wordpress' } }),
    );
    return { FEEDS_DIR: dir, STORE_URL: `sqlite://${path.join(dir, 'store.sqlite')}`, ALLOW_PRIVATE_FEEDS: 'true', BACKFILL_HOST_INTERVAL_MS: '150', LOG_FORMAT: 'json' };
  }

  async function stored(env: Record<string, string>): Promise<{ incidents: Incident[]; state: BackfillState | undefined; articles: number }> {
    const store = await openStore(env.STORE_URL!);
    try {
      const incidents = (await store.incidents.latest({ limit: 100 })).incidents;
      const keys = [...new Set(incidents.flatMap((incident) => incident.sources.map((source) => source.articleKey)))];
      return { incidents, state: await store.collection<BackfillState>('backfill').get('blog'), articles: keys.length };
    } finally {
      await store.close();
    }
  }

  const sourceUrls = (incidents: Incident[]): string[] => incidents.flatMap((incident) => incident.sources.map((source) => source.url)).sort();

  it('reads the archive page by page as history, stops at a failing page, and continues there', async () => {
    const env = await deployment('resume');
    asked.length = 0;
    failOnce.add(4);
    const first = await runCli(['backfill'], env);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^blog: 3 pages, 6 new articles, 1 known — stopped at page 4: HTTP 500 .*; run again to continue there\.$/m);
    expect(asked.map((request) => request.page)).toEqual([1, 2, 3, 4]);
    // Paced at one request per 150 ms to the host (measured at arrival, so a connection set up for the first
    // request can shave a little off one gap; unpaced, the gaps are a few milliseconds).
    for (let i = 1; i < asked.length; i += 1) expect(asked[i]!.at - asked[i - 1]!.at).toBeGreaterThanOrEqual(100);
    expect(asked.at(-1)!.at - asked[0]!.at).toBeGreaterThanOrEqual(3 * 150 - 40);
    const afterFirst = await stored(env);
    expect(afterFirst.state).toMatchObject({ nextPage: 4, stopped: 'error', pagesRead: 3, articles: 6 });
    // Every story a privacy incident of its own, each article once although page 2 repeated one.
    expect(afterFirst.articles).toBe(6);
    expect(afterFirst.incidents.every((incident) => incident.history === true)).toBe(true);
    // The Latin-1 page decoded right.
    expect(afterFirst.incidents.map((incident) => incident.title)).toContain(TELEKOM_DELETION.title);

    asked.length = 0;
    const second = await runCli(['backfill'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^blog: 1 page, 2 new articles, 0 known — reached the end of its archive\.$/m);
    // Resumed at the page that failed, then the 404 past the last page ended it.
    expect(asked.map((request) => request.page)).toEqual([4, 5]);
    const afterSecond = await stored(env);
    expect(afterSecond.articles).toBe(ALL_GUIDS.size);
    expect(afterSecond.incidents.map((incident) => incident.title)).toEqual(expect.arrayContaining([O2_TRACKING.title, story('amazon-warehouse').title]));
    expect(afterSecond.state).toMatchObject({ nextPage: 1, stopped: 'end', pagesRead: 4, articles: 8 });

    // Once more: the archive is known; the second page brings nothing new and nothing changes.
    asked.length = 0;
    const third = await runCli(['backfill', '--feed', 'blog'], env);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/^blog: 2 pages, 0 new articles, 5 known — an archive page brought nothing new/m);
    expect(asked.map((request) => request.page)).toEqual([1, 2]);
    expect(sourceUrls((await stored(env)).incidents)).toEqual(sourceUrls(afterSecond.incidents));
  }, 60_000);

  it('stops at items older than --since, and after --max-pages, continuing from there next time', async () => {
    const env = await deployment('limits');
    asked.length = 0;
    const limited = await runCli(['backfill', '--max-pages', '2'], env);
    expect(limited.code).toBe(0);
    expect(limited.stdout).toContain('stopped after 2 pages (--max-pages); run again to continue at page 3.');
    expect((await stored(env)).state).toMatchObject({ nextPage: 3, stopped: 'max-pages' });

    asked.length = 0;
    const since = await runCli(['backfill', '--since', '2026-11-02'], env);
    expect(since.code).toBe(0);
    expect(since.stdout).toContain('reached items older than 2026-11-02; an earlier --since continues at page 4.');
    expect(asked.map((request) => request.page)).toEqual([3]);
    const titles = (await stored(env)).incidents.map((incident) => incident.title);
    expect(titles).toContain(story('alexa-recordings').title);
    expect(titles).not.toContain(TELEKOM_DELETION.title);
  }, 60_000);

  it('stops on a signal after the page in hand, and the next run continues with the page after it', async () => {
    const env = { ...(await deployment('signal')), BACKFILL_HOST_INTERVAL_MS: '1500' };
    asked.length = 0;
    const running = startCli(['backfill'], env);
    await running.waitForOutput(/backfill blog: page 2, /, 30_000);
    const stopped = await running.stop();
    expect(stopped.code).toBe(1);
    expect(stopped.stdout).toMatch(/^blog: 2 pages, 4 new articles, 1 known — interrupted; run again to continue at page 3\.$/m);
    expect(asked.map((request) => request.page)).toEqual([1, 2]);

    asked.length = 0;
    const resumed = await runCli(['backfill'], { ...env, BACKFILL_HOST_INTERVAL_MS: '10' });
    expect(resumed.code).toBe(0);
    expect(asked.map((request) => request.page)).toEqual([3, 4, 5]);
    expect((await stored(env)).articles).toBe(ALL_GUIDS.size);
  }, 60_000);

  it('offers itself in the first start-up lines of a new deployment, and not once there is history', async () => {
    const env = { ...(await deployment('offer')), POLL_CRON: '0 0 1 1 *', DELIVERY_CRON: '0 0 1 1 *' };
    const fresh = startCli(['run'], env);
    await fresh.waitForOutput(/npx privacy-radar backfill --since \d{4}-\d{2}-\d{2} --max-pages 50/, 30_000);
    await fresh.stop();
    expect(fresh.output()).toMatch(/a new store: .*1 outlets have archives .*blog \(WordPress \?paged=2, 3, …\).*one request per 150 ms per host/);

    expect((await runCli(['backfill', '--max-pages', '1'], env)).code).toBe(0);
    const later = startCli(['run'], env);
    await later.waitForOutput(/privacy-radar started/, 30_000);
    await later.stop();
    expect(later.output()).not.toContain('a new store');
  }, 90_000);

  it('says what it cannot do in one sentence', async () => {
    const env = await deployment('usage');
    const unknown = await runCli(['backfill', '--feed', 'nope'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No feed "nope" in the catalogue or among the feeds servers added. Known: blog.');
    const badSince = await runCli(['backfill', '--since', 'yesterday-ish'], env);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('--since must be a past date');
  });
});
