import { createHash } from 'node:crypto';
import type { FeedConfig } from '../model/feed.ts';
import type { FeedItem, RawFeedItem } from '../model/item.ts';
import { isAdvertisingTitle } from './advertising.ts';
import { canonicalUrl } from './canonical-url.ts';
import { htmlToText, htmlToTextWithTopics } from './html-to-text.ts';

/** What normalising needs to know besides the items themselves. */
export interface NormaliseContext {
  feed: FeedConfig;
  /** The channel's link: the base for relative item links. */
  feedLink?: string;
  /** The time of this poll: the date of items without a usable date of their own. */
  now: Date;
}

const MAX_TITLE_CHARS = 500;
const MAX_TEXT_CHARS = 100_000;
/** HTML beyond this is not read at all: text is capped anyway and the work must stay bounded. */
const MAX_HTML_CHARS = 2_000_000;
const MAX_CATEGORIES = 20;
const MAX_CATEGORY_CHARS = 100;
/** Longer ids (a guid can be anything) are replaced by a hash so store keys stay small. */
const MAX_ID_CHARS = 500;
/** Dates further ahead than this are wrong (feeds do carry such), and treated as missing. */
const MAX_FUTURE_MS = 2 * 24 * 60 * 60 * 1000;
const EARLIEST_DATE_MS = Date.UTC(1990, 0, 1);

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Hash of an item's title and text, the first 32 hex digits of a SHA-256: tells whether an
 * item's content changed between polls, and lets duplicates from different feeds be found.
 */
export function contentHash(item: Pick<FeedItem, 'title' | 'text'>): string {
  return sha256Hex(JSON.stringify([item.title, item.text])).slice(0, 32);
}

// ---------------------------------------------------------------------------------------------
// Text fields

/** The string itself when it has content, else undefined (also guards against non-strings). */
function present(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Cuts `text` to at most `max` characters, at a word boundary when there is one, adding '…'. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const lastSpace = cut.search(/\s\S*$/);
  const atWord = lastSpace > max / 2 ? cut.slice(0, lastSpace) : cut;
  return `${atWord.trimEnd()}…`.toWellFormed();
}

/** Joins the paragraphs of htmlToText's output (it folds all other whitespace already). */
function singleLine(text: string): string {
  return text.includes('\n') ? text.replace(/\n+/g, ' ') : text;
}

function plainTitle(raw: RawFeedItem): string {
  const title = present(raw.title);
  return title === undefined ? '' : truncate(singleLine(htmlToText(title.slice(0, MAX_HTML_CHARS))), MAX_TITLE_CHARS);
}

/** The item's text: from its content, else its summary; plus the topics listed at its end. */
function plainText(raw: RawFeedItem): { text: string; topics: string[] } {
  for (const html of [present(raw.content), present(raw.summary)]) {
    if (html === undefined) continue;
    const { text, topics } = htmlToTextWithTopics(html.slice(0, MAX_HTML_CHARS));
    if (text !== '') return { text: truncate(text, MAX_TEXT_CHARS), topics };
  }
  return { text: '', topics: [] };
}

/**
 * The feed's categories plus the topics an outlet lists at the end of its text (golem.de's
 * "(Security, Datenschutz)"), as single-line plain text, deduplicated ignoring case.
 */
function normaliseCategories(raw: RawFeedItem, topics: readonly string[]): string[] {
  const candidates = [...(Array.isArray(raw.categories) ? raw.categories : []), ...topics];
  const seen = new Set<string>();
  const result: string[] = [];
  for (const candidate of candidates) {
    if (result.length >= MAX_CATEGORIES) break;
    const value = present(candidate);
    if (value === undefined) continue;
    const name = truncate(singleLine(htmlToText(value.slice(0, 10 * MAX_CATEGORY_CHARS))), MAX_CATEGORY_CHARS);
    const key = name.toLowerCase();
    if (name === '' || seen.has(key)) continue;
    seen.add(key);
    result.push(name);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Dates

/** Month abbreviations, English and German, to month indexes. */
const MONTHS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    jan: 0, feb: 1, mar: 2, mär: 2, mrz: 2, apr: 3, may: 4, mai: 4, jun: 5, jul: 6,
    aug: 7, sep: 8, oct: 9, okt: 9, nov: 10, dec: 11, dez: 11,
  }),
);

/** Zone names seen in RFC 822 dates, as minutes east of UTC; unknown names count as UTC. */
const ZONES: ReadonlyMap<string, number> = new Map(
  Object.entries({
    ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, bst: 60, west: 60,
    cet: 60, mez: 60, cest: 120, mesz: 120, eet: 120, eest: 180,
    est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  }),
);

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** "Mon, 17 Dec 2018 10:25:00 +0100" with optional weekday, seconds and zone, German or English months. */
const RFC_822_DATE =
  /^(?:[A-Za-zäÄ]+\.?,?\s*)?(\d{1,2})\.?\s+([A-Za-zäÄ]{3,})\.?\s+(\d{2}|\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{2}:?\d{2}|[A-Za-z]{1,5})?$/;

function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === '') return 0;
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (numeric !== null) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3] ?? 0);
    return numeric[1] === '-' ? -minutes : minutes;
  }
  return ZONES.get(zone.toLowerCase()) ?? (/^[A-Za-z]{1,5}$/.test(zone) ? 0 : undefined);
}

/** Builds a UTC time from parts, rejecting impossible ones (31 February, 25 o'clock). */
function utcTime(year: number, month: number, day: number, hour: number, minute: number, second: number, offset: number): number | undefined {
  if (month < 0 || month > 11 || hour > 24 || minute > 59 || second > 60) return undefined;
  if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) return undefined;
  return Date.UTC(year, month, day, hour, minute, second) - offset * 60_000;
}

function parseIsoDate(value: string): number | undefined {
  const m = ISO_DATE.exec(value);
  if (m === null) return undefined;
  const offset = offsetMinutes(m[7]);
  if (offset === undefined) return undefined;
  return utcTime(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), offset);
}

function parseRfc822Date(value: string): number | undefined {
  const m = RFC_822_DATE.exec(value);
  if (m === null) return undefined;
  const month = MONTHS.get((m[2] ?? '').slice(0, 3).toLowerCase());
  const offset = offsetMinutes(m[7]);
  if (month === undefined || offset === undefined) return undefined;
  const shortYear = Number(m[3]);
  const year = (m[3] ?? '').length === 2 ? (shortYear < 50 ? 2000 + shortYear : 1900 + shortYear) : shortYear;
  return utcTime(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), offset);
}

/**
 * The item's date when it is believable: RFC 822 (RSS) or ISO 8601 (Atom, dc:date), not before
 * 1990 and not more than two days ahead of `now`. Dates without a zone are read as UTC, so the
 * result never depends on the server's time zone.
 */
function feedDate(raw: RawFeedItem, now: Date): Date | undefined {
  const value = present(raw.date);
  if (value === undefined || value.length > 100) return undefined;
  const time = parseIsoDate(value) ?? parseRfc822Date(value);
  if (time === undefined || Number.isNaN(time)) return undefined;
  if (time < EARLIEST_DATE_MS || time > now.getTime() + MAX_FUTURE_MS) return undefined;
  return new Date(time);
}

// ---------------------------------------------------------------------------------------------
// Ids

/** An item ready except for its id, with what the id is derived from. */
interface Candidate {
  item: Omit<FeedItem, 'id'>;
  /** guid, else canonical link, else a hash of title and date. */
  baseId: string;
  /** Distinguishes items that share a base id: link, title and date as the feed gave them. */
  distinction: string;
  /** Identical guid, link and title: the same item repeated, kept once. */
  duplicateKey: string;
}

function boundedId(id: string): string {
  return id.length <= MAX_ID_CHARS ? id : `g:${sha256Hex(id).slice(0, 32)}`;
}

function baseId(raw: RawFeedItem, url: string, title: string): string {
  const guid = present(raw.guid);
  if (guid !== undefined) return boundedId(guid);
  const link = url || present(raw.link);
  if (link !== undefined) return boundedId(link);
  return `h:${sha256Hex(`${title}\n${present(raw.date) ?? ''}`).slice(0, 32)}`;
}

/**
 * Makes ids unique within the feed. Every item whose base id is shared gets the hash of its own
 * link, title and date appended, so its id does not depend on where it stands in the feed or on
 * which other items share the id this time; a counter settles what even that leaves equal.
 */
function assignIds(candidates: readonly Candidate[]): FeedItem[] {
  const sharing = new Map<string, number>();
  for (const { baseId: id } of candidates) sharing.set(id, (sharing.get(id) ?? 0) + 1);
  const taken = new Set<string>();
  return candidates.map(({ item, baseId: id, distinction }) => {
    let unique = (sharing.get(id) ?? 0) > 1 ? `${id}#${sha256Hex(distinction).slice(0, 12)}` : id;
    for (let n = 2; taken.has(unique); n++) unique = `${id}#${sha256Hex(distinction).slice(0, 12)}-${n}`;
    taken.add(unique);
    return { id: unique, ...item };
  });
}

// ---------------------------------------------------------------------------------------------
// Items

function itemUrl(raw: RawFeedItem, feedLink: string | undefined): string {
  const link = present(raw.link);
  if (link !== undefined) {
    const url = canonicalUrl(link, feedLink);
    if (url !== '') return url;
  }
  const guid = present(raw.guid);
  return guid !== undefined && /^https?:\/\//i.test(guid) ? canonicalUrl(guid) : '';
}

/** A candidate for the item, or undefined when it is dropped (advertising, or nothing in it). */
function toCandidate(raw: RawFeedItem, ctx: NormaliseContext, now: Date): Candidate | undefined {
  const title = plainTitle(raw);
  if (isAdvertisingTitle(title)) return undefined;
  const { text, topics } = plainText(raw);
  if (title === '' && text === '') return undefined;
  const url = itemUrl(raw, ctx.feedLink);
  const date = feedDate(raw, now);
  const guid = present(raw.guid);
  const link = present(raw.link);
  return {
    item: {
      feedId: ctx.feed.id,
      url,
      title,
      published: (date ?? now).toISOString(),
      publishedFromFeed: date !== undefined,
      language: ctx.feed.language,
      text,
      categories: normaliseCategories(raw, topics),
    },
    baseId: baseId(raw, url, title),
    distinction: JSON.stringify([link ?? '', present(raw.title) ?? '', present(raw.date) ?? '']),
    duplicateKey: JSON.stringify([guid ?? '', link ?? '', present(raw.title) ?? '']),
  };
}

/**
 * Turns one feed's raw items into FeedItems: plain-text title and text, canonical URL, a
 * believable date (else `now`), categories, and ids that are unique within the feed and stable
 * across polls. Advertising items and items with neither title nor text are dropped; an item
 * repeated with the same guid, link and title is kept once. Never throws on any input.
 */
export function normaliseItems(raw: RawFeedItem[], ctx: NormaliseContext): FeedItem[] {
  // A broken clock must not break ingestion; the real time is the best stand-in.
  const now = Number.isNaN(ctx.now.getTime()) ? new Date() : ctx.now;
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const item of Array.isArray(raw) ? raw : []) {
    if (typeof item !== 'object' || item === null) continue;
    const candidate = toCandidate(item, ctx, now);
    if (candidate === undefined || seen.has(candidate.duplicateKey)) continue;
    seen.add(candidate.duplicateKey);
    candidates.push(candidate);
  }
  return assignIds(candidates);
}
