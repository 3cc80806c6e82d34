import * as events from 'node:events';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter';
import { errorMonitor } from './error-monitor';
import { on } from './on';
import { once } from './once';

// The untyped surface both emitters share, for scripts run side by side on Emitter and node:events.
interface Target {
  on(name: string | symbol, fn: (...args: unknown[]) => unknown, options?: { signal?: AbortSignal }): unknown;
  once(name: string | symbol, fn: (...args: unknown[]) => unknown): unknown;
  prependListener(name: string | symbol, fn: (...args: unknown[]) => unknown): unknown;
  prependOnceListener(name: string | symbol, fn: (...args: unknown[]) => unknown): unknown;
  off(name: string | symbol, fn: (...args: unknown[]) => unknown): unknown;
  removeAllListeners(name?: string | symbol): unknown;
  emit(name: string | symbol, ...args: unknown[]): boolean;
  listenerCount(name: string | symbol): number;
  listeners(name: string | symbol): unknown[];
  eventNames(): (string | symbol)[];
}

/** Runs `script` on a weft Emitter and on a node:events EventEmitter; returns both logs (weft's first). */
function sideBySide(
  script: (e: Target, log: (entry: string) => void) => void,
  options?: { captureRejections?: boolean },
): [string[], string[]] {
  const logs: [string[], string[]] = [[], []];
  const targets = [new Emitter(options), new EventEmitter(options)] as unknown as Target[];
  targets.forEach((target, i) => {
    script(target, (entry) => logs[i]!.push(entry));
  });
  return logs;
}

/** What an emit did: its result, or the code and message of what it threw. */
function attempt(log: (entry: string) => void, emit: () => boolean): void {
  try {
    log(`returned ${emit()}`);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    log(`threw ${code ?? ''} ${message}`);
  }
}

describe('errorMonitor', () => {
  it("is node:events' own symbol, also as Emitter.errorMonitor", () => {
    expect(typeof errorMonitor).toBe('symbol');
    expect(errorMonitor).toBe(events.errorMonitor);
    expect(Emitter.errorMonitor).toBe(errorMonitor);
    expect(EventEmitter.errorMonitor).toBe(errorMonitor);
  });

  it("calls the monitors with the 'error' arguments before the 'error' listeners, as node:events does", () => {
    const [ours, node] = sideBySide((e, log) => {
      e.on('error', (...args) => log(`error listener (${args.join(',')})`));
      e.on(errorMonitor, function (this: unknown, ...args: unknown[]) {
        log(`monitor 1 (${args.join(',')}) this=${this === e}`);
      });
      e.on(errorMonitor, (...args) => log(`monitor 2 (${args.join(',')})`));
      attempt(log, () => e.emit('error', 'disk full', 2, 3, 4, 5));
      attempt(log, () => e.emit('error'));
    });
    expect(ours).toEqual([
      'monitor 1 (disk full,2,3,4,5) this=true',
      'monitor 2 (disk full,2,3,4,5)',
      'error listener (disk full,2,3,4,5)',
      'returned true',
      'monitor 1 () this=true',
      'monitor 2 ()',
      'error listener ()',
      'returned true',
    ]);
    expect(ours).toEqual(node);
  });

  it("still throws after the monitors ran when nothing listens for 'error'", () => {
    const boom = new Error('boom');
    const [ours, node] = sideBySide((e, log) => {
      e.on(errorMonitor, (error) => log(`monitor saw ${error === boom ? 'boom' : String(error)}`));
      attempt(log, () => e.emit('error', boom));
      attempt(log, () => e.emit('error', 42));
      attempt(log, () => e.emit('error'));
    });
    expect(ours).toEqual([
      'monitor saw boom',
      'threw  boom',
      'monitor saw 42',
      'threw ERR_UNHANDLED_ERROR Unhandled error. (42)',
      'monitor saw undefined',
      'threw ERR_UNHANDLED_ERROR Unhandled error. (undefined)',
    ]);
    expect(ours).toEqual(node);
    const e = new Emitter();
    e.on(errorMonitor, () => {});
    expect(() => e.emit('error', boom)).toThrow(boom);
  });

  it("ends the emit when a monitor throws: later monitors and the 'error' listeners do not run", () => {
    const [ours, node] = sideBySide((e, log) => {
      e.on(errorMonitor, () => {
        log('monitor 1');
        throw new Error('monitor failed');
      });
      e.on(errorMonitor, () => log('monitor 2'));
      e.on('error', () => log('error listener'));
      attempt(log, () => e.emit('error', new Error('original')));
    });
    expect(ours).toEqual(['monitor 1', 'threw  monitor failed']);
    expect(ours).toEqual(node);
  });

  it("reads the 'error' listeners after the monitors ran, and fixes the monitors when the emit starts", () => {
    const [ours, node] = sideBySide((e, log) => {
      e.on('keep', () => {});
      const handler = () => log('error listener');
      // A monitor that adds an 'error' listener makes the error handled; one added by a monitor waits.
      e.once(errorMonitor, () => {
        log('monitor adds');
        e.on('error', handler);
        e.on(errorMonitor, () => log('late monitor'));
      });
      attempt(log, () => e.emit('error', new Error('first')));
      // A monitor that removes the only 'error' listener makes the emit throw.
      e.prependOnceListener(errorMonitor, () => {
        log('monitor removes');
        e.off('error', handler);
      });
      attempt(log, () => e.emit('error', new Error('second')));
      // An 'error' listener that adds a monitor: it runs from the next emit on.
      e.on('error', () => e.prependListener(errorMonitor, () => log('monitor added by a listener')));
      attempt(log, () => e.emit('error', 1));
      attempt(log, () => e.emit('error', 2));
    });
    expect(ours).toEqual([
      'monitor adds',
      'error listener',
      'returned true',
      'monitor removes',
      'late monitor',
      'threw  second',
      'late monitor',
      'returned true',
      'monitor added by a listener',
      'late monitor',
      'returned true',
    ]);
    expect(ours).toEqual(node);
  });

  it('supports once, prepend, off, counts, names and meta events like any event', () => {
    const [ours, node] = sideBySide((e, log) => {
      e.on('newListener', (name) => log(`newListener ${String(name)}`));
      e.on('removeListener', (name) => log(`removeListener ${String(name)}`));
      const m1 = () => log('m1');
      e.on(errorMonitor, m1);
      e.prependListener(errorMonitor, () => log('m0'));
      e.once(errorMonitor, () => log('once'));
      e.prependOnceListener(errorMonitor, () => log('prepended once'));
      e.on('error', () => {});
      log(`count ${e.listenerCount(errorMonitor)} names ${e.eventNames().map(String).join(',')}`);
      attempt(log, () => e.emit('error', 1));
      attempt(log, () => e.emit('error', 2));
      e.off(errorMonitor, m1);
      log(`count ${e.listenerCount(errorMonitor)} listeners ${e.listeners(errorMonitor).length}`);
      e.removeAllListeners('error');
      log(`after removeAllListeners('error'): ${e.listenerCount(errorMonitor)}`);
      attempt(log, () => e.emit(errorMonitor, 'direct'));
      e.removeAllListeners(errorMonitor);
      attempt(log, () => e.emit(errorMonitor, 'direct'));
      log(`names ${e.eventNames().map(String).join(',')}`);
    });
    expect(ours).toContain('count 4 names newListener,removeListener,error,Symbol(events.errorMonitor)');
    expect(ours).toContain('count 1 listeners 1');
    expect(ours.slice(-5)).toEqual([
      'm0',
      'returned true',
      'removeListener Symbol(events.errorMonitor)',
      'returned false',
      'names newListener,removeListener',
    ]);
    expect(ours).toEqual(node);
  });

  it('removes a signal-bound monitor on abort', () => {
    const e = new Emitter();
    const seen: string[] = [];
    const controller = new AbortController();
    e.on(errorMonitor, () => seen.push('monitor'), { signal: controller.signal });
    e.on('error', () => seen.push('error listener'));
    e.emit('error', 1);
    controller.abort();
    e.emit('error', 2);
    expect(seen).toEqual(['monitor', 'error listener', 'error listener']);
    expect(e.listenerCount(errorMonitor)).toBe(0);
  });

  it('leaves the other events of a monitored emitter alone, and stops monitoring once the monitors are gone', () => {
    const [ours, node] = sideBySide((e, log) => {
      const monitor = (error: unknown) => log(`monitor ${String(error)}`);
      e.on('data', (...args) => log(`data (${args.join(',')})`));
      e.on(errorMonitor, monitor);
      for (const args of [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]) attempt(log, () => e.emit('data', ...args));
      attempt(log, () => e.emit('missing', 1));
      e.off(errorMonitor, monitor);
      attempt(log, () => e.emit('error', 7));
      e.on('error', (error) => log(`error listener ${String(error)}`));
      attempt(log, () => e.emit('error', 8));
      e.on(errorMonitor, monitor);
      e.removeAllListeners();
      e.on('error', (error) => log(`new error listener ${String(error)}`));
      attempt(log, () => e.emit('error', 9));
      attempt(log, () => e.emit('data', 5));
    });
    expect(ours).toEqual([
      'data ()',
      'returned true',
      'data (1)',
      'returned true',
      'data (1,2)',
      'returned true',
      'data (1,2,3)',
      'returned true',
      'data (1,2,3,4)',
      'returned true',
      'returned false',
      'threw ERR_UNHANDLED_ERROR Unhandled error. (7)',
      'error listener 8',
      'returned true',
      'new error listener 9',
      'returned true',
      'returned false',
    ]);
    expect(ours).toEqual(node);
  });
});

describe('errorMonitor: where Node leaves off', () => {
  it("reads the live 'error' listeners even when the monitors emptied the emitter", () => {
    // node:events reads 'error' from the listener table it had when the emit started; when the monitors remove
    // the emitter's last listener Node swaps that table and so still calls the removed 'error' listener. Here the
    // rule has no such exception: the 'error' listeners are those left after the monitors ran.
    const e = new Emitter();
    const handler = () => {
      throw new Error('a removed listener ran');
    };
    e.on('error', handler);
    e.once(errorMonitor, () => e.off('error', handler));
    expect(() => e.emit('error', new Error('unhandled now'))).toThrow('unhandled now');
  });
});

describe('errorMonitor with options and emitAsync', () => {
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

  it("routes a monitor's rejection to 'error' with captureRejections, which the monitors see too, as Node does", async () => {
    const logs: string[][] = [];
    for (const e of [new Emitter({ captureRejections: true }), new EventEmitter({ captureRejections: true })]) {
      const log: string[] = [];
      logs.push(log);
      const target = e as unknown as Target;
      target.on(errorMonitor, async (error) => {
        log.push(`monitor ${(error as Error).message}`);
        if ((error as Error).message === 'original') throw new Error('monitor rejected');
      });
      target.on('error', (error) => log.push(`error listener ${(error as Error).message}`));
      target.on('job', async () => {
        throw new Error('job rejected');
      });
      target.emit('error', new Error('original'));
      target.emit('job');
      await tick();
      await tick();
    }
    expect(logs[0]).toEqual([
      'monitor original',
      'error listener original',
      'monitor monitor rejected',
      'error listener monitor rejected',
      'monitor job rejected',
      'error listener job rejected',
    ]);
    expect(logs[0]).toEqual(logs[1]);
  });

  it("with isolateErrors, still runs the other monitors and the 'error' listeners, then throws every failure", () => {
    const e = new Emitter({ isolateErrors: true });
    const seen: string[] = [];
    const monitorFailure = new Error('monitor failed');
    e.on(errorMonitor, () => {
      seen.push('monitor 1');
      throw monitorFailure;
    });
    e.on(errorMonitor, () => seen.push('monitor 2'));
    e.on('error', (error) => seen.push(`error listener ${(error as Error).message}`));
    let caught: unknown;
    try {
      e.emit('error', new Error('original'));
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual(['monitor 1', 'monitor 2', 'error listener original']);
    expect(caught).toBeInstanceOf(AggregateError);
    expect((caught as AggregateError).errors).toEqual([monitorFailure]);

    // Without an 'error' listener the unhandled error joins the monitors' failures.
    e.removeAllListeners('error');
    const original = new Error('unhandled');
    try {
      e.emit('error', original);
    } catch (error) {
      caught = error;
    }
    expect((caught as AggregateError).errors).toEqual([monitorFailure, original]);

    // Failing 'error' listeners are collected with the monitors' failures.
    const listenerFailure = new Error('listener failed');
    e.on('error', () => {
      throw listenerFailure;
    });
    try {
      e.emit('error', original);
    } catch (error) {
      caught = error;
    }
    expect((caught as AggregateError).errors).toEqual([monitorFailure, listenerFailure]);
  });

  it('with isolateErrors and monitors that do not throw, behaves as without monitors', () => {
    const e = new Emitter({ isolateErrors: true });
    const seen: unknown[] = [];
    e.on(errorMonitor, (error) => seen.push(['monitor', error]));
    e.on('tick', () => {
      throw new Error('tick failed');
    });
    e.on('error', (error) => seen.push(['error', (error as Error).message]));
    expect(e.emit('tick')).toBe(true);
    expect(seen).toEqual([
      ['monitor', new Error('tick failed')],
      ['error', 'tick failed'],
    ]);
  });

  it("emitAsync('error') starts the monitors first and awaits them with the 'error' listeners", async () => {
    const e = new Emitter();
    const seen: string[] = [];
    let finishMonitor = () => {};
    e.on(errorMonitor, () => {
      seen.push('monitor started');
      return new Promise<void>((resolve) => {
        finishMonitor = () => {
          seen.push('monitor finished');
          resolve();
        };
      });
    });
    e.on('error', () => {
      seen.push('error listener');
    });
    const done = e.emitAsync('error', new Error('x')).then(() => seen.push('settled'));
    await tick();
    expect(seen).toEqual(['monitor started', 'error listener']);
    finishMonitor();
    await done;
    expect(seen).toEqual(['monitor started', 'error listener', 'monitor finished', 'settled']);
  });

  it("emitAsync('error') rejects with the error when only monitors listen, with theirs when they fail too", async () => {
    const e = new Emitter();
    const original = new Error('original');
    const seen: unknown[] = [];
    e.on(errorMonitor, async (error) => {
      seen.push(error);
    });
    await expect(e.emitAsync('error', original)).rejects.toBe(original);
    expect(seen).toEqual([original]);

    const monitorFailure = new Error('monitor failed');
    e.on(errorMonitor, async () => {
      throw monitorFailure;
    });
    const rejection = await e.emitAsync('error', original).catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(AggregateError);
    expect((rejection as AggregateError).errors).toEqual([monitorFailure, original]);

    e.on('error', () => {});
    const withListener = await e.emitAsync('error', original).catch((error: unknown) => error);
    expect((withListener as AggregateError).errors).toEqual([monitorFailure]);
  });
});

describe('errorMonitor with once() and on()', () => {
  it('once(emitter, errorMonitor) resolves with the error arguments and leaves the error unhandled', async () => {
    for (const e of [new Emitter(), new EventEmitter()]) {
      const target = e as unknown as Target;
      const waiting = once(e, errorMonitor);
      expect(target.listenerCount('error')).toBe(0);
      const boom = new Error('boom');
      expect(() => target.emit('error', boom, 2)).toThrow(boom);
      await expect(waiting).resolves.toEqual([boom, 2]);
      expect(target.listenerCount(errorMonitor)).toBe(0);
    }
  });

  it('once(emitter, name) still rejects on an error that monitors saw first', async () => {
    const e = new Emitter<{ ready: [] }>();
    const seen: unknown[] = [];
    e.on(errorMonitor, (error) => seen.push(error));
    const waiting = once(e, 'ready');
    const boom = new Error('boom');
    expect(e.emit('error', boom)).toBe(true);
    await expect(waiting).rejects.toBe(boom);
    expect(seen).toEqual([boom]);
  });

  it('on(emitter, errorMonitor) yields every error without ending or handling them', async () => {
    const e = new Emitter();
    const controller = new AbortController();
    const iterator = on(e, errorMonitor, { signal: controller.signal });
    expect(e.listenerCount('error')).toBe(0);
    e.on('error', () => {});
    e.emit('error', new Error('first'));
    e.emit('error', new Error('second'));
    const first = await iterator.next();
    const second = await iterator.next();
    expect([first.value?.[0], second.value?.[0]]).toEqual([new Error('first'), new Error('second')]);
    controller.abort();
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
    expect(e.listenerCount(errorMonitor)).toBe(0);
  });
});
