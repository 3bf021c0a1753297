import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomFeed, htmlPage, rssFeed, serve, startFeedServer, truncate } from './feed-server.ts';
import type { FeedServer } from './feed-server.ts';

// The stand-in is shared by many tests; these check the parts they rely on.
describe('feed-server stand-in', () => {
  let server: FeedServer;
  beforeAll(async () => {
    server = await startFeedServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers unrouted paths with 404 and records every request', async () => {
    const response = await fetch(server.url('missing?x=1'));
    expect(response.status).toBe(404);
    expect(server.requestsTo('/missing')).toMatchObject([{ method: 'GET', path: '/missing?x=1' }]);
    expect(await server.requestsTo('/missing')[0]?.outcome).toMatchObject({ finished: true });
  });

  it('serve() answers 304 for a matching (weak) ETag or a later If-Modified-Since', async () => {
    server.route('/cond', serve('body', { etag: '"abc"', lastModified: new Date('2025-01-01T00:00:00Z') }));
    expect((await fetch(server.url('/cond'), { headers: { 'if-none-match': 'W/"abc"' } })).status).toBe(304);
    expect((await fetch(server.url('/cond'), { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await fetch(server.url('/cond'), { headers: { 'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT' } })).status).toBe(304);
    expect((await fetch(server.url('/cond'), { headers: { 'if-modified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' } })).status).toBe(200);
  });

  it('rssFeed() escapes markup and encodes Latin-1 with a matching prolog', () => {
    const feed = rssFeed(
      { title: 'A & B', items: [{ title: 'Größe <5> € ✓', description: '<p>"Zitat"</p>' }] },
      { encoding: 'iso-8859-1' },
    ).toString('latin1');
    expect(feed.startsWith('<?xml version="1.0" encoding="ISO-8859-1"?>')).toBe(true);
    expect(feed).toContain('<title>A &amp; B</title>');
    expect(feed).toContain('<title>Größe &lt;5&gt; &#x20ac; &#x2713;</title>');
    expect(feed).toContain('<description>&lt;p&gt;&quot;Zitat&quot;&lt;/p&gt;</description>');
  });

  it('atomFeed() and htmlPage() produce the given content', () => {
    const atom = atomFeed({ title: 'Atom', entries: [{ id: 'urn:x:1', title: 'Eins', link: 'https://example.org/1?a=1&b=2', content: '<b>fett</b>' }] }).toString('utf8');
    expect(atom).toContain('<link rel="alternate" href="https://example.org/1?a=1&amp;b=2"/>');
    expect(atom).toContain('<content type="html">&lt;b&gt;fett&lt;/b&gt;</content>');
    const page = htmlPage({ title: 'Seite', paragraphs: ['Erster Absatz', 'Zweiter'] }).toString('utf8');
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<p>Zweiter</p>');
    expect(truncate(Buffer.from(page), 10).toString('utf8')).toBe('<!doctype ');
  });
});
