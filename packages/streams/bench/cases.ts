// The pipelines compared by streams.bench.ts (timing) and rss.ts (peak RSS, one child process per case).
import * as node from 'node:stream';
import { pipeline as nodePipeline } from 'node:stream/promises';
import { Minipass } from 'minipass';
import * as streamx from 'streamx';
import * as weft from '../src/index';

export const OBJECTS = 1_000_000;
export const CHUNK_BYTES = 64 * 1024;
export const TOTAL_BYTES = 1024 * 1024 * 1024; // 1 GiB
export const CHUNKS = TOTAL_BYTES / CHUNK_BYTES;

export type Case = () => Promise<number>;
export type BufferKind = 'fresh' | 'reused';

function* objects(count: number): Generator<{ id: number }> {
  for (let id = 0; id < count; id++) yield { id };
}

const shared = Buffer.alloc(CHUNK_BYTES, 7);
function* buffers(kind: BufferKind): Generator<Buffer> {
  for (let i = 0; i < CHUNKS; i++) yield kind === 'fresh' ? Buffer.allocUnsafe(CHUNK_BYTES) : shared;
}

// ----- objects (1,000,000 in the main group): source → 3 pass-through transforms → sink -----

export function objectCases(count: number): Record<string, Case> {
  return {
    async weft() {
      let n = 0;
      await weft.pipeline(
        weft.Readable.from(objects(count)),
        new weft.PassThrough<{ id: number }>(),
        new weft.PassThrough<{ id: number }>(),
        new weft.PassThrough<{ id: number }>(),
        new weft.Writable<{ id: number }>({ write: () => void n++ }),
      );
      return n;
    },
    async 'node:stream'() {
      let n = 0;
      await nodePipeline(
        node.Readable.from(objects(count)),
        new node.PassThrough({ objectMode: true }),
        new node.PassThrough({ objectMode: true }),
        new node.PassThrough({ objectMode: true }),
        new node.Writable({
          objectMode: true,
          write(_chunk, _encoding, callback) {
            n++;
            callback();
          },
        }),
      );
      return n;
    },
    async streamx() {
      let n = 0;
      await streamx.pipelinePromise(
        streamxSource(objects(count)),
        new streamx.PassThrough(),
        new streamx.PassThrough(),
        new streamx.PassThrough(),
        new streamx.Writable({
          write(_data: unknown, callback: (error: Error | null) => void) {
            n++;
            callback(null);
          },
        }),
      );
      return n;
    },
    async minipass() {
      let n = 0;
      await minipassRun(objects(count), true, 3, () => n++);
      return n;
    },
    async 'WHATWG streams'() {
      let n = 0;
      await webRun(objects(count), 3, () => n++);
      return n;
    },
  };
}

// ----- 1 GiB of 64 KiB Buffers: source → 1 transform → sink -----

export function byteCases(kind: BufferKind): Record<string, Case> {
  return {
    async weft() {
      let bytes = 0;
      await weft.pipeline(
        weft.Readable.from(buffers(kind), { bytes: true }),
        new weft.PassThrough<Buffer>({ bytes: true }),
        new weft.Writable<Buffer>({
          bytes: true,
          write: (b) => {
            bytes += b.length;
          },
        }),
      );
      return bytes;
    },
    async 'node:stream'() {
      let bytes = 0;
      await nodePipeline(
        node.Readable.from(buffers(kind), { objectMode: false }),
        new node.PassThrough(),
        new node.Writable({
          write(chunk: Buffer, _encoding, callback) {
            bytes += chunk.length;
            callback(null);
          },
        }),
      );
      return bytes;
    },
    async streamx() {
      let bytes = 0;
      await streamx.pipelinePromise(
        streamxSource(buffers(kind)),
        new streamx.PassThrough(),
        new streamx.Writable({
          write(chunk: Buffer, callback: (error: Error | null) => void) {
            bytes += chunk.length;
            callback(null);
          },
        }),
      );
      return bytes;
    },
    async minipass() {
      let bytes = 0;
      await minipassRun(buffers(kind), false, 1, (b) => {
        bytes += (b as Buffer).length;
      });
      return bytes;
    },
    async 'WHATWG streams'() {
      let bytes = 0;
      await webRun(buffers(kind), 1, (b) => {
        bytes += (b as Buffer).length;
      });
      return bytes;
    },
  };
}

// streamx's Readable.from takes arrays and async iterables only (a generator object would be one chunk).
function streamxSource<T>(source: Iterator<T>) {
  return new streamx.Readable({
    read(this: streamx.Readable, callback: (error: Error | null) => void) {
      const next = source.next();
      this.push(next.done ? null : next.value);
      callback(null);
    },
  });
}

// minipass has no pipeline(): pipe the stages and feed the source honouring write()'s return value.
function minipassRun<T>(source: Iterator<T>, objectMode: boolean, transforms: number, onChunk: (chunk: T) => void) {
  const make = () => (objectMode ? new Minipass({ objectMode: true }) : new Minipass()) as unknown as Minipass<T, T>;
  const head = make();
  let tail = head;
  for (let i = 0; i < transforms; i++) tail = tail.pipe(make());
  const done = new Promise<void>((resolve) => tail.on('end', resolve));
  tail.on('data', onChunk);
  const feed = () => {
    for (;;) {
      const next = source.next();
      if (next.done) {
        head.end();
        return;
      }
      if (!head.write(next.value)) {
        head.once('drain', feed);
        return;
      }
    }
  };
  feed();
  return done;
}

function webRun<T>(source: Iterator<T>, transforms: number, onChunk: (chunk: T) => void) {
  let stream = new ReadableStream<T>({
    pull(controller) {
      const next = source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  for (let i = 0; i < transforms; i++) stream = stream.pipeThrough(new TransformStream<T, T>());
  return stream.pipeTo(new WritableStream<T>({ write: onChunk }));
}
