import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../tools/testing/redis-server';
import { freePort, start, testApp } from './test-helpers';

let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

async function get(url: string) {
  const res = await request(url);
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('rate limiting with a Redis store', () => {
  it('shares one limit between two servers using the same Redis', async () => {
    const rateLimit = {
      limit: 3,
      windowMs: 60_000,
      algorithm: 'fixed-window' as const,
      store: { redis: redis.url },
      storeTimeoutMs: 2_000,
    };
    const one = testApp({ rateLimit });
    const two = testApp({ rateLimit });
    for (const app of [one, two]) app.get('/', () => 'ok');
    const [a, b] = await Promise.all([start(one), start(two)]);
    const limited: number[] = [];
    two.events.on('limited', (_ctx, retryAfterMs) => limited.push(retryAfterMs));

    const statuses: number[] = [];
    for (const base of [a, b, a, b]) statuses.push((await get(`${base}/`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const denied = await get(`${b}/`);
    expect(denied.status).toBe(429);
    expect(denied.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0);
    expect(denied.headers.ratelimit).toMatch(/;r=0;/);
    expect(limited).toHaveLength(2);
  });

  it('refuses to listen when Redis cannot be reached, naming the option and hiding the password', async () => {
    const port = await freePort();
    const app = testApp({ rateLimit: { store: { redis: `redis://user:s3cret@127.0.0.1:${port}` } } });
    const failure = app.listen({ port: 0 });
    await expect(failure).rejects.toThrow(
      /^rateLimit\.store\.redis: cannot connect to redis:\/\/user:\*\*\*@127\.0\.0\.1/,
    );
    await expect(failure).rejects.not.toThrow(/s3cret/);
    expect(app.state).toBe('idle');
  });

  it('lets requests through and reports the error when Redis goes away', async () => {
    const own = await startRedisServer();
    const app = testApp({
      rateLimit: { limit: 1, windowMs: 60_000, store: { redis: own.url }, storeTimeoutMs: 2_000 },
    });
    app.get('/', () => 'ok');
    const errors: unknown[] = [];
    app.events.on('error', (error) => errors.push(error));
    const base = await start(app);
    expect((await get(`${base}/`)).status).toBe(200);
    expect((await get(`${base}/`)).status).toBe(429);
    await own.stop();
    expect((await get(`${base}/`)).status).toBe(200);
    expect(errors.length).toBeGreaterThan(0);
  });
});
