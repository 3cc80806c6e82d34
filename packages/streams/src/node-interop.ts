import { Readable as NodeReadable, Writable as NodeWritable } from 'node:stream';
import { PrematureCloseError } from './errors';
import { finished } from './finished';
import { Readable } from './readable';
import { describe, type SizeOptions } from './size';
import { Transform } from './transform';
import { Writable } from './writable';

/** Options of {@link toNodeReadable} and {@link toNodeWritable}. */
export interface ToNodeOptions {
  /** The Node stream's `objectMode`; by default that of the weft stream (items → object mode, bytes → not). */
  objectMode?: boolean | undefined;
  /** The Node stream's own `highWaterMark`; by default the weft stream's. */
  highWaterMark?: number | undefined;
}

/** A weft readable side: a `Readable` or the output of a `Transform`. */
export type WeftReadable<T> = Readable<T> | Transform<unknown, T>;
/** A weft writable side: a `Writable` or the input of a `Transform`. */
export type WeftWritable<T> = Writable<T> | Transform<T, unknown>;

/**
 * Wraps a weft readable as a `node:stream` Readable. Node's `read()` resumes the weft stream and a full Node
 * buffer pauses it, so backpressure carries over; errors and destroy go both ways.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { Readable, toNodeReadable } from '@weft/streams';
 * createServer((req, res) => toNodeReadable(Readable.from(['hello ', 'world'], { bytes: true })).pipe(res));
 * ```
 */
export function toNodeReadable<T>(source: WeftReadable<T>, options?: ToNodeOptions): NodeReadable {
  if (!(source instanceof Readable || source instanceof Transform)) {
    throw new TypeError(`source: expected a weft Readable or Transform, got ${describe(source)}`);
  }
  const weft = source as Readable<T>;
  const node = new NodeReadable({
    objectMode: options?.objectMode ?? weft.readableObjectMode,
    highWaterMark: options?.highWaterMark ?? weft.readableHighWaterMark,
    read() {
      weft.resume();
    },
    destroy(error, callback) {
      weft.destroy(error ?? undefined);
      callback(error);
    },
  });
  weft.pause(); // flows only when Node asks
  weft.on('data', (chunk) => {
    if (!node.push(chunk)) weft.pause();
  });
  weft.on('end', () => node.push(null));
  weft.on('error', (error) => node.destroy(toError(error)));
  weft.on('close', () => {
    if (!weft.readableEnded && !node.destroyed) node.destroy(toError(weft.errored ?? new PrematureCloseError()));
  });
  return node;
}

/**
 * Wraps a `node:stream` Readable (a file, a socket, an HTTP request) as a weft `Readable`, pausing it while the
 * weft buffer is full. Like `pipe()`, it lets the Node stream flow from the start (pausing it up front costs an
 * HTTP client such as undici several microseconds per body), so up to both highWaterMarks may be buffered before the
 * weft stream is read. Counts bytes unless the Node stream is in object mode or `options` say otherwise.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { fromNodeReadable } from '@weft/streams';
 * for await (const chunk of fromNodeReadable<Buffer>(createReadStream('package.json'))) console.log(chunk.length);
 * ```
 */
export function fromNodeReadable<T = Buffer>(
  node: NodeJS.ReadableStream | NodeReadable,
  options?: SizeOptions<T>,
): Readable<T> {
  if (
    node === null ||
    typeof node !== 'object' ||
    typeof (node as NodeReadable).on !== 'function' ||
    typeof (node as NodeReadable).pause !== 'function'
  ) {
    throw new TypeError(`node: expected a node:stream Readable, got ${describe(node)}`);
  }
  const stream = node as NodeReadable;
  const objectMode = stream.readableObjectMode === true;
  const weft = new Readable<T>({
    bytes: !objectMode && options?.size === undefined ? true : undefined,
    ...options,
    read() {
      if (stream.isPaused()) stream.resume();
    },
    destroy(error) {
      if (!stream.destroyed && !stream.readableEnded) stream.destroy(error === undefined ? undefined : toError(error));
    },
  });
  stream.on('data', (chunk: T) => {
    if (!weft.push(chunk)) stream.pause();
  });
  stream.on('end', () => weft.push(null));
  stream.on('error', (error) => weft.destroy(error));
  stream.on('close', () => {
    if (!stream.readableEnded) weft.destroy(stream.errored ?? new PrematureCloseError());
  });
  return weft;
}

/**
 * Wraps a weft writable as a `node:stream` Writable: each Node write completes once the weft stream accepted the
 * chunk (at once, or after its `'drain'`), `end()` waits for the weft `'finish'`, and errors go both ways.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { Readable as NodeReadable } from 'node:stream';
 * import { Writable, toNodeWritable } from '@weft/streams';
 * const sink = new Writable<string>({ write: (s) => console.log(s) });
 * await pipeline(NodeReadable.from(['a', 'b']), toNodeWritable(sink));
 * ```
 */
export function toNodeWritable<T>(destination: WeftWritable<T>, options?: ToNodeOptions): NodeWritable {
  if (!(destination instanceof Writable || destination instanceof Transform)) {
    throw new TypeError(`destination: expected a weft Writable or Transform, got ${describe(destination)}`);
  }
  const weft = destination as Writable<T>;
  const node = new NodeWritable({
    objectMode: options?.objectMode ?? weft.writableObjectMode,
    highWaterMark: options?.highWaterMark ?? weft.writableHighWaterMark,
    decodeStrings: false,
    write(chunk: T, _encoding, callback) {
      weft.writeAsync(chunk).then(() => callback(), callback);
    },
    final(callback) {
      weft.end();
      finished(weft).then(() => callback(), callback);
    },
    destroy(error, callback) {
      weft.destroy(error ?? undefined);
      callback(error);
    },
  });
  weft.on('error', (error) => node.destroy(toError(error)));
  return node;
}

/**
 * Wraps a `node:stream` Writable (a socket, a file, an `http.ServerResponse`) as a weft `Writable` that honours
 * its `write()` return value and `'drain'`, so a slow client holds at most the highWaterMarks' worth of memory.
 * Counts bytes unless the Node stream is in object mode or `options` say otherwise. A Node stream closed before
 * it finished (a client that went away) destroys the weft stream with a `PrematureCloseError`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { fromNodeWritable, pipeline } from '@weft/streams';
 * createServer((req, res) => {
 *   pipeline(['hello ', 'world'], fromNodeWritable<string>(res)).catch(() => res.destroy());
 * });
 * ```
 */
export function fromNodeWritable<T = Buffer>(
  node: NodeJS.WritableStream | NodeWritable,
  options?: SizeOptions<T>,
): Writable<T> {
  if (
    node === null ||
    typeof node !== 'object' ||
    typeof (node as NodeWritable).write !== 'function' ||
    typeof (node as NodeWritable).on !== 'function'
  ) {
    throw new TypeError(`node: expected a node:stream Writable, got ${describe(node)}`);
  }
  const stream = node as NodeWritable;
  const objectMode = stream.writableObjectMode === true;
  let waiting: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const settle = (error?: unknown) => {
    const current = waiting;
    waiting = undefined;
    if (current === undefined) return;
    if (error === undefined) current.resolve();
    else current.reject(error);
  };
  const drained = () =>
    new Promise<void>((resolve, reject) => {
      waiting = { resolve, reject };
    });
  const weft = new Writable<T>({
    bytes: !objectMode && options?.size === undefined ? true : undefined,
    ...options,
    write(chunk) {
      if (stream.write(chunk)) return;
      return drained();
    },
    writev(chunks) {
      // No cork(): Node 22+ buffers the writes to a corked, chunked http response itself and may answer "wait
      // for drain" for them without ever emitting 'drain' (the socket never saw a refused write). Each write
      // corks the socket until the next tick anyway, so the batch still goes out together.
      let ok = true;
      for (const chunk of chunks) ok = stream.write(chunk);
      if (ok) return;
      return drained();
    },
    final() {
      // end(callback) rather than stream/promises' finished(), which costs a few microseconds more per stream. A
      // stream closed before it finished never calls back: the 'close' listener below destroys the weft stream then.
      return new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    },
    destroy(error) {
      // After 'finish' there is nothing to tear down: destroying a finished response would drop a kept-alive socket.
      if (!stream.destroyed && (error !== undefined || !stream.writableFinished)) {
        stream.destroy(error === undefined ? undefined : toError(error));
      }
    },
  });
  stream.on('drain', () => settle());
  stream.on('error', (error) => {
    settle(error);
    weft.destroy(error);
  });
  stream.on('close', () => {
    if (stream.writableFinished) return;
    const error = stream.errored ?? new PrematureCloseError();
    settle(error);
    weft.destroy(error);
  });
  return weft;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}
