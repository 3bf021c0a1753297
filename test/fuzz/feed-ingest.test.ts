import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/ingest/decode-charset.ts';
import { normaliseItems, type NormaliseContext } from '../../src/ingest/normalise-items.ts';
import { FeedParseError, parseFeed, type ParsedFeed } from '../../src/ingest/parse-feed.ts';
import type { FeedConfig } from '../../src/model/feed.ts';
import type { FeedItem, RawFeedItem } from '../../src/model/item.ts';
import { NASTY_DATES, NASTY_FEEDS, type FeedBody } from '../fixtures/nasty-feeds.ts';
import { feedBytes, fuzzRuns, generatedFeed, hostileText, junkItems, mutated, rawItem } from './arbitraries.ts';

/**
 * Bytes → items under attack: whatever a feed sends, decoding gives text, parsing gives a feed or a
 * FeedParseError (never another exception), and normalising gives items that keep every promise of
 * FeedItem — plain single-line titles without control or bidi characters, bounded sizes, believable
 * dates, http(s) URLs, unique ids. Time is not asserted here (bench/hostile-inputs.ts measures it).
 */

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixtureDir = path.join(repoRoot, 'test/fixtures/feeds');
const FIXTURE_FEEDS = readdirSync(fixtureDir)
  .filter((name) => /\.(xml|rdf)$/.test(name))
  .map((name) => readFileSync(path.join(fixtureDir, name), 'utf8'));

const FEED: FeedConfig = { id: 'fuzz', name: 'Fuzz', url: 'https://nasty.example/feed', language: 'de', scope: 'general', fullText: false, enabled: true };
const NOW = new Date('2026-11-23T08:00:00Z');
const TWO_DAYS_MS = 2 * 24 * 60 * 60 * 1000;

/** C0/C1 controls (but for the paragraph break) and the bidi and zero-width characters the normaliser removes. */
const UNWANTED = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/;

type Outcome = { feed: ParsedFeed } | { error: FeedParseError };

/** The feed, or the FeedParseError it was rejected with; any other exception fails the test. */
async function parse(xml: string): Promise<Outcome> {
  try {
    return { feed: await parseFeed(xml) };
  } catch (error) {
    if (!(error instanceof FeedParseError)) throw error;
    return { error };
  }
}

/** What is wrong with raw items: fields that are not strings. Collected rather than asserted one by one (thousands of items). */
function rawItemProblems(items: readonly RawFeedItem[]): string[] {
  const problems: string[] = [];
  items.forEach((item, i) => {
    for (const key of ['guid', 'link', 'title', 'date', 'summary', 'content'] as const) {
      if (key in item && typeof item[key] !== 'string') problems.push(`item ${i}: ${key} is not a string`);
    }
    const { categories } = item;
    if (categories !== undefined && (categories.length === 0 || !categories.every((c) => typeof c === 'string'))) {
      problems.push(`item ${i}: categories ${JSON.stringify(categories)}`);
    }
  });
  return problems;
}

/** Every promise of FeedItem that an item breaks. */
function itemProblems(item: FeedItem, now: Date): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) problems.push(`${JSON.stringify(item.id).slice(0, 60)}: ${what}`);
  };
  check(item.id !== '', 'empty id');
  check(item.feedId === FEED.id && item.language === FEED.language, 'feed id or language not from the config');
  check(item.title !== '' || item.text !== '', 'neither title nor text');

  check(item.title.length <= 500, 'title longer than 500');
  check(!item.title.includes('\n') && !UNWANTED.test(item.title), 'title with a line break, control or bidi character');
  check(item.title.isWellFormed() && item.title === item.title.trim(), 'title not well-formed or not trimmed');

  check(item.text.length <= 100_000, 'text longer than 100,000');
  check(!UNWANTED.test(item.text) && item.text.isWellFormed(), 'text with a control or bidi character, or not well-formed');

  check(item.categories.length <= 20, 'more than 20 categories');
  check(new Set(item.categories.map((c) => c.toLowerCase())).size === item.categories.length, 'repeated categories');
  for (const category of item.categories) {
    check(category !== '' && category.length <= 100 && !category.includes('\n') && !UNWANTED.test(category), `bad category ${JSON.stringify(category)}`);
  }

  if (item.url !== '') {
    const url = URL.parse(item.url);
    check(item.url.length <= 8192 && (url?.protocol === 'http:' || url?.protocol === 'https:'), `not an http(s) URL: ${item.url.slice(0, 80)}`);
  }

  const published = Date.parse(item.published);
  check(Number.isFinite(published) && new Date(published).toISOString() === item.published, `published not ISO: ${item.published}`);
  if (item.publishedFromFeed) {
    check(published >= Date.UTC(1990, 0, 1) && published <= now.getTime() + TWO_DAYS_MS, `unbelievable date ${item.published}`);
  } else {
    check(item.published === now.toISOString(), 'an undated item not dated with the poll time');
  }
  return problems;
}

function expectNormalised(items: readonly FeedItem[], now: Date = NOW): void {
  expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
  expect(items.flatMap((item) => itemProblems(item, now))).toEqual([]);
}

function context(feedLink?: string): NormaliseContext {
  return feedLink === undefined ? { feed: FEED, now: NOW } : { feed: FEED, feedLink, now: NOW };
}

/** The whole ingest path for one fetched body: decode, parse, normalise. */
async function ingest(body: FeedBody): Promise<{ items: FeedItem[]; raw: number } | { error: FeedParseError }> {
  const { text, charset } = decodeBody(body.bytes, body.contentType);
  expect(typeof text).toBe('string');
  expect(charset).not.toBe('');
  const outcome = await parse(text);
  if ('error' in outcome) return outcome;
  expect(rawItemProblems(outcome.feed.items)).toEqual([]);
  return { items: normaliseItems(outcome.feed.items, context(outcome.feed.link)), raw: outcome.feed.items.length };
}

describe('decodeBody: any bytes, any Content-Type', () => {
  it('returns text and the name of the encoding used, never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3_000 }), fc.option(hostileText(6), { nil: undefined }), (bytes, contentType) => {
        const { text, charset } = decodeBody(bytes, contentType);
        expect(typeof text).toBe('string');
        expect(charset).toMatch(/^[a-z0-9-]+$/);
      }),
      fuzzRuns(500),
    );
  });
});

describe('parseFeed: arbitrary and mutated text', () => {
  it('resolves with a feed or rejects with a FeedParseError on arbitrary text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileText(), fc.string({ unit: 'binary', maxLength: 300 })), async (xml) => {
        const outcome = await parse(xml);
        if ('feed' in outcome) expect(rawItemProblems(outcome.feed.items)).toEqual([]);
        else expect(['not-a-feed', 'malformed']).toContain(outcome.error.kind);
      }),
      fuzzRuns(400),
    );
  });

  it('reads every item of a well-formed RSS, RDF or Atom feed, whatever text its fields hold', async () => {
    await fc.assert(
      fc.asyncProperty(generatedFeed, async ({ xml, items }) => {
        const outcome = await parse(xml);
        if ('error' in outcome) throw outcome.error;
        expect(outcome.feed.items).toHaveLength(items);
        expect(rawItemProblems(outcome.feed.items)).toEqual([]);
      }),
      fuzzRuns(300),
    );
  });

  it('never throws anything but a FeedParseError on cut, spliced and garbled real feeds', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(fc.oneof(fc.constantFrom(...FIXTURE_FEEDS), generatedFeed.map((f) => f.xml))), async (xml) => {
        const outcome = await parse(xml);
        if ('feed' in outcome) expect(rawItemProblems(outcome.feed.items)).toEqual([]);
      }),
      fuzzRuns(400),
    );
  });
});

describe('normaliseItems: arbitrary raw items', () => {
  it('keeps every promise of FeedItem, whatever the raw fields hold', () => {
    fc.assert(
      fc.property(fc.array(rawItem, { maxLength: 8 }), fc.option(hostileText(4), { nil: undefined }), (raw, feedLink) => {
        expectNormalised(normaliseItems(raw, context(feedLink)));
      }),
      fuzzRuns(400),
    );
  });

  it('gives the same ids whatever the order of the items', () => {
    // Items repeating guid, link and title are one item listed twice: which copy is kept depends on the order.
    const repeatKey = (item: RawFeedItem): string => JSON.stringify([item.guid, item.link, item.title].map((v) => v?.trim() ?? ''));
    fc.assert(
      fc.property(fc.uniqueArray(rawItem, { maxLength: 8, selector: repeatKey }), (raw) => {
        const forward = normaliseItems(raw, context()).map((item) => item.id);
        const backward = normaliseItems([...raw].reverse(), context()).map((item) => item.id);
        expect(new Set(backward)).toEqual(new Set(forward));
        expect(normaliseItems(raw, context()).map((item) => item.id)).toEqual(forward);
      }),
      fuzzRuns(300),
    );
  });

  it('never throws on junk where items are expected, nor on a broken clock', () => {
    fc.assert(
      fc.property(junkItems, fc.constantFrom(NOW, new Date(Number.NaN), new Date(8.64e15)), (junk, now) => {
        const items = normaliseItems(junk as RawFeedItem[], { feed: FEED, now });
        expect(Array.isArray(items)).toBe(true);
        if (!Number.isNaN(now.getTime())) expectNormalised(items, now);
      }),
      fuzzRuns(300),
    );
  });
});

describe('bytes → items: mis-declared, re-encoded and corrupted feeds', () => {
  it('ends in items that keep their promises, or in a FeedParseError', async () => {
    const documents = fc.oneof(generatedFeed.map((f) => f.xml), mutated(fc.constantFrom(...FIXTURE_FEEDS), 2));
    await fc.assert(
      fc.asyncProperty(feedBytes(documents), async (body) => {
        const result = await ingest(body);
        if ('items' in result) expectNormalised(result.items);
      }),
      fuzzRuns(300),
    );
  });
});

describe('the nasty feed corpus', () => {
  it.each(NASTY_FEEDS.map((feed) => [feed.name, feed] as const))('%s ends as expected, its items keeping their promises', async (_name, feed) => {
    const result = await ingest(feed.build());
    if ('rejected' in feed.outcome) {
      expect('error' in result && result.error.kind).toBe(feed.outcome.rejected);
      return;
    }
    if ('error' in result) throw result.error;
    if (feed.outcome.items !== 'some') expect(result.raw).toBe(feed.outcome.items);
    expectNormalised(result.items);
  });

  it('believes none of the dates beyond the calendar, in RSS and Atom alike', async () => {
    const believed = NASTY_DATES.flatMap(({ believed }, i) => (believed ? [`d${i}`] : []));
    for (const name of ['year-9999-dates', 'atom-year-9999-dates']) {
      const result = await ingest(NASTY_FEEDS.find((feed) => feed.name === name)!.build());
      if ('error' in result) throw result.error;
      expect(result.items).toHaveLength(NASTY_DATES.length);
      expect(result.items.filter((item) => item.publishedFromFeed).map((item) => item.id)).toEqual(believed);
    }
  });

  it('reads an Atom feed with entries that have no child elements (one used to fail the feed)', async () => {
    const feed = await parseFeed('<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry/><entry>Text</entry><entry><title>Echt</title></entry></feed>');
    expect(feed.items).toEqual([{}, {}, { title: 'Echt' }]);
  });

  it('reads an Atom entry whose date holds only whitespace (it used to fail the feed)', async () => {
    const feed = await parseFeed('<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>A</title><updated>\n</updated><published> </published></entry></feed>');
    expect(feed.items).toEqual([{ title: 'A' }]);
  });

  it('keeps one item of those repeated with the same guid, link and title, and gives the others distinct ids', async () => {
    const result = await ingest(NASTY_FEEDS.find((feed) => feed.name === 'thousands-of-duplicate-guids')!.build());
    if ('error' in result) throw result.error;
    expect(result.items).toHaveLength(501);
  });
});
