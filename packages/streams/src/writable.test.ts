import { describe, expect, it } from 'vitest';
import { isStreamError, StreamDestroyedError, WriteAfterEndError } from './errors';
import { finished } from './finished';
import { byteLength } from './size';
import { Writable } from './writable';

/** A write hook whose writes complete only when the test says so. */
function manualSink<T>() {
  const written: T[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable<T>({
    highWaterMark: 3,
    write: (chunk) =>
      new Promise<void>((resolve) => {
        pending.push(() => {
          written.push(chunk);
          resolve();
        });
      }),
  });
  const completeOne = async () => {
    const next = pending.shift();
    if (next === undefined) throw new Error('no write in flight');
    next();
    await flush();
  };
  return { stream, written, pending, completeOne };
}

/** Lets promise continuations and the stream's deferred tick run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('Writable backpressure', () => {
  it('returns true, true, false at highWaterMark 3, then emits drain once the buffer emptied', async () => {
    const { stream, written, completeOne } = manualSink<string>();
    const events: string[] = [];
    stream.on('drain', () => events.push(`drain after ${written.length}`));

    expect(stream.write('a')).toBe(true);
    expect(stream.writableLength).toBe(1);
    expect(stream.write('b')).toBe(true);
    expect(stream.writableNeedDrain).toBe(false);
    expect(stream.write('c')).toBe(false);
    expect(stream.writableLength).toBe(3);
    expect(stream.writableNeedDrain).toBe(true);
    expect(stream.writableHighWaterMark).toBe(3);

    await completeOne();
    await completeOne();
    expect(events).toEqual([]); // not drained until the buffer is empty
    expect(stream.writableLength).toBe(1);
    await completeOne();
    expect(events).toEqual(['drain after 3']);
    expect(stream.writableNeedDrain).toBe(false);
    expect(stream.writableLength).toBe(0);
    expect(written).toEqual(['a', 'b', 'c']);
  });

  it('keeps returning false past the highWaterMark and emits a single drain', async () => {
    const { stream, completeOne } = manualSink<number>();
    let drains = 0;
    stream.on('drain', () => drains++);
    const results = [1, 2, 3, 4, 5].map((n) => stream.write(n));
    expect(results).toEqual([true, true, false, false, false]);
    for (let i = 0; i < 5; i++) await completeOne();
    expect(drains).toBe(1);
  });

  it('with synchronous writes the buffer never fills, so write keeps returning true', () => {
    const seen: number[] = [];
    const sink = new Writable<number>({ highWaterMark: 1, write: (n) => void seen.push(n) });
    expect([sink.write(1), sink.write(2), sink.write(3)]).toEqual([true, true, true]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('with highWaterMark 0 every write returns false and each is followed by drain', async () => {
    let drains = 0;
    const sink = new Writable<number>({ highWaterMark: 0, write() {} });
    sink.on('drain', () => drains++);
    expect(sink.write(1)).toBe(false);
    expect(drains).toBe(0); // never before write() returned
    await flush();
    expect(drains).toBe(1);
  });

  it('counts bytes with size: byteLength or bytes: true (64 KiB by default)', () => {
    const pending: (() => void)[] = [];
    const hold = () => new Promise<void>((resolve) => pending.push(resolve));
    const bySize = new Writable<Uint8Array>({ size: byteLength, highWaterMark: 10, write: hold });
    expect(bySize.write(new Uint8Array(6))).toBe(true);
    expect(bySize.write(new Uint8Array(4))).toBe(false);
    expect(bySize.writableLength).toBe(10);
    const byFlag = new Writable<string>({ bytes: true, write: hold });
    expect(byFlag.writableHighWaterMark).toBe(64 * 1024);
    expect(byFlag.writableObjectMode).toBe(false);
    byFlag.write('héllo');
    expect(byFlag.writableLength).toBe(6);
    expect(new Writable<number>({ write() {} }).writableHighWaterMark).toBe(16);
  });
});

describe('Writable end, finish, callbacks', () => {
  it('takes a function given alone to end() as its callback, as node:stream does, not as a chunk', async () => {
    const written: unknown[] = [];
    const sink = new Writable<unknown>({ write: (chunk) => void written.push(chunk) });
    sink.write('a');
    const ended = new Promise<unknown>((resolve) => sink.end((err?: unknown) => resolve(err ?? 'finished')));
    expect(await ended).toBe('finished');
    expect(written).toEqual(['a']);
    expect(sink.writableFinished).toBe(true);
  });

  it('emits finish after every write completed and final ran, then close', async () => {
    const { stream, completeOne } = manualSink<string>();
    const events: string[] = [];
    stream.on('finish', () => events.push('finish'));
    stream.on('close', () => events.push('close'));
    stream.write('a');
    stream.end('b');
    expect(stream.writableEnded).toBe(true);
    expect(stream.writable).toBe(false);
    await completeOne();
    expect(events).toEqual([]);
    await completeOne();
    expect(events).toEqual(['finish', 'close']);
    expect(stream.writableFinished).toBe(true);
    expect(stream.destroyed).toBe(true);
  });

  it('runs final (async) before finish and calls the end callback', async () => {
    const order: string[] = [];
    const sink = new Writable<number>({
      write: (n) => void order.push(`write ${n}`),
      final: async () => {
        await flush();
        order.push('final');
      },
    });
    sink.on('finish', () => order.push('finish'));
    sink.end(1, () => order.push('end callback'));
    await finished(sink);
    expect(order).toEqual(['write 1', 'final', 'finish', 'end callback']);
  });

  it('calls write callbacks after write() returned, in order', async () => {
    const order: string[] = [];
    const sink = new Writable<number>({ write() {} });
    sink.write(1, () => order.push('cb 1'));
    sink.write(2, () => order.push('cb 2'));
    order.push('returned');
    await flush();
    expect(order).toEqual(['returned', 'cb 1', 'cb 2']);
  });

  it('a write after end is an error on the error event, the callback and writeAsync, never a silent drop', async () => {
    const written: number[] = [];
    const sink = new Writable<number>({ write: (n) => void written.push(n) });
    const errors: unknown[] = [];
    sink.on('error', (e) => errors.push(e));
    sink.end(1);
    let callbackError: unknown;
    expect(sink.write(2, (e) => (callbackError = e))).toBe(false);
    await flush();
    expect(callbackError).toBeInstanceOf(WriteAfterEndError);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBe(callbackError);
    expect((errors[0] as WriteAfterEndError).code).toBe('ERR_WEFT_STREAM_WRITE_AFTER_END');
    expect(isStreamError(errors[0])).toBe(true);
    expect(written).toEqual([1]);

    const other = new Writable<number>({ write() {} });
    other.on('error', () => {});
    other.end();
    await expect(other.writeAsync(3)).rejects.toBeInstanceOf(WriteAfterEndError);
  });

  it('writeAsync resolves at once below the highWaterMark and after drain at it', async () => {
    const { stream, completeOne } = manualSink<number>();
    await stream.writeAsync(1);
    await stream.writeAsync(2);
    let resolved = false;
    const third = stream.writeAsync(3).then(() => (resolved = true));
    await flush();
    expect(resolved).toBe(false);
    await completeOne();
    await completeOne();
    expect(resolved).toBe(false);
    await completeOne();
    await third;
    expect(resolved).toBe(true);
  });

  it('rejects undefined and null chunks with a TypeError naming the chunk', () => {
    const sink = new Writable<unknown>({ write() {} });
    expect(() => sink.write(undefined)).toThrow(TypeError);
    expect(() => sink.write(null)).toThrow(/chunk: expected a value to write, got null/);
  });
});

describe('Writable errors and destroy', () => {
  it('a throwing write destroys the stream: pending callbacks get the error, then error and close', async () => {
    const boom = new Error('boom');
    let calls = 0;
    const sink = new Writable<number>({
      highWaterMark: 10,
      write: async () => {
        calls++;
        await flush();
        throw boom;
      },
    });
    const events: string[] = [];
    const callbackErrors: unknown[] = [];
    sink.on('error', (e) => events.push(`error ${(e as Error).message}`));
    sink.on('close', () => events.push('close'));
    sink.write(1, (e) => callbackErrors.push(e));
    sink.write(2, (e) => callbackErrors.push(e));
    await expect(finished(sink)).rejects.toBe(boom);
    await flush();
    expect(calls).toBe(1);
    expect(callbackErrors).toEqual([boom, boom]);
    expect(events).toEqual(['error boom', 'close']);
    expect(sink.errored).toBe(boom);
  });

  it('a write that throws synchronously returns false and the stream is errored', async () => {
    const boom = new Error('sync boom');
    const sink = new Writable<number>({
      write() {
        throw boom;
      },
    });
    sink.on('error', () => {});
    expect(sink.write(1)).toBe(false);
    expect(sink.errored).toBe(boom);
    await expect(sink.writeAsync(2)).rejects.toBeInstanceOf(StreamDestroyedError);
  });

  it('hands a signal only to hooks that declare it, and fails waiting writes with a destroy error made lazily', async () => {
    const handed: unknown[] = [];
    const sink = new Writable<number>({
      write: function (_n: number) {
        // biome-ignore lint/complexity/noArguments: what a hook that does not declare the signal would see
        handed.push(arguments[1]);
      },
      final: function () {
        // biome-ignore lint/complexity/noArguments: as above
        handed.push(arguments[0]);
      },
    });
    sink.write(1);
    sink.end();
    await finished(sink);
    expect(handed).toEqual([undefined, undefined]);
    const slow = new Writable<number>({ write: () => new Promise<void>(() => {}) });
    const errors: unknown[] = [];
    slow.write(1, (e) => errors.push(e));
    slow.write(2, (e) => errors.push(e));
    slow.destroy();
    await flush();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(StreamDestroyedError);
    // One error for every write that was waiting.
    expect(errors[1]).toBe(errors[0]);
  });

  it('destroy() aborts the signal of the write in flight, fails buffered writes and emits close only', async () => {
    let signal: AbortSignal | undefined;
    const sink = new Writable<number>({
      write: (_n, s) => {
        signal = s;
        return new Promise<void>(() => {});
      },
    });
    const events: string[] = [];
    sink.on('error', () => events.push('error'));
    sink.on('close', () => events.push('close'));
    const errors: unknown[] = [];
    sink.write(1, (e) => errors.push(e));
    sink.write(2, (e) => errors.push(e));
    sink.destroy();
    expect(signal?.aborted).toBe(true);
    await flush();
    expect(events).toEqual(['close']);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(StreamDestroyedError);
    let late: unknown;
    expect(sink.write(3, (e) => (late = e))).toBe(false);
    await flush();
    expect(late).toBeInstanceOf(StreamDestroyedError);
    expect(events).toEqual(['close']); // a write after destroy is not a second 'error'
  });

  it('destroy(error) runs the destroy hook, then emits error then close, once', async () => {
    const order: string[] = [];
    const sink = new Writable<number>({
      write() {},
      destroy: async (e) => {
        await flush();
        order.push(`hook ${(e as Error).message}`);
      },
    });
    sink.on('error', (e) => order.push(`error ${(e as Error).message}`));
    sink.on('close', () => order.push('close'));
    sink.destroy(new Error('first'));
    sink.destroy(new Error('second'));
    await new Promise<void>((resolve) => sink.once('close', () => resolve()));
    expect(order).toEqual(['hook first', 'error first', 'close']);
    expect(sink.closed).toBe(true);
  });

  it('destroys with an AbortError when its signal aborts', async () => {
    const controller = new AbortController();
    const sink = new Writable<number>({ write: () => new Promise<void>(() => {}), signal: controller.signal });
    sink.write(1);
    controller.abort(new Error('stop'));
    const error = await finished(sink).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect((error as Error).cause).toEqual(new Error('stop'));
  });
});

describe('Writable cork and writev', () => {
  it('batches corked writes into one writev call on uncork', async () => {
    const batches: number[][] = [];
    const singles: number[] = [];
    const sink = new Writable<number>({
      write: (n) => void singles.push(n),
      writev: (chunks) => void batches.push(chunks),
    });
    sink.cork();
    sink.write(1);
    sink.write(2);
    sink.cork();
    sink.write(3);
    expect(sink.writableCorked).toBe(2);
    sink.uncork();
    expect(batches).toEqual([]);
    sink.uncork();
    expect(batches).toEqual([[1, 2, 3]]);
    expect(singles).toEqual([]);
    sink.write(4);
    expect(singles).toEqual([4]);
  });

  it('hands writes queued behind a slow write to writev in one batch', async () => {
    const calls: string[] = [];
    let release: () => void = () => {};
    const sink = new Writable<number>({
      highWaterMark: 100,
      write: (n) => {
        calls.push(`write ${n}`);
        return new Promise<void>((resolve) => (release = resolve));
      },
      writev: (chunks) => void calls.push(`writev ${chunks.join(',')}`),
    });
    sink.write(1);
    sink.write(2);
    sink.write(3);
    release();
    await flush();
    expect(calls).toEqual(['write 1', 'writev 2,3']);
  });

  it('end() uncorks', async () => {
    const batches: number[][] = [];
    const sink = new Writable<number>({ write() {}, writev: (chunks) => void batches.push(chunks) });
    sink.cork();
    sink.write(1);
    sink.write(2);
    sink.end();
    await finished(sink);
    expect(batches).toEqual([[1, 2]]);
  });
});

describe('Writable options', () => {
  it('rejects a bad highWaterMark with a RangeError naming it', () => {
    expect(() => new Writable({ write() {}, highWaterMark: -1 })).toThrow(RangeError);
    expect(() => new Writable({ write() {}, highWaterMark: Number.NaN })).toThrow(
      /highWaterMark: expected a number ≥ 0 \(or Infinity\), got NaN/,
    );
    expect(() => new Writable({ write() {}, highWaterMark: '8' as never })).toThrow(/got "8"/);
  });

  it('rejects a missing write function and bad hooks with a TypeError', () => {
    expect(() => new Writable({} as never)).toThrow(/write: expected a function/);
    expect(() => new Writable(undefined as never)).toThrow(TypeError);
    expect(() => new Writable({ write() {}, final: 1 as never })).toThrow(/final: expected a function/);
    expect(() => new Writable({ write() {}, size: 'x' as never })).toThrow(/size: expected a function/);
  });

  it('fails the stream when a size function returns something unusable', () => {
    const sink = new Writable<number>({ write() {}, size: () => -1 });
    expect(() => sink.write(1)).toThrow(/size: expected the size function to return a finite number ≥ 0, got -1/);
  });
});
