import { BlockList, isIP } from 'node:net';
import { describe } from '@weft/reactor';

/**
 * Which proxies in front of the server are trusted to set `X-Forwarded-*`: `false` (none), `true` (all), a number of
 * hops, or addresses and CIDR ranges (also the names `'loopback'`, `'linklocal'`, `'private'`).
 */
export type TrustProxy = boolean | number | string | readonly string[];

/** Decides whether the `hop`-th address from the server (0 = the socket peer) is a trusted proxy. */
export type TrustProxyFn = (address: string, hop: number) => boolean;

const namedRanges: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const trustNone: TrustProxyFn = () => false;
const trustAll: TrustProxyFn = () => true;

/** Turns a {@link TrustProxy} setting into a predicate; throws a TypeError naming `trustProxy` on bad input. */
export function compileTrustProxy(setting: TrustProxy): TrustProxyFn {
  if (setting === false) return trustNone;
  if (setting === true) return trustAll;
  if (typeof setting === 'number') {
    if (!Number.isInteger(setting) || setting < 0) {
      throw new RangeError(`trustProxy: expected a hop count (integer >= 0), got ${setting}`);
    }
    return (_address, hop) => hop < setting;
  }
  const entries = typeof setting === 'string' ? setting.split(',').map((s) => s.trim()) : setting;
  if (!Array.isArray(entries)) {
    throw new TypeError(
      `trustProxy: expected a boolean, a hop count, or addresses/CIDR ranges, got ${describe(setting)}`,
    );
  }
  const list = new BlockList();
  for (const entry of entries) {
    for (const range of namedRanges[entry] ?? [entry]) addRange(list, range);
  }
  return (address) => {
    const normal = normalizeAddress(address);
    const family = isIP(normal);
    return family !== 0 && list.check(normal, family === 4 ? 'ipv4' : 'ipv6');
  };
}

function addRange(list: BlockList, range: unknown): void {
  if (typeof range !== 'string') {
    throw new TypeError(`trustProxy: expected address strings, got ${describe(range)}`);
  }
  const [address = '', bits] = range.split('/');
  const family = isIP(address);
  const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
  const max = family === 4 ? 32 : 128;
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new TypeError(
      `trustProxy: expected an IP address, a CIDR range or one of ${Object.keys(namedRanges).join(', ')}, got ${describe(range)}`,
    );
  }
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, so IPv4 rules apply to IPv4-mapped peers of a dual-stack socket. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The client address: the socket peer, or, when it is a trusted proxy, the first untrusted address of
 * `X-Forwarded-For` read from the right (the entries on its left could have been forged by the client).
 */
export function clientAddress(
  remoteAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustProxyFn,
): string {
  const peer = normalizeAddress(remoteAddress ?? '');
  if (trust === trustNone || forwardedFor === undefined || !trust(peer, 0)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let address = peer;
  for (let i = hops.length - 1, hop = 1; i >= 0; i--, hop++) {
    const candidate = normalizeAddress((hops[i] ?? '').trim());
    if (candidate === '') continue;
    address = candidate;
    if (!trust(candidate, hop)) return candidate;
  }
  return address;
}
