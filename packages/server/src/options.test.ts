import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options';
import { createServer } from './server';
import { start, testApp } from './test-helpers';

describe('createServer options', () => {
  it('fills in sane defaults', () => {
    const o = resolveOptions(undefined);
    expect(o.bodyLimit).toBe(1_048_576);
    expect(o.timeouts).toEqual({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000, handlerMs: 0 });
    expect(o.rateLimit).toMatchObject({ limit: 1_000, windowMs: 1_000, algorithm: 'token-bucket', store: 'memory' });
    expect(o.loadShedding).toMatchObject({ maxDelayMs: 200, maxUtilization: false });
    expect(o.operations).toEqual({ health: '/healthz', ready: '/readyz', metrics: '/metrics' });
    expect(o.logger).toBeUndefined();
  });

  it.each([
    [{ bodyLimit: -1 }, RangeError, /^bodyLimit: expected an integer >= 0, got -1$/],
    [{ bodyLimit: '1mb' }, TypeError, /^bodyLimit: expected an integer, got "1mb"$/],
    [{ bodyLimt: 1 }, TypeError, /^bodyLimt: unknown option/],
    [{ timeouts: { headersMs: 1.5 } }, TypeError, /^timeouts\.headersMs: expected an integer, got 1\.5$/],
    [{ timeouts: { idleMs: 1 } }, TypeError, /^timeouts\.idleMs: unknown option/],
    [{ timeouts: { headersMs: 5_000, requestMs: 1_000 } }, RangeError, /^timeouts\.headersMs: expected at most/],
    [{ shutdownTimeoutMs: Number.NaN }, TypeError, /^shutdownTimeoutMs: expected an integer/],
    [{ rateLimit: { limit: 0 } }, RangeError, /^rateLimit\.limit: expected an integer >= 1, got 0$/],
    [{ rateLimit: { algorithm: 'leaky' } }, TypeError, /^rateLimit\.algorithm: expected one of .*got "leaky"$/],
    [
      { rateLimit: { store: { redis: 'localhost' } } },
      TypeError,
      /^rateLimit\.store\.redis: expected a redis:\/\/ URL/,
    ],
    [{ rateLimit: true }, TypeError, /^rateLimit: expected an object, got true$/],
    [{ loadShedding: { maxUtilization: 2 } }, RangeError, /^loadShedding\.maxUtilization: expected a number from/],
    [{ upstreams: { api: 'ftp://x' } }, TypeError, /^upstreams\.api\.url: expected an absolute http\(s\) URL/],
    [
      { upstreams: { api: { url: 'http://x', breaker: { failureRateThreshold: 1.5 } } } },
      RangeError,
      /^upstreams\.api\.breaker\.failureRateThreshold:/,
    ],
    [
      { upstreams: { api: { url: 'http://x', retry: { maxAttempts: 0 } } } },
      RangeError,
      /^upstreams\.api\.retry\.maxAttempts:/,
    ],
    [{ operations: { metrics: 'metrics' } }, TypeError, /^operations\.metrics: expected a path starting with "\/"/],
    [{ logger: 'yes' }, TypeError, /^logger: expected a boolean, pino options or a pino logger/],
    [{ logger: { level: 'loud' } }, TypeError, /^logger: pino rejected the options/],
    [{ dev: 1 }, TypeError, /^dev: expected a boolean, got 1$/],
    [{ clock: {} }, TypeError, /^clock: expected a Clock/],
    [{ workers: 0 }, RangeError, /^workers: expected an integer >= 1 or "auto", got 0$/],
    [{ workers: 'all' }, TypeError, /^workers: expected an integer >= 1 or "auto", got "all"$/],
    [{ rateLimit: { storeTimeoutMs: 0 } }, RangeError, /^rateLimit\.storeTimeoutMs: expected an integer >= 1, got 0$/],
    [{ trustProxy: 'x' }, TypeError, /^trustProxy:/],
    [
      { rateLimit: { store: null } },
      TypeError,
      /^rateLimit\.store: expected "memory", \{ redis: url \} or .*got null$/,
    ],
    [{ rateLimit: { store: 'redis' } }, TypeError, /^rateLimit\.store: expected .*got "redis"$/],
  ])('rejects %j', (options, type, message) => {
    expect(() => createServer(options as never)).toThrow(type);
    expect(() => createServer(options as never)).toThrow(message);
  });

  it('rejects bad listen options and a second listen', async () => {
    const app = testApp();
    expect(() => app.listen({ port: 70_000 })).toThrow(/^listen\.port: expected an integer from 0 to 65535/);
    expect(() => app.listen({ port: 'x' as never })).toThrow(/^listen\.port: expected an integer/);
    await start(app);
    await expect(app.listen({ port: 0 })).rejects.toThrow(/listen: the server is listening/);
  });

  it('rejects listen on a port in use and stays idle', async () => {
    const first = testApp();
    const { port } = new URL(await start(first));
    const second = testApp();
    await expect(second.listen({ port: Number(port), host: '127.0.0.1' })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    expect(second.state).toBe('idle');
  });
});
