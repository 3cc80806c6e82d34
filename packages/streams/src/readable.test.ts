import { describe, expect, it } from 'vitest';
import { PrematureCloseError, PushAfterEndError } from './errors';
import { finished } from './finished';
import { Readable } from './readable';

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('Readable pull', () => {
  it('calls read only while the buffer is below highWaterMark, and not before a consumer', async () => {
    const lengthsAtRead: number[] = [];
    let n = 0;
    const source = new Readable<number>({
      highWaterMark: 3,
      read() {
        lengthsAtRead.push(this.readableLength);
        this.push(n++);
      },
    });
    await flush();
    expect(lengthsAtRead).toEqual([]); // lazy: nobody consumes yet
    expect(source.read()).toBe(0);
    expect(lengthsAtRead).toEqual([0, 1, 2, 2]); // filled to 3, then one more after 0 was taken
    expect(source.readableLength).toBe(3);
    await flush();
    expect(lengthsAtRead).toHaveLength(4); // full: not asked again
    expect(source.read()).toBe(1);
    expect(lengthsAtRead).toEqual([0, 1, 2, 2, 2]);
    expect(Math.max(...lengthsAtRead)).toBeLessThan(3);
  });

  it('waits for an async read before asking again', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let n = 0;
    const source = new Readable<number>({
      highWaterMark: 4,
      async read() {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await flush();
        inFlight--;
        this.push(n < 10 ? n++ : null);
      },
    });
    const seen: number[] = [];
    for await (const value of source) seen.push(value);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxInFlight).toBe(1);
  });

  it('accepts pushes from outside read (a push source) and ends with push(null)', async () => {
    const source = new Readable<string>();
    const events: string[] = [];
    source.on('data', (chunk) => events.push(chunk));
    source.on('end', () => events.push('end'));
    source.on('close', () => events.push('close'));
    expect(source.push('a')).toBe(true);
    source.push('b');
    source.push(null);
    await finished(source);
    await flush();
    expect(events).toEqual(['a', 'b', 'end', 'close']);
    expect(source.readableEnded).toBe(true);
    expect(source.destroyed).toBe(true);
  });

  it('push returns false once the buffer reached highWaterMark', () => {
    const source = new Readable<number>({ highWaterMark: 2 });
    expect([source.push(1), source.push(2), source.push(3)]).toEqual([true, false, false]);
    expect(source.readableLength).toBe(3);
  });

  it('a push after push(null) fails the stream with a clear error', async () => {
    const source = new Readable<number>();
    source.push(null);
    source.push(1);
    const error = await finished(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushAfterEndError);
    expect((error as Error).message).toMatch(/push after end/);
  });

  it('push(undefined) throws a TypeError', () => {
    expect(() => new Readable<unknown>().push(undefined)).toThrow(TypeError);
  });

  it('a throwing read destroys the stream with its error', async () => {
    const boom = new Error('boom');
    const source = new Readable<number>({
      read() {
        throw boom;
      },
    });
    source.resume();
    await expect(finished(source)).rejects.toBe(boom);
  });
});

describe('Readable flowing mode', () => {
  it('pause stops data and keeps at most highWaterMark buffered; resume continues', async () => {
    let n = 0;
    const source = new Readable<number>({
      highWaterMark: 5,
      read() {
        this.push(n < 100 ? n++ : null);
      },
    });
    const seen: number[] = [];
    source.on('data', (value) => {
      seen.push(value);
      if (value === 9) source.pause();
    });
    await flush();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(source.isPaused()).toBe(true);
    expect(source.readableLength).toBe(5);
    source.resume();
    await finished(source);
    expect(seen).toHaveLength(100);
  });

  it('a data listener added by any method starts flowing (on, once, prependListener, prependOnceListener)', async () => {
    for (const method of ['on', 'once', 'prependListener', 'prependOnceListener'] as const) {
      const source = Readable.from([1, 2, 3]);
      const seen: number[] = [];
      source[method]('data', (value: number) => void seen.push(value));
      await flush();
      expect({ method, seen }).toEqual({
        method,
        seen: method.includes('Once') || method === 'once' ? [1] : [1, 2, 3],
      });
    }
  });

  it('a data listener added after pause() does not resume', async () => {
    const source = Readable.from([1, 2, 3]);
    source.pause();
    const seen: number[] = [];
    source.on('data', (v) => seen.push(v));
    await flush();
    expect(seen).toEqual([]);
    expect(source.readableFlowing).toBe(false);
    source.resume();
    await finished(source);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('does not emit end when nobody consumed the data', async () => {
    const source = Readable.from([1]);
    let ended = false;
    source.on('end', () => (ended = true));
    await flush();
    expect(ended).toBe(false);
    expect(source.read()).toBe(1);
    expect(source.read()).toBe(null);
    await flush();
    expect(ended).toBe(true);
  });
});

describe('Readable async iterator', () => {
  it('pulls lazily: the source is never more than highWaterMark ahead of the consumer', async () => {
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    function* numbers() {
      for (let i = 0; i < 200; i++) {
        produced++;
        maxAhead = Math.max(maxAhead, produced - consumed);
        yield i;
      }
    }
    const source = Readable.from(numbers(), { highWaterMark: 4 });
    for await (const _ of source) {
      consumed++;
      await flush();
    }
    expect(consumed).toBe(200);
    // highWaterMark buffered plus the one handed to the consumer
    expect(maxAhead).toBeLessThanOrEqual(5);
  });

  it('an early break destroys the source and runs the generator finally block', async () => {
    let cleanedUp = false;
    async function* rows() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        cleanedUp = true;
      }
    }
    const source = Readable.from(rows());
    const seen: number[] = [];
    for await (const row of source) {
      seen.push(row);
      if (row === 2) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(source.destroyed).toBe(true);
    await new Promise<void>((resolve) => source.once('close', () => resolve()));
    expect(cleanedUp).toBe(true);
  });

  it('rethrows the stream error in the loop', async () => {
    const boom = new Error('boom');
    async function* failing() {
      yield 1;
      throw boom;
    }
    const seen: number[] = [];
    const loop = async () => {
      for await (const value of Readable.from(failing())) seen.push(value);
    };
    await expect(loop()).rejects.toBe(boom);
    expect(seen).toEqual([1]);
  });

  it('rejects with a PrematureCloseError when destroyed under a waiting consumer', async () => {
    const source = new Readable<number>();
    const iterator = source[Symbol.asyncIterator]();
    const next = iterator.next();
    source.destroy();
    await expect(next).rejects.toBeInstanceOf(PrematureCloseError);
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('a throw in the loop body destroys the source', async () => {
    const source = Readable.from([1, 2, 3]);
    const loop = async () => {
      for await (const _ of source) throw new Error('consumer failed');
    };
    await expect(loop()).rejects.toThrow('consumer failed');
    expect(source.destroyed).toBe(true);
  });
});

describe('Readable.from', () => {
  it('reads sync iterables, async iterables and treats a string as one chunk', async () => {
    const all = async <T>(r: Readable<T>) => {
      const out: T[] = [];
      for await (const v of r) out.push(v);
      return out;
    };
    expect(await all(Readable.from(new Set([1, 2])))).toEqual([1, 2]);
    expect(
      await all(
        Readable.from(
          (async function* () {
            yield 'x';
          })(),
        ),
      ),
    ).toEqual(['x']);
    expect(await all(Readable.from('hello'))).toEqual(['hello']);
  });

  it('fails on a null item instead of ending early', async () => {
    const source = Readable.from([1, null, 2] as number[]);
    source.resume();
    await expect(finished(source)).rejects.toThrow(/yielded null/);
  });

  it('rejects a non-iterable with a TypeError', () => {
    expect(() => Readable.from(42 as never)).toThrow(/source: expected an iterable or async iterable, got 42/);
  });

  it('destroying the stream calls the iterator return()', async () => {
    let returned = false;
    const iterable: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => ({ value: 1, done: false }),
        return: () => {
          returned = true;
          return { value: undefined, done: true };
        },
      }),
    };
    const source = Readable.from(iterable);
    source.read();
    source.destroy();
    expect(returned).toBe(true);
  });

  it('a sync source into a flowing consumer yields to the event loop instead of blocking it', async () => {
    let produced = 0;
    function* endless() {
      for (;;) {
        produced++;
        yield produced;
      }
    }
    const source = Readable.from(endless());
    source.on('data', () => {});
    await new Promise((resolve) => setImmediate(resolve));
    source.destroy();
    expect(produced).toBeGreaterThan(0);
    expect(produced).toBeLessThan(1_000_000);
  });
});

describe('Readable options', () => {
  it('rejects a bad highWaterMark and hooks', () => {
    expect(() => new Readable({ highWaterMark: -1 })).toThrow(RangeError);
    expect(() => new Readable({ read: 'x' as never })).toThrow(/read: expected a function/);
    expect(() => new Readable(5 as never)).toThrow(/options: expected an object, got 5/);
  });

  it('destroys with an AbortError from its signal and hands the read hook an aborted signal', async () => {
    const controller = new AbortController();
    let readSignal: AbortSignal | undefined;
    const source = new Readable<number>({
      signal: controller.signal,
      read(_size, signal) {
        readSignal = signal;
      },
    });
    source.resume();
    await flush();
    controller.abort();
    await expect(finished(source)).rejects.toMatchObject({ name: 'AbortError' });
    expect(readSignal?.aborted).toBe(true);
  });
  it('hands a signal only to a read hook that declares it', async () => {
    const handed: unknown[] = [];
    const source = new Readable<number>({
      read: function (this: Readable<number>, _size: number) {
        // biome-ignore lint/complexity/noArguments: what a hook that does not declare the signal would see
        handed.push(arguments[1]);
        this.push(1);
        this.push(null);
      },
    });
    const declared: AbortSignal[] = [];
    const other = new Readable<number>({
      read(_size, signal) {
        declared.push(signal);
        this.push(null);
      },
    });
    const drain = async (stream: Readable<number>) => {
      for await (const _ of stream);
    };
    await Promise.all([drain(source), drain(other)]);
    await flush();
    expect(handed).toEqual([undefined]);
    expect(declared).toHaveLength(1);
    expect(declared[0]).toBeInstanceOf(AbortSignal);
    // Auto-destroy after 'end' aborts the signal the hook was given.
    expect(declared[0]?.aborted).toBe(true);
  });
});
