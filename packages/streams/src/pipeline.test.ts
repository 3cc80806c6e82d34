import { describe, expect, it } from 'vitest';
import { PrematureCloseError } from './errors';
import { finished } from './finished';
import { pipeline } from './pipeline';
import { Readable } from './readable';
import { PassThrough, Transform } from './transform';
import { Writable } from './writable';

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A source that counts how often it was read, so tests can prove it stopped. */
function countingSource(limit = Number.POSITIVE_INFINITY, highWaterMark = 4) {
  const state = { reads: 0, returned: false };
  function* numbers() {
    try {
      for (let i = 0; i < limit; i++) {
        state.reads++;
        yield i;
      }
    } finally {
      state.returned = true;
    }
  }
  return { source: Readable.from(numbers(), { highWaterMark }), state };
}

describe('pipeline backpressure', () => {
  it('a slow async sink and a fast source keep every stage at or below highWaterMark at every point', async () => {
    const hwm = 4;
    const { source } = countingSource(300, hwm);
    const stages = [new PassThrough<number>({ highWaterMark: hwm }), new PassThrough<number>({ highWaterMark: hwm })];
    let maxSink = 0;
    let maxStage = 0;
    let maxSource = 0;
    const received: number[] = [];
    const sink = new Writable<number>({
      highWaterMark: hwm,
      async write(n) {
        maxSink = Math.max(maxSink, sink.writableLength);
        maxSource = Math.max(maxSource, source.readableLength);
        for (const s of stages) maxStage = Math.max(maxStage, s.readableLength, s.writableLength);
        await new Promise((resolve) => setImmediate(resolve)); // slow: a macrotask per chunk
        received.push(n);
      },
    });
    await pipeline(source, stages[0]!, stages[1]!, sink);
    expect(received).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(maxSink).toBeGreaterThan(1); // the sink did queue up...
    expect(maxSink).toBeLessThanOrEqual(hwm); // ...but never past its highWaterMark
    expect(maxStage).toBeLessThanOrEqual(hwm);
    expect(maxSource).toBeLessThanOrEqual(hwm);
  });

  it('runs a synchronous pipeline of a million chunks end to end without buffering', async () => {
    let count = 0;
    let maxBuffered = 0;
    const t = new PassThrough<number>();
    const sink = new Writable<number>({
      write() {
        count++;
        if (t.readableLength > maxBuffered) maxBuffered = t.readableLength;
      },
    });
    const { source } = countingSource(1_000_000, 16);
    await pipeline(source, t, sink);
    expect(count).toBe(1_000_000);
    expect(maxBuffered).toBe(0);
  });

  it('a pipe calls a subclass write() override instead of bypassing it', async () => {
    class Counting extends Writable<number> {
      calls = 0;
      override write(chunk: number, callback?: (error?: unknown) => void): boolean {
        this.calls++;
        return super.write(chunk, callback);
      }
    }
    const sink = new Counting({ write() {} });
    await pipeline([1, 2, 3], sink);
    expect(sink.calls).toBe(3);
  });

  it('accepts an iterable or async iterable as the source', async () => {
    const out: string[] = [];
    await pipeline(['a', 'b'], new Writable<string>({ write: (s) => void out.push(s) }));
    async function* gen() {
      yield 'c';
    }
    await pipeline(gen(), new PassThrough<string>(), new Writable<string>({ write: (s) => void out.push(s) }));
    expect(out).toEqual(['a', 'b', 'c']);
  });
});

describe('pipeline errors', () => {
  type Stage = 'source' | 'transform' | 'async transform' | 'sink';
  const boom = () => new Error('boom');

  function build(failAt: Stage, error: Error) {
    const { source, state } = countingSource();
    let n = 0;
    const failingSource =
      failAt === 'source'
        ? new Readable<number>({
            read() {
              if (n === 50) throw error;
              this.push(n++);
            },
          })
        : source;
    const transform = new Transform<number, number>({
      transform(v, push) {
        if (failAt === 'transform' && v === 50) throw error;
        push(v);
      },
    });
    const asyncTransform = new Transform<number, number>({
      async transform(v, push) {
        if (failAt === 'async transform' && v === 50) throw error;
        push(v);
      },
    });
    let writes = 0;
    const sink = new Writable<number>({
      async write() {
        writes++;
        if (failAt === 'sink' && writes === 50) throw error;
      },
    });
    return { stages: [failingSource, transform, asyncTransform, sink] as const, state, writes: () => writes };
  }

  for (const failAt of ['source', 'transform', 'async transform', 'sink'] as const) {
    it(`an error in the ${failAt} rejects the pipeline with it and destroys every stage`, async () => {
      const error = boom();
      const { stages, state, writes } = build(failAt, error);
      const [source, t1, t2, sink] = stages;
      await expect(pipeline(source, t1, t2, sink)).rejects.toBe(error);
      await flush();
      for (const stage of stages) expect(stage.destroyed).toBe(true);
      const readsAtFailure = state.reads;
      const writesAtFailure = writes();
      await new Promise((resolve) => setImmediate(resolve));
      expect(state.reads).toBe(readsAtFailure); // nothing keeps running
      expect(writes()).toBe(writesAtFailure);
      if (failAt !== 'source') expect(state.returned).toBe(true);
    });
  }

  for (const index of [0, 1, 2, 3]) {
    it(`destroying stage ${index} mid-stream rejects with a PrematureCloseError and destroys the rest`, async () => {
      const { source } = countingSource();
      const stages = [source, new PassThrough<number>(), new PassThrough<number>(), undefined] as const;
      let writes = 0;
      const sink = new Writable<number>({
        async write() {
          if (++writes === 20) all[index]!.destroy();
        },
      });
      const all = [stages[0], stages[1], stages[2], sink] as const;
      await expect(pipeline(all[0], all[1], all[2], all[3])).rejects.toBeInstanceOf(PrematureCloseError);
      for (const stage of all) expect(stage.destroyed).toBe(true);
    });
  }

  it('destroying a stage with an error rejects with that error', async () => {
    const { source } = countingSource();
    const error = new Error('stop');
    const t = new PassThrough<number>();
    const sink = new Writable<number>({
      write(n) {
        if (n === 10) t.destroy(error);
      },
    });
    await expect(pipeline(source, t, sink)).rejects.toBe(error);
    expect(source.destroyed).toBe(true);
  });

  it('aborting the signal destroys every stage with an AbortError carrying the reason', async () => {
    const controller = new AbortController();
    const { source, state } = countingSource();
    const t = new PassThrough<number>();
    const sink = new Writable<number>({
      async write(n) {
        if (n === 25) controller.abort('enough');
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const error = await pipeline(source, t, sink, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: 'enough' });
    for (const stage of [source, t, sink]) expect(stage.destroyed).toBe(true);
    const reads = state.reads;
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.reads).toBe(reads);
    expect(state.returned).toBe(true);
  });

  it('an already aborted signal rejects before any chunk moves', async () => {
    const { source, state } = countingSource();
    const sink = new Writable<number>({ write() {} });
    await expect(pipeline(source, sink, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(state.reads).toBe(0);
    expect(sink.destroyed).toBe(true);
  });

  it('rejects bad stages with a TypeError naming them', async () => {
    const sink = new Writable<number>({ write() {} });
    await expect(pipeline(Readable.from([1]), new Readable<number>() as never)).rejects.toThrow(
      /destination: expected a Writable or Transform, got a Readable/,
    );
    await expect(pipeline(Readable.from([1]), sink as never, sink)).rejects.toThrow(
      /transforms\[0\]: expected a Transform/,
    );
    await expect((pipeline as (...a: unknown[]) => Promise<void>)(sink)).rejects.toThrow(/at least 2 stages/);
    await expect(pipeline(Readable.from([1]), sink, { signal: 'x' as never })).rejects.toThrow(/options\.signal/);
  });
});

describe('finished', () => {
  it('resolves for a readable at end, a writable at finish, a transform when both are done', async () => {
    const r = Readable.from([1]);
    r.resume();
    await expect(finished(r)).resolves.toBeUndefined();
    const w = new Writable<number>({ write() {} });
    w.end(1);
    await expect(finished(w)).resolves.toBeUndefined();
    await expect(finished(w)).resolves.toBeUndefined(); // already finished
    const t = new PassThrough<number>();
    t.end(1);
    let done = false;
    const waiting = finished(t).then(() => (done = true));
    await flush();
    expect(done).toBe(false); // output not read yet
    t.resume();
    await waiting;
  });

  it('rejects with the error, or a PrematureCloseError when destroyed early', async () => {
    const error = new Error('x');
    await expect(finished(new Readable<number>().destroy(error))).rejects.toBe(error);
    const r = new Readable<number>().destroy();
    await expect(finished(r)).rejects.toBeInstanceOf(PrematureCloseError);
    await flush();
    await expect(finished(r)).rejects.toBeInstanceOf(PrematureCloseError); // after close
  });

  it('stops waiting when its own signal aborts, leaving the stream alone', async () => {
    const r = new Readable<number>();
    const controller = new AbortController();
    const waiting = finished(r, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(r.destroyed).toBe(false);
  });

  it('rejects a non-stream with a TypeError', () => {
    expect(() => finished({} as never)).toThrow(/stream: expected a weft Readable, Writable or Transform/);
  });
});
