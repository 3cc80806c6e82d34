import { finished } from './finished';
import type { WeftReadable, WeftWritable } from './node-interop';
import { Readable, swallow } from './readable';
import { describe, type SizeOptions } from './size';
import { Transform } from './transform';
import { Writable } from './writable';

/** A weft transform as a WHATWG pair, usable with `ReadableStream.pipeThrough`. */
export interface WebPair<I, O> {
  readable: ReadableStream<O>;
  writable: WritableStream<I>;
}

const noop = (): void => {};

/**
 * Exposes a weft stream as a WHATWG stream: a readable as a `ReadableStream` (pulled on demand, so the weft
 * highWaterMark is the only buffer; `cancel()` destroys the source), a writable as a `WritableStream` (each write
 * resolves once the weft stream has room; `abort()` destroys it), a transform as a `{ readable, writable }` pair.
 *
 * @example
 * ```ts
 * import { Readable, toWeb } from '@weft/streams';
 * const body = toWeb(Readable.from(['a', 'b']));
 * const response = new Response(body.pipeThrough(new TextEncoderStream()));
 * ```
 */
export function toWeb<I, O>(stream: Transform<I, O>): WebPair<I, O>;
export function toWeb<T>(stream: Readable<T>): ReadableStream<T>;
export function toWeb<T>(stream: Writable<T>): WritableStream<T>;
export function toWeb(stream: Readable<unknown> | Writable<unknown> | Transform<unknown, unknown>): unknown {
  if (stream instanceof Transform) return { readable: toWebReadable(stream), writable: toWebWritable(stream) };
  if (stream instanceof Readable) return toWebReadable(stream);
  if (stream instanceof Writable) return toWebWritable(stream);
  throw new TypeError(`stream: expected a weft Readable, Writable or Transform, got ${describe(stream)}`);
}

function toWebReadable<T>(source: WeftReadable<T>): ReadableStream<T> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<T>(
    {
      async pull(controller) {
        const result = await iterator.next();
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      cancel(reason) {
        source.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

function toWebWritable<T>(destination: WeftWritable<T>): WritableStream<T> {
  const weft = destination as Writable<T>;
  // Failures reach the web side through the rejected write()/close() promises.
  weft.on('error', swallow);
  return new WritableStream<T>(
    {
      write(chunk) {
        return weft.writeAsync(chunk);
      },
      close() {
        weft.end();
        return finished(weft);
      },
      abort(reason) {
        weft.destroy(reason ?? undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * Wraps a WHATWG stream as a weft one: a `ReadableStream` as a `Readable` (one `reader.read()` per pull, so
 * never more than highWaterMark ahead; destroying it cancels the stream), a `WritableStream` as a `Writable`
 * (each write completes when the web writer is `ready` again; destroying it aborts the stream). Sizes count items
 * unless `options` say otherwise (`bytes: true`).
 *
 * @example
 * ```ts
 * import { fromWeb } from '@weft/streams';
 * const response = await fetch('http://127.0.0.1:3000/');
 * for await (const chunk of fromWeb(response.body!, { bytes: true })) console.log(chunk.byteLength);
 * ```
 */
export function fromWeb<T>(stream: ReadableStream<T>, options?: SizeOptions<T>): Readable<T>;
export function fromWeb<T>(stream: WritableStream<T>, options?: SizeOptions<T>): Writable<T>;
export function fromWeb<T>(
  stream: ReadableStream<T> | WritableStream<T>,
  options?: SizeOptions<T>,
): Readable<T> | Writable<T> {
  if (stream !== null && typeof stream === 'object' && typeof (stream as ReadableStream<T>).getReader === 'function') {
    return fromWebReadable(stream as ReadableStream<T>, options);
  }
  if (stream !== null && typeof stream === 'object' && typeof (stream as WritableStream<T>).getWriter === 'function') {
    return fromWebWritable(stream as WritableStream<T>, options);
  }
  throw new TypeError(`stream: expected a ReadableStream or WritableStream, got ${describe(stream)}`);
}

function fromWebReadable<T>(stream: ReadableStream<T>, options: SizeOptions<T> | undefined): Readable<T> {
  const reader = stream.getReader();
  let done = false;
  const weft: Readable<T> = new Readable<T>({
    ...options,
    read() {
      return reader.read().then((result) => {
        if (result.done) {
          done = true;
          weft.push(null);
        } else if (result.value === null || result.value === undefined) {
          throw new TypeError(`fromWeb: the stream produced ${describe(result.value)}, which cannot be a chunk`);
        } else {
          weft.push(result.value);
        }
      });
    },
    destroy(error) {
      if (!done) reader.cancel(error).catch(noop);
    },
  });
  return weft;
}

function fromWebWritable<T>(stream: WritableStream<T>, options: SizeOptions<T> | undefined): Writable<T> {
  const writer = stream.getWriter();
  let closed = false;
  const weft: Writable<T> = new Writable<T>({
    ...options,
    write(chunk) {
      writer.write(chunk).catch((error: unknown) => weft.destroy(error));
      return writer.ready;
    },
    async final() {
      await writer.close();
      closed = true;
    },
    destroy(error) {
      if (!closed) writer.abort(error).catch(noop);
    },
  });
  return weft;
}
