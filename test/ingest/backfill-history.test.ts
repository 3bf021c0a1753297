import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createApp, type App } from '../../src/main.ts';
import { AMAZON_STORIES, type FeedStory } from '../fixtures/amazon-stories.ts';
import { rssFeed, startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';

/**
 * What backfilled history is, in the app's own wiring: filed and grouped like any article, but old news — no alert,
 * no digest, however the channels are set up. A live report of a backfilled story joins its incident, and that is
 * news: the story's subscribers hear of it then.
 */

const story = (guid: string): FeedStory => AMAZON_STORIES.find((s) => s.guid === guid)!;
/** A later report (our own words) of the Luxembourg fine that the archive holds. */
const FINE_APPEAL: FeedStory = {
  guid: 'amazon-fine-appeal',
  date: '2026-11-09T08:00:00Z',
  title: 'Amazon geht gegen Luxemburger DSGVO-Bußgeld von 746 Millionen Euro vor',
  text:
    'Amazon hat Einspruch gegen das Bußgeld der Luxemburger Datenschutzbehörde in Höhe von 746 Millionen Euro eingelegt. ' +
    'Die Behörde wirft dem Konzern vor, personenbezogene Daten ohne wirksame Einwilligung für personalisierte Werbung verarbeitet zu haben.',
};

const CHANNEL = { platform: 'discord' as const, id: '410000000000000001', guildId: '410000000000000009' };

describe('backfilled history', () => {
  let server: FeedServer;
  let app: App;
  let live: FeedStory[] = [story('ring-police')];
  const archive: FeedStory[] = [story('amazon-fine'), story('amazon-employees')];

  beforeAll(async () => {
    server = await startFeedServer();
    server.route('/feed/', (req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('paged') ?? '1');
      const stories = page === 1 ? live : page === 2 ? archive : undefined;
      if (!stories) return void res.writeHead(404).end();
      const items = stories.map((s) => ({ guid: s.guid, title: s.title, link: `https://blog.example/${s.guid}/`, description: s.text, pubDate: new Date(s.date) }));
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rssFeed({ title: 'Blog', items }));
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'backfill-history-'));
    await writeFile(
      path.join(dir, 'blog.json'),
      JSON.stringify({ id: 'blog', name: 'Blog', url: server.url('/feed/'), language: 'de', scope: 'privacy', fullText: false, enabled: true }),
    );
    const config = loadConfig({ FEEDS_DIR: dir, STORE_URL: `sqlite://${path.join(dir, 'store.sqlite')}`, ALLOW_PRIVATE_FEEDS: 'true', BACKFILL_HOST_INTERVAL_MS: '0' });
    app = await createApp(config, silentLogger);
    // A channel that follows Amazon and whose digest is due right now.
    const now = new Date();
    await app.store.channels.update(CHANNEL, (settings) => {
      settings.subscriptions = ['amazon'];
      settings.digest = { time: `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`, timezone: 'UTC' };
      settings.lastDigestAt = new Date(now.getTime() - 2 * 86_400_000).toISOString();
    });
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('is filed, but neither alerted nor digested', async () => {
    const report = await app.backfill(app.feeds[0]!, { maxPages: 10 });
    expect(report).toMatchObject({ pagesRead: 2, articles: 3, stopped: 'end' });
    const incidents = (await app.store.incidents.latest({ limit: 10 })).incidents;
    expect(incidents).toHaveLength(3);
    expect(incidents.every((incident) => incident.history === true)).toBe(true);
    const round = await app.delivery.tick();
    expect(round?.digestsPlanned).toBe(0);
    expect(await app.store.outbox.pending()).toEqual([]);
  });

  it('becomes news when a live report joins it: grouped, alerted, digested', async () => {
    // The first poll of the live feed finds what the backfill stored: nothing new.
    const first = await app.poll({ force: true });
    expect(first.articles).toHaveLength(0);
    live = [FINE_APPEAL, story('ring-police')];
    const second = await app.poll({ force: true });
    expect(second.articles.map((article) => article.title)).toEqual([FINE_APPEAL.title]);

    const incidents = (await app.store.incidents.latest({ limit: 10 })).incidents;
    expect(incidents).toHaveLength(3);
    const fine = incidents.find((incident) => incident.sources.some((source) => source.title === story('amazon-fine').title))!;
    expect(fine.sources.map((source) => source.title)).toEqual([story('amazon-fine').title, FINE_APPEAL.title]);
    expect(fine.history).toBeUndefined();
    // The subscriber's alert is planned (no platform is connected here, so it waits in the outbox).
    const pending = await app.store.outbox.pending();
    expect(pending.map((entry) => [entry.kind, entry.channel.id, entry.message.cards[0]?.title])).toEqual([['alert', CHANNEL.id, fine.title]]);
  });
});
