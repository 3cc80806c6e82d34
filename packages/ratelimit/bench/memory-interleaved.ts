/**
 * The memory-store benchmark of `memory.bench.ts`, with the contenders interleaved round by round so that the
 * drift of a shared machine hits them alike; prints each one's median. Also splits weft's time: the store's
 * synchronous decision alone, the same with a clock that costs nothing (what reading `performance.now()` costs),
 * and the whole awaited `limiter.consume()`.
 *
 *   pnpm exec tsx --conditions=source packages/ratelimit/bench/memory-interleaved.ts [rounds] [--json <file>]
 *
 * `--json` also writes the medians as weft's bench results (`pnpm bench:record ratelimit-memory`).
 */
import { systemClock } from '@weft/reactor';
import { MemoryStore as ExpressMemoryStore } from 'express-rate-limit';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { recordResults, withoutJson } from '../../../tools/bench/results';
import { type Algorithm, RateLimiter } from '../src/index';

const KEYS = Array.from({ length: 10_000 }, (_, i) => `client-${i}`);
const CONSUMES = 1_000_000;
const ROUNDS = Number(withoutJson(process.argv.slice(2))[0] ?? 7);
// A clock whose reading is free: the time never moves, which is fine for a run where every consume is allowed.
const frozenClock = { ...systemClock, now: () => 1_000 };

async function time(run: () => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const contenders: Record<string, () => Promise<unknown> | unknown> = {
  'rate-limiter-flexible RateLimiterMemory': async () => {
    const limiter = new RateLimiterMemory({ points: 100, duration: 60 });
    for (let i = 0; i < CONSUMES; i++) await limiter.consume(KEYS[i % 10_000]!);
  },
  'express-rate-limit MemoryStore': async () => {
    const store = new ExpressMemoryStore();
    store.init({ windowMs: 60_000 } as never);
    for (let i = 0; i < CONSUMES; i++) await store.increment(KEYS[i % 10_000]!);
    store.shutdown();
  },
};
for (const algorithm of ['fixed-window', 'gcra'] as Algorithm[]) {
  contenders[`@weft/ratelimit ${algorithm}: await limiter.consume()`] = async () => {
    const limiter = new RateLimiter({ algorithm, limit: 100, windowMs: 60_000 });
    for (let i = 0; i < CONSUMES; i++) await limiter.consume(KEYS[i % 10_000]!);
  };
  for (const [clockName, clock] of [
    ['performance.now()', systemClock],
    ['a free clock', frozenClock],
  ] as const) {
    contenders[`@weft/ratelimit ${algorithm}: store.consume() alone, ${clockName}`] = () => {
      const limiter = new RateLimiter({ algorithm, limit: 100, windowMs: 60_000, clock });
      const { store, policy } = limiter;
      for (let i = 0; i < CONSUMES; i++) store.consume(KEYS[i % 10_000]!, policy, 1);
    };
  }
}

const samples = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
for (const run of Object.values(contenders)) await run(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(contenders)) samples.get(name)?.push(await time(run));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const reference = median(samples.get('rate-limiter-flexible RateLimiterMemory') ?? []);
console.log(`median of ${ROUNDS} interleaved rounds, ${CONSUMES.toLocaleString()} consumes over 10,000 keys:`);
for (const [name, xs] of samples) {
  const m = median(xs);
  console.log(`  ${name.padEnd(62)} ${m.toFixed(0).padStart(5)} ms  (${(reference / m).toFixed(2)}x rlf)`);
}
recordResults(`pnpm exec tsx --conditions=source packages/ratelimit/bench/memory-interleaved.ts ${ROUNDS}`, [
  {
    name: `${CONSUMES.toLocaleString('en-US')} consumes over 10,000 keys (median of ${ROUNDS} interleaved rounds)`,
    benchmarks: [...samples].map(([name, xs]) => ({ name, medianMs: median(xs), runs: xs.length })),
  },
]);
