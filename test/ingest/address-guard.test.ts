import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  classifyAddress,
  createGuardedLookup,
  describeRefusal,
  ForbiddenAddressError,
  refusalReason,
} from '../../src/ingest/address-guard.ts';
import type { Resolver } from '../../src/ingest/address-guard.ts';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.215.14', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2a00:1450:4001:82b::200e', 'public'],
    ['2606:4700::1111', 'public'],
  ])('lets the public address %s through', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fec0::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['2001::1', 'reserved'], // Teredo
    ['100::1', 'reserved'], // discard-only, outside global unicast
    ['::7f00:1', 'reserved'], // deprecated IPv4-compatible form
  ])('refuses %s as %s', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it.each(['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', '168.63.129.16', 'fd00:ec2::254'])(
    'names the cloud metadata address %s as such (not merely link-local or private)',
    (address) => {
      expect(classifyAddress(address)).toBe('metadata');
    },
  );

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:808:808::1', 'public'],
  ])('judges %s (IPv4-mapped, NAT64 or 6to4) by its embedded IPv4 address: %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each(['localhost', '', '127.1', '2130706433', '::ffff:999.0.0.1', '1.2.3.4.5'])('calls %j invalid: not an IP address', (text) => {
    expect(classifyAddress(text)).toBe('invalid');
  });
});

describe('refusalReason', () => {
  it('refuses every non-public address by default', () => {
    expect(refusalReason('127.0.0.1', { allowPrivate: false })).toBe('loopback');
    expect(refusalReason('8.8.8.8', { allowPrivate: false })).toBeUndefined();
  });

  it('lets private addresses through when allowed, but never cloud metadata', () => {
    const policy = { allowPrivate: true };
    for (const address of ['127.0.0.1', '::1', '10.0.0.5', 'fd12::1', '100.64.0.1', '169.254.1.1']) {
      expect(refusalReason(address, policy)).toBeUndefined();
    }
    expect(refusalReason('169.254.169.254', policy)).toBe('metadata');
    expect(refusalReason('::ffff:169.254.169.254', policy)).toBe('metadata');
    expect(refusalReason('fd00:ec2::254', policy)).toBe('metadata');
    expect(refusalReason('not-an-address', policy)).toBe('invalid');
  });

  it('describes each reason as a noun phrase', () => {
    expect(describeRefusal('private')).toBe('a private address');
    expect(describeRefusal('metadata')).toBe('a cloud metadata address');
    expect(describeRefusal('carrier-grade NAT')).toBe('a carrier-grade NAT address');
  });
});

/** A resolver answering from a fixed table (no real DNS), recording what it was asked. */
function tableResolver(table: Record<string, string[]>): Resolver & { calls: Array<{ hostname: string; family: number; hints: number }> } {
  const calls: Array<{ hostname: string; family: number; hints: number }> = [];
  const resolve = async (hostname: string, options: { family: 0 | 4 | 6; hints: number }): Promise<LookupAddress[]> => {
    calls.push({ hostname, ...options });
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: net.isIP(address) }));
  };
  return Object.assign(resolve, { calls });
}

type LookupOutcome = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function lookupWith(lookup: net.LookupFunction, hostname: string, options: Parameters<net.LookupFunction>[1]): Promise<LookupOutcome> {
  return new Promise((resolve) => lookup(hostname, options, (error, address, family) => resolve({ error, address, family })));
}

describe('createGuardedLookup', () => {
  const resolver = tableResolver({
    'news.test': ['93.184.215.14', '2606:4700::1111'],
    'intranet.test': ['10.0.0.5'],
    'mixed.test': ['93.184.215.14', '127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    'empty.test': [],
  });

  afterEach(() => {
    resolver.calls.length = 0;
  });

  it('hands on every address for `all` lookups (what Happy Eyeballs asks for) and the first otherwise', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: resolver });
    expect(await lookupWith(lookup, 'news.test', { all: true })).toEqual({
      error: null,
      address: [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:4700::1111', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookupWith(lookup, 'news.test', {})).toEqual({ error: null, address: '93.184.215.14', family: 4 });
  });

  it('passes the family and hints net.connect asks for on to the resolver', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: resolver });
    await lookupWith(lookup, 'news.test', { family: 6, hints: 32, all: true });
    await lookupWith(lookup, 'news.test', { family: 'IPv4' });
    expect(resolver.calls).toEqual([
      { hostname: 'news.test', family: 6, hints: 32 },
      { hostname: 'news.test', family: 4, hints: 0 },
    ]);
  });

  it('refuses a name that resolves to a private address, saying which and why', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: resolver });
    const { error } = await lookupWith(lookup, 'intranet.test', { all: true });
    expect(error).toBeInstanceOf(ForbiddenAddressError);
    expect(error).toMatchObject({ code: 'ERR_FORBIDDEN_ADDRESS', hostname: 'intranet.test', address: '10.0.0.5', reason: 'private' });
    expect(error?.message).toBe('intranet.test resolves to 10.0.0.5, a private address');
  });

  it('refuses a name if ANY of its addresses is refused, even when another is public', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: resolver });
    for (const all of [true, false]) {
      const { error } = await lookupWith(lookup, 'mixed.test', { all });
      expect(error).toMatchObject({ address: '127.0.0.1', reason: 'loopback' });
    }
  });

  it('lets private addresses through when allowed, but still refuses cloud metadata', async () => {
    const lookup = createGuardedLookup({ allowPrivate: true, resolve: resolver });
    expect(await lookupWith(lookup, 'intranet.test', {})).toEqual({ error: null, address: '10.0.0.5', family: 4 });
    expect((await lookupWith(lookup, 'metadata.test', {})).error).toMatchObject({ reason: 'metadata' });
  });

  it('passes resolver failures on unchanged, and treats an empty answer as not found', async () => {
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: resolver });
    expect((await lookupWith(lookup, 'unknown.test', {})).error).toMatchObject({ code: 'ENOTFOUND' });
    expect((await lookupWith(lookup, 'empty.test', { all: true })).error).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('uses the system resolver by default: localhost is refused as loopback', async () => {
    const { error } = await lookupWith(createGuardedLookup({ allowPrivate: false }), 'localhost', { all: true });
    expect(error).toMatchObject({ hostname: 'localhost', reason: 'loopback' });
  });

  it('is what net.connect uses: a refused name is never connected to', async () => {
    let accepted = 0;
    const server = net.createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const loopbackResolver = tableResolver({ 'feed.test': ['127.0.0.1'] });
      const connect = (allowPrivate: boolean): Promise<Error | undefined> =>
        new Promise((resolve) => {
          const socket = net.connect({ host: 'feed.test', port, lookup: createGuardedLookup({ allowPrivate, resolve: loopbackResolver }) });
          socket.once('connect', () => {
            socket.destroy();
            resolve(undefined);
          });
          socket.once('error', resolve);
        });
      expect(await connect(false)).toBeInstanceOf(ForbiddenAddressError);
      // The allowed connection comes second, so once the server has seen it, it would have seen a refused one too.
      const seen = once(server, 'connection');
      expect(await connect(true)).toBeUndefined();
      await seen;
      expect(accepted).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
