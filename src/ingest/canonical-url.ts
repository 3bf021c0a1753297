import tracking from './data/tracking-params.json' with { type: 'json' };

/** Longer URLs are not article links but junk; they are rejected rather than carried around. */
const MAX_URL_LENGTH = 8192;

interface TrackingRules {
  exact: ReadonlySet<string>;
  prefixes: readonly string[];
}

/** Splits the curated list into exact names and `prefix*` patterns, all lowercase. */
function compileTrackingRules(patterns: readonly string[]): TrackingRules {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const raw of patterns) {
    const pattern = raw.trim().toLowerCase();
    if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1));
    else if (pattern !== '') exact.add(pattern);
  }
  return { exact, prefixes };
}

const TRACKING = compileTrackingRules(tracking.params);

/** Decodes a query key as a browser would (`+` is a space); malformed escapes stay as they are. */
function decodeQueryKey(key: string): string {
  const spaced = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function isTrackingParam(rawKey: string): boolean {
  const key = decodeQueryKey(rawKey).toLowerCase();
  return TRACKING.exact.has(key) || TRACKING.prefixes.some((prefix) => key.startsWith(prefix));
}

/**
 * Removes tracking parameters from a `?query` string by hand rather than with URLSearchParams,
 * which would re-encode the parameters we keep (`%20` → `+`, `?a` → `?a=`) and so change the URL.
 */
function stripTrackingParams(search: string): string {
  if (search.length <= 1) return '';
  const kept = search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !isTrackingParam(pair.split('=', 1)[0] ?? ''));
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}

function isGolemHost(hostname: string): boolean {
  return hostname === 'golem.de' || hostname.endsWith('.golem.de');
}

/** golem.de links its feed items to `…-rss.html`, a feed-only twin of the article's `….html`. */
function stripFeedOnlySuffix(url: URL): void {
  if (isGolemHost(url.hostname) && url.pathname.endsWith('-rss.html')) {
    url.pathname = `${url.pathname.slice(0, -'-rss.html'.length)}.html`;
  }
}

/**
 * Parses `url`, resolved against `base` when it is relative and `base` is itself a valid URL;
 * undefined when invalid. Absolute links (the common case) are parsed without the base.
 */
function parseUrl(url: string, base: string | undefined): URL | undefined {
  const absolute = URL.parse(url);
  if (absolute !== null || base === undefined) return absolute ?? undefined;
  const validBase = URL.parse(base.trim())?.href;
  return validBase === undefined ? undefined : (URL.parse(url, validBase) ?? undefined);
}

/**
 * The canonical form of an article URL, so that the same article reached through different
 * feeds, campaigns or polls gets the same key: relative links resolved against `base` (the
 * feed's link), scheme and host lowercased, default port, credentials and fragment dropped,
 * tracking parameters (curated in `data/tracking-params.json`) removed, feed-only suffixes
 * undone. Path case and the remaining query parameters, in their order and encoding, are kept.
 * Returns '' for anything that is not a valid http(s) URL.
 */
export function canonicalUrl(url: string, base?: string): string {
  const trimmed = url.trim();
  if (trimmed === '' || trimmed.length > MAX_URL_LENGTH) return '';
  const parsed = parseUrl(trimmed, base);
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return '';
  // Each URL setter re-serialises the whole URL, so only what needs changing is set.
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = '';
    parsed.password = '';
  }
  if (parsed.hash !== '') parsed.hash = '';
  const search = stripTrackingParams(parsed.search);
  if (search !== parsed.search) parsed.search = search;
  stripFeedOnlySuffix(parsed);
  return parsed.href;
}
