/**
 * Fetches feeds and article pages over HTTP with the limits an unattended bot needs: timeouts,
 * a size cap on the decompressed body, counted redirects, conditional GET, polite concurrency and, by
 * default, no connections to loopback, private or cloud metadata addresses (see address-guard.ts).
 *
 * Built on undici's `request` with our own `Agent` rather than `fetch`: `request` hands us the raw
 * (still compressed) byte stream, so we decompress ourselves and can stop a zip bomb the moment the
 * decoded size crosses the cap; it never follows redirects on its own, so every hop passes through
 * {@link assertAllowed}; and the `Agent` gives us one connection pool we can close on shutdown.
 */
import { once } from 'node:events';
import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { createGuardedLookup, describeRefusal, ForbiddenAddressError, refusalReason } from './address-guard.ts';
import type { AddressPolicy, Resolver } from './address-guard.ts';
import { createKeyedLimiter, createLimiter } from './concurrency-limiter.ts';
import { decodeBody } from './decode-charset.ts';

export interface FetcherOptions {
  /** Identifies the bot to publishers, with a contact URL, e.g. `privacy-radar/0.1 (+https://example.org/contact)`. */
  userAgent: string;
  /** Time from sending a request (per hop) until the response headers have arrived. */
  headersTimeoutMs: number;
  /** Time for the whole body once the headers have arrived; also catches bodies that stall. */
  bodyTimeoutMs: number;
  /** Cap on the decoded (decompressed) body of an article page, enforced while streaming. */
  maxBytes: number;
  /**
   * The same for a feed (default `maxBytes`): real feeds are a few hundred kilobytes, and parsing is the costly
   * part of a large one (about 0.2 s per megabyte), so feeds get a smaller cap than pages.
   */
  feedMaxBytes?: number;
  maxRedirects: number;
  /** Requests in flight at once, over all hosts. */
  maxConcurrency: number;
  /** Requests in flight at once to one host name, so we never hammer a single publisher. */
  perHostConcurrency: number;
  /**
   * Lets requests reach loopback, private and other non-public addresses (see address-guard.ts), for
   * self-hosters whose feeds live on their own network and for tests on loopback. Default false: feeds and
   * their article links come from strangers, so by default only public addresses are fetched.
   */
  allowPrivateAddresses?: boolean;
  /** Resolves host names for connecting; default the system resolver. Tests inject one so they need no DNS. */
  resolve?: Resolver;
}

/** Validators remembered from the previous successful fetch, for a conditional GET. */
export interface ConditionalHeaders {
  etag?: string;
  lastModified?: string;
}

export type FetchResult =
  | {
      kind: 'fetched';
      status: number;
      /** Final URL after redirects. */
      url: string;
      /** Decoded text (see decodeBody). */
      body: string;
      contentType?: string;
      etag?: string;
      lastModified?: string;
      maxAgeSeconds?: number;
      /** Size of the decoded (decompressed) body in bytes. */
      bytes: number;
      /** Encoding used to decode the body, e.g. `utf-8` or `windows-1252`. */
      charset: string;
    }
  | {
      kind: 'not-modified';
      status: 304;
      url: string;
      etag?: string;
      lastModified?: string;
      maxAgeSeconds?: number;
    };

export type FetchErrorKind =
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'http'
  | 'too-large'
  | 'redirects'
  | 'bad-url'
  /** The host is, or resolves to, an address we do not connect to (loopback, private, cloud metadata, …). */
  | 'forbidden-address'
  | 'network';

/** The only error `fetchText` rejects with: a machine-readable kind plus one short human sentence. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  readonly kind: FetchErrorKind;
  /** HTTP status, for kind `http`. */
  readonly status?: number;
  /** Seconds the server asked us to wait (Retry-After on 429 and 503). */
  readonly retryAfterSeconds?: number;
  /** The URL of the request (hop) that failed. */
  readonly url: string;

  constructor(
    kind: FetchErrorKind,
    message: string,
    details: { url: string; status?: number; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.url = details.url;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

export interface FetchTextOptions {
  conditional?: ConditionalHeaders;
  /**
   * What the caller expects: a `feed` (the default: Accept prefers feed types, the body is capped at
   * `feedMaxBytes`) or a `page` (an article: Accept prefers HTML, capped at `maxBytes`).
   */
  expect?: 'feed' | 'page';
  /** Overrides the Accept header that `expect` chooses. */
  accept?: string;
  /** Aborting rejects with a FetchError (kind `timeout` for an AbortSignal.timeout, else `network`). */
  signal?: AbortSignal;
}

export interface HttpFetcher {
  /** Fetches `url` as text, following redirects. Rejects only with {@link FetchError}. */
  fetchText(url: string, options?: FetchTextOptions): Promise<FetchResult>;
  /** Waits for in-flight requests, then closes all pooled connections. */
  close(): Promise<void>;
  /** Ends in-flight requests at once (they fail as 'network') and closes all connections: for shutdown. */
  abort(): Promise<void>;
}

export const DEFAULT_FETCHER_OPTIONS: Omit<FetcherOptions, 'userAgent'> = {
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 30_000,
  maxBytes: 5 * 1024 * 1024,
  feedMaxBytes: 2 * 1024 * 1024,
  maxRedirects: 5,
  maxConcurrency: 8,
  perHostConcurrency: 2,
};

/** What we accept when the caller does not say: feed types first, anything else as a last resort. */
const FEED_ACCEPT = 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';
const PAGE_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5';
const ACCEPT_ENCODING = 'gzip, deflate, br';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const SUPPORTED_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);
/** How much of an unwanted body (redirect, 304, error page) we read to keep the connection reusable. */
const DISCARD_LIMIT_BYTES = 64 * 1024;

/** The outcome of one hop: either a final result or where to go next. */
type HopOutcome = { kind: 'result'; result: FetchResult } | { kind: 'redirect'; location: string };

/** Per-hop state shared between the request and the error classification. */
interface Hop {
  url: URL;
  timedOut?: 'headers' | 'body';
}

export function createHttpFetcher(options: FetcherOptions): HttpFetcher {
  const policy: AddressPolicy = { allowPrivate: options.allowPrivateAddresses ?? false };
  // Our own timers (below) enforce the documented limits; the Agent gets the same values so that
  // undici never waits longer than we would, e.g. while draining a discarded body after we are done.
  // Every connection resolves its host through the guarded lookup, so the address checked is the
  // address connected to; IP-literal hosts skip the lookup and are checked in assertAllowed instead.
  const agent = new Agent({
    connectTimeout: options.headersTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connect: { lookup: createGuardedLookup({ ...policy, ...(options.resolve ? { resolve: options.resolve } : {}) }) },
  });
  const overall = createLimiter(options.maxConcurrency);
  const perHost = createKeyedLimiter(options.perHostConcurrency);
  let closing: Promise<void> | undefined;

  const bodyLimit = (fetchOptions: FetchTextOptions): number =>
    fetchOptions.expect === 'page' ? options.maxBytes : Math.min(options.feedMaxBytes ?? options.maxBytes, options.maxBytes);

  async function fetchOneHop(hop: Hop, fetchOptions: FetchTextOptions): Promise<HopOutcome> {
    const controller = new AbortController();
    const abortFromCaller = (): void => controller.abort(fetchOptions.signal?.reason);
    fetchOptions.signal?.addEventListener('abort', abortFromCaller, { once: true });
    if (fetchOptions.signal?.aborted) abortFromCaller();
    let timer = setTimeout(() => {
      hop.timedOut = 'headers';
      controller.abort();
    }, options.headersTimeoutMs);
    try {
      const response = await request(hop.url, {
        dispatcher: agent,
        method: 'GET',
        headers: requestHeaders(options.userAgent, fetchOptions),
        signal: controller.signal,
      });
      clearTimeout(timer);
      timer = setTimeout(() => {
        hop.timedOut = 'body';
        controller.abort();
      }, options.bodyTimeoutMs);
      return await handleResponse(hop, response.statusCode, response.headers, response.body, controller.signal, bodyLimit(fetchOptions));
    } finally {
      clearTimeout(timer);
      fetchOptions.signal?.removeEventListener('abort', abortFromCaller);
    }
  }

  async function handleResponse(
    hop: Hop,
    status: number,
    headers: IncomingHttpHeaders,
    body: Dispatcher.ResponseData['body'],
    signal: AbortSignal,
    maxBytes: number,
  ): Promise<HopOutcome> {
    const url = hop.url.href;
    const location = firstHeader(headers, 'location');
    if (status < 200 || status >= 300) {
      // Reading a little of an unwanted body keeps the connection reusable; failures here do not matter.
      await body.dump({ limit: DISCARD_LIMIT_BYTES }).catch(() => undefined);
      if (status === 304) return { kind: 'result', result: { kind: 'not-modified', status, url, ...cachingMetadata(headers) } };
      if (REDIRECT_STATUSES.has(status) && location) return { kind: 'redirect', location };
      const retryAfterSeconds = status === 429 || status === 503 ? parseRetryAfter(firstHeader(headers, 'retry-after')) : undefined;
      throw new FetchError('http', `HTTP ${status} from ${url}`, { url, status, retryAfterSeconds });
    }

    const declaredLength = parseNonNegativeInteger(firstHeader(headers, 'content-length'));
    if (declaredLength !== undefined && declaredLength > maxBytes) {
      discard(body);
      throw tooLarge(url, maxBytes);
    }
    const bytes = await readDecodedBody(body, firstHeader(headers, 'content-encoding'), maxBytes, url, signal);
    const contentType = firstHeader(headers, 'content-type');
    const { text, charset } = decodeBody(bytes, contentType);
    const result: FetchResult = {
      kind: 'fetched',
      status,
      url,
      body: text,
      bytes: bytes.byteLength,
      charset,
      ...(contentType === undefined ? {} : { contentType }),
      ...cachingMetadata(headers),
    };
    return { kind: 'result', result };
  }

  async function followRedirects(startUrl: string, fetchOptions: FetchTextOptions): Promise<FetchResult> {
    let url = parseUrl(startUrl, startUrl);
    const visited = new Set<string>([url.href]);
    for (let redirects = 0; ; redirects++) {
      assertAllowed(url, policy);
      const hop: Hop = { url };
      const outcome = await runLimited(hop, fetchOptions);
      if (outcome.kind === 'result') return outcome.result;
      if (redirects >= options.maxRedirects) {
        throw new FetchError('redirects', `more than ${options.maxRedirects} redirects from ${startUrl}`, { url: url.href });
      }
      const next = parseUrl(outcome.location, url.href, url);
      if (visited.has(next.href)) {
        throw new FetchError('redirects', `redirect loop at ${next.href}`, { url: url.href });
      }
      visited.add(next.href);
      url = next;
    }
  }

  async function runLimited(hop: Hop, fetchOptions: FetchTextOptions): Promise<HopOutcome> {
    try {
      // Host slot first, then a global one: a job waiting on a busy host must not hold a global slot.
      return await perHost.run(
        hop.url.hostname,
        () => overall.run(() => fetchOneHop(hop, fetchOptions), fetchOptions.signal),
        fetchOptions.signal,
      );
    } catch (error) {
      throw classifyError(error, hop, options, fetchOptions.signal);
    }
  }

  return {
    async fetchText(url, fetchOptions = {}) {
      try {
        return await followRedirects(url, fetchOptions);
      } catch (error) {
        throw error instanceof FetchError
          ? error
          : new FetchError('network', `unexpected failure fetching ${url}`, { url, cause: error });
      }
    },
    close() {
      closing ??= agent.close();
      return closing;
    },
    abort() {
      closing ??= agent.destroy();
      return closing;
    },
  };
}

/**
 * The per-hop gate every URL passes before we connect, including each redirect target: http(s) only,
 * and no IP-literal host the address policy refuses. The URL parser has already turned every IPv4
 * spelling (`2130706433`, `0177.0.0.1`, `0x7f.1`) into dotted decimal. Host names are checked when
 * connecting, on the addresses they resolve to (see createGuardedLookup).
 */
function assertAllowed(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('bad-url', `refusing to fetch a ${url.protocol} URL`, { url: url.href });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0) return;
  const reason = refusalReason(host, policy);
  if (reason !== undefined) {
    throw new FetchError('forbidden-address', `refusing to fetch ${url.href}: ${host} is ${describeRefusal(reason)}`, { url: url.href });
  }
}

function parseUrl(input: string, reportedUrl: string, base?: URL): URL {
  try {
    return new URL(input, base);
  } catch (error) {
    throw new FetchError('bad-url', `not a valid URL: ${input.slice(0, 200)}`, { url: reportedUrl, cause: error });
  }
}

function requestHeaders(userAgent: string, fetchOptions: FetchTextOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': userAgent,
    accept: fetchOptions.accept ?? (fetchOptions.expect === 'page' ? PAGE_ACCEPT : FEED_ACCEPT),
    'accept-encoding': ACCEPT_ENCODING,
  };
  const { etag, lastModified } = fetchOptions.conditional ?? {};
  if (etag) headers['if-none-match'] = etag;
  if (lastModified) headers['if-modified-since'] = lastModified;
  return headers;
}

/**
 * Streams the body through the decompressor (if any) and collects it, failing as soon as the
 * decoded size exceeds `maxBytes`. Node's zlib streams honour backpressure within a chunk, so a
 * zip bomb is inflated only about as far as the cap before the pipeline is torn down.
 */
async function readDecodedBody(
  body: Readable,
  contentEncoding: string | undefined,
  maxBytes: number,
  url: string,
  signal: AbortSignal,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(url, maxBytes);
      chunks.push(chunk);
    }
  };
  const decoder = await createDecoder(body, contentEncoding, url, signal);
  if (decoder) await pipeline(body, decoder, collect);
  else await pipeline(body, collect);
  return Buffer.concat(chunks, total);
}

/**
 * A decompressor for the Content-Encoding, or undefined when there is nothing to decode. Only one
 * coding layer is accepted: stacked codings have no legitimate use for feeds and multiply bomb risk.
 */
async function createDecoder(
  body: Readable,
  contentEncoding: string | undefined,
  url: string,
  signal: AbortSignal,
): Promise<Transform | undefined> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const [coding] = codings;
  if (coding === undefined) return undefined;
  if (codings.length > 1 || !SUPPORTED_CODINGS.has(coding)) {
    discard(body);
    throw new FetchError('network', `unsupported content encoding "${contentEncoding?.slice(0, 100)}" from ${url}`, { url });
  }
  // Some servers label even an empty body as compressed; zlib would call that truncated.
  const first = await peekFirstChunk(body, signal);
  if (first === null) return undefined;
  if (coding === 'br') return zlib.createBrotliDecompress();
  if (coding === 'deflate') return startsWithZlibHeader(first) ? zlib.createInflate() : zlib.createInflateRaw();
  return zlib.createGunzip();
}

/** Waits for the first chunk of `body` and puts it back; null for an empty body. */
async function peekFirstChunk(body: Readable, signal: AbortSignal): Promise<Buffer | null> {
  let chunk: Buffer | null = body.read();
  if (chunk === null && !body.readableEnded) {
    // 'readable' means data is buffered; an empty body that already ended only emits 'end'.
    const settled = new AbortController();
    const waitSignal = AbortSignal.any([signal, settled.signal]);
    try {
      await Promise.race([once(body, 'readable', { signal: waitSignal }), once(body, 'end', { signal: waitSignal })]);
    } finally {
      settled.abort();
    }
    chunk = body.read();
  }
  if (chunk !== null) body.unshift(chunk);
  return chunk;
}

/**
 * "deflate" should mean the zlib format, but some servers send raw deflate and browsers accept
 * both. A zlib header names compression method 8 and has a checksum divisible by 31.
 */
function startsWithZlibHeader(chunk: Buffer): boolean {
  const [cmf, flg] = chunk;
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}

/** Drops a body we will not read; this closes the connection. undici reports that as an error we expect. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function tooLarge(url: string, maxBytes: number): FetchError {
  return new FetchError('too-large', `body of ${url} is larger than ${formatBytes(maxBytes)}`, { url });
}

/** Maps whatever went wrong in one hop to a FetchError, using the hop's timer state first. */
function classifyError(error: unknown, hop: Hop, options: FetcherOptions, callerSignal?: AbortSignal): FetchError {
  const url = hop.url.href;
  if (error instanceof FetchError) return error;
  const forbidden = findInErrorChain(error, (inner) => (inner instanceof ForbiddenAddressError ? inner : undefined));
  if (forbidden) {
    const message = `refusing to fetch ${url}: it resolves to ${forbidden.address}, ${describeRefusal(forbidden.reason)}`;
    return new FetchError('forbidden-address', message, { url, cause: error });
  }
  if (hop.timedOut === 'headers') return timedOutWaitingForHeaders(url, options.headersTimeoutMs, error);
  if (hop.timedOut === 'body') return timedOutReadingBody(url, options.bodyTimeoutMs, error);
  if (callerSignal?.aborted) {
    const reason: unknown = callerSignal.reason;
    return reason instanceof Error && reason.name === 'TimeoutError'
      ? new FetchError('timeout', `gave up on ${url}: the caller's time limit ran out`, { url, cause: reason })
      : new FetchError('network', `request to ${url} was cancelled`, { url, cause: reason });
  }
  const code = errorCode(error);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return new FetchError('dns', `could not resolve host ${hop.url.hostname}`, { url, cause: error });
    case 'ECONNREFUSED':
      return new FetchError('refused', `connection refused by ${hop.url.host}`, { url, cause: error });
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'ETIMEDOUT':
      return timedOutWaitingForHeaders(url, options.headersTimeoutMs, error);
    case 'UND_ERR_BODY_TIMEOUT':
      return timedOutReadingBody(url, options.bodyTimeoutMs, error);
    default:
      return new FetchError('network', `network error fetching ${url}: ${shortReason(error, code)}`, { url, cause: error });
  }
}

function timedOutWaitingForHeaders(url: string, ms: number, cause: unknown): FetchError {
  return new FetchError('timeout', `timed out waiting for headers after ${formatSeconds(ms)}`, { url, cause });
}

function timedOutReadingBody(url: string, ms: number, cause: unknown): FetchError {
  return new FetchError('timeout', `timed out reading the body after ${formatSeconds(ms)}`, { url, cause });
}

/** The first error code found on the error or inside it (see findInErrorChain). */
function errorCode(error: unknown): string | undefined {
  return findInErrorChain(error, (inner) => {
    const code = (inner as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? code : undefined;
  });
}

/**
 * The first thing `pick` finds on the error, its cause chain, or (for Happy Eyeballs connects that
 * try several addresses) inside an AggregateError. Depth-limited so a cyclic cause cannot loop.
 */
function findInErrorChain<T>(error: unknown, pick: (inner: object) => T | undefined, depth = 0): T | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const own = pick(error);
  if (own !== undefined) return own;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = findInErrorChain(inner, pick, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return findInErrorChain((error as { cause?: unknown }).cause, pick, depth + 1);
}

function shortReason(error: unknown, code: string | undefined): string {
  const message = error instanceof Error && error.message ? error.message : String(error);
  return (code && !message.includes(code) ? `${code} ${message}` : message).slice(0, 200);
}

/** ETag, Last-Modified and Cache-Control max-age, leaving out what the response did not carry. */
function cachingMetadata(headers: IncomingHttpHeaders): { etag?: string; lastModified?: string; maxAgeSeconds?: number } {
  const validators: { etag?: string; lastModified?: string; maxAgeSeconds?: number } = {};
  const etag = firstHeader(headers, 'etag');
  const lastModified = firstHeader(headers, 'last-modified');
  const maxAgeSeconds = parseMaxAge(joinedHeader(headers, 'cache-control'));
  if (etag) validators.etag = etag;
  if (lastModified) validators.lastModified = lastModified;
  if (maxAgeSeconds !== undefined) validators.maxAgeSeconds = maxAgeSeconds;
  return validators;
}

/**
 * `max-age` from Cache-Control (`s-maxage` is for shared caches and ignored);
 * `no-store` / `no-cache` mean "do not reuse", reported as 0.
 */
export function parseMaxAge(cacheControl: string | undefined): number | undefined {
  if (!cacheControl) return undefined;
  let maxAge: number | undefined;
  for (const directive of cacheControl.split(',')) {
    const [rawName = '', rawValue] = directive.split('=', 2);
    const name = rawName.trim().toLowerCase();
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age') maxAge ??= parseNonNegativeInteger(rawValue?.trim().replace(/^"(.*)"$/, '$1'));
  }
  return maxAge;
}

/** Retry-After as delay-seconds or an HTTP date; a date in the past means 0. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const seconds = parseNonNegativeInteger(trimmed);
  if (seconds !== undefined) return seconds;
  // HTTP dates start with a day name; this also keeps Date.parse from reading "-3" as a year.
  const date = /^[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** Digits only, and few enough to be a sane number; anything else is undefined. */
function parseNonNegativeInteger(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function joinedHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Number((bytes / (1024 * 1024)).toFixed(1))} MB` : `${bytes} bytes`;
}
