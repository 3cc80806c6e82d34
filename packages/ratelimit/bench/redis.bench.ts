/**
 * Redis stores on one local redis-server (started here), one ioredis client each: @weft/ratelimit's RedisStore
 * against rate-limiter-flexible's RateLimiterRedis (fixed window, its only Redis algorithm, via an ioredis
 * Lua command). Each iteration makes 2,000 consumes over 1,000 keys, at concurrency 1 (each awaited before the
 * next) and at concurrency 64 (64 loops in flight). Limit 100,000 per minute, so all are allowed. The number of
 * commands Redis ran per consume is printed at the end (INFO commandstats).
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { afterAll, bench, describe } from 'vitest';
import { type Algorithm, RateLimiter, RedisStore } from '../src/index';
import { startRedis } from '../src/test-redis';

const CONSUMES = 2_000;
const KEYS = Array.from({ length: 1_000 }, (_, i) => `client-${i}`);
const options = { time: 1_500, warmupTime: 200, warmupIterations: 2 };

const redis = await startRedis();
const clients: Redis[] = [];
function client(): Redis {
  const c = new Redis(redis.url, { enableOfflineQueue: true });
  clients.push(c);
  return c;
}
const admin = client();

// Generous deadline: this measures throughput, and a loaded machine must not turn slow answers into fallbacks.
const weft = (algorithm: Algorithm) =>
  new RateLimiter({
    algorithm,
    limit: 100_000,
    windowMs: 60_000,
    store: new RedisStore({ client: client() }),
    storeTimeoutMs: 10_000,
  });
const limiters = {
  weftFixed: weft('fixed-window'),
  weftGcra: weft('gcra'),
  flexible: new RateLimiterRedis({ storeClient: client(), points: 100_000, duration: 60, keyPrefix: 'rlf' }),
};

async function run(consume: (key: string) => Promise<unknown>, concurrency: number): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < CONSUMES) {
      const i = next++;
      await consume(KEYS[i % KEYS.length]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

const commands = new Map<string, number>();
async function counted(name: string, fn: () => Promise<void>): Promise<void> {
  await fn();
  commands.set(name, (commands.get(name) ?? 0) + CONSUMES);
}

// Warm every contender up (JIT, connections, script cache) before anything is timed, so that running first is
// no handicap; rate-limiter-flexible also runs first and last in each group, to show the drift of a shared machine.
for (const limiter of [limiters.weftFixed, limiters.weftGcra, limiters.flexible]) {
  await run((k) => limiter.consume(k), 64);
  await run((k) => limiter.consume(k), 1);
}

for (const concurrency of [1, 64]) {
  describe(`Redis store, concurrency ${concurrency}, ${CONSUMES} consumes`, () => {
    const flexible = () => run((k) => limiters.flexible.consume(k), concurrency);
    bench('rate-limiter-flexible RateLimiterRedis', flexible, options);
    bench(
      '@weft/ratelimit RedisStore fixed-window',
      () => run((k) => limiters.weftFixed.consume(k), concurrency),
      options,
    );
    bench('@weft/ratelimit RedisStore gcra', () => run((k) => limiters.weftGcra.consume(k), concurrency), options);
    bench('rate-limiter-flexible RateLimiterRedis (again)', flexible, options);
  });
}

describe('round trips per consume', () => {
  bench(
    'one pass of each (measured with INFO commandstats)',
    async () => {
      for (const [name, consume] of [
        ['@weft/ratelimit', (k: string) => limiters.weftFixed.consume(k)],
        ['rate-limiter-flexible', (k: string) => limiters.flexible.consume(k)],
      ] as const) {
        await admin.config('RESETSTAT');
        await counted(name, () => run(consume, 1));
        const info = await admin.info('commandstats');
        const calls = [...info.matchAll(/^cmdstat_(evalsha|eval|rlflxincr|multi|exec|incrby|pexpire):calls=(\d+)/gm)];
        console.log(
          `${name}: ${calls.map((m) => `${m[1]} ${(Number(m[2]) / CONSUMES).toFixed(2)}`).join(', ')} per consume`,
        );
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis.stop();
});
