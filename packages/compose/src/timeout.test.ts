import { describe, expect, expectTypeOf, it } from 'vitest';
import { compose } from './compose';
import { isTimeoutError, TimeoutError } from './errors';
import { type TimerClock, timeout } from './timeout';
import type { Middleware } from './types';

interface Ctx {
  log: string[];
}

/** A virtual clock: timers fire only when the test advances time. */
class ManualClock implements TimerClock {
  private now = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): number {
    const id = ++this.nextId;
    this.timers.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in deadline order, then lets promise continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
      await flush();
    }
    this.now = target;
    await flush();
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

describe('timeout', () => {
  it('resolves with the middleware result when it settles in time, and clears its timer', async () => {
    const clock = new ManualClock();
    const gate = deferred();
    const composed = compose<Ctx>([
      timeout(
        100,
        async () => {
          await gate.promise;
          return 'on time';
        },
        { clock },
      ),
    ]);
    const result = composed({ log: [] });
    await clock.advance(99);
    gate.resolve();
    await expect(result).resolves.toBe('on time');
    expect(clock.pending).toBe(0);
  });

  it('rejects with a TimeoutError when the middleware has not settled in time', async () => {
    const clock = new ManualClock();
    const never = new Promise<void>(() => {});
    const composed = compose<Ctx>([
      timeout(
        250,
        async function stuck() {
          await never;
        },
        { clock },
      ),
    ]);
    let outcome: unknown = 'pending';
    composed({ log: [] }).catch((error: unknown) => {
      outcome = error;
    });
    await clock.advance(249);
    expect(outcome).toBe('pending');
    await clock.advance(1);
    expect(outcome).toBeInstanceOf(TimeoutError);
    const error = outcome as TimeoutError;
    expect(error.name).toBe('TimeoutError');
    expect(error.code).toBe('ERR_WEFT_TIMEOUT');
    expect(error.timeoutMs).toBe(250);
    expect(error.message).toBe('middleware stuck did not settle within 250 ms');
    expect(isTimeoutError(error)).toBe(true);
    expect(isTimeoutError(new Error('x'))).toBe(false);
  });

  it('counts the downstream time too, and stops the wrapped middleware from entering further layers', async () => {
    const clock = new ManualClock();
    const auth = deferred();
    const ctx: Ctx = { log: [] };
    let lateNext: unknown;
    const composed = compose<Ctx>([
      timeout(
        50,
        async (_c, next) => {
          await auth.promise;
          lateNext = await next().catch((error: unknown) => error);
        },
        { clock },
      ),
      (c) => {
        c.log.push('handler: never');
      },
    ]);
    const run = composed(ctx).catch((error: unknown) => error);
    await clock.advance(50);
    const error = await run;
    expect(isTimeoutError(error)).toBe(true);
    auth.resolve();
    await flush();
    expect(lateNext).toBe(error);
    expect(ctx.log).toEqual([]);
  });

  it('times out a slow downstream', async () => {
    const clock = new ManualClock();
    const never = new Promise<void>(() => {});
    const composed = compose<Ctx>([
      timeout(10, (_c, next) => next(), { clock }),
      async () => {
        await never;
      },
    ]);
    const run = composed({ log: [] }).catch((error: unknown) => error);
    await clock.advance(10);
    expect(isTimeoutError(await run)).toBe(true);
  });

  it('passes a synchronous result or throw through at once and clears the timer', async () => {
    const clock = new ManualClock();
    const boom = new Error('sync');
    await expect(compose<Ctx>([timeout(10, () => 'sync value', { clock })])({ log: [] })).resolves.toBe('sync value');
    const throwing: Middleware<Ctx> = () => {
      throw boom;
    };
    await expect(compose<Ctx>([timeout(10, throwing, { clock })])({ log: [] })).rejects.toBe(boom);
    expect(clock.pending).toBe(0);
  });

  it('passes a rejection through and clears the timer', async () => {
    const clock = new ManualClock();
    const boom = new Error('async');
    const composed = compose<Ctx>([
      timeout(
        10,
        async () => {
          throw boom;
        },
        { clock },
      ),
    ]);
    await expect(composed({ log: [] })).rejects.toBe(boom);
    expect(clock.pending).toBe(0);
  });

  it("uses Node's timers by default", async () => {
    // Real timers on purpose, 1 ms: this is what the default clock is.
    const composed = compose<Ctx>([timeout(1, () => new Promise<void>(() => {}))]);
    await expect(composed({ log: [] })).rejects.toBeInstanceOf(TimeoutError);
  });

  it("accepts a clock shaped like @weft/reactor's Clock", () => {
    // The shape of @weft/reactor's Clock (which compose may not import): generic setTimeout, handle objects.
    interface TimerHandle {
      unref?(): unknown;
    }
    interface ReactorClock {
      now(): number;
      setTimeout<A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): TimerHandle;
      clearTimeout(handle: TimerHandle | undefined | null): void;
    }
    expectTypeOf<ReactorClock>().toExtend<TimerClock>();
  });

  it('throws a RangeError or TypeError naming a bad argument', () => {
    const ok: Middleware<Ctx> = (_c, next) => next();
    expect(() => timeout(-1, ok)).toThrow(RangeError);
    expect(() => timeout(-1, ok)).toThrow('ms: expected a number of milliseconds in [0, 2147483647], got -1');
    expect(() => timeout(Number.NaN, ok)).toThrow('got NaN');
    expect(() => timeout(2 ** 31, ok)).toThrow(RangeError);
    expect(() => timeout('5' as never, ok)).toThrow('got "5"');
    expect(() => timeout(5, 'mw' as never)).toThrow('middleware: expected a function, got "mw"');
    expect(() => timeout(5, ok, { clock: {} as never })).toThrow(
      'options.clock: expected an object with setTimeout and clearTimeout methods, got an object',
    );
  });
});
