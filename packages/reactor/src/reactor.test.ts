import fc from 'fast-check';
import { expect, it, describe as suite } from 'vitest';
import { isAbortError } from './abort';
import { isReactorError, ReactorError } from './errors';
import { Reactor } from './reactor';
import { sleep } from './sleep';

suite('Reactor as a clock', () => {
  it('starts at 0 (or the given time) and leaves now() at the end of an advanced window', () => {
    const reactor = new Reactor();
    expect(reactor.now()).toBe(0);
    reactor.advance(250);
    expect(reactor.now()).toBe(250);
    expect(new Reactor({ now: 1_000 }).now()).toBe(1_000);
  });

  it('fires timers in deadline order, FIFO for equal deadlines, with now() equal to each deadline', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    const at = (tag: string) => () => seen.push(`${tag}@${reactor.now()}`);
    reactor.setTimeout(at('c'), 30);
    reactor.setTimeout(at('a1'), 10);
    reactor.setTimeout(at('b'), 20);
    reactor.setTimeout(at('a2'), 10);
    reactor.setTimeout(at('a3'), 10);
    reactor.advance(25);
    expect(seen).toEqual(['a1@10', 'a2@10', 'a3@10', 'b@20']);
    expect(reactor.now()).toBe(25);
    reactor.advance(5);
    expect(seen.at(-1)).toBe('c@30');
  });

  it('fires any set of timers in (deadline, insertion) order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 200 }), (delays) => {
        const reactor = new Reactor();
        const fired: number[] = [];
        delays.forEach((delay, i) => {
          reactor.setTimeout(() => fired.push(i), delay);
        });
        reactor.advance(50);
        const expected = delays.map((delay, i) => ({ delay, i })).sort((x, y) => x.delay - y.delay || x.i - y.i);
        expect(fired).toEqual(expected.map((e) => e.i));
      }),
    );
  });

  it('passes the extra arguments through', () => {
    const reactor = new Reactor();
    const got: unknown[] = [];
    reactor.setTimeout((a: number, b: string) => got.push(a, b), 5, 1, 'two');
    reactor.setImmediate((c: boolean) => got.push(c), true);
    reactor.nextTick((d: null) => got.push(d), null);
    reactor.advance(5);
    expect(got).toEqual([null, true, 1, 'two']);
  });

  it('runs timers that callbacks schedule inside the window, and not those beyond it', () => {
    const reactor = new Reactor();
    const seen: number[] = [];
    reactor.setTimeout(() => {
      seen.push(reactor.now());
      reactor.setTimeout(() => {
        seen.push(reactor.now());
        reactor.setTimeout(() => seen.push(reactor.now()), 100);
      }, 10);
    }, 10);
    reactor.advance(50);
    expect(seen).toEqual([10, 20]);
    expect(reactor.pending).toBe(1);
    expect(reactor.nextTimerAt).toBe(120);
    reactor.advance(70);
    expect(seen).toEqual([10, 20, 120]);
  });

  it('treats odd delays as Node does (NaN, negative, zero, too large: 1 ms)', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    reactor.setTimeout(() => seen.push('nan'), Number.NaN);
    reactor.setTimeout(() => seen.push('neg'), -5);
    reactor.setTimeout(() => seen.push('zero'), 0);
    reactor.setTimeout(() => seen.push('huge'), 2 ** 31);
    reactor.setTimeout(() => seen.push('none'));
    reactor.advance(0.5);
    expect(seen).toEqual([]);
    reactor.advance(0.5);
    expect(seen).toEqual(['nan', 'neg', 'zero', 'huge', 'none']);
  });

  it('rejects bad input with errors that name it', () => {
    const reactor = new Reactor();
    expect(() => reactor.setTimeout('x' as never, 1)).toThrow(TypeError);
    expect(() => reactor.setTimeout('x' as never, 1)).toThrow(/callback: expected a function, got "x"/);
    expect(() => reactor.setInterval(undefined as never, 1)).toThrow(TypeError);
    expect(() => reactor.setImmediate(1 as never)).toThrow(TypeError);
    expect(() => reactor.nextTick({} as never)).toThrow(/got an object/);
    expect(() => reactor.advance(-1)).toThrow(RangeError);
    expect(() => reactor.advance(Number.NaN)).toThrow(/ms: expected a finite number of milliseconds >= 0, got NaN/);
    expect(() => reactor.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => reactor.addSource({} as never)).toThrow(/source: expected an object with a poll\(now\) method/);
    expect(() => new Reactor({ loopLimit: 0 })).toThrow(/loopLimit: expected an integer >= 1, got 0/);
    expect(() => new Reactor({ now: Number.NaN })).toThrow(RangeError);
  });

  it('ignores clearing what is not its own timer', () => {
    const reactor = new Reactor();
    const other = new Reactor();
    const fired: string[] = [];
    const mine = reactor.setTimeout(() => fired.push('mine'), 1);
    other.clearTimeout(mine);
    reactor.clearTimeout(undefined);
    reactor.clearTimeout(null);
    reactor.clearTimeout({});
    reactor.advance(1);
    expect(fired).toEqual(['mine']);
  });
});

suite('Reactor timers', () => {
  it('repeats an interval until it is cleared inside its own callback', () => {
    const reactor = new Reactor();
    const ticks: number[] = [];
    const interval = reactor.setInterval(() => {
      ticks.push(reactor.now());
      if (ticks.length === 3) reactor.clearInterval(interval);
    }, 10);
    reactor.advance(100);
    expect(ticks).toEqual([10, 20, 30]);
    expect(reactor.pending).toBe(0);
  });

  it('does not run a timer cleared by an earlier callback due at the same time', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    reactor.setTimeout(() => {
      seen.push('first');
      reactor.clearTimeout(second);
    }, 10);
    const second = reactor.setTimeout(() => seen.push('second'), 10);
    reactor.advance(10);
    expect(seen).toEqual(['first']);
    expect(second.active).toBe(false);
  });

  it('refresh() re-arms a timer from now, also after it fired, but not after it was cleared', () => {
    const reactor = new Reactor();
    const seen: number[] = [];
    const timer = reactor.setTimeout(() => seen.push(reactor.now()), 10);
    reactor.advance(6);
    timer.refresh();
    reactor.advance(6);
    expect(seen).toEqual([]);
    reactor.advance(4);
    expect(seen).toEqual([16]);
    timer.refresh();
    reactor.advance(10);
    expect(seen).toEqual([16, 26]);
    timer.close();
    timer.refresh();
    reactor.advance(100);
    expect(seen).toEqual([16, 26]);
  });

  it('keeps the loop consistent when a callback throws: the error surfaces, the rest still runs next time', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    const boom = new Error('boom');
    reactor.setTimeout(() => {
      throw boom;
    }, 5);
    reactor.setTimeout(() => seen.push('after'), 5);
    const interval = reactor.setInterval(() => {
      seen.push('tick');
      throw boom;
    }, 20);
    expect(() => reactor.advance(10)).toThrow(boom);
    expect(reactor.now()).toBe(5);
    reactor.advance(5);
    expect(seen).toEqual(['after']);
    expect(() => reactor.advance(20)).toThrow(boom);
    expect(interval.active).toBe(true);
    reactor.clearInterval(interval);
    expect(reactor.pending).toBe(0);
  });
});

suite('Reactor phases', () => {
  it('runs one iteration in libuv order: timers, pending, prepare, poll, check, close', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    const record = (tag: string) => () => seen.push(`${tag}:${reactor.phase}`);
    let readable = true;
    const source = reactor.addSource({
      poll: () => {
        if (!readable) return undefined;
        readable = false;
        return [record('io')];
      },
    });
    const prepare = reactor.addPrepare(record('prepare'));
    reactor.onClose(record('close'));
    reactor.setImmediate(record('immediate'));
    reactor.queuePending(record('pending'));
    reactor.setTimeout(record('timer'), 1);
    reactor.advance(1);
    expect(seen.slice(0, 6)).toEqual([
      'pending:pending',
      'prepare:prepare',
      'io:poll',
      'immediate:check',
      'close:close',
      'prepare:prepare',
    ]);
    expect(seen[6]).toBe('timer:timers');
    source.close();
    prepare.close();
    expect(reactor.phase).toBeUndefined();
  });

  it('drains nextTicks after every callback, before the next one, including ticks queued by ticks', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    reactor.setTimeout(() => {
      seen.push('t1');
      reactor.nextTick(() => {
        seen.push('tick1');
        reactor.nextTick(() => seen.push('tick1.1'));
      });
    }, 5);
    reactor.setTimeout(() => seen.push('t2'), 5);
    reactor.advance(5);
    expect(seen).toEqual(['t1', 'tick1', 'tick1.1', 't2']);
  });

  it('runs immediates queued by immediates in the next iteration, after the timers due by then', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    reactor.setTimeout(() => {
      seen.push('timer');
      reactor.setImmediate(() => {
        seen.push('A');
        reactor.setImmediate(() => seen.push('C'));
        reactor.setTimeout(() => seen.push('T'), 1);
      });
      reactor.setImmediate(() => seen.push('B'));
    }, 1);
    reactor.run();
    expect(seen).toEqual(['timer', 'A', 'B', 'C', 'T']);
  });

  it('cancels an immediate with clearImmediate', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    const immediate = reactor.setImmediate(() => seen.push('cancelled'));
    reactor.setImmediate(() => seen.push('kept'));
    reactor.clearImmediate(immediate);
    expect(reactor.pending).toBe(1);
    reactor.run();
    expect(seen).toEqual(['kept']);
  });

  it('waits in the poll phase until a source says it is ready', () => {
    const reactor = new Reactor();
    const events = [30, 45];
    const seen: string[] = [];
    const source = reactor.addSource({
      nextEventAt: () => events[0],
      poll: (now) => {
        const ready: (() => void)[] = [];
        while (events[0] !== undefined && events[0] <= now) {
          const at = events.shift()!;
          ready.push(() => seen.push(`data@${at}:${reactor.now()}:${reactor.phase}`));
        }
        return ready;
      },
    });
    reactor.setTimeout(() => seen.push(`timer@${reactor.now()}`), 40);
    reactor.advance(100);
    expect(seen).toEqual(['data@30:30:poll', 'timer@40', 'data@45:45:poll']);
    expect(reactor.pending).toBe(1);
    source.close();
    expect(reactor.pending).toBe(0);
  });
});

suite('Reactor drivers', () => {
  it('run() goes until no ref’d handle is left; unref’d timers do not keep it alive', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    const background = reactor.setTimeout(() => seen.push('background'), 500).unref();
    reactor.setTimeout(() => seen.push('work'), 100);
    expect(background.hasRef()).toBe(false);
    expect(reactor.alive).toBe(true);
    reactor.run();
    expect(seen).toEqual(['work']);
    expect(reactor.now()).toBe(100);
    expect(reactor.alive).toBe(false);
    expect(reactor.pending).toBe(1);
    background.ref();
    reactor.run();
    expect(seen).toEqual(['work', 'background']);
    expect(reactor.now()).toBe(500);
  });

  it('run() fires an unref’d timer that comes due before the last ref’d one', () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    reactor.setTimeout(() => seen.push('unrefd'), 50).unref();
    reactor.setTimeout(() => seen.push('refd'), 100);
    reactor.run();
    expect(seen).toEqual(['unrefd', 'refd']);
  });

  it('runOnce() runs one iteration, waiting for the next timer, and reports whether the loop is alive', () => {
    const reactor = new Reactor();
    const seen: number[] = [];
    reactor.setTimeout(() => seen.push(reactor.now()), 10);
    reactor.setTimeout(() => seen.push(reactor.now()), 20);
    expect(reactor.runOnce()).toBe(true);
    expect(reactor.now()).toBe(10);
    expect(seen).toEqual([10]);
    expect(reactor.runOnce()).toBe(false);
    expect(seen).toEqual([10, 20]);
    expect(reactor.runOnce()).toBe(false);
    expect(reactor.now()).toBe(20);
  });

  it('stops a runaway interval in run() with a clear ReactorError', () => {
    const reactor = new Reactor({ loopLimit: 1_000 });
    let count = 0;
    reactor.setInterval(() => count++, 10);
    let caught: unknown;
    try {
      reactor.run();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReactorError);
    expect(isReactorError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'ERR_WEFT_REACTOR_LOOP_LIMIT', name: 'ReactorError' });
    expect((caught as Error).message).toMatch(/still alive after 1000 iterations.*runaway interval/);
    expect(count).toBeLessThanOrEqual(1_000);
    expect(count).toBeGreaterThan(900);
  });

  it('stops advance() when immediates keep re-queueing themselves without time moving', () => {
    const reactor = new Reactor({ loopLimit: 500 });
    const again = () => reactor.setImmediate(again);
    again();
    expect(() => reactor.advance(10)).toThrow(
      expect.objectContaining({ code: 'ERR_WEFT_REACTOR_LOOP_LIMIT', message: expect.stringMatching(/t=0/) }),
    );
  });

  it('reports a stall when only a ref’d source with nothing to wait for is left', () => {
    const reactor = new Reactor();
    const source = reactor.addSource({ poll: () => undefined });
    expect(() => reactor.run()).toThrow(expect.objectContaining({ code: 'ERR_WEFT_REACTOR_STALLED' }));
    source.unref();
    expect(() => reactor.run()).not.toThrow();
  });

  it('runAsync() rejects with a stall when only a ref’d source with nothing to wait for is left', async () => {
    const reactor = new Reactor();
    const source = reactor.addSource({ poll: () => undefined });
    reactor.setTimeout(() => {}, 10);
    await expect(reactor.runAsync()).rejects.toMatchObject({ code: 'ERR_WEFT_REACTOR_STALLED' });
    expect(reactor.now()).toBe(10);
    source.close();
    await expect(reactor.runAsync()).resolves.toBeUndefined();
  });

  it('runAsync() keeps going when a promise continuation schedules more work', async () => {
    const reactor = new Reactor();
    const seen: number[] = [];
    reactor.setTimeout(() => {
      void Promise.resolve().then(() => reactor.setTimeout(() => seen.push(reactor.now()), 5));
    }, 5);
    await reactor.runAsync();
    expect(seen).toEqual([10]);
  });

  it('refuses a second driver while an async one is running', async () => {
    const reactor = new Reactor();
    reactor.setTimeout(() => {}, 10);
    const running = reactor.advanceAsync(10);
    expect(() => reactor.advance(1)).toThrow(expect.objectContaining({ code: 'ERR_WEFT_REACTOR_REENTRANT' }));
    await running;
    expect(reactor.now()).toBe(10);
  });

  it('refuses to be driven from inside its own callbacks', () => {
    const reactor = new Reactor();
    let caught: unknown;
    reactor.setTimeout(() => {
      try {
        reactor.advance(1);
      } catch (error) {
        caught = error;
      }
    }, 1);
    reactor.run();
    expect(caught).toMatchObject({ code: 'ERR_WEFT_REACTOR_REENTRANT' });
  });

  it('counts every scheduled thing in pending', () => {
    const reactor = new Reactor();
    reactor.setTimeout(() => {}, 1).unref();
    reactor.setInterval(() => {}, 1);
    reactor.setImmediate(() => {}).unref();
    reactor.nextTick(() => {});
    reactor.queuePending(() => {});
    reactor.onClose(() => {});
    expect(reactor.pending).toBe(6);
  });

  it('advanceAsync() lets promise continuations run between callbacks, so sleep chains progress', async () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    const worker = async (name: string, stepMs: number) => {
      for (let i = 1; i <= 3; i++) {
        await sleep(stepMs, { clock: reactor });
        seen.push(`${name}${i}@${reactor.now()}`);
      }
    };
    const done = Promise.all([worker('a', 10), worker('b', 15)]);
    await reactor.advanceAsync(45);
    await done;
    expect(seen).toEqual(['a1@10', 'b1@15', 'a2@20', 'b2@30', 'a3@30', 'b3@45']);
  });

  it('advanceAsync() runs microtasks after each callback, after its nextTicks, as Node does', async () => {
    const reactor = new Reactor();
    const seen: string[] = [];
    reactor.setTimeout(() => {
      seen.push('t1');
      void Promise.resolve().then(() => {
        seen.push('micro1');
        reactor.nextTick(() => seen.push('tick-from-micro'));
      });
      reactor.nextTick(() => seen.push('tick1'));
    }, 5);
    reactor.setTimeout(() => seen.push('t2'), 5);
    await reactor.advanceAsync(5);
    expect(seen).toEqual(['t1', 'tick1', 'micro1', 'tick-from-micro', 't2']);
  });

  it('runAsync() runs until a chain of awaited sleeps is done', async () => {
    const reactor = new Reactor();
    let finishedAt = -1;
    const task = (async () => {
      for (let i = 0; i < 100; i++) await sleep(1_000, { clock: reactor });
      finishedAt = reactor.now();
    })();
    await reactor.runAsync();
    await task;
    expect(finishedAt).toBe(100_000);
    expect(reactor.pending).toBe(0);
  });

  it('a sleep aborted on a reactor clears its timer', async () => {
    const reactor = new Reactor();
    const controller = new AbortController();
    const slept = sleep(1_000, { clock: reactor, signal: controller.signal }).catch((e: unknown) => e);
    expect(reactor.pending).toBe(1);
    reactor.setTimeout(() => controller.abort(new Error('stop')), 500);
    await reactor.advanceAsync(500);
    const error = await slept;
    expect(isAbortError(error)).toBe(true);
    expect(reactor.pending).toBe(0);
  });

  it('rejects advanceAsync() with a RangeError for a bad window', async () => {
    await expect(new Reactor().advanceAsync(-1)).rejects.toThrow(RangeError);
  });

  it('fires 100,000 timers with random deadlines in order', () => {
    const reactor = new Reactor();
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let last = 0;
    let fired = 0;
    let outOfOrder = 0;
    const onFire = () => {
      if (reactor.now() < last) outOfOrder++;
      last = reactor.now();
      fired++;
    };
    for (let i = 0; i < 100_000; i++) reactor.setTimeout(onFire, 1 + Math.floor(random() * 30_000));
    reactor.run();
    expect(fired).toBe(100_000);
    expect(outOfOrder).toBe(0);
  });
});
