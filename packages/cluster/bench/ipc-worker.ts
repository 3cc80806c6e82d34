// Benchmark worker: measures request/response round trips to the primary, sequential and 32 in flight.
import { RateLimiterCluster } from 'rate-limiter-flexible';
import { worker } from '../src/index';

const durationMs = Number(process.env.BENCH_DURATION_MS ?? 2_000);
const mode = process.env.BENCH_MODE;

let consume: (key: string) => Promise<unknown>;
if (mode === 'weft') {
  consume = (key) => worker.request({ type: 'consume', key }, { timeoutMs: 3_000 });
} else {
  const limiter = new RateLimiterCluster({ keyPrefix: 'bench', points: 1e9, duration: 60, timeoutMs: 3_000 });
  consume = (key) => limiter.consume(key);
}

async function measure(inFlight: number): Promise<number> {
  let ops = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const lane = async (lane: number) => {
    while (performance.now() < deadline) {
      await consume(`key-${lane}-${ops & 63}`);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, i) => lane(i)));
  return ops / ((performance.now() - started) / 1_000);
}

// Both answer with the same RateLimiterMemory result; check it once so the benchmark measures real work.
const probe = (await consume('probe')) as { remainingPoints?: unknown };
if (typeof probe?.remainingPoints !== 'number') throw new Error(`unexpected answer ${JSON.stringify(probe)}`);
// Warm up (JIT, and rate-limiter-flexible's init handshake), then measure.
await measure(1);
const sequential = await measure(1);
const concurrent = await measure(32);
process.send?.({ bench: { sequential, concurrent } });
