import { describe, expect, it } from 'vitest';
import { finished } from './finished';
import { Readable } from './readable';
import { PassThrough, Transform } from './transform';

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of stream) out.push(value);
  return out;
}

describe('Transform', () => {
  it('maps, filters and splits chunks with a sync transform, and flush adds trailing output', async () => {
    const t = new Transform<number, string>({
      transform(n, push) {
        if (n % 2 === 0) return; // filter
        push(`${n}`);
        if (n === 3) push('three');
      },
      flush(push) {
        push('done');
      },
    });
    t.write(1);
    t.write(2);
    t.end(3);
    expect(await collect(t)).toEqual(['1', '3', 'three', 'done']);
  });

  it('starts flowing when a data listener is prepended', async () => {
    const t = new PassThrough<number>();
    const seen: number[] = [];
    t.prependListener('data', (n) => void seen.push(n));
    t.end(7);
    await finished(t);
    expect(seen).toEqual([7]);
  });

  it('waits for an async transform before the next chunk, preserving order', async () => {
    let active = 0;
    let maxActive = 0;
    const t = new Transform<number, number>({
      async transform(n, push) {
        active++;
        maxActive = Math.max(maxActive, active);
        await flush();
        active--;
        push(n * 10);
      },
      async flush(push) {
        await flush();
        push(-1);
      },
    });
    const output = collect(t);
    for (const n of [1, 2, 3]) t.write(n);
    t.end();
    expect(await output).toEqual([10, 20, 30, -1]);
    expect(maxActive).toBe(1);
  });

  it('holds backpressure end to end: with nobody reading, write returns false once both buffers are full', async () => {
    const t = new PassThrough<number>({ highWaterMark: 2 });
    const results: boolean[] = [];
    for (let i = 0; i < 5; i++) results.push(t.write(i));
    // 0 and 1 fill the output buffer; 1 stays in flight (held) so 2, 3, 4 queue on the input side
    expect(results).toEqual([true, true, false, false, false]);
    expect(t.readableLength).toBe(2);
    expect(t.writableLength).toBe(4);
    expect(t.writableNeedDrain).toBe(true);
    let drained = false;
    t.on('drain', () => (drained = true));
    expect([t.read(), t.read(), t.read()]).toEqual([0, 1, 2]);
    await flush();
    expect(drained).toBe(false);
    expect(t.readableLength).toBe(2);
    expect(t.read()).toBe(3); // releases the last held chunk: the input buffer is empty
    await flush();
    expect(drained).toBe(true);
    expect(t.read()).toBe(4);
  });

  it('a throwing transform destroys the stream and rejects the consumer', async () => {
    const boom = new Error('boom');
    const t = new Transform<number, number>({
      transform() {
        throw boom;
      },
    });
    t.write(1);
    await expect(collect(t)).rejects.toBe(boom);
    expect(t.destroyed).toBe(true);
  });

  it('emits finish when the input ended and end once the output was read, then close', async () => {
    const t = new PassThrough<string>();
    const events: string[] = [];
    for (const name of ['finish', 'end', 'close'] as const) t.on(name, () => events.push(name));
    t.end('x');
    await flush();
    expect(events).toEqual(['finish']);
    expect(t.read()).toBe('x');
    await finished(t);
    await flush();
    expect(events).toEqual(['finish', 'end', 'close']);
  });

  it('takes separate readable and writable sizing', () => {
    const t = new Transform<string, Uint8Array>({ writable: { highWaterMark: 4 }, readable: { bytes: true } });
    expect(t.writableHighWaterMark).toBe(4);
    expect(t.writableObjectMode).toBe(true);
    expect(t.readableHighWaterMark).toBe(64 * 1024);
    expect(t.readableObjectMode).toBe(false);
    expect(() => new Transform({ readable: { highWaterMark: -2 } })).toThrow(/readable\.highWaterMark/);
  });

  it('rejects bad hooks with TypeErrors', () => {
    expect(() => new Transform({ transform: 1 as never })).toThrow(/transform: expected a function/);
    expect(() => new PassThrough({ transform() {} } as never)).toThrow(/use a Transform/);
  });

  it('is a readable source for Readable consumers: pipe into another transform', async () => {
    const a = new PassThrough<number>();
    const b = new Transform<number, number>({ transform: (n, push) => void push(n + 1) });
    a.pipe(b);
    Readable.from([1, 2, 3]).pipe(a);
    expect(await collect(b)).toEqual([2, 3, 4]);
  });
});
