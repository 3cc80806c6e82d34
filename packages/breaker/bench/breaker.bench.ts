import { bench, describe } from 'vitest';
import {
  cockatielBreaker,
  cockatielBreakerWithTimeout,
  noop,
  noopWithSignal,
  opossumBreaker,
  weftBreaker,
  weftCountBreaker,
} from './peers';

// Each task makes BATCH calls one after another, awaiting each, so time per call = task time / BATCH and the
// overhead of a breaker = its time per call minus the bare call's. Bounded run time per task.
const BATCH = 1_000;
const options = { time: 1_500, warmupTime: 300 };

describe(`${BATCH} awaited calls of an async no-op`, () => {
  bench(
    'bare call',
    async () => {
      for (let i = 0; i < BATCH; i++) await noop();
    },
    options,
  );

  const weft = weftBreaker();
  bench(
    '@weft/breaker execute (time window)',
    async () => {
      for (let i = 0; i < BATCH; i++) await weft.execute(noop);
    },
    options,
  );

  const weftCount = weftCountBreaker();
  bench(
    '@weft/breaker execute (count window)',
    async () => {
      for (let i = 0; i < BATCH; i++) await weftCount.execute(noop);
    },
    options,
  );

  const opossum = opossumBreaker();
  bench(
    'opossum fire (timeout: false)',
    async () => {
      for (let i = 0; i < BATCH; i++) await opossum.fire();
    },
    options,
  );

  const cockatiel = cockatielBreaker();
  bench(
    'cockatiel circuitBreaker(SamplingBreaker)',
    async () => {
      for (let i = 0; i < BATCH; i++) await cockatiel.execute(noop);
    },
    options,
  );
});

describe(`${BATCH} awaited calls of an async no-op with a 10 s timeout`, () => {
  // The floor of any timeout that aborts a signal: Node builds an AbortSignal slowly (an EventTarget whose
  // prototype is swapped), and a call cannot share one without aborting its neighbours.
  bench(
    'floor: bare call + new AbortController().signal',
    async () => {
      for (let i = 0; i < BATCH; i++) {
        new AbortController().signal;
        await noop();
      }
    },
    options,
  );

  const weft = weftBreaker(10_000);
  bench(
    '@weft/breaker execute, timeoutMs, fn declares no signal',
    async () => {
      for (let i = 0; i < BATCH; i++) await weft.execute(noop);
    },
    options,
  );
  bench(
    '@weft/breaker execute, timeoutMs, fn(signal)',
    async () => {
      for (let i = 0; i < BATCH; i++) await weft.execute(noopWithSignal);
    },
    options,
  );

  const opossum = opossumBreaker(10_000);
  bench(
    'opossum fire, timeout',
    async () => {
      for (let i = 0; i < BATCH; i++) await opossum.fire();
    },
    options,
  );

  const cockatiel = cockatielBreakerWithTimeout(10_000);
  bench(
    'cockatiel wrap(timeout, circuitBreaker)',
    async () => {
      for (let i = 0; i < BATCH; i++) await cockatiel.execute(noop);
    },
    options,
  );
});
