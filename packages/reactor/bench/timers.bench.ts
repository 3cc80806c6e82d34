/**
 * Timer throughput, one run, peers side by side.
 *
 * 1. Schedule then cancel 1,000,000 timeouts with random delays from 1 to 30,000 ms (the same seeded delays for
 *    everyone): `TimerWheel` on real time vs Node's `setTimeout`/`clearTimeout`, and `Reactor` vs
 *    `@sinonjs/fake-timers` for virtual time. One batched loop per iteration; every handle is kept, as a caller
 *    that may cancel must. The slow peers get fewer iterations so the file stays well under a minute; each figure
 *    is a mean per iteration, so the ratios compare like with like.
 * 2. Schedule and fire 100,000 timeouts in virtual time (delays 1..30,000 ms, then advance 30 s): `Reactor` vs
 *    fake-timers, and a `TimerWheel` driven by a `Reactor`. Node's own timers cannot be fired without waiting 30
 *    real seconds, so they are not in this group.
 *
 * Bytes per pending timeout are measured by `bench/memory.ts` (run with `node --expose-gc --import tsx`).
 */
import FakeTimers from '@sinonjs/fake-timers';
import { afterAll, bench, describe } from 'vitest';
import { Reactor, TimerWheel, type WheelTimeout } from '../src/index';

const MILLION = 1_000_000;
const FIRE = 100_000;

function randomDelays(count: number): Float64Array {
  let seed = 20_240_601;
  const delays = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    seed = (seed * 16_807) % 2_147_483_647;
    delays[i] = 1 + (seed % 30_000);
  }
  return delays;
}

const delays = randomDelays(MILLION);
const noop = () => {};
const fast = { time: 0, iterations: 5, warmupTime: 0, warmupIterations: 1 };
const slow = { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 0 };
const slowest = { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 };

describe('schedule then cancel 1,000,000 timeouts (random 1..30,000 ms)', () => {
  const wheel = new TimerWheel({ tickMs: 10 });
  const wheelHandles: WheelTimeout[] = new Array(MILLION);
  afterAll(() => wheel.close());
  bench(
    'TimerWheel (real time)',
    () => {
      for (let i = 0; i < MILLION; i++) wheelHandles[i] = wheel.schedule(noop, delays[i]!);
      for (let i = 0; i < MILLION; i++) wheel.cancel(wheelHandles[i]!);
    },
    fast,
  );

  const nodeHandles: NodeJS.Timeout[] = new Array(MILLION);
  bench(
    'node setTimeout/clearTimeout',
    () => {
      for (let i = 0; i < MILLION; i++) nodeHandles[i] = setTimeout(noop, delays[i]!);
      for (let i = 0; i < MILLION; i++) clearTimeout(nodeHandles[i]);
    },
    slowest,
  );

  const reactor = new Reactor();
  const reactorHandles: ReturnType<Reactor['setTimeout']>[] = new Array(MILLION);
  bench(
    'Reactor (virtual time)',
    () => {
      for (let i = 0; i < MILLION; i++) reactorHandles[i] = reactor.setTimeout(noop, delays[i]!);
      for (let i = 0; i < MILLION; i++) reactor.clearTimeout(reactorHandles[i]);
    },
    slow,
  );

  const clock = FakeTimers.createClock();
  const fakeHandles: FakeTimers.TimerId[] = new Array(MILLION);
  bench(
    '@sinonjs/fake-timers (virtual time)',
    () => {
      for (let i = 0; i < MILLION; i++) fakeHandles[i] = clock.setTimeout(noop, delays[i]!);
      for (let i = 0; i < MILLION; i++) clock.clearTimeout(fakeHandles[i]!);
    },
    slowest,
  );
});

describe('schedule and fire 100,000 timeouts in virtual time (random 1..30,000 ms)', () => {
  let fired = 0;
  const count = () => {
    fired++;
  };
  const check = (name: string) => {
    if (fired !== FIRE) throw new Error(`${name}: fired ${fired} of ${FIRE}`);
    fired = 0;
  };

  bench(
    'Reactor',
    () => {
      const reactor = new Reactor();
      for (let i = 0; i < FIRE; i++) reactor.setTimeout(count, delays[i]!);
      reactor.advance(30_000);
      check('Reactor');
    },
    fast,
  );

  bench(
    '@sinonjs/fake-timers',
    () => {
      const clock = FakeTimers.createClock();
      for (let i = 0; i < FIRE; i++) clock.setTimeout(count, delays[i]!);
      clock.tick(30_000);
      check('fake-timers');
    },
    slow,
  );

  bench(
    'TimerWheel on a Reactor (tickMs 10)',
    () => {
      const reactor = new Reactor();
      const wheel = new TimerWheel({ tickMs: 10, clock: reactor });
      for (let i = 0; i < FIRE; i++) wheel.schedule(count, delays[i]!);
      reactor.advance(30_010);
      check('TimerWheel');
    },
    fast,
  );
});
