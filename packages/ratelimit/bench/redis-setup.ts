// What both Redis benchmarks (redis.bench.ts, redis-interleaved.ts) share: their own redis-server, its clients, and
// the loop that drives a contender.
import { Redis } from 'ioredis';
import { startRedisServer } from '../../../tools/testing/redis-server';

/** Consumes per measured run. */
export const CONSUMES = 2_000;

/** A fresh redis-server with a client factory; `close()` disconnects every client and stops the server. */
export async function benchRedis() {
  const redis = await startRedisServer();
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = new Redis(redis.url, { enableOfflineQueue: true });
    clients.push(c);
    return c;
  };
  return {
    client,
    /** For INFO and CONFIG RESETSTAT, apart from the contenders' connections. */
    admin: client(),
    async close(): Promise<void> {
      for (const c of clients) c.disconnect();
      await redis.stop();
    },
  };
}

/** {@link CONSUMES} consumes over `keys` in turn, `concurrency` of them in flight at a time. */
export async function run(
  consume: (key: string) => Promise<unknown>,
  keys: readonly string[],
  concurrency: number,
): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < CONSUMES) {
      const i = next++;
      await consume(keys[i % keys.length] as string);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}
