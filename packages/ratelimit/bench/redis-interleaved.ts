/**
 * The Redis benchmark of `redis.bench.ts`, with the contenders interleaved round by round so that the drift of a
 * shared machine hits them alike, plus where the time goes: the client's CPU per consume (`process.cpuUsage`),
 * redis-server's CPU per consume (`INFO cpu`) and the script's own time (`INFO commandstats` usec_per_call).
 * Every contender has its own ioredis client with the same options, the same keys and the same limit.
 *
 *   pnpm exec tsx --conditions=source packages/ratelimit/bench/redis-interleaved.ts [rounds]
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { type Algorithm, RateLimiter, RedisStore } from '../src/index';
import { startRedis } from '../src/test-redis';

const CONSUMES = 2_000;
const KEYS = Array.from({ length: 1_000 }, (_, i) => `client-${i}`);
const ROUNDS = Number(process.argv[2] ?? 5);
const CONCURRENCIES = [1, 64];

const redis = await startRedis();
const clients: Redis[] = [];
function client(): Redis {
  const c = new Redis(redis.url, { enableOfflineQueue: true });
  clients.push(c);
  return c;
}
const admin = client();

type Consume = (key: string) => Promise<unknown>;
let storeErrors = 0;
const contenders = new Map<string, Consume>();
{
  const rlf = new RateLimiterRedis({ storeClient: client(), points: 100_000, duration: 60, keyPrefix: 'rlf' });
  contenders.set('rate-limiter-flexible RateLimiterRedis', (k) => rlf.consume(k));
}
for (const algorithm of ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'] as Algorithm[]) {
  // A finite deadline, so its machinery is part of the cost, but a generous one: a loaded machine must not turn
  // slow answers into fallbacks (which would answer without Redis). Store errors are counted and printed.
  const limiter = new RateLimiter({
    algorithm,
    limit: 100_000,
    windowMs: 60_000,
    store: new RedisStore({ client: client() }),
    storeTimeoutMs: 10_000,
  });
  limiter.on('error', () => storeErrors++);
  contenders.set(`@weft/ratelimit ${algorithm}`, (k) => limiter.consume(k));
}

async function run(consume: Consume, concurrency: number): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < CONSUMES) {
      const i = next++;
      await consume(KEYS[i % KEYS.length]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info);
  return match === null ? Number.NaN : Number(match[1]);
}
async function serverCpuMs(): Promise<number> {
  const info = await admin.info('cpu');
  return (field(info, 'used_cpu_user') + field(info, 'used_cpu_sys')) * 1_000;
}

interface Sample {
  wallMs: number;
  clientCpuUs: number;
  serverCpuUs: number;
}
const samples = new Map<string, Sample[]>();
const scriptUs = new Map<string, number[]>();

for (const [, consume] of contenders) {
  await run(consume, 64);
  await run(consume, 1);
}
for (let round = 0; round < ROUNDS; round++) {
  for (const concurrency of CONCURRENCIES) {
    for (const [name, consume] of contenders) {
      await admin.config('RESETSTAT');
      const serverBefore = await serverCpuMs();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await run(consume, concurrency);
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const serverCpu = (await serverCpuMs()) - serverBefore;
      const stats = await admin.info('commandstats');
      const perCall = /^cmdstat_evalsha:calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/m.exec(stats);
      const key = `${name} c${concurrency}`;
      const list = samples.get(key) ?? [];
      samples.set(key, list);
      list.push({
        wallMs,
        clientCpuUs: ((cpu.user + cpu.system) / CONSUMES) * 1,
        serverCpuUs: (serverCpu * 1_000) / CONSUMES,
      });
      if (perCall !== null) {
        const us = scriptUs.get(name) ?? [];
        scriptUs.set(name, us);
        us.push(Number(perCall[2]));
      }
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const min = (xs: number[]) => Math.min(...xs);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`${ROUNDS} interleaved rounds of ${CONSUMES} consumes over ${KEYS.length} keys (limit 100,000/min):`);
for (const concurrency of CONCURRENCIES) {
  console.log(`concurrency ${concurrency}`);
  const reference = samples.get(`rate-limiter-flexible RateLimiterRedis c${concurrency}`)!;
  const refMedian = median(reference.map((s) => s.wallMs));
  const refMin = min(reference.map((s) => s.wallMs));
  for (const name of contenders.keys()) {
    const xs = samples.get(`${name} c${concurrency}`)!;
    const wall = xs.map((s) => s.wallMs);
    console.log(
      `  ${name.padEnd(40)} ms median ${median(wall).toFixed(1).padStart(6)} min ${min(wall).toFixed(1).padStart(6)}` +
        ` mean ${mean(wall).toFixed(1).padStart(6)}  (${(refMedian / median(wall)).toFixed(2)}x rlf by median,` +
        ` ${(refMin / min(wall)).toFixed(2)}x by min)  client CPU ${median(xs.map((s) => s.clientCpuUs)).toFixed(1)} µs,` +
        ` redis CPU ${median(xs.map((s) => s.serverCpuUs)).toFixed(1)} µs per consume`,
    );
  }
}
console.log('Redis time inside EVALSHA (INFO commandstats usec_per_call, median over passes):');
for (const [name, us] of scriptUs) console.log(`  ${name.padEnd(40)} ${median(us).toFixed(2)} µs`);

console.log(`store errors (fallbacks) during the run: ${storeErrors}`);
for (const c of clients) c.disconnect();
await redis.stop();
