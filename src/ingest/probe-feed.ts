import { detectLanguage } from '../analysis/detect-language.ts';
import type { Language } from '../model/feed.ts';
import { FetchError, type HttpFetcher } from './http-fetcher.ts';
import { FeedParseError, parseFeed } from './parse-feed.ts';

/** Why a URL cannot be added as a feed, in words a chat answer can use. */
export type ProbeFailure = 'bad-url' | 'forbidden-address' | 'unreachable' | 'http' | 'timeout' | 'too-large' | 'not-a-feed';

export type FeedProbe =
  | { ok: true; url: string; title: string; language: Language; items: number }
  | { ok: false; reason: ProbeFailure; /** One sentence for the log and the answer (never the page's content). */ detail: string; status?: number };

/** Longer URLs are not feeds anyone types. */
const MAX_URL_LENGTH = 2048;
const MAX_TITLE_LENGTH = 120;

/**
 * Checks that a URL a user gave is a feed the bot can read: http(s) without credentials, fetched once through
 * the guarded fetcher (public addresses only, unless ALLOW_PRIVATE_FEEDS), and parsed as RSS or Atom. Answers
 * the URL to store (fragment dropped), the feed's title and language; never throws.
 */
export async function probeFeed(input: string, fetcher: HttpFetcher): Promise<FeedProbe> {
  const url = normaliseFeedUrl(input);
  if (typeof url !== 'string') return url;
  try {
    const result = await fetcher.fetchText(url);
    if (result.kind !== 'fetched') return { ok: false, reason: 'http', detail: `${url} answered 304 to a plain request`, status: 304 };
    const parsed = await parseFeed(result.body);
    const title = cleanTitle(parsed.title) || new URL(url).hostname;
    const sample = parsed.items.map((item) => `${item.title ?? ''}. ${item.summary ?? ''}`).join(' ');
    return { ok: true, url, title, language: feedLanguage(parsed.language, sample), items: parsed.items.length };
  } catch (error) {
    if (error instanceof FeedParseError) return { ok: false, reason: 'not-a-feed', detail: `${url} is not an RSS or Atom feed` };
    if (error instanceof FetchError) return fetchFailure(error, url);
    return { ok: false, reason: 'unreachable', detail: `${url} could not be read` };
  }
}

/** The URL as stored, or why it cannot be one. */
export function normaliseFeedUrl(input: string): string | Extract<FeedProbe, { ok: false }> {
  const refuse = (detail: string) => ({ ok: false as const, reason: 'bad-url' as const, detail });
  const text = input.trim();
  if (text.length === 0 || text.length > MAX_URL_LENGTH) return refuse('a feed address is an http or https URL of at most 2,048 characters');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('that is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse(`only http and https feeds can be added, not ${url.protocol.replace(':', '')}`);
  if (url.username !== '' || url.password !== '') return refuse('a feed address must not carry a user name or password');
  url.hash = '';
  return url.href;
}

function fetchFailure(error: FetchError, url: string): Extract<FeedProbe, { ok: false }> {
  switch (error.kind) {
    case 'http':
      return { ok: false, reason: 'http', detail: error.message, ...(error.status !== undefined ? { status: error.status } : {}) };
    case 'timeout':
    case 'too-large':
    case 'bad-url':
    case 'forbidden-address':
      return { ok: false, reason: error.kind, detail: error.message };
    case 'dns':
    case 'refused':
    case 'network':
    case 'redirects':
      return { ok: false, reason: 'unreachable', detail: error.message || `${url} could not be read` };
  }
}

/** The feed's declared language when it is one the bot speaks, else what its item titles look like. */
function feedLanguage(declared: string | undefined, titles: string): Language {
  const tag = declared?.trim().toLowerCase() ?? '';
  if (tag.startsWith('de')) return 'de';
  if (tag.startsWith('en')) return 'en';
  return detectLanguage(titles, 'en');
}

/** A feed title as a name: one line, no control or bidi characters, bounded. */
function cleanTitle(title: string): string {
  const line = title
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > MAX_TITLE_LENGTH ? `${line.slice(0, MAX_TITLE_LENGTH - 1)}…` : line;
}
