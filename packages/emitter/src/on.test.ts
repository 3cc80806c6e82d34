import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter';
import { isOverflowError, OverflowError } from './errors';
import { on } from './on';

type Events = { data: [n: number]; end: [] };

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  for (let i = 0; i < count; i++) {
    const result = await iterator.next();
    if (result.done) break;
    values.push(result.value);
  }
  return values;
}

describe('on()', () => {
  it('yields argument tuples in order, buffering the events not consumed yet', async () => {
    const e = new Emitter<Events>();
    const iterator = on(e, 'data');
    e.emit('data', 1);
    e.emit('data', 2);
    const pending = iterator.next();
    e.emit('data', 3);
    expect(await take(iterator, 2)).toEqual([[2], [3]]);
    expect(await pending).toEqual({ value: [1], done: false });
    const later = iterator.next();
    e.emit('data', 4);
    expect(await later).toEqual({ value: [4], done: false });
  });

  it('stops listening when the for-await loop exits', async () => {
    const e = new Emitter<Events>();
    const seen: number[] = [];
    queueMicrotask(() => {
      for (let n = 1; n <= 5; n++) e.emit('data', n);
    });
    for await (const [n] of on(e, 'data')) {
      seen.push(n);
      if (n === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(e.eventNames()).toEqual([]);
  });

  it("rejects on 'error' after the events buffered before it, then is done", async () => {
    const e = new Emitter<Events>();
    const iterator = on(e, 'data');
    e.emit('data', 1);
    e.emit('error', new Error('broken'));
    e.emit('data', 2);
    expect(await iterator.next()).toEqual({ value: [1], done: false });
    await expect(iterator.next()).rejects.toThrow('broken');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(e.eventNames()).toEqual([]);
  });

  it("rejects a pending next() at once on 'error'", async () => {
    const e = new EventEmitter();
    const iterator = on(e, 'data');
    const pending = iterator.next();
    e.emit('error', new Error('node error'));
    await expect(pending).rejects.toThrow('node error');
  });

  it('ends when the signal aborts, delivering what was buffered first', async () => {
    const e = new Emitter<Events>();
    const controller = new AbortController();
    const iterator = on(e, 'data', { signal: controller.signal });
    e.emit('data', 1);
    controller.abort();
    e.emit('data', 2);
    expect(await take(iterator, 5)).toEqual([[1]]);
    expect(e.eventNames()).toEqual([]);

    const pending = on(e, 'data', { signal: AbortSignal.abort() }).next();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(e.eventNames()).toEqual([]);
  });

  it('resolves a pending next() as done when aborted while waiting', async () => {
    const e = new Emitter<Events>();
    const controller = new AbortController();
    const iterator = on(e, 'data', { signal: controller.signal });
    const pending = iterator.next();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('ends on a close event', async () => {
    const e = new Emitter<Events>();
    const seen: number[] = [];
    queueMicrotask(() => {
      e.emit('data', 1);
      e.emit('data', 2);
      e.emit('end');
      e.emit('data', 3);
    });
    for await (const [n] of on(e, 'data', { close: ['end'] })) seen.push(n);
    expect(seen).toEqual([1, 2]);
    expect(e.eventNames()).toEqual([]);
  });

  it('pauses a pausable emitter past highWaterMark and resumes it when drained', async () => {
    class Source extends Emitter<Events> {
      calls: string[] = [];
      pause() {
        this.calls.push('pause');
      }
      resume() {
        this.calls.push('resume');
      }
    }
    const source = new Source();
    const iterator = on(source, 'data', { highWaterMark: 2 });
    source.emit('data', 1);
    source.emit('data', 2);
    expect(source.calls).toEqual([]);
    source.emit('data', 3);
    source.emit('data', 4);
    expect(source.calls).toEqual(['pause']);
    expect(await take(iterator, 3)).toEqual([[1], [2], [3]]);
    expect(source.calls).toEqual(['pause']);
    expect(await take(iterator, 1)).toEqual([[4]]);
    expect(source.calls).toEqual(['pause', 'resume']);
  });

  it('keeps a real Readable stream within highWaterMark and delivers every chunk in order', async () => {
    let pushed = 0;
    let maxAhead = 0;
    let consumed = 0;
    const stream = new Readable({
      objectMode: true,
      highWaterMark: 1,
      read() {
        pushed++;
        this.push(pushed <= 50 ? pushed : null);
      },
    });
    const seen: unknown[] = [];
    for await (const [chunk] of on(stream, 'data', { highWaterMark: 4, close: ['end'] })) {
      consumed++;
      maxAhead = Math.max(maxAhead, pushed - consumed);
      seen.push(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(maxAhead).toBeLessThan(10);
  });

  it("fails with an OverflowError past highWaterMark when the emitter cannot pause (overflow: 'error')", async () => {
    const e = new EventEmitter();
    const iterator = on(e, 'data', { highWaterMark: 2 });
    for (let n = 1; n <= 5; n++) e.emit('data', n);
    expect(e.listenerCount('data')).toBe(0);
    expect(await take(iterator, 2)).toEqual([[1], [2]]);
    const error = await iterator.next().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OverflowError);
    expect(isOverflowError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_WEFT_EMITTER_OVERFLOW', eventName: 'data', highWaterMark: 2 });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it("drops the oldest or the newest events with overflow 'drop-oldest' / 'drop-newest'", async () => {
    const e = new Emitter<Events>();
    const oldest = on(e, 'data', { highWaterMark: 2, overflow: 'drop-oldest' });
    const newest = on(e, 'data', { highWaterMark: 2, overflow: 'drop-newest' });
    for (let n = 1; n <= 5; n++) e.emit('data', n);
    expect(await take(oldest, 2)).toEqual([[4], [5]]);
    expect(await take(newest, 2)).toEqual([[1], [2]]);
    await oldest.return?.();
    await newest.return?.();
    expect(e.eventNames()).toEqual([]);
  });

  it('iterates an EventTarget', async () => {
    const target = new EventTarget();
    const iterator = on(target, 'ping');
    const event = new Event('ping');
    target.dispatchEvent(event);
    expect(await iterator.next()).toEqual({ value: [event], done: false });
    await iterator.return?.();
  });

  it('throw() stops listening and rejects with the given error', async () => {
    const e = new Emitter<Events>();
    const iterator = on(e, 'data');
    await expect(iterator.throw?.(new Error('stop'))).rejects.toThrow('stop');
    expect(e.eventNames()).toEqual([]);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects bad options with errors naming them', () => {
    const e = new Emitter<Events>();
    expect(() => on(e, 'data', { highWaterMark: 0 })).toThrow(RangeError);
    expect(() => on(e, 'data', { highWaterMark: 1.5 })).toThrow(
      'options.highWaterMark: expected a positive integer or Infinity, got 1.5',
    );
    expect(() => on(e, 'data', { highWaterMark: '3' as never })).toThrow(TypeError);
    expect(() => on(e, 'data', { overflow: 'block' as never })).toThrow(
      `options.overflow: expected 'error', 'drop-oldest' or 'drop-newest', got "block"`,
    );
    expect(() => on(e, 'data', { close: 'end' as never })).toThrow(TypeError);
    expect(() => on(e, 'data', { signal: 1 as never })).toThrow(TypeError);
    expect(e.eventNames()).toEqual([]);
  });
});
