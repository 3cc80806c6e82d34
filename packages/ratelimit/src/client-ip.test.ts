import { describe, expect, it } from 'vitest';
import { clientIp, ipKey, normalizeIp } from './client-ip';

const req = (remoteAddress: string | undefined, forwarded?: string | string[]) => ({
  socket: { remoteAddress },
  headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
});

describe('ipKey', () => {
  it('keeps IPv4 as it is and turns IPv4-mapped IPv6 into IPv4', () => {
    expect(ipKey('203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
  });

  it('masks IPv6 to its /64 by default, so rotating addresses in one /64 share a key', () => {
    expect(ipKey('2001:db8:1:2:a:b:c:d')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:0DB8:0001:0002:ffff::1')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:db8:1:3::1')).not.toBe(ipKey('2001:db8:1:2::1'));
    expect(ipKey('fe80::1%eth0')).toBe('fe80::/64');
    expect(ipKey('::1')).toBe('::/64');
  });

  it('honours ipv6Subnet, 128 keeping the whole address', () => {
    expect(ipKey('2001:db8:1:2:a:b:c:d', { ipv6Subnet: 48 })).toBe('2001:db8:1::/48');
    expect(ipKey('2001:db8:1:2:a:b:c:d', { ipv6Subnet: 56 })).toBe('2001:db8:1::/56');
    expect(ipKey('2001:db8:1:2ff:a:b:c:d', { ipv6Subnet: 56 })).toBe('2001:db8:1:200::/56');
    expect(ipKey('2001:db8:0:0:1:0:0:1', { ipv6Subnet: 128 })).toBe('2001:db8::1:0:0:1');
  });

  it('rejects what is not an address, and a bad subnet, naming them', () => {
    expect(() => ipKey('not-an-ip')).toThrow(/address: expected an IPv4 or IPv6 address, got "not-an-ip"/);
    expect(() => ipKey('1.2.3.4', { ipv6Subnet: 0 })).toThrow(/ipv6Subnet: expected an integer from 1 to 128, got 0/);
  });

  it('normalizes embedded IPv4 forms', () => {
    expect(normalizeIp('64:ff9b::192.0.2.33')).toBe('64:ff9b::c000:221');
    expect(normalizeIp('::192.0.2.33')).toBe('::c000:221');
    expect(normalizeIp('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
    expect(normalizeIp('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(normalizeIp('x')).toBeUndefined();
  });
});

describe('clientIp', () => {
  it('ignores X-Forwarded-For unless a proxy is trusted', () => {
    expect(clientIp(req('10.0.0.2', '198.51.100.1'))).toBe('10.0.0.2');
    expect(clientIp(req('::ffff:10.0.0.2', '198.51.100.1'))).toBe('10.0.0.2');
    expect(clientIp(req(undefined))).toBeUndefined();
  });

  it('with trustProxy: true takes the left-most address', () => {
    expect(clientIp(req('10.0.0.2', '198.51.100.1, 10.0.0.9'), { trustProxy: true })).toBe('198.51.100.1');
    expect(clientIp(req('10.0.0.2'), { trustProxy: true })).toBe('10.0.0.2');
  });

  it('with a hop count trusts that many proxies nearest this server', () => {
    const r = req('10.0.0.2', '203.0.113.9, 198.51.100.1, 10.0.0.9');
    expect(clientIp(r, { trustProxy: 1 })).toBe('10.0.0.9');
    expect(clientIp(r, { trustProxy: 2 })).toBe('198.51.100.1');
    expect(clientIp(r, { trustProxy: 0 })).toBe('10.0.0.2');
  });

  it('with CIDR ranges skips trusted proxies and cannot be fooled by a forged left-most entry', () => {
    const r = req('10.0.0.2', ['1.1.1.1', '198.51.100.1, 10.0.0.9']);
    expect(clientIp(r, { trustProxy: ['10.0.0.0/8'] })).toBe('198.51.100.1');
    expect(clientIp(r, { trustProxy: 'uniquelocal' })).toBe('198.51.100.1');
    expect(clientIp(r, { trustProxy: 'loopback' })).toBe('10.0.0.2');
    expect(clientIp(req('::1', '2001:db8::5'), { trustProxy: 'loopback' })).toBe('2001:db8::5');
    expect(clientIp(req('fd00::1', '2001:db8::5'), { trustProxy: ['fc00::/7'] })).toBe('2001:db8::5');
  });

  it('stops at a hop that is not an address, believing the proxy that reported it', () => {
    expect(clientIp(req('10.0.0.2', '198.51.100.1, garbage'), { trustProxy: true })).toBe('10.0.0.2');
  });

  it('takes a predicate', () => {
    const r = req('10.0.0.2', '198.51.100.1, 10.0.0.9');
    expect(clientIp(r, { trustProxy: (address) => address.startsWith('10.') })).toBe('198.51.100.1');
  });

  it('rejects bad trustProxy settings, naming the entry', () => {
    expect(() => clientIp(req('1.2.3.4'), { trustProxy: ['10.0.0.0/8', 'nope'] })).toThrow(
      /trustProxy\[1\]: expected an IP address/,
    );
    expect(() => clientIp(req('1.2.3.4'), { trustProxy: ['10.0.0.0/33'] })).toThrow(
      /trustProxy\[0\]: expected a prefix length from 0 to 32/,
    );
    expect(() => clientIp(req('1.2.3.4'), { trustProxy: -1 })).toThrow(RangeError);
    expect(() => clientIp(req('1.2.3.4'), { trustProxy: {} as never })).toThrow(TypeError);
  });
});
