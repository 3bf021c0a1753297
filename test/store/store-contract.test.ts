import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FeedState } from '../../src/model/health.ts';
import type { Article } from '../../src/model/item.ts';
import { articleKey } from '../../src/store/article-repo.ts';
import { storageKey } from '../../src/store/collection.ts';
import { openStore, parseStoreUrl, StoreConfigError } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/open-store.ts';
import { seenItemKey } from '../../src/store/seen-item-repo.ts';
import { randomPrefix, storeBackends } from '../support/store-backends.ts';

/**
 * One contract, every backend. SQLite always runs (a temp file); Redis and
 * PostgreSQL run when REDIS_URL / DATABASE_URL point at servers (`bash .ci/services.sh`
 * starts both). Each run writes under random key prefixes, so parallel test files
 * and earlier runs sharing the same servers never meet, and purges them afterwards.
 */

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-store-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const backends = storeBackends(path.join(sqliteDir, 'contract.sqlite'));

const feedState = (etag: string): FeedState => ({
  etag,
  lastModified: 'Wed, 01 May 2024 10:00:00 GMT',
  initialised: true,
  health: { consecutiveFailures: 2, lastError: 'Zeitüberschreitung', lastErrorKind: 'timeout', lastStatus: 503 },
});

const article = (url: string, title: string): Article => {
  const item = { id: `guid-${title}`, feedId: 'netzpolitik', url };
  return {
    ...item,
    key: articleKey(item),
    title,
    published: '2024-05-01T10:00:00.000Z',
    publishedFromFeed: true,
    language: 'de',
    text: 'Erster Absatz über Überwachung.\n\nZweiter Absatz.',
    categories: ['Datenschutz', 'Überwachung'],
    contentHash: 'c0ffee',
    firstSeen: '2024-05-01T10:05:00.000Z',
    textSource: 'feed',
    status: 'pending',
    announce: true,
  };
};

/** Strings that break naive storage: encodings, direction marks, control characters. */
const trickyStrings = {
  umlauts: 'Datenschutzbehörde prüft Übermittlung großer Datenmengen – „Äußerst bedenklich“',
  rtl: 'left \u200F\u202Eright-to-left override\u202C \u05E9\u05DC\u05D5\u05DD \u0645\u0631\u062D\u0628\u0627',
  emoji: '🔒🕵️‍♀️ 📡',
  control: 'nul\u0000bell\u0007tab\tcr\r\nend',
  loneSurrogate: 'broken \uD800 pair \uDC00',
  colonLeading: ':base64:QUJD',
  jsonish: '{"value":1}\\"',
  long: 'Ä'.repeat(50_000) + 'x'.repeat(50_000), // ~100 KB of text
} satisfies Record<string, string>;

for (const backend of backends) {
  // Skipped, not dropped, when its URL is missing: the title then names the
  // variable, so a run without Redis/PostgreSQL shows what it did not test.
  describe.skipIf(backend.url === undefined)(`store contract: ${backend.title}`, () => {
    const url = backend.url ?? '';
    const prefix = randomPrefix();
    const otherPrefix = randomPrefix();
    let store: Store;

    beforeAll(async () => {
      store = await openStore(url, { prefix });
    });

    afterAll(async () => {
      await store?.close();
      await backend.purge(url, [prefix, otherPrefix]);
    });

    it('reports its kind', () => {
      expect(store.kind).toBe(backend.kind);
    });

    it('round-trips feed state and overwrites it', async () => {
      expect(await store.feedState.get('golem')).toBeUndefined();
      await store.feedState.set('golem', feedState('"v1"'));
      expect(await store.feedState.get('golem')).toEqual(feedState('"v1"'));
      await store.feedState.set('golem', { initialised: false, health: { consecutiveFailures: 0 } });
      expect(await store.feedState.get('golem')).toEqual({ initialised: false, health: { consecutiveFailures: 0 } });
    });

    it('remembers seen items per feed, in getMany order, with misses', async () => {
      const hostileId = `https://example.org/a?b=${'x'.repeat(5000)}&c=ü\u0000\n#frag`;
      const seen = (n: number) => ({ hash: `h${n}`, firstSeen: `2024-05-0${n}T00:00:00.000Z`, articleKey: `u:${n}` });
      await store.seenItems.set('heise', 'id-1', seen(1));
      await store.seenItems.set('heise', hostileId, seen(2));
      await store.seenItems.set('golem', 'id-1', seen(3));

      expect(await store.seenItems.get('heise', 'id-1')).toEqual(seen(1));
      expect(await store.seenItems.get('heise', hostileId)).toEqual(seen(2));
      expect(await store.seenItems.get('golem', 'id-1')).toEqual(seen(3));
      expect(await store.seenItems.get('golem', hostileId)).toBeUndefined();
      expect(await store.seenItems.getMany('heise', ['missing', hostileId, 'id-1', 'missing-too', 'id-1'])).toEqual([
        undefined,
        seen(2),
        seen(1),
        undefined,
        seen(1),
      ]);
      expect(await store.seenItems.getMany('heise', [])).toEqual([]);
    });

    it('stores articles under their key', async () => {
      const a = article('https://netzpolitik.org/2024/beispiel/', 'Beispiel');
      const b = article('', 'Ohne Link');
      await store.articles.put(a);
      await store.articles.put(b);
      expect(await store.articles.get(a.key)).toEqual(a);
      expect(await store.articles.get(b.key)).toEqual(b);
      expect(await store.articles.get(articleKey({ url: 'https://other.example/', feedId: 'x', id: 'y' }))).toBeUndefined();

      const updated: Article = {
        ...a,
        text: 'Neuer Text.',
        textSource: 'page',
        updated: '2024-05-02T00:00:00.000Z',
        status: 'done',
      };
      await store.articles.put(updated);
      expect(await store.articles.get(a.key)).toEqual(updated);
    });

    it('supports get, set, has and delete on a collection', async () => {
      const things = store.collection<{ n: number }>('things');
      expect(await things.has('k')).toBe(false);
      expect(await things.delete('k')).toBe(false);
      await things.set('k', { n: 1 });
      expect(await things.has('k')).toBe(true);
      expect(await things.get('k')).toEqual({ n: 1 });
      await things.set('k', { n: 2 });
      expect(await things.get('k')).toEqual({ n: 2 });
      expect(await things.delete('k')).toBe(true);
      expect(await things.has('k')).toBe(false);
      expect(await things.get('k')).toBeUndefined();
      expect(await things.delete('k')).toBe(false);
    });

    it('sets many entries at once, overwriting existing ones', async () => {
      const batch = store.collection<{ n: number }>('batch');
      await batch.set('k1', { n: 0 });
      await batch.setMany([]);
      await batch.setMany(Array.from({ length: 300 }, (_, i): [string, { n: number }] => [`k${i}`, { n: i }]));
      const values = await batch.getMany(['k0', 'k1', 'k299', 'k300']);
      expect(values).toEqual([{ n: 0 }, { n: 1 }, { n: 299 }, undefined]);
    });

    it('keeps scalar and falsy values apart from misses', async () => {
      const values = store.collection<unknown>('scalars');
      const cases: [string, unknown][] = [['zero', 0], ['false', false], ['empty', ''], ['list', [1, 'zwei', null]]];
      for (const [key, value] of cases) {
        await values.set(key, value);
      }
      expect(await values.getMany(cases.map(([key]) => key))).toEqual(cases.map(([, value]) => value));
      expect(await values.has('zero')).toBe(true);
    });

    it('answers getMany for more keys than one backend round trip takes', async () => {
      const many = store.collection<number>('many');
      const keys = Array.from({ length: 600 }, (_, i) => `k${i}`);
      await Promise.all(keys.filter((_, i) => i % 3 === 0).map((key) => many.set(key, Number(key.slice(1)))));
      const results = await many.getMany(keys);
      expect(results).toHaveLength(600);
      results.forEach((value, i) => expect(value).toBe(i % 3 === 0 ? i : undefined));
    });

    it('returns every value exactly as written (unicode, RTL, control characters, 100 KB)', async () => {
      const texts = store.collection<{ text: string }>('texts');
      for (const [name, text] of Object.entries(trickyStrings)) {
        await texts.set(name, { text });
      }
      for (const [name, text] of Object.entries(trickyStrings)) {
        expect((await texts.get(name))?.text, name).toBe(text);
      }
      const a = { ...article('https://example.org/lang', 'x'), title: trickyStrings.rtl, text: trickyStrings.long };
      await store.articles.put(a);
      expect(await store.articles.get(a.key)).toEqual(a);
    });

    it('keeps odd keys distinct', async () => {
      const odd = store.collection<string>('odd-keys');
      const keys = [
        '',
        ' ',
        'a/b',
        'a:b',
        'prefix:odd-keys/x',
        'ümlaut',
        'ü'.normalize('NFD'),
        '\u0000',
        '\u200F',
        '%_*?[',
        "'; DROP TABLE keyv; --",
        'x'.repeat(128),
        'x'.repeat(129),
        'k'.repeat(20_000),
        `#${sha256Hex('ümlaut')}`,
      ];
      for (const [i, key] of keys.entries()) {
        await odd.set(key, `value ${i}`);
      }
      expect(await odd.getMany(keys)).toEqual(keys.map((_, i) => `value ${i}`));
      expect(await odd.delete('a/b')).toBe(true);
      expect(await odd.has('a/b')).toBe(false);
      expect(await odd.has('a:b')).toBe(true);
    });

    it('separates collections by namespace', async () => {
      const one = store.collection<string>('one');
      const two = store.collection<string>('two');
      await one.set('same-key', 'eins');
      await two.set('same-key', 'zwei');
      expect(await one.get('same-key')).toBe('eins');
      expect(await two.get('same-key')).toBe('zwei');
    });

    it('rejects namespaces that would make keys ambiguous', () => {
      for (const namespace of ['', 'a/b', 'a:b', 'x'.repeat(49), 'ü']) {
        expect(() => store.collection(namespace), namespace).toThrow(/namespace/);
      }
    });

    it('separates stores with different prefixes', async () => {
      const other = await openStore(url, { prefix: otherPrefix });
      try {
        await store.feedState.set('shared-feed', feedState('"mine"'));
        await other.feedState.set('shared-feed', feedState('"theirs"'));
        await store.collection<string>('prefixed').set('only-mine', 'x');
        expect((await store.feedState.get('shared-feed'))?.etag).toBe('"mine"');
        expect((await other.feedState.get('shared-feed'))?.etag).toBe('"theirs"');
        expect(await other.collection<string>('prefixed').has('only-mine')).toBe(false);
      } finally {
        await other.close();
      }
    });

    // SQLite is a file in this process: there is no connection that could drop.
    it.skipIf(backend.kind === 'sqlite')('reports a dropped connection to onError and recovers', async () => {
      const proxy = await tcpProxy(url);
      const errors: unknown[] = [];
      const viaProxy = await openStore(proxy.url, { prefix, onError: (error) => errors.push(error) });
      try {
        const drops = viaProxy.collection<string>('drops');
        await drops.set('before', 'vorher');
        proxy.dropConnections();
        await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
        await vi.waitFor(async () => expect(await drops.get('before')).toBe('vorher'), { timeout: 10_000, interval: 200 });
      } finally {
        await viaProxy.close();
        await proxy.close();
      }
    });

    it('waits for an in-flight write on close, refuses work afterwards, and keeps data on reopen', async () => {
      const first = await openStore(url, { prefix });
      await first.feedState.set('persisted', feedState('"kept"'));
      const pendingWrite = first.collection<string>('flight').set('late', trickyStrings.long);
      const closing = first.close();
      await Promise.all([pendingWrite, closing]);

      await expect(first.feedState.get('persisted')).rejects.toThrow(/closed/);
      await expect(first.collection('flight').set('after-close', 'x')).rejects.toThrow(/closed/);
      await first.close(); // idempotent

      const reopened = await openStore(url, { prefix });
      try {
        expect(await reopened.collection<string>('flight').get('late')).toBe(trickyStrings.long);
        expect(await reopened.feedState.get('persisted')).toEqual(feedState('"kept"'));
        expect(await reopened.collection('flight').has('after-close')).toBe(false);
      } finally {
        await reopened.close();
      }
    });
  });
}

describe('store keys', () => {
  it('derives article keys from the URL, else from feed id and item id', () => {
    const url = 'https://www.heise.de/news/Beispiel-123.html';
    expect(articleKey({ url, feedId: 'heise', id: 'a' })).toBe(`u:${sha256Hex(url).slice(0, 32)}`);
    expect(articleKey({ url, feedId: 'golem', id: 'b' })).toBe(articleKey({ url, feedId: 'heise', id: 'a' }));
    expect(articleKey({ url: '', feedId: 'heise', id: 'a' })).toBe(`i:${sha256Hex('heise\na').slice(0, 32)}`);
    expect(articleKey({ url: '', feedId: 'golem', id: 'a' })).not.toBe(articleKey({ url: '', feedId: 'heise', id: 'a' }));
  });

  it('hashes item ids into short seen-item keys', () => {
    const key = seenItemKey('heise', `https://example.org/${'ä'.repeat(10_000)}`);
    expect(key).toMatch(/^heise:[0-9a-f]{32}$/);
    expect(seenItemKey('heise', 'a')).not.toBe(seenItemKey('heise', 'b'));
  });

  it('keeps plain keys readable and hashes the rest without collisions', () => {
    expect(storageKey('p:ns', 'golem')).toBe('p:ns/golem');
    expect(storageKey('p:ns', 'ä')).toBe(`p:ns/#${sha256Hex('ä')}`);
    expect(storageKey('p:ns', `#${sha256Hex('ä')}`)).not.toBe(storageKey('p:ns', 'ä'));
    expect(storageKey('p:ns', 'x'.repeat(500)).length).toBeLessThan(100);
  });
});

describe('openStore configuration', () => {
  it('rejects unsupported or malformed URLs with StoreConfigError naming the accepted forms', async () => {
    for (const url of ['', 'data/store.sqlite', 'mysql://user:hunter2@db/x', 'sqlite://', 'redis://', 'postgres://:5432/x', 'http://example.org']) {
      const error = await openStore(url).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, url).toBeInstanceOf(StoreConfigError);
      expect((error as Error).message, url).toMatch(/sqlite:\/\/.*redis:\/\/.*postgres:\/\//);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('rejects prefixes that would make keys ambiguous', async () => {
    for (const prefix of ['a:b', 'a/b', ' ', 'x'.repeat(49)]) {
      await expect(openStore('sqlite://:memory:', { prefix }), prefix).rejects.toBeInstanceOf(StoreConfigError);
    }
  });

  it('resolves SQLite paths relative to the working directory', () => {
    expect(parseStoreUrl('sqlite://data/privacy-radar.sqlite', '/srv/bot')).toEqual({
      kind: 'sqlite',
      file: '/srv/bot/data/privacy-radar.sqlite',
    });
    expect(parseStoreUrl('sqlite:///var/lib/radar.sqlite', '/srv/bot')).toEqual({ kind: 'sqlite', file: '/var/lib/radar.sqlite' });
    expect(parseStoreUrl('sqlite://:memory:')).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(parseStoreUrl('REDIS://127.0.0.1:6379').kind).toBe('redis');
    expect(parseStoreUrl('rediss://cache.example:6380').kind).toBe('redis');
    expect(parseStoreUrl('postgresql://u:p@db.example/radar').kind).toBe('postgres');
  });

  it('creates the SQLite file and its directory, in WAL mode', async () => {
    const file = path.join(sqliteDir, 'nested', 'deeper', 'radar.sqlite');
    const store = await openStore(`sqlite://${file}`);
    try {
      await store.feedState.set('golem', feedState('"x"'));
      expect(existsSync(file)).toBe(true);
      expect(existsSync(`${file}-wal`)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('works in memory', async () => {
    const store = await openStore('sqlite://:memory:');
    try {
      await store.collection<number>('c').set('k', 42);
      expect(await store.collection<number>('c').get('k')).toBe(42);
    } finally {
      await store.close();
    }
  });

  it('reports a SQLite file that cannot be created', async () => {
    const blocker = path.join(sqliteDir, 'not-a-directory');
    await (await openStore(`sqlite://${blocker}`)).close(); // a file where a directory is expected
    await expect(openStore(`sqlite://${blocker}/radar.sqlite`)).rejects.toThrow(/Could not open the sqlite store/);
  });

  // These fail fast by design; the vitest timeout only guards against a hang.
  it('rejects when Redis is not reachable', async () => {
    const port = await closedPort();
    await expect(openStore(`redis://127.0.0.1:${port}`)).rejects.toThrow(/Could not open the redis store at redis:\/\/127\.0\.0\.1/);
  }, 10_000);

  it('rejects when PostgreSQL is not reachable, without echoing the password', async () => {
    const port = await closedPort();
    const error = await openStore(`postgres://radar:hunter2@127.0.0.1:${port}/radar`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Could not open the postgres store/);
    expect((error as Error).message).not.toContain('hunter2');
  }, 10_000);

  it('gives up on servers that accept connections but never answer', async () => {
    const silent = await silentServer();
    try {
      await expect(openStore(`redis://127.0.0.1:${silent.port}`, { connectTimeoutMs: 300 })).rejects.toThrow(/redis store/);
      await expect(openStore(`postgres://u:p@127.0.0.1:${silent.port}/db`, { connectTimeoutMs: 300 })).rejects.toThrow(
        /postgres store/,
      );
    } finally {
      await silent.close();
    }
  }, 10_000);
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A loopback TCP proxy to the server in `url`, whose connections the test can cut. */
async function tcpProxy(url: string): Promise<{ url: string; dropConnections(): void; close(): Promise<void> }> {
  const target = new URL(url);
  const targetPort = Number(target.port || (target.protocol.startsWith('redis') ? 6379 : 5432));
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, target.hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const dropConnections = (): void => {
    for (const socket of sockets) {
      socket.destroy();
    }
  };
  return {
    url: proxied.toString(),
    dropConnections,
    close: async () => {
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
