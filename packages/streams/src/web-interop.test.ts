import { describe, expect, it } from 'vitest';
import { finished } from './finished';
import { pipeline } from './pipeline';
import { Readable } from './readable';
import { Transform } from './transform';
import { fromWeb, toWeb } from './web-interop';
import { Writable } from './writable';

async function readAllWeb<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe('toWeb', () => {
  it('a weft Readable as a ReadableStream, pulled on demand', async () => {
    let produced = 0;
    function* numbers() {
      for (let i = 0; i < 50; i++) {
        produced++;
        yield i;
      }
    }
    const web = toWeb(Readable.from(numbers(), { highWaterMark: 4 }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(produced).toBe(0); // nothing read yet, nothing produced
    expect(await readAllWeb(web)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('cancelling the ReadableStream destroys the weft source', async () => {
    const source = Readable.from(
      (function* () {
        for (let i = 0; ; i++) yield i;
      })(),
    );
    const reader = toWeb(source).getReader();
    expect((await reader.read()).value).toBe(0);
    await reader.cancel();
    expect(source.destroyed).toBe(true);
  });

  it('a weft Writable as a WritableStream: pipeTo delivers everything and closes it', async () => {
    const seen: string[] = [];
    const sink = new Writable<string>({
      highWaterMark: 2,
      async write(s) {
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(s);
      },
    });
    const web = new ReadableStream<string>({
      start(controller) {
        for (const s of ['a', 'b', 'c', 'd']) controller.enqueue(s);
        controller.close();
      },
    });
    await web.pipeTo(toWeb(sink));
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(sink.writableFinished).toBe(true);
  });

  it('a failing weft sink rejects pipeTo with its error', async () => {
    const boom = new Error('nope');
    const sink = new Writable<number>({
      write() {
        throw boom;
      },
    });
    const web = new ReadableStream<number>({
      start(controller) {
        controller.enqueue(1);
        controller.enqueue(2);
        controller.close();
      },
    });
    await expect(web.pipeTo(toWeb(sink))).rejects.toBe(boom);
  });

  it('a weft Transform as a pair for pipeThrough', async () => {
    const upper = new Transform<string, string>({ transform: (s, push) => void push(s.toUpperCase()) });
    const web = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('x');
        controller.enqueue('y');
        controller.close();
      },
    });
    expect(await readAllWeb(web.pipeThrough(toWeb(upper)))).toEqual(['X', 'Y']);
  });

  it('rejects a non-stream with a TypeError', () => {
    expect(() => toWeb({} as never)).toThrow(/stream: expected a weft Readable, Writable or Transform/);
    expect(() => fromWeb({} as never)).toThrow(/stream: expected a ReadableStream or WritableStream/);
  });
});

describe('fromWeb', () => {
  it('a ReadableStream as a weft Readable, never pulled more than highWaterMark ahead', async () => {
    let pulls = 0;
    let consumed = 0;
    let maxAhead = 0;
    const web = new ReadableStream<number>(
      {
        pull(controller) {
          pulls++;
          maxAhead = Math.max(maxAhead, pulls - consumed);
          if (pulls > 40) controller.close();
          else controller.enqueue(pulls);
        },
      },
      { highWaterMark: 0 },
    );
    const out: number[] = [];
    for await (const n of fromWeb(web, { highWaterMark: 3 })) {
      consumed++;
      out.push(n);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(out).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(maxAhead).toBeLessThanOrEqual(5);
  });

  it('destroying the weft Readable cancels the ReadableStream', async () => {
    let cancelled: unknown = 'not cancelled';
    const web = new ReadableStream<number>({
      pull(controller) {
        controller.enqueue(1);
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const weft = fromWeb(web);
    weft.read();
    const error = new Error('stop');
    weft.on('error', () => {});
    weft.destroy(error);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled).toBe(error);
  });

  it('a WritableStream as a weft Writable: pipeline delivers and closes it', async () => {
    const seen: number[] = [];
    let closed = false;
    const web = new WritableStream<number>({
      async write(n) {
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(n);
      },
      close() {
        closed = true;
      },
    });
    await pipeline([1, 2, 3], fromWeb(web));
    expect(seen).toEqual([1, 2, 3]);
    expect(closed).toBe(true);
  });

  it('a failing WritableStream destroys the weft Writable with its error', async () => {
    const boom = new Error('web sink failed');
    const web = new WritableStream<number>({
      write(n) {
        if (n === 2) throw boom;
      },
    });
    const sink = fromWeb(web);
    await expect(pipeline([1, 2, 3, 4], sink)).rejects.toBe(boom);
    await expect(finished(sink)).rejects.toBe(boom);
  });

  it('round trip weft → web → weft keeps order', async () => {
    const items = Array.from({ length: 100 }, (_, i) => `item ${i}`);
    const back = fromWeb(toWeb(Readable.from(items)));
    const out: string[] = [];
    for await (const s of back) out.push(s);
    expect(out).toEqual(items);
  });
});
