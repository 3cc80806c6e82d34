/**
 * Timer throughput, one run, peers side by side (schedule-and-fire is in fire.bench.ts).
 *
 * Schedule then cancel 1,000,000 timeouts with random delays from 1 to 30,000 ms (the same seeded delays for
 * everyone): `TimerWheel` on real time vs Node's `setTimeout`/`clearTimeout`, and `Reactor` vs
 * `@sinonjs/fake-timers` for virtual time. One batched loop per iteration; every handle is kept, as a caller that
 * may cancel must. The slow peers get fewer iterations to keep the run bounded; each figure is a mean per
 * iteration, so the ratios compare like with like. The functions are `async` only because tinybench otherwise calls
 * a synchronous one once more per phase to find out whether it returns a promise (an unmeasured 1M-timer run).
 *
 * Bytes per pending timeout are measured by `bench/memory.ts` (run with `node --expose-gc --import tsx`).
 */
import FakeTimers from '@sinonjs/fake-timers';
import { afterAll, bench, describe } from 'vitest';
import { Reactor, TimerWheel, type WheelTimeout } from '../src/index';
import { randomDelays } from './delays';

const MILLION = 1_000_000;
const delays = randomDelays(MILLION);
const noop = () => {};
const fast = { time: 0, iterations: 5, warmupTime: 0, warmupIterations: 1 };
const slow = { time: 0, iterations: 2, warmupTime: 0, warmupIterations: 0 };
const slowest = { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 };

describe('schedule then cancel 1,000,000 timeouts (random 1..30,000 ms)', () => {
  const wheel = new TimerWheel({ tickMs: 10 });
  const wheelHandles: WheelTimeout[] = new Array(MILLION);
  afterAll(() => wheel.close());
  bench(
    'TimerWheel (real time)',
    async () => {
      for (let i = 0; i < MILLION; i++) wheelHandles[i] = wheel.schedule(noop, delays[i]!);
      for (let i = 0; i < MILLION; i++) wheel.cancel(wheelHandles[i]!);
    },
    fast,
  );

  const nodeHandles: NodeJS.Timeout[] = new Array(MILLION);
  bench(
    'node setTimeout/clearTimeout',
    async () => {
      for (let i = 0; i < MILLION; i++) nodeHandles[i] = setTimeout(noop, delays[i]!);
      for (let i = 0; i < MILLION; i++) clearTimeout(nodeHandles[i]);
    },
    slowest,
  );

  const reactor = new Reactor();
  const reactorHandles: ReturnType<Reactor['setTimeout']>[] = new Array(MILLION);
  bench(
    'Reactor (virtual time)',
    async () => {
      for (let i = 0; i < MILLION; i++) reactorHandles[i] = reactor.setTimeout(noop, delays[i]!);
      for (let i = 0; i < MILLION; i++) reactor.clearTimeout(reactorHandles[i]);
    },
    slow,
  );

  const clock = FakeTimers.createClock();
  const fakeHandles: FakeTimers.TimerId[] = new Array(MILLION);
  bench(
    '@sinonjs/fake-timers (virtual time)',
    async () => {
      for (let i = 0; i < MILLION; i++) fakeHandles[i] = clock.setTimeout(noop, delays[i]!);
      for (let i = 0; i < MILLION; i++) clock.clearTimeout(fakeHandles[i]!);
    },
    slowest,
  );
});
