/**
 * The Redis benchmark of `redis.bench.ts`, with the contenders interleaved round by round so that the drift of a
 * shared machine hits them alike, plus where the time goes: the client's CPU per consume (`process.cpuUsage`),
 * redis-server's CPU per consume (`INFO cpu`) and the script's own time (`INFO commandstats` usec_per_call).
 * Every contender has its own ioredis client with the same options, the same keys and the same limit. Three
 * workloads of 2,000 consumes each:
 * - idle keys: 1,000 keys, 100,000 per minute, so every key is at (or near) a full quota: the common case;
 * - hot keys: 10 keys, 100,000 per minute, so each key is busy (its bucket far from full), all still allowed;
 * - denied: 10 keys, 10 per minute, so after the first few every consume is denied (rate-limiter-flexible rejects
 *   its promise then; the rejection is caught, as a user must).
 *
 *   pnpm exec tsx --conditions=source packages/ratelimit/bench/redis-interleaved.ts [rounds] [--json <file>]
 *
 * `--json` also writes the medians as weft's bench results (`pnpm bench:record ratelimit-redis`).
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { type BenchGroup, recordResults, withoutJson } from '../../../tools/bench/results';
import { type Algorithm, RateLimiter, RedisStore } from '../src/index';
import { benchRedis, CONSUMES, run } from './redis-setup';

const ROUNDS = Number(withoutJson(process.argv.slice(2))[0] ?? 5);
const CONCURRENCIES = [1, 64];
const RLF = 'rate-limiter-flexible RateLimiterRedis';

const { client, admin, close } = await benchRedis();

type Consume = (key: string) => Promise<unknown>;
interface Workload {
  readonly keys: readonly string[];
  readonly contenders: Map<string, Consume>;
}
let storeErrors = 0;
const ignore = () => undefined;

function workload(name: string, keyCount: number, limit: number): Workload {
  const keys = Array.from({ length: keyCount }, (_, i) => `client-${i}`);
  const contenders = new Map<string, Consume>();
  const rlf = new RateLimiterRedis({ storeClient: client(), points: limit, duration: 60, keyPrefix: `rlf-${name}` });
  contenders.set(RLF, (k) => rlf.consume(k).catch(ignore));
  for (const algorithm of ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'] as Algorithm[]) {
    // A finite deadline, so its machinery is part of the cost, but a generous one: a loaded machine must not turn
    // slow answers into fallbacks (which would answer without Redis). Store errors are counted and printed.
    const limiter = new RateLimiter({
      algorithm,
      limit,
      windowMs: 60_000,
      store: new RedisStore({ client: client(), prefix: `weft-${name}:` }),
      storeTimeoutMs: 10_000,
    });
    limiter.on('error', () => storeErrors++);
    contenders.set(`@weft/ratelimit ${algorithm}`, (k) => limiter.consume(k));
  }
  return { keys, contenders };
}

const workloads = new Map<string, Workload>([
  ['idle keys', workload('idle', 1_000, 100_000)],
  ['hot keys', workload('hot', 10, 100_000)],
  ['denied', workload('denied', 10, 10)],
]);

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
  scriptUs: number;
}
const samples = new Map<string, Sample[]>();

for (const { keys, contenders } of workloads.values()) {
  for (const consume of contenders.values()) {
    await run(consume, keys, 64);
    await run(consume, keys, 1);
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const [workloadName, { keys, contenders }] of workloads) {
    for (const concurrency of CONCURRENCIES) {
      for (const [name, consume] of contenders) {
        await admin.config('RESETSTAT');
        const serverBefore = await serverCpuMs();
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await run(consume, keys, concurrency);
        const wallMs = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        const serverCpu = (await serverCpuMs()) - serverBefore;
        const stats = await admin.info('commandstats');
        const perCall = /^cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/m.exec(stats);
        const key = `${workloadName}/${concurrency}/${name}`;
        const list = samples.get(key) ?? [];
        samples.set(key, list);
        list.push({
          wallMs,
          clientCpuUs: (cpu.user + cpu.system) / CONSUMES,
          serverCpuUs: (serverCpu * 1_000) / CONSUMES,
          scriptUs: perCall === null ? Number.NaN : Number(perCall[1]),
        });
      }
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const min = (xs: number[]) => Math.min(...xs);
const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
console.log(`${ROUNDS} interleaved rounds of ${CONSUMES} consumes; medians (wall ms also min, mean); µs per consume`);
const groups: BenchGroup[] = [];
for (const [workloadName, { keys, contenders }] of workloads) {
  for (const concurrency of CONCURRENCIES) {
    console.log(`${workloadName} (${keys.length} keys), concurrency ${concurrency}`);
    const group: BenchGroup = { name: `${workloadName}, concurrency ${concurrency}`, benchmarks: [] };
    groups.push(group);
    const reference = samples.get(`${workloadName}/${concurrency}/${RLF}`)!;
    const refMedian = median(reference.map((s) => s.wallMs));
    const refMin = min(reference.map((s) => s.wallMs));
    for (const name of contenders.keys()) {
      const xs = samples.get(`${workloadName}/${concurrency}/${name}`)!;
      const wall = xs.map((s) => s.wallMs);
      console.log(
        `  ${name.padEnd(40)} ${median(wall).toFixed(1).padStart(6)} ms (min ${min(wall).toFixed(1).padStart(6)},` +
          ` mean ${mean(wall).toFixed(1).padStart(6)})` +
          `  ${(refMedian / median(wall)).toFixed(2)}x rlf (${(refMin / min(wall)).toFixed(2)}x by min)` +
          `  client CPU ${median(xs.map((s) => s.clientCpuUs)).toFixed(1)}` +
          `  redis CPU ${median(xs.map((s) => s.serverCpuUs)).toFixed(1)}` +
          `  script ${median(xs.map((s) => s.scriptUs)).toFixed(2)}`,
      );
      group.benchmarks.push({
        name,
        medianMs: median(wall),
        minMs: min(wall),
        meanMs: mean(wall),
        consumesPerSecond: (CONSUMES * 1_000) / median(wall),
        clientCpuUs: median(xs.map((s) => s.clientCpuUs)),
        redisCpuUs: median(xs.map((s) => s.serverCpuUs)),
        scriptUs: median(xs.map((s) => s.scriptUs)),
      });
    }
  }
}
console.log(`store errors (fallbacks) during the run: ${storeErrors}`);
const command = `pnpm exec tsx --conditions=source packages/ratelimit/bench/redis-interleaved.ts ${ROUNDS}`;
recordResults(`${command} (medians of interleaved rounds, ${CONSUMES} consumes each)`, groups);

await close();
