import { describe, expect, it } from 'vitest';
import { createGateway, isConfigError, validateConfig } from './config';

function problems(value: unknown): readonly string[] {
  try {
    validateConfig(value);
  } catch (error) {
    if (isConfigError(error)) return error.errors;
    throw error;
  }
  return [];
}

const upstream = (extra: Record<string, unknown>) => ({ upstreams: { a: { url: 'http://127.0.0.1:9', ...extra } } });

describe('validateConfig: keys named after Object.prototype members', () => {
  it('refuses an own "__proto__" key (as JSON.parse makes it) at its path and pollutes nothing', () => {
    const config = JSON.parse('{"__proto__":{"polluted":true},"rateLimit":{"limit":1}}');
    expect(problems(config)).toEqual([expect.stringMatching(/^__proto__: unknown field \(expected one of/)]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses "constructor" and "toString" as unknown fields instead of matching the prototype', () => {
    expect(
      problems({ routes: [{ path: '/a', proxy: { upstream: 'http://127.0.0.1:9', constructor: false } }] }),
    ).toEqual([expect.stringMatching(/^routes\[0\]\.proxy\.constructor: unknown field/)]);
    expect(problems({ rateLimit: { limit: 5, toString: 1 } })).toEqual([
      expect.stringMatching(/^rateLimit\.toString: unknown field/),
    ]);
    expect(problems({ timeouts: { hasOwnProperty: 1 } })).toEqual([
      expect.stringMatching(/^timeouts\.hasOwnProperty: unknown field/),
    ]);
  });

  it('refuses reserved names as keys of free-form maps (upstreams, headers)', () => {
    expect(problems(JSON.parse('{"upstreams":{"__proto__":"http://127.0.0.1:9"}}'))).toEqual([
      expect.stringMatching(/^upstreams\.__proto__: reserved name/),
    ]);
    expect(problems({ upstreams: { constructor: 'http://127.0.0.1:9' } })).toEqual([
      expect.stringMatching(/^upstreams\.constructor: reserved name/),
    ]);
    expect(problems({ routes: [{ path: '/', response: { headers: { prototype: 'x' } } }] })).toEqual([
      expect.stringMatching(/^routes\[0\]\.response\.headers\.prototype: reserved name/),
    ]);
  });

  it('does not take a required field from the prototype', () => {
    const route = Object.create({ path: '/inherited' }) as Record<string, unknown>;
    route.response = {};
    expect(problems({ routes: [route] })).toContain('routes[0].path: required');
  });
});

describe('validateConfig: numbers are bounded', () => {
  it('refuses sizes above 1e6 with the path (a breaker window of 1e12 would not allocate)', () => {
    expect(problems(upstream({ breaker: { windowSize: 1e12 } }))).toEqual([
      'upstreams.a.breaker.windowSize: expected at most 1000000, got 1000000000000',
    ]);
    expect(problems(upstream({ breaker: { minimumCalls: 1_000_001 } }))).toEqual([
      'upstreams.a.breaker.minimumCalls: expected at most 1000000, got 1000001',
    ]);
    expect(problems(upstream({ connections: 2e6 }))).toEqual([
      'upstreams.a.connections: expected at most 1000000, got 2000000',
    ]);
  });

  it('refuses durations above the timer maximum (2^31-1 ms) with the path', () => {
    expect(problems(upstream({ breaker: { openDurationMs: 1e21 } }))).toEqual([
      'upstreams.a.breaker.openDurationMs: expected at most 2147483647, got 1e+21',
    ]);
    expect(problems({ timeouts: { requestMs: 1e21 } })).toEqual([
      'timeouts.requestMs: expected at most 2147483647, got 1e+21',
    ]);
    expect(problems({ shutdownTimeoutMs: 2 ** 31 })).toEqual([
      'shutdownTimeoutMs: expected at most 2147483647, got 2147483648',
    ]);
    expect(problems({ routes: [{ path: '/', timeoutMs: 2 ** 31, response: {} }] })).toEqual([
      'routes[0].timeoutMs: expected at most 2147483647, got 2147483648',
    ]);
    expect(problems({ auth: { apiKeys: {}, jwt: { secretEnv: 'X', timeoutMs: 2 ** 31 } } })).toContain(
      'auth.jwt.timeoutMs: expected at most 2147483647, got 2147483648',
    );
  });

  it('accepts the largest value of each range, and the gateway builds with it', async () => {
    const config = validateConfig({
      timeouts: { requestMs: 2_147_483_647 },
      shutdownTimeoutMs: 2_147_483_647,
      ...upstream({ breaker: { windowSize: 1_000_000, openDurationMs: 2_147_483_647 } }),
      routes: [{ path: '/a', proxy: { upstream: 'a' } }],
    });
    const app = createGateway(config);
    await app.close();
  });
});
