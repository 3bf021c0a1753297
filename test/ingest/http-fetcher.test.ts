import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createHttpFetcher,
  DEFAULT_FETCHER_OPTIONS,
  FetchError,
  parseMaxAge,
  parseRetryAfter,
} from '../../src/ingest/http-fetcher.ts';
import type { FetcherOptions, FetchErrorKind, FetchResult, HttpFetcher } from '../../src/ingest/http-fetcher.ts';
import type { Resolver } from '../../src/ingest/address-guard.ts';
import {
  droppedBody,
  gzipBomb,
  htmlPage,
  hugeBody,
  redirect,
  rssFeed,
  serve,
  slowHeaders,
  stalledBody,
  startFeedServer,
  status,
} from '../stand-ins/feed-server.ts';
import type { FeedServer } from '../stand-ins/feed-server.ts';

const USER_AGENT = 'privacy-radar-test/0.1 (+https://example.org/contact)';
const MB = 1024 * 1024;
const FEED = rssFeed({
  title: 'Testfeed',
  link: 'https://example.org/',
  items: [{ guid: 'a-1', title: 'Neue Datenschutzverstöße gemeldet', link: 'https://example.org/a-1', description: '<p>Kurz & knapp</p>' }],
});

let server: FeedServer;
const fetchers: HttpFetcher[] = [];

/**
 * A fetcher with test-sized limits; closed after each test. It may reach loopback (where the test
 * server is) unless the test says otherwise.
 */
function makeFetcher(overrides: Partial<FetcherOptions> = {}): HttpFetcher {
  const fetcher = createHttpFetcher({
    ...DEFAULT_FETCHER_OPTIONS,
    userAgent: USER_AGENT,
    headersTimeoutMs: 5_000,
    bodyTimeoutMs: 5_000,
    allowPrivateAddresses: true,
    ...overrides,
  });
  fetchers.push(fetcher);
  return fetcher;
}

/** The FetchError a fetch rejected with (fails the test if it resolved or threw something else). */
async function fetchError(promise: Promise<FetchResult>): Promise<FetchError> {
  const error: unknown = await promise.then(
    (result) => new Error(`expected a FetchError, got ${result.kind}`),
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

function expectFetched(result: FetchResult): Extract<FetchResult, { kind: 'fetched' }> {
  if (result.kind !== 'fetched') throw new Error(`expected a fetched result, got ${result.kind}`);
  return result;
}

beforeAll(async () => {
  server = await startFeedServer();
});

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((fetcher) => fetcher.close()));
});

afterAll(async () => {
  await server.close();
});

describe('createHttpFetcher', () => {
  describe('successful fetches', () => {
    it('returns the decoded body with metadata and sends our identification headers', async () => {
      server.route('/plain.xml', serve(FEED, { headers: { 'cache-control': 'public, max-age=600' } }));
      const result = expectFetched(await makeFetcher().fetchText(server.url('/plain.xml')));
      expect(result).toMatchObject({
        status: 200,
        url: server.url('/plain.xml'),
        contentType: 'application/rss+xml; charset=utf-8',
        charset: 'utf-8',
        bytes: FEED.length,
        maxAgeSeconds: 600,
      });
      expect(result.body).toContain('Neue Datenschutzverstöße gemeldet');

      const [request] = server.requestsTo('/plain.xml');
      expect(request?.headers['user-agent']).toBe(USER_AGENT);
      expect(request?.headers['accept-encoding']).toBe('gzip, deflate, br');
      expect(request?.headers.accept).toContain('application/rss+xml');
      expect(request?.headers['if-none-match']).toBeUndefined();
    });

    it('sends a caller-chosen Accept header', async () => {
      server.route('/page.html', serve(htmlPage({ title: 'Artikel', paragraphs: ['Text'] }), { contentType: 'text/html' }));
      const result = expectFetched(await makeFetcher().fetchText(server.url('/page.html'), { accept: 'text/html' }));
      expect(result.body).toContain('<h1>Artikel</h1>');
      expect(server.requestsTo('/page.html').at(-1)?.headers.accept).toBe('text/html');
    });

    it.each(['gzip', 'deflate', 'deflate-raw', 'br'] as const)('decompresses %s', async (encoding) => {
      server.route(`/compressed-${encoding}`, serve(FEED, { encoding }));
      const result = expectFetched(await makeFetcher().fetchText(server.url(`/compressed-${encoding}`)));
      expect(result.body).toBe(FEED.toString('utf8'));
      expect(result.bytes).toBe(FEED.length);
    });

    it('accepts an empty body labelled as gzip', async () => {
      server.route('/empty-gzip', (_req, res) => {
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': '0' }).end();
      });
      const result = expectFetched(await makeFetcher().fetchText(server.url('/empty-gzip')));
      expect(result).toMatchObject({ body: '', bytes: 0 });
    });

    it('rejects an unsupported content encoding as a network error', async () => {
      server.route('/zstd', serve(FEED, { headers: { 'content-encoding': 'zstd' } }));
      const error = await fetchError(makeFetcher().fetchText(server.url('/zstd')));
      expect(error.kind).toBe('network');
      expect(error.message).toContain('zstd');
    });

    it('decodes an ISO-8859-1 feed declared only in the XML prolog', async () => {
      const latin1Feed = rssFeed({ title: 'Golem-artig', items: [{ title: 'Datenschutzverstöße über Grenzen' }] }, { encoding: 'iso-8859-1' });
      server.route('/latin1.xml', serve(latin1Feed, { contentType: 'application/rss+xml' }));
      const result = expectFetched(await makeFetcher().fetchText(server.url('/latin1.xml')));
      expect(result.body).toContain('<title>Datenschutzverstöße über Grenzen</title>');
      expect(result.charset).toBe('windows-1252');
    });

    it('reports no-cache as max-age 0', async () => {
      server.route('/no-cache', serve(FEED, { headers: { 'cache-control': 'no-cache, max-age=300' } }));
      expect(await makeFetcher().fetchText(server.url('/no-cache'))).toMatchObject({ maxAgeSeconds: 0 });
    });
  });

  describe('conditional GET', () => {
    it('round-trips an ETag into a 304', async () => {
      server.route('/etag.xml', serve(FEED, { etag: '"v1"' }));
      const fetcher = makeFetcher();
      const first = expectFetched(await fetcher.fetchText(server.url('/etag.xml')));
      expect(first.etag).toBe('"v1"');

      const second = await fetcher.fetchText(server.url('/etag.xml'), { conditional: { etag: first.etag } });
      expect(second).toEqual({ kind: 'not-modified', status: 304, url: server.url('/etag.xml'), etag: '"v1"' });
      expect(server.requestsTo('/etag.xml').at(-1)?.headers['if-none-match']).toBe('"v1"');
    });

    it('round-trips Last-Modified into a 304', async () => {
      const lastModified = 'Tue, 04 Mar 2025 10:00:00 GMT';
      server.route('/lm.xml', serve(FEED, { lastModified, headers: { 'cache-control': 'max-age=120' } }));
      const fetcher = makeFetcher();
      const first = expectFetched(await fetcher.fetchText(server.url('/lm.xml')));
      expect(first.lastModified).toBe(lastModified);

      const second = await fetcher.fetchText(server.url('/lm.xml'), { conditional: { lastModified: first.lastModified } });
      expect(second).toMatchObject({ kind: 'not-modified', status: 304, lastModified, maxAgeSeconds: 120 });
      expect(server.requestsTo('/lm.xml').at(-1)?.headers['if-modified-since']).toBe(lastModified);
    });

    it('fetches in full when the validator no longer matches', async () => {
      server.route('/changed.xml', serve(FEED, { etag: '"v2"' }));
      const result = await makeFetcher().fetchText(server.url('/changed.xml'), { conditional: { etag: '"v1"' } });
      expect(result).toMatchObject({ kind: 'fetched', etag: '"v2"' });
    });
  });

  describe('HTTP errors', () => {
    it('maps 500 to kind http with the status', async () => {
      server.route('/500', status(500));
      const error = await fetchError(makeFetcher().fetchText(server.url('/500')));
      expect(error).toMatchObject({ kind: 'http', status: 500, url: server.url('/500'), retryAfterSeconds: undefined });
      expect(error.message).toBe(`HTTP 500 from ${server.url('/500')}`);
    });

    it('parses Retry-After seconds on 503', async () => {
      server.route('/503', status(503, { retryAfter: 120 }));
      const error = await fetchError(makeFetcher().fetchText(server.url('/503')));
      expect(error).toMatchObject({ kind: 'http', status: 503, retryAfterSeconds: 120 });
    });

    it('parses a Retry-After HTTP date on 429', async () => {
      server.route('/429', status(429, { retryAfter: new Date(Date.now() + 90_000) }));
      const error = await fetchError(makeFetcher().fetchText(server.url('/429')));
      expect(error.status).toBe(429);
      // The HTTP date has one-second resolution and a little time passes in between.
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(85);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(90);
    });

    it('reports 404 for an unknown path', async () => {
      const error = await fetchError(makeFetcher().fetchText(server.url('/nowhere')));
      expect(error).toMatchObject({ kind: 'http', status: 404 });
    });
  });

  describe('redirects', () => {
    it('follows a 301 and reports the final URL', async () => {
      server.route('/moved', redirect('/plain-target.xml'));
      server.route('/plain-target.xml', serve(FEED));
      const result = expectFetched(await makeFetcher().fetchText(server.url('/moved')));
      expect(result.url).toBe(server.url('/plain-target.xml'));
      expect(result.body).toContain('Testfeed');
    });

    it('resolves a relative Location against the current URL', async () => {
      server.route('/dir/old', redirect('new.xml', 308));
      server.route('/dir/new.xml', serve(FEED));
      expect(await makeFetcher().fetchText(server.url('/dir/old'))).toMatchObject({ kind: 'fetched', url: server.url('/dir/new.xml') });
    });

    it('detects a redirect loop', async () => {
      server.route('/loop-a', redirect('/loop-b', 302));
      server.route('/loop-b', redirect('/loop-a', 302));
      const error = await fetchError(makeFetcher().fetchText(server.url('/loop-a')));
      expect(error.kind).toBe('redirects');
      expect(error.message).toContain('loop');
    });

    it('follows exactly maxRedirects hops but not one more', async () => {
      for (let hop = 0; hop < 6; hop++) server.route(`/chain-${hop}`, redirect(`/chain-${hop + 1}`));
      server.route('/chain-6', serve(FEED));
      const fetcher = makeFetcher({ maxRedirects: 5 });

      expect(await fetcher.fetchText(server.url('/chain-1'))).toMatchObject({ kind: 'fetched', url: server.url('/chain-6') });
      const error = await fetchError(fetcher.fetchText(server.url('/chain-0')));
      expect(error.kind).toBe('redirects');
      expect(server.requestsTo('/chain-6')).toHaveLength(1);
    });

    it('refuses a redirect to a non-http scheme', async () => {
      server.route('/to-file', redirect('file:///etc/passwd'));
      expect((await fetchError(makeFetcher().fetchText(server.url('/to-file')))).kind).toBe('bad-url');
    });
  });

  describe('bad input URLs', () => {
    it.each(['not a url', 'ftp://example.org/feed.xml', ''])('rejects %j as bad-url', async (url) => {
      expect((await fetchError(makeFetcher().fetchText(url))).kind).toBe('bad-url');
    });
  });

  describe('timeouts', () => {
    it('times out waiting for headers', async () => {
      // The server would answer after a minute: if the timeout failed, the test would time out.
      server.route('/slow-headers', slowHeaders(60_000, serve(FEED)));
      const error = await fetchError(makeFetcher({ headersTimeoutMs: 200 }).fetchText(server.url('/slow-headers')));
      expect(error.kind).toBe('timeout');
      expect(error.message).toBe('timed out waiting for headers after 0.2 s');
    });

    it('times out when the body stalls mid-way', async () => {
      server.route('/stalled', stalledBody(FEED));
      const error = await fetchError(makeFetcher({ bodyTimeoutMs: 300 }).fetchText(server.url('/stalled')));
      expect(error.kind).toBe('timeout');
      expect(error.message).toContain('body');
    });

    it('maps a connection dropped mid-body to network', async () => {
      server.route('/dropped', droppedBody(FEED));
      expect((await fetchError(makeFetcher().fetchText(server.url('/dropped')))).kind).toBe('network');
    });
  });

  describe('size cap', () => {
    it('aborts a 50 MB body at a 5 MB cap and closes the connection', async () => {
      server.route('/huge', hugeBody({ totalBytes: 50 * MB }));
      const error = await fetchError(makeFetcher({ maxBytes: 5 * MB }).fetchText(server.url('/huge')));
      expect(error.kind).toBe('too-large');
      const outcome = await server.requestsTo('/huge').at(-1)?.outcome;
      expect(outcome?.finished).toBe(false);
      expect(outcome?.socketBytesWritten).toBeLessThan(25 * MB);
    });

    it('fails at once when Content-Length exceeds the cap', async () => {
      server.route('/huge-declared', hugeBody({ totalBytes: 50 * MB, declareLength: true }));
      const error = await fetchError(makeFetcher({ maxBytes: 5 * MB }).fetchText(server.url('/huge-declared')));
      expect(error.kind).toBe('too-large');
      expect((await server.requestsTo('/huge-declared').at(-1)?.outcome)?.finished).toBe(false);
    });

    it('stops a gzip bomb at the cap instead of inflating 100 GB', async () => {
      server.route('/bomb.gz', gzipBomb());
      const error = await fetchError(makeFetcher({ maxBytes: 5 * MB }).fetchText(server.url('/bomb.gz')));
      expect(error.kind).toBe('too-large');
      expect((await server.requestsTo('/bomb.gz').at(-1)?.outcome)?.finished).toBe(false);
    });

    it.each(['deflate', 'br'] as const)('stops a %s bomb at the cap', async (encoding) => {
      server.route(`/bomb-${encoding}`, serve(Buffer.alloc(32 * MB), { encoding }));
      const error = await fetchError(makeFetcher({ maxBytes: 1 * MB }).fetchText(server.url(`/bomb-${encoding}`)));
      expect(error.kind).toBe('too-large');
    });

    it('caps a feed at feedMaxBytes and an article page at maxBytes', async () => {
      server.route('/three-mb', hugeBody({ totalBytes: 3 * MB }));
      const fetcher = makeFetcher({ maxBytes: 5 * MB, feedMaxBytes: 2 * MB });
      const error = await fetchError(fetcher.fetchText(server.url('/three-mb')));
      expect(error.kind).toBe('too-large');
      expect(error.message).toContain('2 MB');
      expect(await fetcher.fetchText(server.url('/three-mb'), { expect: 'page' })).toMatchObject({ kind: 'fetched', bytes: 3 * MB });
      // A page is asked for as HTML, a feed as a feed.
      const [asFeed, asPage] = server.requestsTo('/three-mb').map((request) => request.headers.accept);
      expect(asFeed).toContain('application/rss+xml');
      expect(asPage?.startsWith('text/html')).toBe(true);
    });

    it('accepts a body exactly at the cap', async () => {
      server.route('/exact', hugeBody({ totalBytes: 64 * 1024, chunkBytes: 1000 }));
      expect(await makeFetcher({ maxBytes: 64 * 1024 }).fetchText(server.url('/exact'))).toMatchObject({ kind: 'fetched', bytes: 64 * 1024 });
    });
  });

  describe('server-side request forgery guard', () => {
    /** Stands in for DNS: these names never reach a real resolver. */
    const NAMES: Record<string, string> = {
      'feed.test': '127.0.0.1',
      'intranet.test': '10.0.0.5',
      'metadata.test': '169.254.169.254',
    };
    const resolve: Resolver = async (hostname) => {
      const address = NAMES[hostname];
      if (address === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return [{ address, family: net.isIP(address) }];
    };
    /** The default: guarded. A short connect timeout, so a broken guard fails fast instead of waiting on a private address. */
    const guarded = (): HttpFetcher => makeFetcher({ allowPrivateAddresses: false, resolve, headersTimeoutMs: 1_000 });

    /** The requests the server received during the current test (the server is shared by the whole file). */
    let earlierRequests = 0;
    const requestsDuringTest = () => server.requests.slice(earlierRequests);

    beforeEach(() => {
      server.route('/ssrf', serve(FEED));
      earlierRequests = server.requests.length;
    });

    it('is on by default', async () => {
      const error = await fetchError(makeFetcher({ allowPrivateAddresses: undefined }).fetchText(server.url('/ssrf')));
      expect(error.kind).toBe('forbidden-address');
      expect(requestsDuringTest()).toHaveLength(0);
    });

    it.each([
      ['a loopback IP', (port: number) => `http://127.0.0.1:${port}/ssrf`, '127.0.0.1 is a loopback address'],
      ['a decimal IPv4 spelling', (port: number) => `http://2130706433:${port}/ssrf`, '127.0.0.1 is a loopback address'],
      ['an octal IPv4 spelling', (port: number) => `http://0177.0.0.1:${port}/ssrf`, '127.0.0.1 is a loopback address'],
      ['a short hex IPv4 spelling', (port: number) => `http://0x7f.1:${port}/ssrf`, '127.0.0.1 is a loopback address'],
      ['an IPv4-mapped IPv6 address', (port: number) => `http://[::ffff:127.0.0.1]:${port}/ssrf`, '::ffff:7f00:1 is a loopback address'],
      ['the IPv6 loopback', (port: number) => `http://[::1]:${port}/ssrf`, '::1 is a loopback address'],
      ['the unspecified address', (port: number) => `http://0:${port}/ssrf`, '0.0.0.0 is an unspecified address'],
      ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address'],
    ])('refuses %s before connecting, saying why', async (_label, urlFor, why) => {
      const url = urlFor(server.port);
      const error = await fetchError(guarded().fetchText(url));
      expect(error.kind).toBe('forbidden-address');
      expect(error.message).toBe(`refusing to fetch ${new URL(url).href}: ${why}`);
      expect(requestsDuringTest()).toHaveLength(0);
    });

    it('refuses a host name that resolves to a private address, on the address it would connect to', async () => {
      const error = await fetchError(guarded().fetchText(`http://intranet.test:${server.port}/ssrf`));
      expect(error.kind).toBe('forbidden-address');
      expect(error.message).toBe(`refusing to fetch http://intranet.test:${server.port}/ssrf: it resolves to 10.0.0.5, a private address`);
    });

    it('refuses a host name that resolves to loopback, which would otherwise reach the test server', async () => {
      const error = await fetchError(guarded().fetchText(`http://feed.test:${server.port}/ssrf`));
      expect(error).toMatchObject({ kind: 'forbidden-address', url: `http://feed.test:${server.port}/ssrf` });
      expect(requestsDuringTest()).toHaveLength(0);
    });

    it('checks localhost with the system resolver too', async () => {
      const error = await fetchError(makeFetcher({ allowPrivateAddresses: false }).fetchText(`http://localhost:${server.port}/ssrf`));
      expect(error.kind).toBe('forbidden-address');
      expect(error.message).toMatch(/: it resolves to (127\.0\.0\.1|::1), a loopback address$/);
      expect(requestsDuringTest()).toHaveLength(0);
    });

    it('lets loopback through when private addresses are allowed, by IP and by name', async () => {
      const fetcher = makeFetcher({ allowPrivateAddresses: true, resolve });
      expect(await fetcher.fetchText(server.url('/ssrf'))).toMatchObject({ kind: 'fetched', status: 200 });
      expect(await fetcher.fetchText(`http://feed.test:${server.port}/ssrf`)).toMatchObject({ kind: 'fetched', status: 200 });
      expect(requestsDuringTest().map((request) => request.headers.host)).toEqual([`127.0.0.1:${server.port}`, `feed.test:${server.port}`]);
    });

    // With private addresses refused, no first hop can reach the loopback test server, so the per-hop checks are
    // shown with the one class that stays refused when private addresses are allowed: cloud metadata.
    it('checks every redirect target: an allowed first hop may not redirect to a metadata address', async () => {
      server.route('/to-metadata', redirect('http://169.254.169.254/latest/meta-data/iam/', 302));
      const error = await fetchError(makeFetcher({ allowPrivateAddresses: true, resolve }).fetchText(server.url('/to-metadata')));
      expect(error).toMatchObject({ kind: 'forbidden-address', url: 'http://169.254.169.254/latest/meta-data/iam/' });
      expect(error.message).toBe('refusing to fetch http://169.254.169.254/latest/meta-data/iam/: 169.254.169.254 is a cloud metadata address');
      expect(requestsDuringTest()).toHaveLength(1);
    });

    it('checks every redirect target: nor to a name that resolves to one', async () => {
      server.route('/to-metadata-name', redirect('http://metadata.test/latest/meta-data/', 307));
      const error = await fetchError(makeFetcher({ allowPrivateAddresses: true, resolve, headersTimeoutMs: 1_000 }).fetchText(server.url('/to-metadata-name')));
      expect(error.kind).toBe('forbidden-address');
      expect(error.message).toBe('refusing to fetch http://metadata.test/latest/meta-data/: it resolves to 169.254.169.254, a cloud metadata address');
      expect(requestsDuringTest()).toHaveLength(1);
    });

    it('connects to the very address it checked: a name that changes its answer (DNS rebinding) gains nothing', async () => {
      // First answer loopback (allowed here), every later one the metadata address.
      const answers: string[] = [];
      const rebinding: Resolver = async () => {
        const address = answers.length === 0 ? '127.0.0.1' : '169.254.169.254';
        answers.push(address);
        return [{ address, family: 4 }];
      };
      const first = makeFetcher({ allowPrivateAddresses: true, resolve: rebinding, headersTimeoutMs: 1_000 });
      expect(await first.fetchText(`http://rebind.test:${server.port}/ssrf`)).toMatchObject({ kind: 'fetched' });
      expect(answers).toEqual(['127.0.0.1']);
      const second = makeFetcher({ allowPrivateAddresses: true, resolve: rebinding, headersTimeoutMs: 1_000 });
      expect((await fetchError(second.fetchText(`http://rebind.test:${server.port}/ssrf`))).kind).toBe('forbidden-address');
      expect(answers).toEqual(['127.0.0.1', '169.254.169.254']);
    });
  });

  describe('connection errors', () => {
    it('maps a refused connection to refused', async () => {
      const port = await closedPort();
      const error = await fetchError(makeFetcher().fetchText(`http://127.0.0.1:${port}/feed.xml`));
      expect(error.kind).toBe('refused');
    });

    it('maps an unresolvable host to dns', async () => {
      // The .invalid TLD never resolves; without any resolver the lookup may fail differently.
      const error = await fetchError(makeFetcher().fetchText('http://nonexistent.invalid/feed.xml'));
      expect(['dns', 'network']).toContain<FetchErrorKind>(error.kind);
    });
  });

  describe('concurrency', () => {
    let busyServer: FeedServer;
    beforeAll(async () => {
      busyServer = await startFeedServer();
    });
    afterAll(async () => {
      await busyServer.close();
    });

    it('keeps at most maxConcurrency requests in flight', async () => {
      busyServer.route('/overall', slowHeaders(100, serve(FEED)));
      const fetcher = makeFetcher({ maxConcurrency: 3, perHostConcurrency: 10 });
      const results = await Promise.all(Array.from({ length: 10 }, (_, n) => fetcher.fetchText(busyServer.url(`/overall?n=${n}`))));
      expect(results.every((result) => result.kind === 'fetched')).toBe(true);
      expect(busyServer.requestsTo('/overall')).toHaveLength(10);
      expect(busyServer.maxInFlight).toBe(3);
    });

    it('keeps at most perHostConcurrency requests in flight to one host', async () => {
      const hostServer = await startFeedServer();
      try {
        hostServer.route('/per-host', slowHeaders(100, serve(FEED)));
        const fetcher = makeFetcher({ maxConcurrency: 8, perHostConcurrency: 2 });
        await Promise.all(Array.from({ length: 6 }, () => fetcher.fetchText(hostServer.url('/per-host'))));
        expect(hostServer.maxInFlight).toBe(2);
      } finally {
        await hostServer.close();
      }
    });

    it('lets a caller abort a request that is still queued', async () => {
      busyServer.route('/queued', slowHeaders(300, serve(FEED)));
      const fetcher = makeFetcher({ maxConcurrency: 1 });
      const first = fetcher.fetchText(busyServer.url('/queued?first'));
      const controller = new AbortController();
      const second = fetcher.fetchText(busyServer.url('/queued?second'), { signal: controller.signal });
      controller.abort();
      const error = await fetchError(second);
      expect(error.kind).toBe('network');
      expect(error.message).toContain('cancelled');
      await expect(first).resolves.toMatchObject({ kind: 'fetched' });
      expect(busyServer.requests.some((request) => request.path === '/queued?second')).toBe(false);
    });

    it('reports an AbortSignal.timeout from the caller as timeout', async () => {
      busyServer.route('/caller-timeout', slowHeaders(60_000, serve(FEED)));
      const error = await fetchError(makeFetcher().fetchText(busyServer.url('/caller-timeout'), { signal: AbortSignal.timeout(100) }));
      expect(error.kind).toBe('timeout');
    });
  });

  it('closes idempotently and fails later fetches with a FetchError', async () => {
    server.route('/after-close', serve(FEED));
    const fetcher = makeFetcher();
    await fetcher.fetchText(server.url('/after-close'));
    await fetcher.close();
    await fetcher.close();
    expect((await fetchError(fetcher.fetchText(server.url('/after-close')))).kind).toBe('network');
  });

  it('abort() ends an in-flight request at once instead of waiting for its time-out', async () => {
    server.route('/never-answers', slowHeaders(60_000, serve(FEED)));
    const fetcher = makeFetcher({ headersTimeoutMs: 60_000 });
    const pending = fetchError(fetcher.fetchText(server.url('/never-answers')));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await fetcher.abort();
    const error = await pending;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.kind).toBe('network');
  });
});

describe('parseMaxAge', () => {
  it.each([
    [undefined, undefined],
    ['public', undefined],
    ['max-age=60', 60],
    ['s-maxage=600, max-age=60', 60],
    ['s-maxage=600', undefined],
    ['MAX-AGE="30"', 30],
    ['no-store', 0],
    ['max-age=60, no-cache', 0],
    ['max-age=-5', undefined],
    ['max-age=abc', undefined],
  ])('%j → %j', (header, expected) => {
    expect(parseMaxAge(header)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-04T10:00:00Z');
  it.each([
    ['120', 120],
    [' 0 ', 0],
    ['Tue, 04 Mar 2025 10:02:00 GMT', 120],
    ['Tue, 04 Mar 2025 09:00:00 GMT', 0],
    ['soon', undefined],
    ['-3', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

/** A port on 127.0.0.1 that nothing listens on (briefly bound, then released). */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
