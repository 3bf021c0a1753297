import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/model/feed.ts';
import type { FeedItem, RawFeedItem } from '../../src/model/item.ts';
import { contentHash, normaliseItems, type NormaliseContext } from '../../src/ingest/normalise-items.ts';
import { parseFeed } from '../../src/ingest/parse-feed.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixtures = path.resolve(repoRoot, 'test/fixtures/feeds');
const realFeeds = path.resolve(repoRoot, '../shared/feeds-real');

function feedConfig(overrides: Partial<FeedConfig> = {}): FeedConfig {
  return {
    id: 'netzwacht',
    name: 'Netzwacht',
    url: 'https://netzwacht.example/feed.xml',
    language: 'de',
    scope: 'privacy',
    fullText: false,
    enabled: true,
    ...overrides,
  };
}

const NOW = new Date('2024-05-16T12:00:00Z');

function context(overrides: Partial<NormaliseContext> = {}): NormaliseContext {
  return { feed: feedConfig(), now: NOW, ...overrides };
}

async function normaliseFixture(name: string, ctx: Partial<NormaliseContext> = {}): Promise<FeedItem[]> {
  const parsed = await parseFeed(readFileSync(path.join(fixtures, name), 'utf8'));
  return normaliseItems(parsed.items, context({ feedLink: parsed.link, ...ctx }));
}

function only(raw: RawFeedItem, ctx: Partial<NormaliseContext> = {}): FeedItem {
  const items = normaliseItems([raw], context(ctx));
  expect(items).toHaveLength(1);
  return items[0] as FeedItem;
}

function byTitle(items: FeedItem[], title: string): FeedItem {
  const item = items.find((i) => i.title === title);
  expect(item, title).toBeDefined();
  return item as FeedItem;
}

describe('normaliseItems: a clean RSS 2.0 feed', () => {
  it('produces plain text, canonical URLs, parsed dates and merged categories', async () => {
    const [first, second] = await normaliseFixture('rss-2.0.xml');
    expect(first).toEqual({
      id: 'netzwacht-2024-0042',
      feedId: 'netzwacht',
      url: 'https://netzwacht.example/artikel/messenger-klartext.html?seite=2',
      title: 'Messenger speichert Telefonbücher im Klartext',
      published: '2024-05-14T08:00:00.000Z',
      publishedFromFeed: true,
      language: 'de',
      text:
        'Sicherheitsforscher fanden hochgeladene Adressbücher „ungeschützt“ auf einem Server.\n\n' +
        'Betroffen sind nach Angaben des Herstellers rund 80 000 Nutzerinnen & Nutzer.\n\n' +
        'Der Fehler ist inzwischen behoben.\n\nAdressbücher\n\nTelefonnummern',
      categories: ['Datenschutz', 'Messenger'],
    });
    expect(second).toMatchObject({
      id: 'https://netzwacht.example/artikel/consent-banner-bussgeld.html',
      url: 'https://netzwacht.example/artikel/consent-banner-bussgeld.html',
      published: '2024-05-13T16:45:00.000Z',
      text: 'The banners made refusing much harder than accepting, the authority said.',
      categories: [],
    });
  });

  it('takes the language from the feed configuration', async () => {
    const items = await normaliseFixture('rss-2.0.xml', { feed: feedConfig({ id: 'other', language: 'en' }) });
    expect(items.every((item) => item.language === 'en' && item.feedId === 'other')).toBe(true);
  });
});

describe('normaliseItems: other formats', () => {
  it('reads RSS 0.91 items without guid or date', async () => {
    const items = await normaliseFixture('rss-0.91.xml');
    expect(items.map((i) => i.id)).toEqual([
      'https://privacy-notes.example/notes/fitness-routes.html',
      'https://privacy-notes.example/notes/smart-tv-settlement.html',
    ]);
    expect(items[0]?.text).toBe('A public heat map let anyone trace where users jog – including around military sites.');
    expect(items.every((i) => i.published === NOW.toISOString() && !i.publishedFromFeed)).toBe(true);
  });

  it('reads RSS 1.0 (RDF) items with dc:date and dc:subject', async () => {
    const items = await normaliseFixture('rss-1.0.rdf');
    expect(items[0]).toMatchObject({
      id: 'https://datenblog.example/2024/05/kameras-im-bahnhof',
      published: '2024-05-14T06:30:00.000Z',
      publishedFromFeed: true,
      categories: ['Videoüberwachung'],
    });
  });

  it('reads Atom entries: relative links, published before updated, bad and future dates', async () => {
    const items = await normaliseFixture('atom.xml', { now: new Date('2024-03-03T00:00:00Z') });
    expect(items[0]).toMatchObject({
      id: 'tag:trackerwatch.example,2024:bounce-tracking',
      url: 'https://trackerwatch.example/posts/bounce-tracking?page=2',
      title: 'Browser vendor finally blocks bounce tracking',
      published: '2024-03-02T08:15:00.000Z',
      text: 'Redirect chains that set first-party cookies are now cleared after a day.\n\nAd networks had used them to follow people across sites.',
      categories: ['Tracking', 'browsers'],
    });
    expect(items[1]).toMatchObject({ published: '2024-03-01T18:40:00.000Z', publishedFromFeed: true });
    for (const item of [items[2], items[3]]) {
      expect(item).toMatchObject({ published: '2024-03-03T00:00:00.000Z', publishedFromFeed: false });
    }
  });
});

describe('normaliseItems: a feed with quirks', () => {
  it('makes repeated guids unique, with ids that do not depend on item order', async () => {
    const parsed = await parseFeed(readFileSync(path.join(fixtures, 'rss-2.0-quirks.xml'), 'utf8'));
    const ctx = context({ feedLink: parsed.link });
    const items = normaliseItems(parsed.items, ctx);
    const first = byTitle(items, 'Two stories, one guid: the first');
    const second = byTitle(items, 'Two stories, one guid: the second');
    expect(first.id).toMatch(/^https:\/\/quirky\.example\/\?p=7#[0-9a-f]{12}$/);
    expect(second.id).toMatch(/^https:\/\/quirky\.example\/\?p=7#[0-9a-f]{12}$/);
    expect(first.id).not.toBe(second.id);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);

    const reversed = normaliseItems([...parsed.items].reverse(), ctx);
    expect(byTitle(reversed, first.title).id).toBe(first.id);
    expect(byTitle(reversed, second.title).id).toBe(second.id);
  });

  it('keeps an item listed twice with the same guid, link and title once', async () => {
    const items = await normaliseFixture('rss-2.0-quirks.xml');
    const twice = items.filter((i) => i.title === 'The same item, listed twice');
    expect(twice).toHaveLength(1);
    expect(twice[0]?.id).toBe('quirky-listed-twice');
  });

  it('falls back to the canonical link, then to a hash of title and date, for the id', async () => {
    const items = await normaliseFixture('rss-2.0-quirks.xml');
    const noGuid = byTitle(items, 'No guid, so the link is the id');
    expect(noGuid.id).toBe('https://quirky.example/news/relative/no-guid.html');
    expect(noGuid.url).toBe(noGuid.id);
    expect(noGuid.published).toBe('2024-05-14T09:00:00.000Z');
    const neither = byTitle(items, 'Neither guid nor link');
    expect(neither.id).toMatch(/^h:[0-9a-f]{32}$/);
    expect(neither.url).toBe('');
  });

  it('uses a permalink guid as the URL when there is no link', async () => {
    const items = await normaliseFixture('rss-2.0-quirks.xml');
    expect(byTitle(items, 'Only a guid that is a URL').url).toBe('https://quirky.example/news/guid-only');
  });

  it('dates an undated item with the poll time', async () => {
    const items = await normaliseFixture('rss-2.0-quirks.xml');
    expect(byTitle(items, 'Undated item')).toMatchObject({ published: NOW.toISOString(), publishedFromFeed: false });
  });

  it('drops empty and advertising items', async () => {
    const items = await normaliseFixture('rss-2.0-quirks.xml');
    expect(items).toHaveLength(9);
    expect(items.some((i) => /anzeige|sponsored/i.test(i.title))).toBe(false);
    expect(items.every((i) => i.title !== '' || i.text !== '')).toBe(true);
  });

  it('removes bidi overrides and decodes entities escaped twice', async () => {
    const items = await normaliseFixture('rss-2.0-quirks.xml');
    const spoofed = items.find((i) => i.url.endsWith('/rtl-override'));
    expect(spoofed?.title).toBe('Spoofed txt.exe attachment hides its extension');
    expect(spoofed?.text).toBe('Mail filters missed the file because of a right-to-left override character.');
    const escaped = items.find((i) => i.url.endsWith('/double-escaped'));
    expect(escaped?.title).toBe('Entities escaped twice: "quoted" & more');
    expect(escaped?.text).toBe('A description with „typographic“ quotes, a „numeric“ pair and AT&T.');
  });
});

describe('normaliseItems: fields', () => {
  it('cuts long titles at a word boundary to at most 500 characters', () => {
    const item = only({ guid: 'g', title: `${'Datenschutz '.repeat(60)}Ende` });
    expect(item.title.length).toBeLessThanOrEqual(500);
    expect(item.title.endsWith('Datenschutz…')).toBe(true);
  });

  it('puts a title on one line', () => {
    expect(only({ guid: 'g', title: '<p>Erste</p><p>Zeile</p>\n  zwei' }).title).toBe('Erste Zeile zwei');
  });

  it('caps the text at 100,000 characters', () => {
    const item = only({ guid: 'g', title: 'Lang', content: `<p>${'Wort '.repeat(30_000)}</p>` });
    expect(item.text.length).toBeLessThanOrEqual(100_000);
    expect(item.text.endsWith('Wort…')).toBe(true);
  });

  it('falls back to the summary when the content holds no text', () => {
    expect(only({ guid: 'g', title: 'T', content: '<p><img src="x.jpg"></p>', summary: 'Kurz gesagt' }).text).toBe('Kurz gesagt');
  });

  it('keeps an item with only a title, or only a text', () => {
    expect(only({ guid: 'a', title: 'Nur Titel' }).text).toBe('');
    expect(only({ guid: 'b', summary: 'Nur Text' }).title).toBe('');
  });

  it('trims, dedupes (ignoring case) and caps categories at 20', () => {
    const categories = [' Datenschutz ', 'datenschutz', '', 'A &amp; B', ...Array.from({ length: 30 }, (_, i) => `K${i}`)];
    const item = only({ guid: 'g', title: 'T', categories });
    expect(item.categories.slice(0, 3)).toEqual(['Datenschutz', 'A & B', 'K0']);
    expect(item.categories).toHaveLength(20);
  });

  it('recognises advertising prefixes in any case', () => {
    const titles = ['ANZEIGE: x', 'Anzeige - y', 'heise-angebot: z', 'Advertisement: a', 'Werbung: b', 'Deal: c', '[Anzeige] d', 'Sponsored: e'];
    expect(normaliseItems(titles.map((title, i) => ({ guid: `${i}`, title })), context())).toEqual([]);
    expect(only({ guid: 'x', title: 'Anzeigenhauptmann erklärt Datenschutz' }).title).toBe('Anzeigenhauptmann erklärt Datenschutz');
  });

  it('removes control characters', () => {
    expect(only({ guid: 'g', title: 'a\u0007b\u0000c', summary: 'x\u0008y\u202Ez' })).toMatchObject({ title: 'abc', text: 'xyz' });
  });

  it('replaces very long guids by a hash', () => {
    expect(only({ guid: 'x'.repeat(5000), title: 'T' }).id).toMatch(/^g:[0-9a-f]{32}$/);
  });
});

describe('normaliseItems: dates', () => {
  const cases: Array<[string, string]> = [
    ['Tue, 14 May 2024 10:00:00 +0200', '2024-05-14T08:00:00.000Z'],
    ['Tue, 14 May 2024 10:00:00 GMT', '2024-05-14T10:00:00.000Z'],
    ['Tue, 14 May 2024 10:00:00 UT', '2024-05-14T10:00:00.000Z'],
    ['Tue, 14 May 2024 10:00:00 CEST', '2024-05-14T08:00:00.000Z'],
    ['Tue, 14 May 2024 10:00:00 EDT', '2024-05-14T14:00:00.000Z'],
    ['14 May 2024 10:00 -0130', '2024-05-14T11:30:00.000Z'],
    ['Tue, 14 May 24 10:00:00 +01:00', '2024-05-14T09:00:00.000Z'],
    ['Di, 14 Dez 2023 10:00:00 +0100', '2023-12-14T09:00:00.000Z'],
    ['Tuesday, 14 May 2024 10:00:00', '2024-05-14T10:00:00.000Z'],
    ['2024-05-14T10:00:00Z', '2024-05-14T10:00:00.000Z'],
    ['2024-05-14T10:00:00.123+02:00', '2024-05-14T08:00:00.000Z'],
    ['2024-05-14 10:00:00', '2024-05-14T10:00:00.000Z'],
    ['2024-05-14', '2024-05-14T00:00:00.000Z'],
  ];

  it.each(cases)('reads %s', (date, expected) => {
    expect(only({ guid: 'g', title: 'T', date })).toMatchObject({ published: expected, publishedFromFeed: true });
  });

  it.each([
    'not a date',
    '2024-02-30T10:00:00Z',
    'Tue, 31 Apr 2024 10:00:00 GMT',
    '2024-05-14T25:00:00Z',
    '1989-12-31T23:59:59Z',
    '2024-05-18T12:00:01Z',
    '2035-08-19T15:36:00+02:00',
    '',
  ])('treats %j as missing', (date) => {
    expect(only({ guid: 'g', title: 'T', date })).toMatchObject({ published: NOW.toISOString(), publishedFromFeed: false });
  });

  it('accepts a date up to two days ahead', () => {
    expect(only({ guid: 'g', title: 'T', date: '2024-05-18T11:59:00Z' }).publishedFromFeed).toBe(true);
  });
});

describe('normaliseItems: untrusted input', () => {
  it('never throws, whatever the raw items hold', () => {
    const junk = [
      {},
      { guid: 42, title: { nested: true }, categories: 'not an array', date: 12 },
      { title: null, summary: 'x', categories: [null, 7, 'ok'] },
      { title: ['T'], summary: ['x'] },
      null,
      'string',
      { title: '<', content: '<<<<>>>>&&&&;;;;', link: 'javascript:alert(1)' },
    ] as unknown as RawFeedItem[];
    const items = normaliseItems(junk, context({ feedLink: 'not a url' }));
    expect(items.map((i) => [i.title, i.text, i.categories])).toEqual([
      ['', 'x', ['ok']],
      ['<', '<<<<>>>>&&&&;;;;', []],
    ]);
  });

  it('returns nothing for no items', () => {
    expect(normaliseItems([], context())).toEqual([]);
  });
});

describe('contentHash', () => {
  it('is 32 hex digits, stable, and changes with title or text', () => {
    const hash = contentHash({ title: 'T', text: 'Text' });
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(contentHash({ title: 'T', text: 'Text' })).toBe(hash);
    expect(contentHash({ title: 'T', text: 'Text!' })).not.toBe(hash);
    expect(contentHash({ title: 'T2', text: 'Text' })).not.toBe(hash);
    expect(contentHash({ title: 'T\nText', text: '' })).not.toBe(contentHash({ title: 'T', text: 'Text\n' }));
  });
});

// The real snapshots live beside the repository in ../shared; skip when it is not checked out there.
describe.skipIf(!existsSync(realFeeds))('normaliseItems: real snapshots', () => {
  it('normalises golem.de (ISO-8859-1, escaped HTML, topic links, counting pixels, -rss.html links)', async () => {
    const xml = new TextDecoder('iso-8859-1').decode(readFileSync(path.join(realFeeds, 'golem-2018-12.rss.xml')));
    const parsed = await parseFeed(xml);
    const items = normaliseItems(parsed.items, {
      feed: feedConfig({ id: 'golem' }),
      feedLink: parsed.link,
      now: new Date('2018-12-17T12:00:00Z'),
    });
    expect(items).toHaveLength(40);
    expect(items.some((i) => i.title.includes('ö'))).toBe(true);
    expect(items.some((i) => i.title.includes('ß') || i.text.includes('ß'))).toBe(true);
    expect(items.every((i) => i.url.startsWith('https://www.golem.de/') && !i.url.includes('-rss'))).toBe(true);
    expect(items.every((i) => i.publishedFromFeed)).toBe(true);
    for (const item of items) {
      for (const field of [item.title, item.text]) {
        expect(field).not.toMatch(/cpx\.golem\.de|&lt;|&gt;|&amp;|&quot;|<a |<img|\(Security, Browser\)\s*$/);
      }
      expect(item.text).not.toMatch(/\)\s*$/);
    }
    const sqlite = items.find((i) => i.title.includes('SQLite'));
    expect(sqlite?.text.endsWith('für die inzwischen Updates bereitstehen.')).toBe(true);
    expect(sqlite?.categories).toEqual(['Security', 'Browser']);
    const tagged = items.filter((i) => i.categories.includes('Datenschutz'));
    expect(tagged.length).toBeGreaterThan(0);
    expect(tagged.some((i) => i.title.startsWith('Windows 10: Datensammeln'))).toBe(true);
  });

  it('normalises heise online (Atom, advertising, wt_mc, dates in 2035)', async () => {
    const parsed = await parseFeed(readFileSync(path.join(realFeeds, 'heise-2022-08.atom.xml'), 'utf8'));
    const advertising = parsed.items.filter((i) => i.title?.startsWith('heise-Angebot:')).length;
    expect(advertising).toBeGreaterThan(0);
    const items = normaliseItems(parsed.items, {
      feed: feedConfig({ id: 'heise' }),
      feedLink: parsed.link,
      now: new Date('2022-08-19T16:00:00Z'),
    });
    expect(items).toHaveLength(150 - advertising);
    expect(items.some((i) => i.title.startsWith('heise-Angebot'))).toBe(false);
    expect(items.every((i) => i.url !== '' && !i.url.includes('wt_mc'))).toBe(true);
    expect(items.every((i) => !i.publishedFromFeed && i.published === '2022-08-19T16:00:00.000Z')).toBe(true);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    expect(items.every((i) => i.text !== '' && !/[<>]|&[a-z]+;/.test(i.text))).toBe(true);
  });
});
