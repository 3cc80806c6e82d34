import { describe, expect, it, vi } from 'vitest';
import { Emitter } from './emitter';
import { once } from './once';

type Events = { job: [id: number]; tick: [] };

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Emitter { captureRejections }', () => {
  it("routes a listener's rejected promise to 'error'", async () => {
    const e = new Emitter<Events>({ captureRejections: true });
    const boom = new Error('async boom');
    e.on('job', async () => {
      throw boom;
    });
    const error = once(e, 'error');
    expect(e.emit('job', 1)).toBe(true);
    await expect(error).resolves.toEqual([boom]);
  });

  it('routes rejections from every listener, in an emit with several', async () => {
    const e = new Emitter<Events>({ captureRejections: true });
    const errors: unknown[] = [];
    e.on('error', (error) => errors.push(error));
    e.on('job', (id) => Promise.reject(`first ${id}`));
    e.on('job', () => 'not a promise');
    e.on('job', (id) => Promise.reject(`third ${id}`));
    e.emit('job', 7);
    await flush();
    expect(errors).toEqual(['first 7', 'third 7']);
  });

  it("does not capture rejections of 'error' listeners into 'error' again", async () => {
    const e = new Emitter<Events>({ captureRejections: true });
    const calls = vi.fn(() => Promise.resolve());
    e.on('error', calls);
    e.on('job', () => Promise.reject(new Error('x')));
    e.emit('job', 1);
    await flush();
    expect(calls).toHaveBeenCalledTimes(1);
    // As in Node: emitting 'error' itself is captured once, but the 'error' emitted for a captured rejection is
    // not captured again, so an async 'error' listener that rejects cannot loop.
    const again = new Emitter<Events>({ captureRejections: true });
    const errorCalls = vi.fn(() => {
      const rejected = Promise.reject(new Error('error listener failed'));
      rejected.catch(() => {});
      return rejected;
    });
    again.on('error', errorCalls);
    again.emit('error', 'first');
    for (let i = 0; i < 5; i++) await flush();
    expect(errorCalls).toHaveBeenCalledTimes(2);
    expect((errorCalls.mock.calls as unknown[][]).map((args) => args.length)).toEqual([1, 1]);
  });

  it('leaves rejections alone without the option (the default)', async () => {
    const e = new Emitter<Events>();
    const errorListener = vi.fn();
    e.on('error', errorListener);
    const rejected = Promise.reject(new Error('ignored'));
    rejected.catch(() => {});
    e.on('job', () => rejected);
    e.emit('job', 1);
    await flush();
    expect(errorListener).not.toHaveBeenCalled();
  });
});

describe('Emitter { isolateErrors }', () => {
  it("keeps calling the other listeners when one throws and routes each failure to 'error'", () => {
    const e = new Emitter<Events>({ isolateErrors: true });
    const calls: string[] = [];
    e.on('error', (error) => calls.push(`error:${(error as Error).message}`));
    e.on('job', () => {
      throw new Error('a');
    });
    e.on('job', () => calls.push('b'));
    e.on('job', () => {
      throw new Error('c');
    });
    e.on('job', () => calls.push('d'));
    expect(e.emit('job', 1)).toBe(true);
    expect(calls).toEqual(['b', 'd', 'error:a', 'error:c']);
  });

  it("throws an AggregateError of the failures after the loop when nothing listens for 'error'", () => {
    const e = new Emitter<Events>({ isolateErrors: true });
    const later = vi.fn();
    const a = new Error('a');
    e.on('tick', () => {
      throw a;
    });
    e.on('tick', later);
    let caught: unknown;
    try {
      e.emit('tick');
    } catch (error) {
      caught = error;
    }
    expect(later).toHaveBeenCalledTimes(1);
    expect(caught).toBeInstanceOf(AggregateError);
    expect((caught as AggregateError).errors).toEqual([a]);
  });

  it('isolates a single listener too, and failing error listeners end in an AggregateError', () => {
    const e = new Emitter<Events>({ isolateErrors: true });
    const boom = new Error('boom');
    e.on('tick', () => {
      throw boom;
    });
    expect(() => e.emit('tick')).toThrow(AggregateError);
    const failed = new Error('error listener failed');
    e.on('error', () => {
      throw failed;
    });
    let caught: unknown;
    try {
      e.emit('tick');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AggregateError);
    const [inner] = (caught as AggregateError).errors;
    expect(inner).toBeInstanceOf(AggregateError);
    expect((inner as AggregateError).errors).toEqual([failed]);
  });

  it('passes every argument and runs once listeners once', () => {
    const e = new Emitter<{ many: unknown[] }>({ isolateErrors: true, captureRejections: true });
    const seen: unknown[][] = [];
    e.once('many', (...args) => seen.push(args));
    e.on('many', (...args) => seen.push(args));
    e.emit('many', 1, 2, 3, 4, 5);
    e.emit('many');
    expect(seen).toEqual([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], []]);
  });
});

describe('Emitter.emitAsync', () => {
  it('starts every listener before any finishes and resolves when all have', async () => {
    const e = new Emitter<Events>();
    const started: number[] = [];
    const gates = [deferred(), deferred()];
    e.on('job', async (id) => {
      started.push(id);
      await gates[0]!.promise;
    });
    e.on('job', async (id) => {
      started.push(id * 10);
      await gates[1]!.promise;
    });
    let settled = false;
    const all = e.emitAsync('job', 2).then(() => {
      settled = true;
    });
    expect(started).toEqual([2, 20]);
    gates[1]!.resolve();
    await flush();
    expect(settled).toBe(false);
    gates[0]!.resolve();
    await all;
    expect(settled).toBe(true);
  });

  it('rejects with an AggregateError of the failures (thrown or rejected), after all settled', async () => {
    const e = new Emitter<Events>();
    const finished = vi.fn();
    const syncError = new Error('sync');
    e.on('job', () => {
      throw syncError;
    });
    e.on('job', async () => {
      await flush();
      finished();
    });
    e.on('job', () => Promise.reject('async'));
    const error = await e.emitAsync('job', 1).catch((caught: unknown) => caught);
    expect(finished).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual([syncError, 'async']);
  });

  it("resolves with no listeners, removes once listeners, and rejects for an unhandled 'error'", async () => {
    const e = new Emitter<Events>();
    await expect(e.emitAsync('tick')).resolves.toBeUndefined();
    const fn = vi.fn();
    e.once('tick', fn);
    await e.emitAsync('tick');
    await e.emitAsync('tick');
    expect(fn).toHaveBeenCalledTimes(1);
    const boom = new Error('boom');
    await expect(e.emitAsync('error', boom)).rejects.toBe(boom);
    await expect(e.emitAsync('error', 'text')).rejects.toThrow('Unhandled error. ("text")');
  });
});
