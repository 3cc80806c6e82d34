import { stat } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it, describe as suite } from 'vitest';
import { Reactor } from './reactor';

/**
 * What a scenario may do. Each scenario runs twice: once on real Node (the vitest worker's own event loop) and once
 * on a Reactor, and must record the same order. Only scenarios where Node itself is deterministic are here: no race
 * between a timer and anything that depends on how much real time has passed.
 */
interface Loop {
  setTimeout(fn: () => void, ms: number): void;
  setImmediate(fn: () => void): void;
  nextTick(fn: () => void): void;
  /** Runs `fn` inside an I/O callback (poll phase). */
  io(fn: () => void): void;
}

interface Scenario {
  name: string;
  events: number;
  run(loop: Loop, log: (event: string) => void): void;
}

const here = fileURLToPath(import.meta.url);

function onNode(scenario: Scenario): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const guard = setTimeout(() => reject(new Error(`${scenario.name}: only saw ${seen.join(', ')}`)), 5_000);
    const log = (event: string) => {
      seen.push(event);
      if (seen.length === scenario.events) {
        clearTimeout(guard);
        // Let anything unexpected still land, so an extra event fails the comparison.
        setTimeout(() => resolve(seen), 20);
      }
    };
    scenario.run(
      {
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        setImmediate: (fn) => setImmediate(fn),
        nextTick: (fn) => process.nextTick(fn),
        io: (fn) => stat(here, () => fn()),
      },
      log,
    );
  });
}

async function onReactor(scenario: Scenario): Promise<string[]> {
  const reactor = new Reactor();
  const seen: string[] = [];
  const io = (fn: () => void) => {
    // I/O completes "soon": in the poll phase of a later iteration, 0.5 ms in.
    const readyAt = reactor.now() + 0.5;
    let delivered = false;
    const source = reactor.addSource({
      nextEventAt: (now) => (delivered ? undefined : Math.max(now, readyAt)),
      poll: (now) => {
        if (delivered || now < readyAt) return undefined;
        delivered = true;
        source.close();
        return [fn];
      },
    });
  };
  scenario.run(
    {
      setTimeout: (fn, ms) => reactor.setTimeout(fn, ms),
      setImmediate: (fn) => reactor.setImmediate(fn),
      nextTick: (fn) => reactor.nextTick(fn),
      io,
    },
    (event) => seen.push(event),
  );
  await reactor.runAsync();
  return seen;
}

const scenarios: Scenario[] = [
  {
    name: 'inside an I/O callback, setImmediate runs before setTimeout(0)',
    events: 2,
    run: (loop, log) =>
      loop.io(() => {
        loop.setTimeout(() => log('timeout'), 0);
        loop.setImmediate(() => log('immediate'));
      }),
  },
  {
    name: 'nextTick, then promise continuations, then immediates, then timers, from an I/O callback',
    events: 5,
    run: (loop, log) =>
      loop.io(() => {
        loop.setTimeout(() => log('timeout'), 0);
        loop.setImmediate(() => log('immediate'));
        void Promise.resolve().then(() => log('microtask'));
        loop.nextTick(() => log('tick'));
        log('io');
      }),
  },
  {
    name: 'nextTick callbacks run before the next timer due at the same time',
    events: 5,
    run: (loop, log) => {
      loop.setTimeout(() => {
        log('t1');
        loop.nextTick(() => log('t1.tick'));
        void Promise.resolve().then(() => log('t1.micro'));
      }, 5);
      loop.setTimeout(() => {
        log('t2');
        loop.nextTick(() => log('t2.tick'));
      }, 5);
    },
  },
  {
    name: 'a timer callback: its setImmediate runs before its setTimeout(0)',
    events: 3,
    run: (loop, log) =>
      loop.setTimeout(() => {
        log('timer');
        loop.setTimeout(() => log('timeout'), 0);
        loop.setImmediate(() => log('immediate'));
      }, 1),
  },
  {
    name: 'immediates queued by an immediate run after the whole current batch',
    events: 5,
    run: (loop, log) =>
      loop.io(() => {
        loop.setImmediate(() => {
          log('A');
          loop.nextTick(() => log('A.tick'));
          loop.setImmediate(() => log('C'));
        });
        loop.setImmediate(() => log('B'));
        loop.nextTick(() => log('io.tick'));
      }),
  },
  {
    name: 'timers with different delays fire by deadline, equal ones in scheduling order',
    events: 4,
    run: (loop, log) => {
      loop.setTimeout(() => log('40'), 40);
      loop.setTimeout(() => log('10a'), 10);
      loop.setTimeout(() => log('10b'), 10);
      loop.setTimeout(() => log('25'), 25);
    },
  },
];

suite('phase order matches real Node', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const real = await onNode(scenario);
      const virtual = await onReactor(scenario);
      expect(real).toHaveLength(scenario.events);
      expect(virtual).toEqual(real);
    });
  }
});
