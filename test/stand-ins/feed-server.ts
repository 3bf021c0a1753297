/**
 * A loopback HTTP server that stands in for feed publishers in tests.
 *
 * Tests never touch the internet: they start this server on 127.0.0.1 (a random free port), give it
 * routes, and point the code under test at `server.url('/feed.xml')`. Ready-made handlers cover the
 * ways real publishers behave and misbehave (conditional GET, compression, slow or stalled
 * responses, error statuses, redirects, endless bodies, zip bombs), and fixture builders produce
 * RSS, Atom and HTML bodies so each case fits on one line:
 *
 * ```ts
 * const server = await startFeedServer();
 * server.route('/feed.xml', serve(rssFeed({ title: 'Demo', items: [{ title: 'Hallo' }] }), { etag: '"v1"' }));
 * server.route('/old', redirect('/feed.xml'));
 * // … fetch server.url('/old') …
 * await server.close();
 * ```
 *
 * Every request is recorded (method, path, headers, and how the exchange ended), and the server
 * tracks how many requests were in flight at once, for concurrency tests.
 */
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import { listenOnLoopback } from './loopback.ts';

/** Handles one request; may be async. A thrown error becomes a 500 (or a dropped connection). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** How an exchange ended, as the server saw it. */
export interface RequestOutcome {
  /** True if the whole response was handed to the OS; false if the connection closed first. */
  finished: boolean;
  /**
   * Bytes the connection's socket had sent by then, headers included (and earlier responses on a
   * kept-alive connection). An upper bound, useful to show a download was cut short.
   */
  socketBytesWritten: number;
}

export interface RecordedRequest {
  method: string;
  /** Path including any query string, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Resolves when the response finished or the connection closed, whichever came first. */
  outcome: Promise<RequestOutcome>;
}

export interface FeedServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Absolute URL for a path on this server (a leading slash is added when missing). */
  url(path: string): string;
  /** Sets (or replaces) the handler for an exact pathname; the query string is ignored for matching. */
  route(path: string, handler: RouteHandler): void;
  /** Every request received, in arrival order (unrouted ones too: they get a 404). */
  readonly requests: RecordedRequest[];
  /** The recorded requests whose pathname is `path`. */
  requestsTo(path: string): RecordedRequest[];
  /** Requests currently being answered. */
  readonly inFlight: number;
  /** The most requests that were being answered at the same time. */
  readonly maxInFlight: number;
  /** Stops listening and destroys every connection, idle or hanging. */
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a random free port. */
export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, RouteHandler>();
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const outcome = new Promise<RequestOutcome>((resolve) => {
      res.once('close', () => {
        inFlight--;
        resolve({ finished: res.writableFinished, socketBytesWritten: req.socket.bytesWritten });
      });
    });
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers, outcome });
    const handler = routes.get(pathnameOf(path)) ?? notFound;
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => failRequest(res, error));
  });

  const port = await listenOnLoopback(server);
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    origin,
    port,
    url: (path) => `${origin}${path.startsWith('/') ? '' : '/'}${path}`,
    route: (path, handler) => {
      routes.set(path, handler);
    },
    requests,
    requestsTo: (path) => requests.filter((request) => pathnameOf(request.path) === path),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function pathnameOf(path: string): string {
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

const notFound: RouteHandler = (_req, res) => {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('no such route');
};

function failRequest(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { 'content-type': 'text/plain' }).end(`handler failed: ${String(error)}`);
}

// ---------------------------------------------------------------------------------------------
// Ready-made handlers
// ---------------------------------------------------------------------------------------------

/** `deflate-raw` sends raw deflate under the `deflate` label, as some misconfigured servers do. */
export type ServeEncoding = 'gzip' | 'deflate' | 'deflate-raw' | 'br';

export interface ServeOptions {
  /** Default 200. */
  status?: number;
  /** Default `application/rss+xml; charset=utf-8`. */
  contentType?: string;
  /** Sent as ETag; a matching If-None-Match gets a 304. */
  etag?: string;
  /** Sent as Last-Modified; an If-Modified-Since at or after it gets a 304 (unless If-None-Match is present). */
  lastModified?: string | Date;
  /** Compress the body with this coding and label it in Content-Encoding. */
  encoding?: ServeEncoding;
  /** Extra headers, e.g. `{ 'cache-control': 'max-age=600' }`; also sent with a 304. */
  headers?: Record<string, string>;
}

/** Serves a fixed body, with validators and correct 304 handling. */
export function serve(body: string | Buffer, options: ServeOptions = {}): RouteHandler {
  const lastModified = options.lastModified instanceof Date ? options.lastModified.toUTCString() : options.lastModified;
  const validators: Record<string, string> = {
    ...(options.etag === undefined ? {} : { etag: options.etag }),
    ...(lastModified === undefined ? {} : { 'last-modified': lastModified }),
    ...options.headers,
  };
  const encoded = encodeBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, options.encoding);
  return (req, res) => {
    if (isNotModified(req, options.etag, lastModified)) {
      res.writeHead(304, validators).end();
      return;
    }
    res.writeHead(options.status ?? 200, {
      'content-type': options.contentType ?? 'application/rss+xml; charset=utf-8',
      'content-length': String(encoded.length),
      ...(options.encoding === undefined ? {} : { 'content-encoding': options.encoding === 'deflate-raw' ? 'deflate' : options.encoding }),
      ...validators,
    });
    res.end(encoded);
  };
}

/** Compresses `body` as a server would for the given coding (fast settings: fixtures can be large). */
export function encodeBody(body: Buffer, encoding: ServeEncoding | undefined): Buffer {
  switch (encoding) {
    case undefined:
      return body;
    case 'gzip':
      return zlib.gzipSync(body);
    case 'deflate':
      return zlib.deflateSync(body);
    case 'deflate-raw':
      return zlib.deflateRawSync(body);
    case 'br':
      return zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
  }
}

/** RFC 9110 precedence: If-None-Match (weak comparison) wins; otherwise If-Modified-Since by date. */
function isNotModified(req: IncomingMessage, etag: string | undefined, lastModified: string | undefined): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (etag === undefined) return false;
    const wanted = ifNoneMatch.split(',').map((tag) => tag.trim());
    return wanted.includes('*') || wanted.some((tag) => stripWeak(tag) === stripWeak(etag));
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined || lastModified === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  const modified = Date.parse(lastModified);
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** Waits `delayMs` before letting `then` answer: the headers arrive late (or never, if the client gives up). */
export function slowHeaders(delayMs: number, then: RouteHandler): RouteHandler {
  return (req, res) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        res.off('close', onClose);
        Promise.resolve(then(req, res)).then(resolve, reject);
      }, delayMs);
      const onClose = (): void => {
        clearTimeout(timer);
        resolve();
      };
      res.once('close', onClose);
    });
}

/**
 * Sends headers announcing the whole body (Content-Length), writes the first `sentBytes`
 * (default: half), then goes silent without ending: a body that stalls mid-way.
 */
export function stalledBody(body: string | Buffer, options: { contentType?: string; sentBytes?: number } = {}): RouteHandler {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const sent = options.sentBytes ?? Math.floor(bytes.length / 2);
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': options.contentType ?? 'application/rss+xml; charset=utf-8',
      'content-length': String(bytes.length),
    });
    res.write(bytes.subarray(0, sent));
  };
}

/** Like {@link stalledBody}, but then kills the connection: a body cut off by a network failure. */
export function droppedBody(body: string | Buffer, options: { contentType?: string; sentBytes?: number } = {}): RouteHandler {
  const stall = stalledBody(body, options);
  return async (req, res) => {
    await stall(req, res);
    // Let the partial body reach the client before the connection dies.
    setTimeout(() => res.destroy(), 20);
  };
}

/** Answers with a status (e.g. 500, 503, 429), an optional Retry-After (seconds or a date) and a short body. */
export function status(
  code: number,
  options: { retryAfter?: number | string | Date; body?: string; headers?: Record<string, string> } = {},
): RouteHandler {
  const retryAfter = options.retryAfter instanceof Date ? options.retryAfter.toUTCString() : options.retryAfter;
  return (_req, res) => {
    res.writeHead(code, {
      'content-type': 'text/plain; charset=utf-8',
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
      ...options.headers,
    });
    res.end(options.body ?? `status ${code}`);
  };
}

/** Redirects to `location` (a path or an absolute URL, sent as given). Two routes redirecting to each other make a loop. */
export function redirect(location: string, code: 301 | 302 | 303 | 307 | 308 = 301): RouteHandler {
  return (_req, res) => {
    res.writeHead(code, { location, 'content-type': 'text/plain' }).end(`moved to ${location}`);
  };
}

/**
 * Streams `totalBytes` of filler generated chunk by chunk, respecting backpressure, and stops as
 * soon as the client goes away — a 50 MB body costs the test no 50 MB of memory. Without
 * `declareLength` the body is chunked (no Content-Length), so only the client's own counting can stop it.
 */
export function hugeBody(options: {
  totalBytes: number;
  chunkBytes?: number;
  contentType?: string;
  declareLength?: boolean;
  fill?: string;
}): RouteHandler {
  const chunk = Buffer.alloc(options.chunkBytes ?? 64 * 1024, options.fill ?? 'x');
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': options.contentType ?? 'application/rss+xml; charset=utf-8',
      ...(options.declareLength ? { 'content-length': String(options.totalBytes) } : {}),
    });
    streamRepeated(res, chunk, options.totalBytes);
  };
}

/**
 * A gzip bomb: `decodedBytes` of zeros (default 100 GB) as concatenated gzip members of 1 MB each,
 * about 1 KB compressed apiece and streamed lazily. A client that inflates everything before
 * checking its size cap would run out of time or memory. The default's ~100 MB on the wire is far
 * more than loopback socket buffers hold, so a client that stops early leaves the response unfinished.
 */
export function gzipBomb(decodedBytes: number = 100 * 1024 ** 3): RouteHandler {
  const memberDecodedBytes = 1024 * 1024;
  const member = zlib.gzipSync(Buffer.alloc(memberDecodedBytes), { level: 9 });
  const members = Math.ceil(decodedBytes / memberDecodedBytes);
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'content-encoding': 'gzip' });
    streamRepeated(res, member, members * member.length);
  };
}

/** Writes `chunk` repeatedly (the last one cut to size) until `totalBytes`, pausing on backpressure. */
function streamRepeated(res: ServerResponse, chunk: Buffer, totalBytes: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < totalBytes) {
      if (res.destroyed) return;
      const size = Math.min(chunk.length, totalBytes - sent);
      sent += size;
      if (!res.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

// ---------------------------------------------------------------------------------------------
// Fixture builders
// ---------------------------------------------------------------------------------------------

export type FixtureEncoding = 'utf-8' | 'iso-8859-1';

export interface RssItemFixture {
  guid?: string;
  title?: string;
  link?: string;
  /** HTML allowed; it is escaped into the XML. */
  description?: string;
  pubDate?: string | Date;
  /** Full HTML content, written as `content:encoded`. */
  contentEncoded?: string;
  categories?: string[];
}

export interface RssFeedFixture {
  title: string;
  link?: string;
  description?: string;
  language?: string;
  items: RssItemFixture[];
}

/**
 * An RSS 2.0 document. With `encoding: 'iso-8859-1'` the bytes are Latin-1 with a matching prolog
 * (characters outside Latin-1 become numeric character references), like golem.de serves.
 */
export function rssFeed(feed: RssFeedFixture, options: { encoding?: FixtureEncoding } = {}): Buffer {
  const encoding = options.encoding ?? 'utf-8';
  const items = feed.items.map((item) =>
    [
      '    <item>',
      element('title', item.title, 6),
      element('link', item.link, 6),
      element('guid', item.guid, 6),
      element('pubDate', item.pubDate instanceof Date ? item.pubDate.toUTCString() : item.pubDate, 6),
      element('description', item.description, 6),
      element('content:encoded', item.contentEncoded, 6),
      ...(item.categories ?? []).map((category) => element('category', category, 6)),
      '    </item>',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  );
  const xml = [
    `<?xml version="1.0" encoding="${encoding.toUpperCase()}"?>`,
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    '  <channel>',
    element('title', feed.title, 4),
    element('link', feed.link, 4),
    element('description', feed.description, 4),
    element('language', feed.language, 4),
    ...items,
    '  </channel>',
    '</rss>',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return encodeXml(xml, encoding);
}

export interface AtomEntryFixture {
  id?: string;
  title?: string;
  link?: string;
  updated?: string | Date;
  published?: string | Date;
  summary?: string;
  /** HTML content, written as `<content type="html">`. */
  content?: string;
  author?: string;
  categories?: string[];
}

export interface AtomFeedFixture {
  title: string;
  id?: string;
  link?: string;
  updated?: string | Date;
  entries: AtomEntryFixture[];
}

/** An Atom 1.0 document (UTF-8 unless asked otherwise). */
export function atomFeed(feed: AtomFeedFixture, options: { encoding?: FixtureEncoding } = {}): Buffer {
  const encoding = options.encoding ?? 'utf-8';
  const entries = feed.entries.map((entry) =>
    [
      '  <entry>',
      element('id', entry.id, 4),
      element('title', entry.title, 4),
      entry.link === undefined ? '' : `    <link rel="alternate" href="${escapeXml(entry.link)}"/>`,
      element('updated', isoDate(entry.updated), 4),
      element('published', isoDate(entry.published), 4),
      entry.author === undefined ? '' : `    <author><name>${escapeXml(entry.author)}</name></author>`,
      ...(entry.categories ?? []).map((category) => `    <category term="${escapeXml(category)}"/>`),
      element('summary', entry.summary, 4),
      entry.content === undefined ? '' : `    <content type="html">${escapeXml(entry.content)}</content>`,
      '  </entry>',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  );
  const xml = [
    `<?xml version="1.0" encoding="${encoding.toUpperCase()}"?>`,
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    element('title', feed.title, 2),
    element('id', feed.id ?? 'urn:example:feed', 2),
    feed.link === undefined ? '' : `  <link rel="alternate" href="${escapeXml(feed.link)}"/>`,
    element('updated', isoDate(feed.updated ?? new Date(0)), 2),
    ...entries,
    '</feed>',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return encodeXml(xml, encoding);
}

/**
 * A small article page. `charset` goes into a `<meta charset>` and decides the byte encoding;
 * pass `metaCharset: false` to leave the declaration out (the bytes are still encoded).
 */
export function htmlPage(page: {
  title: string;
  paragraphs: string[];
  charset?: FixtureEncoding;
  metaCharset?: boolean;
  lang?: string;
}): Buffer {
  const charset = page.charset ?? 'utf-8';
  const html = [
    '<!doctype html>',
    `<html lang="${escapeXml(page.lang ?? 'de')}">`,
    '<head>',
    page.metaCharset === false ? '' : `<meta charset="${charset}">`,
    `<title>${escapeXml(page.title)}</title>`,
    '</head>',
    '<body>',
    '<nav><a href="/">Start</a> | <a href="/datenschutz">Datenschutz</a></nav>',
    '<article>',
    `<h1>${escapeXml(page.title)}</h1>`,
    ...page.paragraphs.map((paragraph) => `<p>${escapeXml(paragraph)}</p>`),
    '</article>',
    '<footer>Impressum</footer>',
    '</body>',
    '</html>',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return encodeXml(html, charset);
}

/** The first `keepBytes` of a body: truncated XML or HTML, as left by a broken upload or proxy. */
export function truncate(body: Buffer, keepBytes: number): Buffer {
  return body.subarray(0, Math.max(0, Math.min(keepBytes, body.length)));
}

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function element(name: string, text: string | undefined, indent: number): string {
  return text === undefined ? '' : `${' '.repeat(indent)}<${name}>${escapeXml(text)}</${name}>`;
}

function isoDate(value: string | Date | undefined): string | undefined {
  return value instanceof Date ? value.toISOString() : value;
}

/** Encodes markup; for Latin-1, characters it cannot hold become numeric character references. */
function encodeXml(markup: string, encoding: FixtureEncoding): Buffer {
  if (encoding === 'utf-8') return Buffer.from(markup, 'utf8');
  const latin1Safe = markup.replace(/[^\u0000-\u00ff]/gu, (char) => `&#x${(char.codePointAt(0) ?? 0x3f).toString(16)};`);
  return Buffer.from(latin1Safe, 'latin1');
}
