import fc from 'fast-check';
import { expect, it, describe as suite } from 'vitest';
import { systemClock } from './clock';
import { isReactorError } from './errors';
import { Reactor } from './reactor';
import { TimerWheel, type WheelTimeout } from './timer-wheel';

suite('TimerWheel in virtual time', () => {
  it('fires no earlier than the delay and at most one tick late, for any delays and scheduling times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2_000 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (tickMs, slots, plan) => {
          const reactor = new Reactor({ now: 7 });
          const wheel = new TimerWheel({ tickMs, slots, clock: reactor });
          const lateness: number[] = [];
          for (const [startAt, delay] of plan) {
            reactor.setTimeout(() => {
              const scheduledAt = reactor.now();
              wheel.schedule(() => lateness.push(reactor.now() - scheduledAt - delay), delay);
            }, startAt);
          }
          reactor.advance(300 + 2_000 + 2 * tickMs);
          expect(lateness).toHaveLength(plan.length);
          for (const late of lateness) {
            expect(late).toBeGreaterThanOrEqual(0);
            expect(late).toBeLessThanOrEqual(tickMs);
          }
          expect(wheel.size).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fires timeouts due in the same tick in scheduling order, and later ticks after earlier ones', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 10, clock: reactor });
    const seen: string[] = [];
    wheel.schedule(() => seen.push('b@25'), 25);
    wheel.schedule(() => seen.push('a@12'), 12);
    wheel.schedule(() => seen.push('c@21'), 21);
    wheel.schedule(() => seen.push('d@30'), 30);
    reactor.advance(30);
    expect(seen).toEqual(['a@12', 'b@25', 'c@21', 'd@30']);
  });

  it('handles delays of many revolutions', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 1, slots: 8, clock: reactor });
    const firedAt: number[] = [];
    wheel.schedule(() => firedAt.push(reactor.now()), 100);
    wheel.schedule(() => firedAt.push(reactor.now()), 3);
    reactor.advance(99);
    expect(firedAt).toEqual([3]);
    reactor.advance(1);
    expect(firedAt).toEqual([3, 100]);
  });

  it('cancel() returns true once for a pending timeout, false for fired, cancelled or foreign handles', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 5, clock: reactor });
    const seen: string[] = [];
    const kept = wheel.schedule(() => seen.push('kept'), 10);
    const dropped = wheel.schedule(() => seen.push('dropped'), 10);
    expect(wheel.size).toBe(2);
    expect(wheel.cancel(dropped)).toBe(true);
    expect(wheel.cancel(dropped)).toBe(false);
    expect(wheel.size).toBe(1);
    reactor.advance(10);
    expect(seen).toEqual(['kept']);
    expect(wheel.cancel(kept)).toBe(false);
    expect(wheel.cancel(-1 as WheelTimeout)).toBe(false);
    expect(wheel.cancel(Number.NaN as WheelTimeout)).toBe(false);
    expect(wheel.cancel(0.5 as WheelTimeout)).toBe(false);
    expect(wheel.cancel('1' as never)).toBe(false);
    expect(new TimerWheel({ tickMs: 5, clock: reactor }).cancel(kept)).toBe(false);
  });

  it('a stale handle never cancels a newer timeout that reuses its storage', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 5, clock: reactor });
    const seen: string[] = [];
    const old = wheel.schedule(() => seen.push('old'), 10);
    wheel.cancel(old);
    const fresh = wheel.schedule(() => seen.push('fresh'), 10);
    expect(fresh).not.toBe(old);
    expect(wheel.cancel(old)).toBe(false);
    reactor.advance(10);
    expect(seen).toEqual(['fresh']);
  });

  it('lets a callback cancel another timeout of the same tick, and schedule new ones', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 10, clock: reactor });
    const seen: string[] = [];
    wheel.schedule(() => {
      seen.push('first');
      wheel.cancel(second);
      wheel.schedule(() => seen.push(`third@${reactor.now()}`), 10);
    }, 10);
    const second = wheel.schedule(() => seen.push('second'), 10);
    reactor.advance(40);
    expect(seen).toEqual(['first', 'third@20']);
  });

  it('runs one unref’d underlying timer only while it holds timeouts', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 10, clock: reactor });
    expect(reactor.pending).toBe(0);
    const a = wheel.schedule(() => {}, 50);
    wheel.schedule(() => {}, 500);
    expect(reactor.pending).toBe(1);
    expect(reactor.alive).toBe(false);
    wheel.cancel(a);
    reactor.advance(500);
    expect(wheel.size).toBe(0);
    expect(reactor.pending).toBe(0);
    // Idle for a long while, then used again: the wheel jumps ahead instead of visiting every tick.
    reactor.advance(1_000_000);
    const firedAt: number[] = [];
    const start = reactor.now();
    wheel.schedule(() => firedAt.push(reactor.now() - start), 25);
    reactor.advance(30);
    expect(firedAt).toEqual([30]);
    expect(reactor.pending).toBe(0);
  });

  it('keeps the process alive when unref is false', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 10, clock: reactor, unref: false });
    let fired = false;
    wheel.schedule(() => {
      fired = true;
    }, 100);
    reactor.run();
    expect(fired).toBe(true);
  });

  it('fires the rest of a tick when one callback throws, then surfaces the first error', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 10, clock: reactor });
    const seen: string[] = [];
    const boom = new Error('boom');
    wheel.schedule(() => {
      throw boom;
    }, 10);
    wheel.schedule(() => seen.push('after'), 10);
    wheel.schedule(() => seen.push('later'), 30);
    expect(() => reactor.advance(10)).toThrow(boom);
    expect(seen).toEqual(['after']);
    reactor.advance(20);
    expect(seen).toEqual(['after', 'later']);
  });

  it('close() drops pending timeouts, stops its timer and refuses new ones', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 10, clock: reactor });
    let fired = 0;
    wheel.schedule(() => fired++, 10);
    wheel.close();
    wheel.close();
    expect(wheel.closed).toBe(true);
    expect(wheel.size).toBe(0);
    expect(reactor.pending).toBe(0);
    reactor.advance(100);
    expect(fired).toBe(0);
    let caught: unknown;
    try {
      wheel.schedule(() => {}, 1);
    } catch (error) {
      caught = error;
    }
    expect(isReactorError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'ERR_WEFT_TIMER_WHEEL_CLOSED' });
  });

  it('grows past its initial capacity and keeps every timeout', () => {
    const reactor = new Reactor();
    const wheel = new TimerWheel({ tickMs: 1, clock: reactor });
    let fired = 0;
    const handles: WheelTimeout[] = [];
    for (let i = 0; i < 5_000; i++) handles.push(wheel.schedule(() => fired++, 1 + (i % 97)));
    for (let i = 0; i < 5_000; i += 2) wheel.cancel(handles[i]!);
    expect(wheel.size).toBe(2_500);
    reactor.advance(100);
    expect(fired).toBe(2_500);
  });

  it('rejects bad options and arguments with errors that name them', () => {
    expect(() => new TimerWheel({ tickMs: 0 })).toThrow(RangeError);
    expect(() => new TimerWheel({ tickMs: -5 })).toThrow(
      /tickMs: expected a finite number of milliseconds > 0, got -5/,
    );
    expect(() => new TimerWheel({ tickMs: Number.NaN })).toThrow(RangeError);
    expect(() => new TimerWheel({ tickMs: 10, slots: 0 })).toThrow(/slots: expected an integer/);
    expect(() => new TimerWheel({ tickMs: 10, slots: 2.5 })).toThrow(RangeError);
    expect(() => new TimerWheel({ tickMs: 10, clock: {} as never })).toThrow(/clock: expected a Clock/);
    expect(() => new TimerWheel(undefined as never)).toThrow(TypeError);
    expect(new TimerWheel({ tickMs: 10, slots: 100 }).slots).toBe(128);
    const wheel = new TimerWheel({ tickMs: 10, clock: new Reactor() });
    expect(() => wheel.schedule('x' as never, 10)).toThrow(/fn: expected a function, got "x"/);
    expect(() => wheel.schedule(() => {}, -1)).toThrow(
      /delayMs: expected a finite number of milliseconds >= 0, got -1/,
    );
    expect(() => wheel.schedule(() => {}, Number.NaN)).toThrow(RangeError);
    expect(() => wheel.schedule(() => {}, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

suite('TimerWheel on the system clock', () => {
  it('fires real timeouts in order and never before their delay', async () => {
    const wheel = new TimerWheel({ tickMs: 5, clock: systemClock, unref: false });
    const started = systemClock.now();
    const fired: { delay: number; elapsed: number }[] = [];
    await new Promise<void>((resolve) => {
      for (const delay of [40, 12, 25]) {
        wheel.schedule(() => {
          fired.push({ delay, elapsed: systemClock.now() - started });
          if (fired.length === 3) resolve();
        }, delay);
      }
    });
    expect(fired.map((f) => f.delay)).toEqual([12, 25, 40]);
    for (const { delay, elapsed } of fired) expect(elapsed).toBeGreaterThanOrEqual(delay);
    expect(wheel.size).toBe(0);
    wheel.close();
  });
});
