/**
 * Memory stores: 10,000 keys round-robin, 1,000,000 consumes per iteration, each awaited (all three APIs are
 * promise-based). Limit 100 per minute per key, so every consume is allowed: this measures the counting path,
 * not rate-limiter-flexible's rejection path. A fresh limiter per iteration. weft runs fixed-window (the same
 * algorithm as both peers) and also its other algorithms. After the runs, the heap each store retains for the
 * 10,000 keys is printed.
 */
import { MemoryStore as ExpressMemoryStore } from 'express-rate-limit';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterAll, bench, describe } from 'vitest';
import { type Algorithm, RateLimiter } from '../src/index';
import { heapUsedMb } from './heap';

const KEYS = Array.from({ length: 10_000 }, (_, i) => `client-${i}`);
const CONSUMES = 1_000_000;
const options = { time: 0, iterations: 5, warmupIterations: 1, warmupTime: 0 };
const retained = new Map<string, unknown>();

async function weft(algorithm: Algorithm): Promise<unknown> {
  const limiter = new RateLimiter({ algorithm, limit: 100, windowMs: 60_000 });
  for (let i = 0; i < CONSUMES; i++) await limiter.consume(KEYS[i % 10_000]!);
  return limiter;
}

async function flexible(): Promise<unknown> {
  const limiter = new RateLimiterMemory({ points: 100, duration: 60 });
  for (let i = 0; i < CONSUMES; i++) await limiter.consume(KEYS[i % 10_000]!);
  return limiter;
}

async function expressStore(): Promise<unknown> {
  const store = new ExpressMemoryStore();
  store.init({ windowMs: 60_000 } as never);
  for (let i = 0; i < CONSUMES; i++) await store.increment(KEYS[i % 10_000]!);
  return store;
}

describe('memory store: 10,000 keys round-robin, 1,000,000 consumes', () => {
  // rate-limiter-flexible runs first and last, to show how much the shared machine drifted during the run.
  const rlf = async () => void retained.set('RateLimiterMemory', await flexible());
  bench('rate-limiter-flexible RateLimiterMemory', rlf, options);
  bench(
    'express-rate-limit MemoryStore',
    async () => void retained.set('express-rate-limit', await expressStore()),
    options,
  );
  for (const algorithm of ['fixed-window', 'gcra', 'token-bucket', 'sliding-window'] as const) {
    bench(
      `@weft/ratelimit ${algorithm}`,
      async () => void retained.set(`weft ${algorithm}`, await weft(algorithm)),
      options,
    );
  }
  bench('rate-limiter-flexible RateLimiterMemory (again)', rlf, options);
});

afterAll(async () => {
  // Heap held by each store once its 10,000 keys are in: measured one at a time, after full collections, with
  // the store still referenced. (Timers the peers left from the timed runs are in both readings, so they cancel.)
  retained.clear();
  const contenders: [string, () => Promise<unknown>][] = [
    ['@weft/ratelimit fixed-window', () => weft('fixed-window')],
    ['@weft/ratelimit gcra', () => weft('gcra')],
    ['rate-limiter-flexible RateLimiterMemory', flexible],
    ['express-rate-limit MemoryStore', expressStore],
  ];
  const lines: string[] = [];
  for (const [name, run] of contenders) {
    const before = heapUsedMb();
    const held = await run();
    const after = heapUsedMb();
    lines.push(`${name}: ${(after - before).toFixed(1)} MB`);
    retained.set(name, held);
  }
  console.log(`\nheap held for 10,000 keys after 1,000,000 consumes:\n  ${lines.join('\n  ')}`);
}, 60_000);
