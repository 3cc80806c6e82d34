// The supervisor's timing decisions (ready deadline, drain deadline, restart backoff and its reset, the crash-loop
// window) in virtual time: real forked workers, but every delay is measured on a test clock that only moves when
// the test advances it, so each deadline is checked to the millisecond (not fired 1 ms early, fired on the dot).
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { constant, exponential } from '@weft/retry';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock, SuperviseOptions, Supervisor, SupervisorEvents, TimerHandle, WorkerInfo } from './index';
import { supervise } from './index';

/** Enough of `@weft/reactor`'s `Reactor` for the supervisor: timers fire only inside `advance()`, in order. */
class TestClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<TimerHandle, { at: number; seq: number; run: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout<A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): TimerHandle {
    const handle: TimerHandle = {};
    const delay = typeof ms === 'number' && ms >= 1 ? ms : 1; // Node's rule
    this.#timers.set(handle, { at: this.#now + delay, seq: this.#seq++, run: () => fn(...args) });
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined | null): void {
    if (handle) this.#timers.delete(handle);
  }

  /** Runs every timer due within `ms`, in deadline order, with `now()` at each deadline; ends at the window's end. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [TimerHandle, { at: number; seq: number; run: () => void }] | undefined;
      for (const entry of this.#timers) {
        const t = entry[1];
        if (t.at <= end && (next === undefined || t.at < next[1].at || (t.at === next[1].at && t.seq < next[1].seq))) {
          next = entry;
        }
      }
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].run();
    }
    this.#now = end;
  }

  /** The delays of the timers still armed, from now. */
  get armed(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }
}

const workerModule = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
let current: Supervisor | undefined;

function start(clock: TestClock, mode: string, options: SuperviseOptions): Supervisor {
  current = supervise({
    workers: 1,
    exec: workerModule,
    execArgv: ['--import', 'tsx', '--conditions', 'source'],
    env: { FIXTURE_MODE: mode },
    signals: false,
    exitProcess: false,
    clock,
    ...options,
  });
  return current;
}

/** Resolves with the arguments of the supervisor's next `name` event; bounded in real time. */
function next<K extends keyof SupervisorEvents>(sup: Supervisor, name: K): Promise<SupervisorEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event within 10 s`)), 10_000);
    sup.once(name, ((...args: SupervisorEvents[K]) => {
      clearTimeout(timer);
      resolve(args);
    }) as never);
  });
}

/** Whether the supervisor has signalled the worker's process (set synchronously by `ChildProcess.kill`). */
function killed(info: WorkerInfo): boolean {
  return cluster.workers?.[info.id]?.process.killed ?? true;
}

afterEach(async () => {
  // A failed assertion must not leave processes or the process-wide supervisor behind.
  for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
  await current?.shutdown();
  current = undefined;
});

describe('supervisor deadlines and restart decisions in virtual time (real workers, test clock)', () => {
  it('kills a worker that is not ready at readyTimeoutMs, not a millisecond before, and respawns it after the backoff', async () => {
    const clock = new TestClock();
    const sup = start(clock, 'never-ready', {
      readyWhen: 'ready',
      readyTimeoutMs: 30_000,
      restart: { backoff: constant(5_000), maxRestarts: 5, withinMs: 60_000 },
    });
    const [first] = await next(sup, 'online');
    expect(clock.armed).toEqual([30_000]);
    clock.advance(29_999);
    expect(killed(first)).toBe(false);
    const exit = next(sup, 'exit');
    const restart = next(sup, 'restart');
    clock.advance(1);
    expect(killed(first)).toBe(true);
    expect((await exit).slice(1)).toEqual([null, 'SIGKILL', false]);
    expect((await restart)[1]).toBe(5_000);

    let forks = 0;
    sup.on('fork', () => forks++);
    clock.advance(4_999);
    expect(forks).toBe(0);
    clock.advance(1);
    expect(forks).toBe(1);
    expect(sup.workers()).toMatchObject([{ slot: 0, state: 'starting', restarts: 1 }]);
  }, 20_000);

  it('SIGKILLs a draining worker still there at shutdownTimeoutMs, not a millisecond before', async () => {
    const clock = new TestClock();
    const sup = start(clock, 'stubborn', { shutdownTimeoutMs: 10_000, readyTimeoutMs: 30_000 });
    const [info] = await next(sup, 'ready');
    expect(clock.armed).toEqual([]); // the ready deadline went with readiness
    const exit = next(sup, 'exit');
    const stopped = sup.shutdown();
    expect(clock.armed).toEqual([10_000]);
    clock.advance(9_999);
    expect(killed(info)).toBe(false);
    clock.advance(1);
    expect(killed(info)).toBe(true);
    expect((await exit).slice(1)).toEqual([null, 'SIGKILL', true]);
    await stopped;
    expect(sup.workers()).toEqual([]);
  }, 20_000);

  it('grows the restart delay with each crash, and starts the backoff over after a worker stayed up for withinMs', async () => {
    const clock = new TestClock();
    const sup = start(clock, 'http', {
      readyTimeoutMs: 5_000,
      shutdownTimeoutMs: 10_000,
      restart: { backoff: exponential({ initialMs: 100, maxMs: 10_000, jitter: 'none' }), withinMs: 10_000 },
    });
    const delays: number[] = [];
    sup.on('restart', (_worker, delayMs) => delays.push(delayMs));
    const crash = async (info: WorkerInfo) => {
      const exited = next(sup, 'exit');
      process.kill(info.pid as number, 'SIGKILL');
      await exited;
    };

    let [info] = await next(sup, 'ready'); // at 0
    await crash(info); // up 0 ms: first delay
    let ready = next(sup, 'ready');
    clock.advance(100);
    [info] = await ready; // at 100
    await crash(info); // up 0 ms: the delay doubles
    ready = next(sup, 'ready');
    clock.advance(200);
    [info] = await ready; // at 300
    clock.advance(10_000); // up for withinMs; its ready deadline was cleared, so it is not killed meanwhile
    expect(killed(info)).toBe(false);
    await crash(info); // the backoff starts over
    expect(delays).toEqual([100, 200, 100]);

    let forks = 0;
    sup.on('fork', () => forks++);
    clock.advance(99);
    expect(forks).toBe(0);
    clock.advance(1);
    expect(forks).toBe(1);
    expect(sup.workers()).toMatchObject([{ state: 'starting', restarts: 3 }]);

    // A worker that drains in time clears its kill timer: nothing is left armed.
    await sup.shutdown();
    expect(clock.armed).toEqual([]);
  }, 30_000);

  it('counts a crash loop only within withinMs: exits spread wider are respawned, the next close one stops it', async () => {
    const clock = new TestClock();
    const sup = start(clock, 'crash', {
      restart: { backoff: constant(1_000), maxRestarts: 1, withinMs: 10_000 },
    });
    const started = sup.whenReady();
    const delays: number[] = [];
    let forks = 0;
    sup.on('restart', (_worker, delayMs) => delays.push(delayMs));
    sup.on('fork', () => forks++);

    let restart = next(sup, 'restart');
    await restart; // exit at 0
    restart = next(sup, 'restart');
    clock.advance(10_000); // respawned at 1,000; its exit at 10,000 is the only one within the last 10 s
    await restart;
    expect(delays).toEqual([1_000, 1_000]);

    const loop = next(sup, 'crashLoop');
    clock.advance(999);
    expect(forks).toBe(2);
    clock.advance(1); // respawned at 11,000; its exit is the second within 10 s, one more than maxRestarts
    expect(forks).toBe(3);
    const [error] = await loop;
    expect(error).toMatchObject({ code: 'ERR_WEFT_CLUSTER_CRASH_LOOP', slot: 0 });
    await expect(started).rejects.toBe(error);
    expect(delays).toHaveLength(2);
  }, 20_000);
});
