import { isIPv4, isIPv6 } from 'node:net';
import { describe } from '@weft/reactor';

/**
 * Which proxies to believe about the client's address:
 * - `false` (default): the socket's peer address, X-Forwarded-For ignored;
 * - `true`: the left-most X-Forwarded-For address (every hop trusted: only behind a proxy that overwrites it);
 * - a number n: trust the n hops nearest to this server;
 * - addresses or CIDR ranges (`'10.0.0.0/8'`, `'::1'`), or `'loopback'`, `'linklocal'`, `'uniquelocal'`;
 * - a function `(address, hop) => boolean`, hop 0 being the socket's peer.
 */
export type TrustProxy = boolean | number | string | readonly string[] | ((address: string, hop: number) => boolean);

/** The part of a request `clientIp` reads: Node's `IncomingMessage`, Express's and Koa's requests have it. */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string | undefined } | undefined;
}

/** Options of {@link clientIp}. */
export interface ClientIpOptions {
  /** Which proxies to believe; `false` by default. */
  trustProxy?: TrustProxy | undefined;
}

/** An address as 16 bytes (IPv4 as IPv4-mapped IPv6), or undefined if it is not an IP address. */
function parseIp(input: string): Uint8Array | undefined {
  let text = input;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  if (isIPv4(text)) {
    const bytes = new Uint8Array(16);
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    const parts = text.split('.');
    for (let i = 0; i < 4; i++) bytes[12 + i] = Number(parts[i]);
    return bytes;
  }
  if (!isIPv6(text)) return undefined;
  const groups: number[] = [];
  let tail = text;
  let embedded: number[] = [];
  if (tail.includes('.')) {
    // A trailing dotted quad (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is the last two groups.
    const lastColon = tail.lastIndexOf(':');
    const v4 = tail
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    embedded = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    tail = tail.slice(0, lastColon + 1);
    if (!tail.endsWith('::')) tail = tail.slice(0, -1);
  }
  const [head, rest] = tail.includes('::') ? tail.split('::') : [tail, undefined];
  const headGroups = head ? head.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const restGroups = rest ? rest.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const explicit = headGroups.length + restGroups.length + embedded.length;
  groups.push(...headGroups);
  if (rest !== undefined) for (let i = explicit; i < 8; i++) groups.push(0);
  groups.push(...restGroups, ...embedded);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[i * 2] = (groups[i]! >> 8) & 0xff;
    bytes[i * 2 + 1] = groups[i]! & 0xff;
  }
  return bytes;
}

function isMappedV4(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function formatV6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!);
  // RFC 5952: compress the longest run (at least two) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function formatIp(bytes: Uint8Array): string {
  return isMappedV4(bytes) ? `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}` : formatV6(bytes);
}

/** The canonical text of an address (IPv4-mapped IPv6 as plain IPv4, IPv6 compressed), or undefined. */
export function normalizeIp(address: string): string | undefined {
  const bytes = parseIp(address);
  return bytes === undefined ? undefined : formatIp(bytes);
}

/** Options of {@link ipKey}. */
export interface IpKeyOptions {
  /** The IPv6 prefix length a key covers; 64 by default (one host's usual allocation). 128 keeps whole addresses. */
  ipv6Subnet?: number | undefined;
}

/**
 * A rate-limit key for a client address: IPv4 as it is, IPv6 masked to its /64 (by default), since one host
 * usually holds a whole /64 and could otherwise dodge the limit by rotating addresses.
 *
 * @example
 * ```ts
 * ipKey('2001:db8:1:2:a:b:c:d'); // '2001:db8:1:2::/64'
 * ipKey('::ffff:203.0.113.7'); // '203.0.113.7'
 * ```
 */
export function ipKey(address: string, options: IpKeyOptions = {}): string {
  const { ipv6Subnet = 64 } = options;
  if (typeof ipv6Subnet !== 'number' || !Number.isInteger(ipv6Subnet) || ipv6Subnet < 1 || ipv6Subnet > 128) {
    throw new RangeError(`ipv6Subnet: expected an integer from 1 to 128, got ${describe(ipv6Subnet)}`);
  }
  const bytes = typeof address === 'string' ? parseIp(address) : undefined;
  if (bytes === undefined) throw new TypeError(`address: expected an IPv4 or IPv6 address, got ${describe(address)}`);
  if (isMappedV4(bytes)) return formatIp(bytes);
  if (ipv6Subnet === 128) return formatV6(bytes);
  maskBytes(bytes, ipv6Subnet);
  return `${formatV6(bytes)}/${ipv6Subnet}`;
}

function maskBytes(bytes: Uint8Array, prefix: number): void {
  for (let i = 0; i < 16; i++) {
    const keep = Math.min(8, Math.max(0, prefix - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
}

interface Range {
  bytes: Uint8Array;
  prefix: number;
}

const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

function parseRange(text: string, name: string): Range[] {
  const named = NAMED_RANGES[text];
  if (named !== undefined) return named.flatMap((r) => parseRange(r, name));
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseIp(address);
  if (bytes === undefined) {
    throw new TypeError(`${name}: expected an IP address, a CIDR range or a named range, got ${describe(text)}`);
  }
  const v4 = isIPv4(address);
  const max = v4 ? 32 : 128;
  const bits = slash === -1 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > max || (slash !== -1 && !/^\d+$/.test(text.slice(slash + 1)))) {
    throw new RangeError(`${name}: expected a prefix length from 0 to ${max}, got ${describe(text)}`);
  }
  const prefix = v4 ? bits + 96 : bits;
  maskBytes(bytes, prefix);
  return [{ bytes, prefix }];
}

function inRange(bytes: Uint8Array, range: Range): boolean {
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== range.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full]! & mask) === range.bytes[full];
}

type Trust = (address: string, hop: number) => boolean;
const compiled = new WeakMap<object, Trust>();
const compiledStrings = new Map<string, Trust>();

/** Turns a {@link TrustProxy} setting into a predicate, validating it (cached per setting). */
export function compileTrust(trustProxy: TrustProxy | undefined): Trust {
  if (trustProxy === undefined || trustProxy === false) return () => false;
  if (trustProxy === true) return () => true;
  if (typeof trustProxy === 'function') return trustProxy;
  if (typeof trustProxy === 'number') {
    if (!Number.isInteger(trustProxy) || trustProxy < 0) {
      throw new RangeError(`trustProxy: expected a non-negative integer number of hops, got ${describe(trustProxy)}`);
    }
    return (_address, hop) => hop < trustProxy;
  }
  if (typeof trustProxy === 'string') {
    let trust = compiledStrings.get(trustProxy);
    if (trust === undefined) {
      trust = compileList(
        trustProxy.split(',').map((s) => s.trim()),
        'trustProxy',
      );
      if (compiledStrings.size < 100) compiledStrings.set(trustProxy, trust);
    }
    return trust;
  }
  if (Array.isArray(trustProxy)) {
    let trust = compiled.get(trustProxy);
    if (trust === undefined) {
      trust = compileList(trustProxy, 'trustProxy', true);
      compiled.set(trustProxy, trust);
    }
    return trust;
  }
  throw new TypeError(
    `trustProxy: expected a boolean, a hop count, addresses/CIDR ranges or a function, got ${describe(trustProxy)}`,
  );
}

function compileList(list: readonly unknown[], name: string, indexed = false): Trust {
  const ranges = list.flatMap((entry, i) => {
    const label = indexed ? `${name}[${i}]` : name;
    if (typeof entry !== 'string') throw new TypeError(`${label}: expected a string, got ${describe(entry)}`);
    return parseRange(entry, label);
  });
  return (address) => {
    const bytes = parseIp(address);
    return bytes !== undefined && ranges.some((range) => inRange(bytes, range));
  };
}

/**
 * The client's IP address: the socket's peer, or, through trusted proxies, the nearest untrusted address in
 * X-Forwarded-For (walking from this server outwards, as Express's `trust proxy` does). IPv4-mapped IPv6
 * addresses come back as plain IPv4. Undefined if the request carries no usable address.
 *
 * @example
 * ```ts
 * const ip = clientIp(req, { trustProxy: 'loopback' }); // behind a proxy on the same machine
 * const result = await limiter.consume(ipKey(ip ?? 'unknown'));
 * ```
 */
export function clientIp(req: RequestLike, options: ClientIpOptions = {}): string | undefined {
  const trust = compileTrust(options.trustProxy);
  const peer = req.socket?.remoteAddress;
  if (peer === undefined) return undefined;
  let address = normalizeIp(peer) ?? peer;
  if (!trust(address, 0)) return address;
  const header = req.headers['x-forwarded-for'];
  if (header === undefined) return address;
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
  for (let i = hops.length - 1, hop = 1; i >= 0; i--, hop++) {
    const next = normalizeIp(hops[i]!.trim());
    // A hop that is not an address ends what can be believed: the proxy that reported it is the client.
    if (next === undefined) return address;
    address = next;
    if (!trust(address, hop)) return address;
  }
  return address;
}
