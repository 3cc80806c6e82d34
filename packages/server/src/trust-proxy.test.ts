import { describe, expect, it } from 'vitest';
import { testApp } from './test-helpers';
import { clientAddress, compileTrustProxy } from './trust-proxy';

const xff = '203.0.113.7, 198.51.100.2, 10.0.0.5';

describe('ctx.ip', () => {
  it('is the socket peer unless the peer is a trusted proxy', async () => {
    const app = testApp();
    app.get('/', (ctx) => ctx.ip);
    const res = await app.inject({ url: '/', headers: { 'x-forwarded-for': xff }, remoteAddress: '127.0.0.1' });
    expect(res.text()).toBe('127.0.0.1');
  });

  it('walks X-Forwarded-For from the right while the hops are trusted', async () => {
    const app = testApp({ trustProxy: ['loopback', '10.0.0.0/8'] });
    app.get('/', (ctx) => ctx.ip);
    const via = (remoteAddress: string) =>
      app.inject({ url: '/', headers: { 'x-forwarded-for': xff }, remoteAddress }).then((r) => r.text());
    expect(await via('127.0.0.1')).toBe('198.51.100.2');
    expect(await via('::ffff:127.0.0.1')).toBe('198.51.100.2');
    expect(await via('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('compileTrustProxy', () => {
  it('supports all, none, hop counts, named ranges, addresses and CIDR', () => {
    expect(clientAddress('127.0.0.1', xff, compileTrustProxy(true))).toBe('203.0.113.7');
    expect(clientAddress('127.0.0.1', xff, compileTrustProxy(false))).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', xff, compileTrustProxy(1))).toBe('10.0.0.5');
    expect(clientAddress('127.0.0.1', xff, compileTrustProxy(2))).toBe('198.51.100.2');
    expect(clientAddress('127.0.0.1', xff, compileTrustProxy('127.0.0.1, 10.0.0.5'))).toBe('198.51.100.2');
    expect(clientAddress('::1', '2001:db8::1', compileTrustProxy('loopback'))).toBe('2001:db8::1');
    expect(clientAddress('fd00::1', '2001:db8::1', compileTrustProxy('private'))).toBe('2001:db8::1');
    expect(clientAddress('127.0.0.1', undefined, compileTrustProxy(true))).toBe('127.0.0.1');
  });

  it('rejects bad settings with a TypeError/RangeError naming trustProxy', () => {
    expect(() => compileTrustProxy(-1)).toThrow(RangeError);
    expect(() => compileTrustProxy('10.0.0.0/99')).toThrow(/trustProxy: expected an IP address, a CIDR range/);
    expect(() => compileTrustProxy('nope')).toThrow(/trustProxy: .*got "nope"/);
    expect(() => compileTrustProxy({} as never)).toThrow(/trustProxy: expected a boolean, a hop count/);
  });
});
