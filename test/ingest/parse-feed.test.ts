import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeedParseError, MAX_FEED_ITEMS, parseFeed } from '../../src/ingest/parse-feed.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixtures = path.resolve(repoRoot, 'test/fixtures/feeds');
const realFeeds = path.resolve(repoRoot, '../shared/feeds-real');

function fixture(name: string): string {
  return readFileSync(path.join(fixtures, name), 'utf8');
}

/** Resolves to the error parseFeed rejected with; fails the test when it resolved. */
async function parseError(xml: string): Promise<FeedParseError> {
  const error: unknown = await parseFeed(xml).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FeedParseError);
  return error as FeedParseError;
}

function rss(items: string, channelExtras = ''): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>${channelExtras}${items}</channel></rss>`;
}

describe('parseFeed: formats', () => {
  it('reads RSS 0.91', async () => {
    const feed = await parseFeed(fixture('rss-0.91.xml'));
    expect(feed.title).toBe('Privacy Notes');
    expect(feed.link).toBe('https://privacy-notes.example/');
    expect(feed.language).toBe('en-gb');
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]).toEqual({
      link: 'https://privacy-notes.example/notes/fitness-routes.html?utm_source=rss&utm_medium=feed',
      title: 'Fitness app exposed running routes of soldiers',
      summary: 'A public heat map let anyone trace where users jog &ndash; including around military sites.',
    });
  });

  it('reads RSS 1.0 (RDF) with rdf:about as guid, dc:date and dc:subject', async () => {
    const feed = await parseFeed(fixture('rss-1.0.rdf'));
    expect(feed.title).toBe('Datenblog');
    expect(feed.language).toBe('de');
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]).toMatchObject({
      guid: 'https://datenblog.example/2024/05/kameras-im-bahnhof',
      link: 'https://datenblog.example/2024/05/kameras-im-bahnhof',
      title: 'Gesichtserkennung am Bahnhof: Aufsicht prüft Pilotprojekt',
      date: '2024-05-14T08:30:00+02:00',
      categories: ['Videoüberwachung'],
    });
    expect(feed.items[1]?.categories).toBeUndefined();
  });

  it('reads RSS 2.0 with CDATA content, description, categories and raw dates', async () => {
    const feed = await parseFeed(fixture('rss-2.0.xml'));
    expect(feed).toMatchObject({ title: 'Netzwacht', link: 'https://netzwacht.example/', language: 'de' });
    expect(feed.items).toHaveLength(2);
    const [first, second] = feed.items;
    expect(first).toMatchObject({
      guid: 'netzwacht-2024-0042',
      date: 'Tue, 14 May 2024 10:00:00 +0200',
      categories: ['Datenschutz', 'Messenger', 'datenschutz'],
    });
    expect(first?.summary).toContain('&bdquo;ungeschützt&ldquo;');
    expect(first?.summary).toContain('<a href="https://netzwacht.example/themen/messenger/">Messenger</a>');
    expect(first?.content).toContain('<script>trackPageView(42);</script>');
    expect(first?.content?.startsWith('<p><img src="https://netzwacht.example/bilder/42.jpg"')).toBe(true);
    expect(second).toMatchObject({
      guid: 'https://netzwacht.example/artikel/consent-banner-bussgeld.html',
      link: '/artikel/consent-banner-bussgeld.html',
      summary: 'The banners made refusing <b>much harder</b> than accepting, the authority said.',
    });
    expect(second?.content).toBeUndefined();
  });

  it('reads Atom: xml:lang, alternate link, id, published/updated, summary, content, categories', async () => {
    const feed = await parseFeed(fixture('atom.xml'));
    expect(feed).toMatchObject({ title: 'Tracker Watch', link: 'https://trackerwatch.example/', language: 'en' });
    expect(feed.items).toHaveLength(4);
    expect(feed.items[0]).toEqual({
      guid: 'tag:trackerwatch.example,2024:bounce-tracking',
      link: '/posts/bounce-tracking?fbclid=abc123&page=2#comments',
      title: 'Browser vendor <em>finally</em> blocks bounce tracking',
      date: '2024-03-02T09:15:00+01:00',
      summary: 'Redirect chains that set first-party cookies are cleared after a day.',
      content:
        '<p>Redirect chains that set <b>first-party</b> cookies are now cleared after a day.</p><p>Ad networks had used them to follow people across sites.</p>',
      categories: ['Tracking', 'browsers'],
    });
    expect(feed.items[1]?.date).toBe('2024-03-01T18:40:00Z');
    expect(feed.items[3]?.date).toBe('sometime last week');
  });

  it('keeps every item of a feed with duplicates, gaps and empty items (normalising sorts them out)', async () => {
    const feed = await parseFeed(fixture('rss-2.0-quirks.xml'));
    expect(feed.items).toHaveLength(15);
    expect(feed.items.filter((item) => item.guid === 'https://quirky.example/?p=7')).toHaveLength(2);
    expect(feed.items[5]).toEqual({
      title: 'Neither guid nor link',
      date: 'Tue, 14 May 2024 10:00:00 GMT',
      summary: 'Only a title and a date identify this item.',
    });
    expect(feed.items[9]).toEqual({});
  });
});

describe('parseFeed: robustness', () => {
  it(`reads at most the first ${MAX_FEED_ITEMS} entries, in document order`, async () => {
    const items = Array.from({ length: MAX_FEED_ITEMS + 500 }, (_, i) => `<item><title>Eintrag ${i}</title><link>https://example.org/${i}</link></item>`);
    const feed = await parseFeed(rss(items.join('')));
    expect(feed.items).toHaveLength(MAX_FEED_ITEMS);
    expect(feed.items[0]?.title).toBe('Eintrag 0');
    expect(feed.items.at(-1)?.title).toBe(`Eintrag ${MAX_FEED_ITEMS - 1}`);
  });

  it('accepts a BOM, comments and an external DOCTYPE before the root', async () => {
    const feed = await parseFeed(`\uFEFF  <!-- generated -->\n${fixture('rss-0.91.xml')}`);
    expect(feed.items).toHaveLength(2);
  });

  it('escapes bare ampersands outside CDATA and leaves CDATA as it is', async () => {
    const feed = await parseFeed(
      rss('<item><title>AT&T & Co</title><link>https://x.example/?a=1&b=2</link><description><![CDATA[R&D &amp; more]]></description></item>'),
    );
    expect(feed.items[0]).toEqual({ title: 'AT&T & Co', link: 'https://x.example/?a=1&b=2', summary: 'R&D &amp; more' });
  });

  it('reads RSS without a version attribute as RSS 2.0', async () => {
    const feed = await parseFeed('<rss><channel><title>T</title><item><title>A</title></item></channel></rss>');
    expect(feed.items).toEqual([{ title: 'A' }]);
  });

  it('normalises category elements with attributes to strings', async () => {
    const feed = await parseFeed(rss('<item><title>A</title><category domain="d"> Netzpolitik </category><category/><category>Netzpolitik</category></item>'));
    expect(feed.items[0]?.categories).toEqual([' Netzpolitik ', 'Netzpolitik']);
  });

  it('keeps a feed with an empty channel', async () => {
    expect(await parseFeed('<rss version="2.0"><channel></channel></rss>')).toEqual({ title: '', items: [] });
  });

  it('reports an HTML page as not-a-feed', async () => {
    expect((await parseError(fixture('not-a-feed.html'))).kind).toBe('not-a-feed');
    expect((await parseError('<html><body><rss version="2.0"></rss></body></html>')).kind).toBe('not-a-feed');
  });

  it('reports empty text, JSON, plain text and other XML as not-a-feed', async () => {
    for (const text of ['', '   \n', '{"items":[]}', 'Service unavailable', '<opml version="2.0"><body/></opml>', '<constructor/>']) {
      expect((await parseError(text)).kind, text).toBe('not-a-feed');
    }
  });

  it('reports truncated XML as malformed', async () => {
    const xml = fixture('rss-2.0.xml');
    for (const cut of [0.3, 0.6, 0.95]) {
      expect((await parseError(xml.slice(0, Math.floor(xml.length * cut)))).kind).toBe('malformed');
    }
    expect((await parseError('<?xml version="1.0"')).kind).toBe('malformed');
    expect((await parseError('<!DOCTYPE rss [ <!ENTITY a "b"> ')).kind).toBe('malformed');
  });

  it('reports broken XML as malformed', async () => {
    expect((await parseError(rss('<item><title>A</b></item>'))).kind).toBe('malformed');
    expect((await parseError('<rss version=2.0><channel><title>T</title></channel></rss>')).kind).toBe('malformed');
    expect((await parseError('<rss version="2.0"><channel><title>T</title><item><title>A</item></channel></rss>')).kind).toBe('malformed');
  });

  it('rejects a billion-laughs DOCTYPE at once instead of expanding it', async () => {
    const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">${levels}]>${rss('<item><title>&lol9;</title></item>').replace('<?xml version="1.0"?>', '')}`;
    const error = await parseError(bomb);
    expect(error.kind).toBe('malformed');
  });

  it('does not let an Atom entry with an invalid date fail the whole feed', async () => {
    const feed = await parseFeed(
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>A</title><updated>32. Mai</updated></entry><entry><title>B</title></entry></feed>',
    );
    expect(feed.items).toEqual([{ title: 'A', date: '32. Mai' }, { title: 'B' }]);
  });

  it('stays linear on text that makes naive snippet regexes quadratic, keeping its content', async () => {
    const lines = 'Zeile<br>\n'.repeat(40_000);
    const strays = '&lt;p'.repeat(60_000);
    const feed = await parseFeed(
      rss(`<item><title>A</title><description><![CDATA[${lines}]]></description></item><item><title>B</title><description>${strays}</description></item>`),
    );
    expect(feed.items[0]?.summary?.match(/Zeile<br>/g)).toHaveLength(40_000);
    expect(feed.items[1]?.summary?.match(/&lt;p/g)).toHaveLength(60_000);
  });

  it('rejects only with FeedParseError, whatever part of a feed it gets', async () => {
    const sources = [fixture('rss-2.0.xml'), fixture('atom.xml'), fixture('rss-1.0.rdf'), fixture('rss-2.0-quirks.xml')];
    for (const xml of sources) {
      for (let step = 0; step < 40; step++) {
        const start = (step * 7919) % Math.floor(xml.length / 2);
        const end = start + ((step * 104_729) % (xml.length - start));
        const outcome = await parseFeed(xml.slice(start, end)).then(
          () => 'parsed',
          (e: unknown) => (e instanceof FeedParseError ? 'rejected' : e),
        );
        expect(['parsed', 'rejected']).toContain(outcome);
      }
    }
  });
});

// The real snapshots live beside the repository in ../shared; skip when it is not checked out there.
describe.skipIf(!existsSync(realFeeds))('parseFeed: real snapshots', () => {
  it('reads golem.de RSS 2.0 (ISO-8859-1)', async () => {
    const xml = new TextDecoder('iso-8859-1').decode(readFileSync(path.join(realFeeds, 'golem-2018-12.rss.xml')));
    const feed = await parseFeed(xml);
    expect(feed).toMatchObject({ title: 'Golem.de', link: 'https://www.golem.de/', language: 'de' });
    expect(feed.items).toHaveLength(40);
    expect(feed.items.every((item) => item.guid && item.link && item.title && item.date && item.summary && item.content)).toBe(true);
    expect(feed.items.some((item) => /[öß]/.test(item.title ?? ''))).toBe(true);
  });

  it('reads heise online Atom', async () => {
    const feed = await parseFeed(readFileSync(path.join(realFeeds, 'heise-2022-08.atom.xml'), 'utf8'));
    expect(feed.title).toBe('heise online News');
    expect(feed.items).toHaveLength(150);
    expect(feed.items.every((item) => item.guid?.startsWith('http://heise.de/-') && item.link && item.date)).toBe(true);
  });
});
