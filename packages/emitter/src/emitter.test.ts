import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from './emitter';
import { isUnhandledError, UnhandledError } from './errors';

type Events = {
  data: [chunk: string];
  pair: [a: number, b: number];
  many: unknown[];
  tick: [];
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Emitter: registration and emit', () => {
  it('calls listeners synchronously in registration order with the emitted arguments', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    e.on('data', (chunk) => calls.push(`a:${chunk}`));
    e.addListener('data', (chunk) => calls.push(`b:${chunk}`));
    e.on('data', (chunk) => calls.push(`c:${chunk}`));
    expect(e.emit('data', 'x')).toBe(true);
    calls.push('after');
    expect(calls).toEqual(['a:x', 'b:x', 'c:x', 'after']);
  });

  it('returns false and does nothing for an event without listeners', () => {
    const e = new Emitter<Events>();
    expect(e.emit('data', 'x')).toBe(false);
    e.on('pair', () => {});
    expect(e.emit('data', 'x')).toBe(false);
  });

  it('passes exactly the arguments given, for 0 to 6 arguments, with this = the emitter', () => {
    const e = new Emitter<Events>();
    const seen: unknown[][] = [];
    const thisValues: unknown[] = [];
    function record(this: unknown, ...args: unknown[]) {
      seen.push(args);
      thisValues.push(this);
    }
    for (const listenerCount of [1, 2]) {
      seen.length = 0;
      e.removeAllListeners();
      for (let i = 0; i < listenerCount; i++) e.on('many', record);
      e.emit('many');
      e.emit('many', 1);
      e.emit('many', 1, 2);
      e.emit('many', 1, 2, 3);
      e.emit('many', 1, 2, 3, 4);
      e.emit('many', 1, 2, 3, 4, 5, 6);
      e.emit('many', undefined);
      const expected = [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4, 5, 6], [undefined]].flatMap((args) =>
        Array.from({ length: listenerCount }, () => args),
      );
      expect(seen).toEqual(expected);
      expect(seen.map((args) => args.length)).toEqual(expected.map((args) => args.length));
    }
    expect(thisValues.every((value) => value === e)).toBe(true);
  });

  it('calls a listener added twice twice, and removes one instance at a time', () => {
    const e = new Emitter<Events>();
    const fn = vi.fn();
    e.on('tick', fn).on('tick', fn);
    e.emit('tick');
    expect(fn).toHaveBeenCalledTimes(2);
    e.off('tick', fn);
    e.emit('tick');
    expect(fn).toHaveBeenCalledTimes(3);
    e.off('tick', fn);
    expect(e.emit('tick')).toBe(false);
  });

  it('prepends listeners before the existing ones', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    e.on('tick', () => calls.push('b'));
    e.prependListener('tick', () => calls.push('a'));
    e.on('tick', () => calls.push('c'));
    e.prependOnceListener('tick', () => calls.push('first-once'));
    e.emit('tick');
    e.emit('tick');
    expect(calls).toEqual(['first-once', 'a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('lets an event name be any string, including Object.prototype names, and symbols', () => {
    const e = new Emitter<Record<string, unknown[]>>();
    const calls: string[] = [];
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', '0']) {
      expect(e.emit(name)).toBe(false);
      e.on(name, () => calls.push(name));
      expect(e.emit(name)).toBe(true);
    }
    const sym = Symbol('s');
    (e as unknown as Emitter<Record<symbol, unknown[]>>).on(sym as never, () => calls.push('symbol'));
    (e as unknown as EventEmitter).emit(sym);
    expect(calls).toEqual(['toString', '__proto__', 'constructor', 'hasOwnProperty', '0', 'symbol']);
    expect(e.eventNames()).toEqual(['0', 'toString', '__proto__', 'constructor', 'hasOwnProperty', sym]);
  });
});

describe('Emitter: listenerAdded, the hook for subclasses', () => {
  it('runs after every way of adding a listener, and not for a registration whose signal already aborted', () => {
    const added: PropertyKey[] = [];
    class Watched extends Emitter<{ a: []; b: []; c: []; d: []; e: [] }> {
      protected override listenerAdded(eventName: PropertyKey): void {
        added.push(eventName);
        // The listener is in place when the hook runs.
        expect(this.listenerCount(eventName as 'a')).toBeGreaterThan(0);
      }
    }
    const e = new Watched();
    const noop = () => {};
    e.on('a', noop).addListener('b', noop).once('c', noop).prependListener('d', noop).prependOnceListener('e', noop);
    e.on('a', noop);
    e.on('a', noop, { signal: AbortSignal.abort() });
    expect(added).toEqual(['a', 'b', 'c', 'd', 'e', 'a']);
  });
});

describe('Emitter: the listener set is fixed when emit starts', () => {
  it('still calls a listener removed by an earlier listener during the same emit, but not in the next', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    const b = () => calls.push('b');
    e.on('tick', () => {
      calls.push('a');
      e.off('tick', b);
    });
    e.on('tick', b);
    e.emit('tick');
    e.emit('tick');
    expect(calls).toEqual(['a', 'b', 'a']);
  });

  it('does not call a listener added during the emit until the next emit', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    e.on('tick', () => {
      calls.push('a');
      if (calls.length === 1) e.on('tick', () => calls.push('late'));
    });
    e.emit('tick');
    expect(calls).toEqual(['a']);
    e.emit('tick');
    expect(calls).toEqual(['a', 'a', 'late']);
  });

  it('keeps the snapshot when a single listener adds another or removeAllListeners runs mid-emit', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    e.on('tick', () => {
      calls.push('a');
      e.removeAllListeners('tick');
      e.on('tick', () => calls.push('new'));
    });
    e.on('tick', () => calls.push('b'));
    e.emit('tick');
    e.emit('tick');
    expect(calls).toEqual(['a', 'b', 'new']);
  });
});

describe('Emitter: once', () => {
  it('runs a once listener a single time and removes it before it runs', () => {
    const e = new Emitter<Events>();
    const counts: number[] = [];
    e.once('data', () => counts.push(e.listenerCount('data')));
    expect(e.listenerCount('data')).toBe(1);
    e.emit('data', 'x');
    e.emit('data', 'y');
    expect(counts).toEqual([0]);
  });

  it('runs a once listener only once when a listener re-emits the event before it', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    e.on('data', (chunk) => {
      calls.push(`on:${chunk}`);
      if (chunk === 'outer') e.emit('data', 'inner');
    });
    e.once('data', (chunk) => calls.push(`once:${chunk}`));
    e.emit('data', 'outer');
    expect(calls).toEqual(['on:outer', 'on:inner', 'once:inner']);
  });

  it('can be removed by the original function before it fires, and listeners() shows the original', () => {
    const e = new Emitter<Events>();
    const fn = vi.fn();
    e.once('data', fn);
    expect(e.listeners('data')).toEqual([fn]);
    expect(e.rawListeners('data')[0]).not.toBe(fn);
    expect((e.rawListeners('data')[0] as unknown as { listener: unknown }).listener).toBe(fn);
    expect(e.listenerCount('data', fn)).toBe(1);
    e.off('data', fn);
    expect(e.emit('data', 'x')).toBe(false);
    expect(fn).not.toHaveBeenCalled();
  });

  it('gives rawListeners() a stable wrapper that fires the once listener once, and off() accepts it', () => {
    const e = new Emitter<Events>();
    const fn = vi.fn();
    e.once('data', fn);
    const [raw] = e.rawListeners('data');
    expect(e.rawListeners('data')[0]).toBe(raw);
    raw!('x');
    raw!('y');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith('x');
    expect(e.listenerCount('data')).toBe(0);
    e.once('data', fn);
    const [again] = e.rawListeners('data');
    e.off('data', again!);
    expect(e.emit('data', 'z')).toBe(false);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('forwards every argument and the return value through the once wrapper', () => {
    const e = new Emitter<Events>();
    const seen: unknown[][] = [];
    e.once('many', (...args: unknown[]) => seen.push(args));
    e.emit('many', 1, 2, 3, 4, 5);
    expect(seen).toEqual([[1, 2, 3, 4, 5]]);
    const raw = new Emitter<Events>();
    raw.once('tick', () => 42);
    expect(raw.rawListeners('tick')[0]!()).toBe(42);
  });
  it('calls a rawListeners() wrapper with the emitter as this, as node:events does', () => {
    for (const target of [new Emitter<Events>(), new EventEmitter()]) {
      let seen: unknown;
      (target as Emitter<Events>).once('tick', function (this: unknown) {
        seen = this;
      });
      const [raw] = (target as Emitter<Events>).rawListeners('tick');
      raw!.call({ other: true });
      expect(seen).toBe(target);
    }
  });

  it('keeps once listeners mixed with plain ones in order, and fires each once across nested emits', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    const plain = (chunk: string) => calls.push(`plain:${chunk}`);
    const first = (chunk: string) => {
      calls.push(`once1:${chunk}`);
      if (chunk === 'outer') e.emit('data', 'inner');
    };
    e.once('data', first);
    e.on('data', plain);
    e.prependOnceListener('data', (chunk) => calls.push(`once0:${chunk}`));
    e.once('data', (chunk) => calls.push(`once2:${chunk}`));
    expect(e.listeners('data')).toHaveLength(4);
    e.emit('data', 'outer');
    expect(calls).toEqual(['once0:outer', 'once1:outer', 'plain:inner', 'once2:inner', 'plain:outer']);
    expect(e.listeners('data')).toEqual([plain]);
    expect(e.rawListeners('data')).toEqual([plain]);
  });

  it('removes a once listener from a list by its rawListeners() wrapper and leaves a plain list behind', () => {
    const e = new Emitter<Events>();
    const a = vi.fn();
    const b = vi.fn();
    e.on('data', a).once('data', b).on('data', a);
    const raw = e.rawListeners('data')[1]!;
    expect(e.listenerCount('data', raw)).toBe(1);
    e.off('data', raw);
    expect(e.listeners('data')).toEqual([a, a]);
    e.emit('data', 'x');
    expect(a).toHaveBeenCalledTimes(2);
    expect(b).not.toHaveBeenCalled();
  });
});

describe('Emitter: event names after the last listener goes', () => {
  it('lists no names once empty, and names in the order node:events gives when events come back', () => {
    const ours = new Emitter<Events>();
    const node = new EventEmitter();
    const fn = () => {};
    for (const target of [ours, node] as unknown as Emitter<Events>[]) {
      target.on('data', fn);
      target.off('data', fn);
      expect(target.eventNames()).toEqual([]);
      target.once('tick', fn);
      target.emit('tick');
      target.on('pair', fn);
      target.on('tick', fn);
      target.on('data', fn);
    }
    expect(ours.eventNames()).toEqual(node.eventNames());
    expect(ours.eventNames()).toEqual(['pair', 'tick', 'data']);
  });

  it('reuses the emptied event for on/off and once/emit cycles without changing what listeners see', () => {
    const e = new Emitter<Events>();
    const fn = vi.fn();
    for (let i = 0; i < 3; i++) {
      e.once('data', fn);
      expect(e.listenerCount('data')).toBe(1);
      expect(e.eventNames()).toEqual(['data']);
      expect(e.emit('data', String(i))).toBe(true);
      expect(e.emit('data', 'again')).toBe(false);
      e.on('data', fn);
      e.off('data', fn);
      expect(e.listenerCount('data')).toBe(0);
      expect(e.eventNames()).toEqual([]);
    }
    expect(fn.mock.calls).toEqual([['0'], ['1'], ['2']]);
    e.removeAllListeners();
    e.on('tick', fn);
    expect(e.eventNames()).toEqual(['tick']);
  });
});

describe('Emitter: removal', () => {
  it('removes the most recently added instance, as node:events does', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    e.on('tick', a).on('tick', b).on('tick', a);
    e.off('tick', a);
    e.emit('tick');
    expect(calls).toEqual(['a', 'b']);
  });

  it('ignores removing a listener that is not registered', () => {
    const e = new Emitter<Events>();
    const a = vi.fn();
    e.off('tick', a);
    e.on('tick', a);
    e.off('tick', () => {});
    e.removeListener('data', () => {});
    e.emit('tick');
    expect(a).toHaveBeenCalledTimes(1);
  });

  it('removeAllListeners(name) removes one event and removeAllListeners() every event', () => {
    const e = new Emitter<Events>();
    e.on('tick', () => {}).on('tick', () => {});
    e.on('data', () => {});
    e.removeAllListeners('tick');
    expect(e.eventNames()).toEqual(['data']);
    e.on('pair', () => {});
    e.removeAllListeners();
    expect(e.eventNames()).toEqual([]);
    expect(e.emit('data', 'x')).toBe(false);
  });

  it('tracks counts and names through add and remove in any order', () => {
    const e = new Emitter<Events>();
    const a = () => {};
    const b = () => {};
    e.on('data', a).on('tick', b).on('data', b);
    expect(e.listenerCount('data')).toBe(2);
    expect(e.listenerCount('data', b)).toBe(1);
    expect(e.listenerCount('pair')).toBe(0);
    expect(e.listeners('data')).toEqual([a, b]);
    expect(e.eventNames()).toEqual(['data', 'tick']);
    e.off('data', a);
    expect(e.listeners('data')).toEqual([b]);
    e.off('tick', b);
    expect(e.eventNames()).toEqual(['data']);
    e.off('data', b);
    expect(e.eventNames()).toEqual([]);
    e.on('tick', a);
    expect(e.eventNames()).toEqual(['tick']);
  });

  it('returns copies from listeners() and rawListeners()', () => {
    const e = new Emitter<Events>();
    const a = () => {};
    e.on('tick', a).on('tick', a);
    e.listeners('tick').pop();
    e.rawListeners('tick').pop();
    expect(e.listenerCount('tick')).toBe(2);
  });
});

describe('Emitter: meta events', () => {
  it("emits 'newListener' before adding, with the original function of a once listener", () => {
    const e = new Emitter<Events>();
    const seen: unknown[] = [];
    const fn = () => {};
    e.on('newListener', (name, listener) => {
      seen.push([name, listener === fn, e.listenerCount('data')]);
    });
    e.once('data', fn);
    e.on('data', fn);
    expect(seen).toEqual([
      ['data', true, 0],
      ['data', true, 1],
    ]);
  });

  it("lets a 'newListener' listener add a listener that then runs before the new one", () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    e.once('newListener', (name) => {
      if (name === 'tick') e.on('tick', () => calls.push('added by newListener'));
    });
    e.on('tick', () => calls.push('added'));
    e.emit('tick');
    expect(calls).toEqual(['added by newListener', 'added']);
  });

  it("emits 'removeListener' after removal, once per listener, also from removeAllListeners", () => {
    const e = new Emitter<Events>();
    const seen: unknown[] = [];
    const a = () => {};
    const b = () => {};
    e.on('data', a).once('data', b).on('tick', a);
    e.on('removeListener', (name, listener) => seen.push([name, listener, e.listenerCount(name as 'data')]));
    e.off('data', a);
    expect(seen).toEqual([['data', a, 1]]);
    e.on('data', a);
    e.removeAllListeners('data');
    expect(seen.slice(1)).toEqual([
      ['data', a, 1],
      ['data', b, 0],
    ]);
    seen.length = 0;
    e.removeAllListeners();
    expect(seen).toEqual([['tick', a, 0]]);
    expect(e.eventNames()).toEqual([]);
  });

  it("emits 'removeListener' when a once listener fires", () => {
    const e = new Emitter<Events>();
    const fn = () => {};
    const removed: unknown[] = [];
    e.on('removeListener', (_name, listener) => removed.push(listener));
    e.once('tick', fn);
    e.emit('tick');
    expect(removed).toEqual([fn]);
  });
});

describe('Emitter: errors', () => {
  it("throws the emitted Error when nothing listens for 'error'", () => {
    const e = new Emitter<Events>();
    const boom = new Error('boom');
    expect(() => e.emit('error', boom)).toThrow(boom);
  });

  it('wraps a non-Error in an UnhandledError that says what was emitted', () => {
    const e = new Emitter<Events>();
    let caught: unknown;
    try {
      e.emit('error', 'disk full');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnhandledError);
    expect(isUnhandledError(caught)).toBe(true);
    expect((caught as UnhandledError).message).toBe('Unhandled error. ("disk full")');
    expect((caught as UnhandledError).context).toBe('disk full');
    expect((caught as UnhandledError).cause).toBe('disk full');
    expect((caught as UnhandledError).code).toBe('ERR_UNHANDLED_ERROR');
    expect(() => (e as unknown as EventEmitter).emit('error')).toThrow('Unhandled error. (undefined)');
  });

  it("calls 'error' listeners instead of throwing when there are some", () => {
    const e = new Emitter<Events>();
    const seen: unknown[] = [];
    e.on('error', (error) => seen.push(error));
    expect(e.emit('error', 'x')).toBe(true);
    expect(seen).toEqual(['x']);
  });

  it('recognises the error node:events throws as an unhandled error too', () => {
    let caught: unknown;
    try {
      new EventEmitter().emit('error', 'x');
    } catch (error) {
      caught = error;
    }
    expect(isUnhandledError(caught)).toBe(true);
    expect(isUnhandledError(new Error('x'))).toBe(false);
    expect(isUnhandledError(null)).toBe(false);
  });

  it('propagates a throwing listener and skips the later ones, as node:events does', () => {
    const e = new Emitter<Events>();
    const later = vi.fn();
    e.on('tick', () => {
      throw new Error('listener failed');
    });
    e.on('tick', later);
    expect(() => e.emit('tick')).toThrow('listener failed');
    expect(later).not.toHaveBeenCalled();
  });
});

describe('Emitter: bad input', () => {
  it('rejects a non-function listener with a TypeError naming the event', () => {
    const e = new Emitter<Events>();
    expect(() => e.on('data', 42 as never)).toThrow(TypeError);
    expect(() => e.on('data', 42 as never)).toThrow('listener for "data": expected a function, got 42');
    expect(() => e.once('tick', undefined as never)).toThrow('listener for "tick": expected a function, got undefined');
    expect(() => e.off('tick', 'x' as never)).toThrow(TypeError);
    expect(() => e.prependListener('tick', {} as never)).toThrow(/an object/);
    expect(e.listenerCount('data')).toBe(0);
  });

  it('rejects a negative or NaN maximum with a RangeError and a non-number with a TypeError', () => {
    const e = new Emitter<Events>();
    expect(() => e.setMaxListeners(-1)).toThrow(RangeError);
    expect(() => e.setMaxListeners(-1)).toThrow('maxListeners: expected a non-negative number (0 = unlimited), got -1');
    expect(() => e.setMaxListeners(Number.NaN)).toThrow(RangeError);
    expect(() => e.setMaxListeners('3' as never)).toThrow(TypeError);
    expect(() => {
      Emitter.defaultMaxListeners = -5;
    }).toThrow(RangeError);
    expect(Emitter.defaultMaxListeners).toBe(10);
  });

  it('rejects bad options and a bad signal', () => {
    expect(() => new Emitter(3 as never)).toThrow('options: expected an object, got 3');
    const e = new Emitter<Events>();
    expect(() => e.on('tick', () => {}, 'x' as never)).toThrow(TypeError);
    expect(() => e.on('tick', () => {}, { signal: {} as never })).toThrow(
      'options.signal: expected an AbortSignal, got an object',
    );
  });
});

describe('Emitter: max listeners warning', () => {
  it('warns once per event through process.emitWarning when listeners exceed the maximum', () => {
    const warnings: Error[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation(((warning: Error) => {
      warnings.push(warning);
    }) as typeof process.emitWarning);
    const e = new Emitter<Events>();
    expect(e.getMaxListeners()).toBe(10);
    for (let i = 0; i < 10; i++) e.on('tick', () => {});
    expect(warnings).toEqual([]);
    e.on('tick', () => {});
    e.on('tick', () => {});
    expect(warnings).toHaveLength(1);
    const warning = warnings[0] as Error & { emitter: unknown; type: unknown; count: number };
    expect(warning.name).toBe('MaxListenersExceededWarning');
    expect(warning.message).toContain('11 tick listeners added');
    expect(warning.emitter).toBe(e);
    expect(warning.type).toBe('tick');
    expect(warning.count).toBe(11);
    e.setMaxListeners(1);
    e.on('data', () => {});
    e.on('data', () => {});
    expect(warnings).toHaveLength(2);
  });

  it('never warns with a maximum of 0 and follows defaultMaxListeners unless set', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation((() => {}) as typeof process.emitWarning);
    const unlimited = new Emitter<Events>().setMaxListeners(0);
    for (let i = 0; i < 50; i++) unlimited.on('tick', () => {});
    expect(emitWarning).not.toHaveBeenCalled();
    const previous = Emitter.defaultMaxListeners;
    try {
      Emitter.defaultMaxListeners = 2;
      const e = new Emitter<Events>();
      expect(e.getMaxListeners()).toBe(2);
      e.on('tick', () => {})
        .on('tick', () => {})
        .on('tick', () => {});
      expect(emitWarning).toHaveBeenCalledTimes(1);
    } finally {
      Emitter.defaultMaxListeners = previous;
    }
  });
});

describe('Emitter: { signal }', () => {
  it('removes the listener when the signal aborts', () => {
    const e = new Emitter<Events>();
    const controller = new AbortController();
    const fn = vi.fn();
    e.on('tick', fn, { signal: controller.signal });
    e.emit('tick');
    controller.abort();
    expect(e.emit('tick')).toBe(false);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('does not add a listener when the signal is already aborted', () => {
    const e = new Emitter<Events>();
    const fn = vi.fn();
    e.on('tick', fn, { signal: AbortSignal.abort() });
    e.once('tick', fn, { signal: AbortSignal.abort() });
    expect(e.listenerCount('tick')).toBe(0);
  });

  it('removes a once listener on abort, and a fired once listener no longer reacts to the signal', () => {
    const e = new Emitter<Events>();
    const controller = new AbortController();
    const other = vi.fn();
    const fn = vi.fn();
    e.once('tick', fn, { signal: controller.signal });
    e.emit('tick');
    e.on('tick', other);
    controller.abort();
    e.emit('tick');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(other).toHaveBeenCalledTimes(1);

    const c2 = new AbortController();
    e.once('data', fn, { signal: c2.signal });
    c2.abort();
    expect(e.emit('data', 'x')).toBe(false);
  });

  it('stops listening to the signal once the listener is removed another way', () => {
    const controller = new AbortController();
    const added: string[] = [];
    const removed: string[] = [];
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, ...rest: never[]) => {
      added.push(type);
      return (add as (...args: unknown[]) => void)(type, ...rest);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, ...rest: never[]) => {
      removed.push(type);
      return (remove as (...args: unknown[]) => void)(type, ...rest);
    }) as typeof signal.removeEventListener;
    const e = new Emitter<Events>();
    const fn = () => {};
    e.on('tick', fn, { signal }).once('data', fn, { signal }).on('pair', fn, { signal });
    expect(added).toEqual(['abort', 'abort', 'abort']);
    e.off('tick', fn);
    e.emit('data', 'x');
    e.removeAllListeners();
    expect(removed).toEqual(['abort', 'abort', 'abort']);
  });

  it('lets the signal-bound listener be found and removed by its original function', () => {
    const e = new Emitter<Events>();
    const fn = vi.fn();
    e.on('tick', fn, { signal: new AbortController().signal });
    expect(e.listeners('tick')).toEqual([fn]);
    expect(e.listenerCount('tick', fn)).toBe(1);
    e.off('tick', fn);
    expect(e.emit('tick')).toBe(false);
  });
});

describe('Emitter: subclassing', () => {
  it('works as a base class with typed events, and names the subclass in the leak warning', () => {
    const warnings: Error[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation(((warning: Error) => {
      warnings.push(warning);
    }) as typeof process.emitWarning);
    class Server extends Emitter<{ listening: [port: number] }> {
      listen(port: number) {
        this.emit('listening', port);
      }
    }
    const server = new Server().setMaxListeners(1);
    const ports: number[] = [];
    server.on('listening', (port) => ports.push(port));
    server.on('listening', () => {});
    server.listen(8080);
    expect(ports).toEqual([8080]);
    expect(warnings[0]?.message).toContain('[Server]');
  });
});
