/**
 * Schedule and fire 100,000 timeouts in virtual time (the same seeded delays, 1..30,000 ms, then advance 30 s):
 * `Reactor` vs `@sinonjs/fake-timers`, and a `TimerWheel` driven by a `Reactor`. Node's own timers cannot be fired
 * without waiting 30 real seconds, so they are not in this group. Every run checks that all 100,000 fired.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { bench, describe } from 'vitest';
import { Reactor, TimerWheel } from '../src/index';
import { randomDelays } from './delays';

const FIRE = 100_000;
const delays = randomDelays(FIRE);
const fast = { time: 0, iterations: 5, warmupTime: 0, warmupIterations: 1 };
const slow = { time: 0, iterations: 2, warmupTime: 0, warmupIterations: 0 };

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
    async () => {
      const reactor = new Reactor();
      for (let i = 0; i < FIRE; i++) reactor.setTimeout(count, delays[i]!);
      reactor.advance(30_000);
      check('Reactor');
    },
    fast,
  );

  bench(
    '@sinonjs/fake-timers',
    async () => {
      const clock = FakeTimers.createClock();
      for (let i = 0; i < FIRE; i++) clock.setTimeout(count, delays[i]!);
      clock.tick(30_000);
      check('fake-timers');
    },
    slow,
  );

  bench(
    'TimerWheel on a Reactor (tickMs 10)',
    async () => {
      const reactor = new Reactor();
      const wheel = new TimerWheel({ tickMs: 10, clock: reactor });
      for (let i = 0; i < FIRE; i++) wheel.schedule(count, delays[i]!);
      reactor.advance(30_010);
      check('TimerWheel');
    },
    fast,
  );
});
