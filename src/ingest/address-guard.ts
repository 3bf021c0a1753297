/**
 * Server-side request forgery guard: decides which IP addresses the bot may connect to.
 *
 * Feeds and the article links inside them are chosen by strangers, so without this a feed could make the bot
 * fetch (and then summarise into a chat) pages from the operator's own network or a cloud metadata service.
 * Only public unicast addresses pass. The check runs on the address actually connected to — the fetcher's
 * connections resolve host names through {@link createGuardedLookup} — so a name that resolves to a public
 * address when checked and to a private one when connected (DNS rebinding) has no gap to slip through.
 *
 * Addresses that embed an IPv4 address are judged by that IPv4 address: IPv4-mapped (`::ffff:a.b.c.d`),
 * NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`), since a connection to them reaches (or is
 * translated to) the embedded IPv4 host. Everything outside IPv6 global unicast (2000::/3) is refused.
 */
import dns from 'node:dns';
import net from 'node:net';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

/** Why an address is refused: one word or phrase, used in messages and by tests. */
export type AddressRefusalReason =
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'carrier-grade NAT'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'unique-local'
  | 'documentation'
  | 'reserved'
  | 'invalid';

/** `public` or the reason the address is refused. */
export type AddressClass = 'public' | AddressRefusalReason;

export interface AddressPolicy {
  /**
   * Lets private, loopback and all other non-public addresses through, for self-hosters whose feeds live on
   * their own network (and for tests on loopback). Cloud metadata addresses stay refused even then: nobody
   * subscribes to a feed there, and a link to one is an attempt to read the host's cloud credentials.
   */
  allowPrivate: boolean;
}

type Rule = readonly [reason: AddressRefusalReason, network: string, prefix: number];

/** IPv4 rules, first match wins (so the single metadata and broadcast addresses come before their ranges). */
const IPV4_RULES: readonly Rule[] = [
  ['metadata', '169.254.169.254', 32], // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  ['metadata', '169.254.170.2', 32], // AWS ECS task metadata
  ['metadata', '100.100.100.200', 32], // Alibaba Cloud
  ['metadata', '192.0.0.192', 32], // Oracle Cloud (legacy)
  ['metadata', '168.63.129.16', 32], // Azure WireServer (a public-range address)
  ['broadcast', '255.255.255.255', 32],
  ['unspecified', '0.0.0.0', 8], // "this network"; connecting to 0.0.0.0 reaches the local host on Linux
  ['loopback', '127.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['carrier-grade NAT', '100.64.0.0', 10],
  ['link-local', '169.254.0.0', 16],
  ['multicast', '224.0.0.0', 4],
  ['documentation', '192.0.2.0', 24],
  ['documentation', '198.51.100.0', 24],
  ['documentation', '203.0.113.0', 24],
  ['reserved', '192.0.0.0', 24], // IETF protocol assignments
  ['reserved', '192.88.99.0', 24], // former 6to4 relay anycast
  ['reserved', '198.18.0.0', 15], // benchmarking
  ['reserved', '240.0.0.0', 4], // future use
];

/** IPv6 rules after the embedded-IPv4 prefixes are handled; anything outside 2000::/3 is refused afterwards. */
const IPV6_RULES: readonly Rule[] = [
  ['metadata', 'fd00:ec2::254', 128], // AWS (IPv6 instance metadata)
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['private', 'fec0::', 10], // deprecated site-local, the old IPv6 counterpart of 10.0.0.0/8
  ['multicast', 'ff00::', 8],
  ['documentation', '2001:db8::', 32],
  ['documentation', '3fff::', 20],
  ['reserved', '2001::', 23], // IETF protocol assignments, Teredo among them
];

const GLOBAL_UNICAST_V6 = blockListOf([['reserved', '2000::', 3]], 'ipv6');

/** Rules grouped into one BlockList per reason, in the order the reasons first appear. */
const IPV4_LISTS = groupRules(IPV4_RULES, 'ipv4');
const IPV6_LISTS = groupRules(IPV6_RULES, 'ipv6');

/** Classifies an IP address (v4 or v6, with or without an IPv6 zone); anything that is not one is `invalid`. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/%.*$/, '');
  switch (net.isIP(bare)) {
    case 4:
      return classifyWith(IPV4_LISTS, bare, 'ipv4');
    case 6: {
      const embedded = embeddedIpv4(bare);
      if (embedded !== undefined) return classifyWith(IPV4_LISTS, embedded, 'ipv4');
      const reason = classifyWith(IPV6_LISTS, bare, 'ipv6');
      if (reason !== 'public') return reason;
      return GLOBAL_UNICAST_V6.check(bare, 'ipv6') ? 'public' : 'reserved';
    }
    default:
      return 'invalid';
  }
}

/** Why `address` may not be connected to under `policy`, or undefined when it may. */
export function refusalReason(address: string, policy: AddressPolicy): AddressRefusalReason | undefined {
  const verdict = classifyAddress(address);
  if (verdict === 'public') return undefined;
  if (policy.allowPrivate && verdict !== 'metadata' && verdict !== 'invalid') return undefined;
  return verdict;
}

const DESCRIPTIONS: Record<AddressRefusalReason, string> = {
  metadata: 'a cloud metadata address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  'carrier-grade NAT': 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  unspecified: 'an unspecified address',
  'unique-local': 'an IPv6 unique-local address',
  documentation: 'an address reserved for documentation',
  reserved: 'a reserved address',
  invalid: 'not an IP address',
};

/** The reason as a noun phrase for messages: `a private address`, `a cloud metadata address`, … */
export function describeRefusal(reason: AddressRefusalReason): string {
  return DESCRIPTIONS[reason];
}

/** A host name resolved to an address the policy refuses; the connection was never attempted. */
export class ForbiddenAddressError extends Error {
  override readonly name = 'ForbiddenAddressError';
  readonly code = 'ERR_FORBIDDEN_ADDRESS';
  readonly hostname: string;
  /** The first refused address among those the name resolved to. */
  readonly address: string;
  readonly reason: AddressRefusalReason;

  constructor(hostname: string, address: string, reason: AddressRefusalReason) {
    super(`${hostname} resolves to ${address}, ${describeRefusal(reason)}`);
    this.hostname = hostname;
    this.address = address;
    this.reason = reason;
  }
}

/** Resolves a host name to all its addresses, like `dns.promises.lookup(name, { all: true, ...options })`. */
export type Resolver = (hostname: string, options: { family: 0 | 4 | 6; hints: number }) => Promise<LookupAddress[]>;

/** The operating system's resolver (getaddrinfo, honouring /etc/hosts), as `net.connect` uses by default. */
export const systemResolver: Resolver = (hostname, options) => dns.promises.lookup(hostname, { ...options, all: true });

/**
 * A `lookup` for `net.connect` / `tls.connect` (undici's `connect` option) that resolves the name and fails
 * with a {@link ForbiddenAddressError} if ANY of its addresses is refused. Refusing on any (rather than
 * connecting only to the acceptable ones) is the safer choice: a name that mixes public and private
 * addresses is either misconfigured or an attack, and Happy Eyeballs (`autoSelectFamily`, which asks for
 * `all` addresses) may try every address it is given.
 */
export function createGuardedLookup(policy: AddressPolicy & { resolve?: Resolver }): LookupFunction {
  const resolve = policy.resolve ?? systemResolver;
  const resolveChecked = async (hostname: string, options: dns.LookupOptions): Promise<LookupAddress[]> => {
    const addresses = await resolve(hostname, { family: lookupFamily(options.family), hints: options.hints ?? 0 });
    if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    for (const { address } of addresses) {
      const reason = refusalReason(address, policy);
      if (reason !== undefined) throw new ForbiddenAddressError(hostname, address, reason);
    }
    return addresses;
  };
  return (hostname, options, callback) => {
    resolveChecked(hostname, options).then(
      (addresses) => {
        const [first] = addresses as [LookupAddress, ...LookupAddress[]];
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), options.all ? [] : ''),
    );
  };
}

function lookupFamily(family: dns.LookupOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

function blockListOf(rules: readonly Rule[], family: 'ipv4' | 'ipv6'): net.BlockList {
  const list = new net.BlockList();
  for (const [, network, prefix] of rules) list.addSubnet(network, prefix, family);
  return list;
}

function groupRules(rules: readonly Rule[], family: 'ipv4' | 'ipv6'): ReadonlyArray<readonly [AddressRefusalReason, net.BlockList]> {
  const reasons = [...new Set(rules.map(([reason]) => reason))];
  return reasons.map((reason) => [reason, blockListOf(rules.filter(([r]) => r === reason), family)] as const);
}

function classifyWith(
  lists: ReadonlyArray<readonly [AddressRefusalReason, net.BlockList]>,
  address: string,
  family: 'ipv4' | 'ipv6',
): AddressClass {
  for (const [reason, list] of lists) if (list.check(address, family)) return reason;
  return 'public';
}

/** The IPv4 address inside an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const high = [g0, g1, g2, g3, g4];
  if (high.every((g) => g === 0) && g5 === 0xffff) return dottedQuad(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && [g2, g3, g4, g5].every((g) => g === 0)) return dottedQuad(g6, g7);
  if (g0 === 0x2002) return dottedQuad(g1, g2);
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 address (as checked by net.isIP), expanding `::` and a dotted tail. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const [head = '', tail] = text.split('::');
  if (tail === undefined) return parse(head);
  const before = parse(head);
  const after = parse(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

function dottedQuad(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
