import { AbortError, Emitter } from '@weft/emitter';
import { Core, type DestroyHook, type Host, hookSignals } from './core';
import { iterableSource, type ReadableSource } from './from';
import { type PipeDestination, ReadSide } from './read-side';
import { describe, resolveSizing, type SizeOptions } from './size';

/** The events of a {@link Readable}. */
export type ReadableEvents<T> = {
  /** A chunk, in flowing mode (adding a `'data'` listener starts it). */
  data: [chunk: T];
  /** Every chunk was consumed after `push(null)`. */
  end: [];
  /** The stream failed; `'close'` follows. */
  error: [error: unknown];
  /** The stream was destroyed (after `'end'`, an error, or `destroy()`); nothing is emitted afterwards. */
  close: [];
};

/** Options of the {@link Readable} constructor. */
export interface ReadableOptions<T> extends SizeOptions<T> {
  /**
   * Produces chunks with `this.push(chunk)` (and `this.push(null)` at the end). Called only while the buffer is
   * below `highWaterMark`, and not again until it pushed something or its returned promise settled. `size` is how
   * much room is left; `signal` aborts when the stream is destroyed. The signal is made only for a function that
   * declares the parameter (its `length` counts it; a rest parameter does not), since making and aborting one
   * costs microseconds per stream.
   */
  read?: ((this: Readable<T>, size: number, signal: AbortSignal) => void | PromiseLike<void>) | undefined;
  /** Releases resources when the stream is destroyed (after an error, `destroy()`, or `'end'`); may be async. */
  destroy?: ((this: Readable<T>, error: unknown) => void | PromiseLike<void>) | undefined;
  /** Destroys the stream with an `AbortError` when aborted. */
  signal?: AbortSignal | undefined;
}

/** Options of {@link Readable.pipe}. */
export interface PipeOptions {
  /** End the destination when this stream ends (default `true`). */
  end?: boolean | undefined;
}

/**
 * A readable stream with real backpressure: chunks are buffered only up to `highWaterMark`, and the `read` hook
 * is asked for more only while the buffer is below it. Consume it with `for await`, `'data'` events, `read()`,
 * `pipe()` or {@link pipeline}.
 *
 * @example
 * ```ts
 * import { Readable } from '@weft/streams';
 *
 * let n = 0;
 * const counter = new Readable<number>({
 *   highWaterMark: 4,
 *   read() {
 *     this.push(n < 3 ? n++ : null);
 *   },
 * });
 * for await (const value of counter) console.log(value); // 0, 1, 2
 * ```
 */
export class Readable<T> extends Emitter<ReadableEvents<T>> {
  readonly #core: Core;
  readonly #side: ReadSide<T>;

  /**
   * A readable over an iterable or async iterable, never reading it more than `highWaterMark` items ahead of
   * the consumer; destroying the stream calls the iterator's `return()`. A string or byte array is one chunk.
   *
   * @example
   * ```ts
   * import { Readable } from '@weft/streams';
   * async function* rows() { yield { id: 1 }; yield { id: 2 }; }
   * for await (const row of Readable.from(rows())) console.log(row.id);
   * ```
   */
  static from<T>(
    source: ReadableSource<T> | Readable<T>,
    options?: SizeOptions<T> & { signal?: AbortSignal },
  ): Readable<T> {
    if (source instanceof Readable) return source;
    const items =
      typeof source === 'string' || ArrayBuffer.isView(source) ? ([source] as unknown as Iterable<T>) : source;
    if (items === null || (typeof items !== 'object' && typeof items !== 'function')) {
      throw new TypeError(`source: expected an iterable or async iterable, got ${describe(items)}`);
    }
    const stream = new Readable<T>(options);
    const side = stream.#side;
    const adapter = iterableSource(
      items,
      (chunk) => side.push(chunk),
      (error) => stream.#core.destroy(error),
    );
    stream.#attach(adapter.read, adapter.destroy);
    return stream;
  }

  constructor(options?: ReadableOptions<T>) {
    super();
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`options: expected an object, got ${describe(options)}`);
    }
    const { read, destroy, signal } = options ?? {};
    if (read !== undefined && typeof read !== 'function') {
      throw new TypeError(`read: expected a function (size, signal) => void | Promise<void>, got ${describe(read)}`);
    }
    if (destroy !== undefined && typeof destroy !== 'function') {
      throw new TypeError(`destroy: expected a function (error) => void | Promise<void>, got ${describe(destroy)}`);
    }
    const sizing = resolveSizing(options);
    const core = new Core(
      this as unknown as Host,
      destroy === undefined ? undefined : (error) => destroy.call(this, error),
    );
    this.#core = core;
    // The signal (and its AbortController) is created on the first read, if the hook declares it.
    const readSignal = hookSignals(core)(read, 1);
    this.#side = new ReadSide<T>(
      core,
      sizing,
      read === undefined ? undefined : { read: (size) => read.call(this, size, readSignal()) },
    );
    core.readable = this.#side;
    if (signal !== undefined) bindSignal(signal, core, 'signal');
  }

  /**
   * Adds a chunk to the buffer (or hands it straight to a waiting consumer); `push(null)` ends the stream.
   * Returns `false` once the buffer reached `highWaterMark`: stop pushing until `read` is called again.
   * A push after `push(null)` fails the stream with a `PushAfterEndError`; `undefined` throws a `TypeError`.
   */
  push(chunk: T | null): boolean {
    return this.#side.push(chunk);
  }

  /** Takes the next buffered chunk, or `null` when nothing is buffered right now (or the stream ended). */
  read(): T | null {
    return this.#side.read();
  }

  /** Stops `'data'` events; chunks buffer up to `highWaterMark`, then the source is not asked for more. */
  pause(): this {
    this.#side.pause();
    return this;
  }

  /** Starts (or restarts) flowing mode: buffered and new chunks are emitted as `'data'`. */
  resume(): this {
    this.#side.resume();
    return this;
  }

  /** Whether `pause()` was called (or a pipe destination is waiting for `'drain'`). */
  isPaused(): boolean {
    return this.#side.flowing === false;
  }

  /**
   * Sends every chunk to `destination`, pausing while its `write()` returns `false` until it emits `'drain'`,
   * and ends it after the last chunk unless `end: false`. One destination per readable; errors are not
   * forwarded (use {@link pipeline} for that).
   */
  pipe<D extends PipeDestination<T>>(destination: D, options?: PipeOptions): D {
    this.#side.pipe(destination, options?.end !== false);
    return destination;
  }

  /** Detaches the pipe destination (the stream pauses). */
  unpipe(): this {
    this.#side.unpipe();
    return this;
  }

  /** Destroys the stream: the buffer is dropped, `destroy` runs, then `'error'` (if `error` is given) and `'close'`. */
  destroy(error?: unknown): this {
    this.#core.destroy(error);
    return this;
  }

  /** Iterates the chunks, pulling lazily; `break` (or a throw) in the loop destroys the stream. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const side = this.#side;
    // The loop receives the error (next() rejects with it), so it is not an unhandled 'error' event.
    if (this.listenerCount('error', swallow) === 0) this.on('error', swallow);
    const iterator: AsyncIterableIterator<T> = {
      next: () => side.next() as Promise<IteratorResult<T>>,
      return: () => side.return() as Promise<IteratorResult<T>>,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** A `'data'` listener, however added (`on`, `once`, `prepend…`), starts flowing mode unless `pause()` was called. */
  protected override listenerAdded(eventName: PropertyKey): void {
    if (eventName === 'data') this.#side.onDataListener();
  }

  /** Whether reading can still produce chunks (not ended, not destroyed). */
  get readable(): boolean {
    return this.#side.readable;
  }
  /** The buffered size (items, or bytes/your `size` units). */
  get readableLength(): number {
    return this.#side.length;
  }
  /** The highWaterMark of the buffer. */
  get readableHighWaterMark(): number {
    return this.#side.highWaterMark;
  }
  /** `true` when sizes count items (no `size`/`bytes` option). */
  get readableObjectMode(): boolean {
    return this.#side.objectMode;
  }
  /** `null` before any consumer, then whether the stream is in flowing mode. */
  get readableFlowing(): boolean | null {
    return this.#side.flowing;
  }
  /** Whether `'end'` was emitted. */
  get readableEnded(): boolean {
    return this.#side.endEmitted;
  }
  /** Whether `destroy()` was called (or the stream failed or ended and closed). */
  get destroyed(): boolean {
    return this.#core.destroyed;
  }
  /** Whether `'close'` was emitted. */
  get closed(): boolean {
    return this.#core.closed;
  }
  /** The error the stream was destroyed with, or `null`. */
  get errored(): unknown {
    return this.#core.hasError ? this.#core.error : null;
  }

  #attach(read: (size: number) => unknown, destroy: DestroyHook): void {
    this.#core.setDestroyHook(destroy);
    this.#side.setRead(read);
  }
}

/** The `'error'` listener of a stream consumed by an async iterator, which reports the error itself. */
export function swallow(): void {}

/** Destroys the stream behind `core` with an `AbortError` when `signal` aborts. */
export function bindSignal(signal: AbortSignal, core: Core, option: string): void {
  if (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function') {
    throw new TypeError(`${option}: expected an AbortSignal, got ${describe(signal)}`);
  }
  const abort = () => core.destroy(new AbortError(undefined, { cause: signal.reason }));
  if (signal.aborted) {
    abort();
    return;
  }
  signal.addEventListener('abort', abort, { once: true });
  core.onClose(() => signal.removeEventListener('abort', abort));
}
