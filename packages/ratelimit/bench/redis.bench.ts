/**
 * Redis stores on one local redis-server (started here), one ioredis client each: @weft/ratelimit's RedisStore
 * against rate-limiter-flexible's RateLimiterRedis (fixed window, its only Redis algorithm, via an ioredis
 * Lua command). Each iteration makes 2,000 consumes over 1,000 keys, at concurrency 1 (each awaited before the
 * next) and at concurrency 64 (64 loops in flight). Limit 100,000 per minute, so all are allowed. Every contender
 * has its own ioredis client with the same options. The scripts Redis ran per consume and the Redis time each
 * took are printed at the end (INFO commandstats). `redis-interleaved.ts` runs the same contenders round by round
 * and adds each side's CPU time per consume.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { afterAll, bench, describe } from 'vitest';
import { type Algorithm, RateLimiter, RedisStore } from '../src/index';
import { benchRedis, CONSUMES, run as runOver } from './redis-setup';

const KEYS = Array.from({ length: 1_000 }, (_, i) => `client-${i}`);
const options = { time: 1_000, warmupTime: 200, warmupIterations: 2 };

const { client, admin, close } = await benchRedis();

// Generous deadline: this measures throughput, and a loaded machine must not turn slow answers into fallbacks.
const weft = (algorithm: Algorithm) =>
  new RateLimiter({
    algorithm,
    limit: 100_000,
    windowMs: 60_000,
    store: new RedisStore({ client: client() }),
    storeTimeoutMs: 10_000,
  });
const flexible = new RateLimiterRedis({ storeClient: client(), points: 100_000, duration: 60, keyPrefix: 'rlf' });
const algorithms: Algorithm[] = ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'];
const contenders = new Map<string, (key: string) => Promise<unknown>>([
  ['rate-limiter-flexible RateLimiterRedis', (k) => flexible.consume(k)],
]);
for (const algorithm of algorithms) {
  const limiter = weft(algorithm);
  contenders.set(`@weft/ratelimit RedisStore ${algorithm}`, (k) => limiter.consume(k));
}

const run = (consume: (key: string) => Promise<unknown>, concurrency: number) => runOver(consume, KEYS, concurrency);

// Warm every contender up (JIT, connections, script cache) before anything is timed, so that running first is
// no handicap; rate-limiter-flexible also runs first and last in each group, to show the drift of a shared machine.
for (const consume of contenders.values()) {
  await run(consume, 64);
  await run(consume, 1);
}

for (const concurrency of [1, 64]) {
  describe(`Redis store, concurrency ${concurrency}, ${CONSUMES} consumes`, () => {
    for (const [name, consume] of contenders) bench(name, () => run(consume, concurrency), options);
    const first = contenders.get('rate-limiter-flexible RateLimiterRedis')!;
    bench('rate-limiter-flexible RateLimiterRedis (again)', () => run(first, concurrency), options);
  });
}

describe('round trips and Redis time per consume', () => {
  bench(
    'one pass of each (measured with INFO commandstats)',
    async () => {
      for (const [name, consume] of contenders) {
        await admin.config('RESETSTAT');
        await run(consume, 1);
        const info = await admin.info('commandstats');
        const calls = [...info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/gm)];
        console.log(
          `${name}: ${calls.map((m) => `${m[1]} ${(Number(m[2]) / CONSUMES).toFixed(2)} per consume, ${m[3]} µs each`).join('; ')}`,
        );
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});

afterAll(close);
