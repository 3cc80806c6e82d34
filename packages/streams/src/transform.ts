import { Emitter } from '@weft/emitter';
import { Core, type Host, hookSignals, isThenable } from './core';
import { exposeWriteSide } from './internal';
import { type PipeDestination, ReadSide } from './read-side';
import { bindSignal, type PipeOptions, type ReadableEvents, swallow } from './readable';
import { describe, resolveSizing, type SizeOptions } from './size';
import { type WritableEvents, writeAsync } from './writable';
import { HOLD, type WriteCallback, WriteSide } from './write-side';

/** The events of a {@link Transform}: those of a readable (output side) and of a writable (input side). */
export type TransformEvents<O> = ReadableEvents<O> & WritableEvents;

/** Pushes one output chunk; returns `false` once the output buffer reached its highWaterMark. */
export type Push<O> = (chunk: O) => boolean;

/** Options of the {@link Transform} constructor. */
export interface TransformOptions<I, O> extends SizeOptions<I | O> {
  /**
   * Turns one input chunk into zero or more output chunks with `push`; may be async (the next chunk waits for
   * the promise). Without it, chunks pass through unchanged. A throw or rejection destroys the stream.
   */
  transform?:
    | ((this: Transform<I, O>, chunk: I, push: Push<O>, signal: AbortSignal) => void | PromiseLike<void>)
    | undefined;
  /** Pushes trailing output after the last input chunk, before the output ends; may be async. */
  flush?: ((this: Transform<I, O>, push: Push<O>, signal: AbortSignal) => void | PromiseLike<void>) | undefined;
  /** Releases resources when the stream is destroyed; may be async. */
  destroy?: ((this: Transform<I, O>, error: unknown) => void | PromiseLike<void>) | undefined;
  /** Sizing of the input (writable) side, overriding `highWaterMark`/`size`/`bytes`. */
  writable?: SizeOptions<I> | undefined;
  /** Sizing of the output (readable) side, overriding `highWaterMark`/`size`/`bytes`. */
  readable?: SizeOptions<O> | undefined;
  /** Destroys the stream with an `AbortError` when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * A stream that is written `I` chunks and reads out `O` chunks. Backpressure holds end to end: while the output
 * buffer is at its highWaterMark the current input chunk stays in flight, so the input buffer fills and `write()`
 * returns `false` until the consumer catches up.
 *
 * @example
 * ```ts
 * import { Readable, Transform, Writable, pipeline } from '@weft/streams';
 *
 * const double = new Transform<number, number>({ transform: (n, push) => void push(n * 2) });
 * const seen: number[] = [];
 * await pipeline(Readable.from([1, 2, 3]), double, new Writable<number>({ write: (n) => void seen.push(n) }));
 * // seen: [2, 4, 6]
 * ```
 */
export class Transform<I, O> extends Emitter<TransformEvents<O>> {
  readonly #core: Core;
  readonly #read: ReadSide<O>;
  readonly #write: WriteSide<I>;
  #held = false;

  constructor(options?: TransformOptions<I, O>) {
    super();
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`options: expected an object, got ${describe(options)}`);
    }
    const { transform, flush, destroy, signal } = options ?? {};
    if (transform !== undefined && typeof transform !== 'function') {
      throw new TypeError(
        `transform: expected a function (chunk, push, signal) => void | Promise<void>, got ${describe(transform)}`,
      );
    }
    if (flush !== undefined && typeof flush !== 'function') {
      throw new TypeError(`flush: expected a function (push, signal) => void | Promise<void>, got ${describe(flush)}`);
    }
    if (destroy !== undefined && typeof destroy !== 'function') {
      throw new TypeError(`destroy: expected a function (error) => void | Promise<void>, got ${describe(destroy)}`);
    }
    const shared = { highWaterMark: options?.highWaterMark, size: options?.size, bytes: options?.bytes };
    const writableSizing = resolveSizing<I>({ ...shared, ...options?.writable }, options?.writable ? 'writable.' : '');
    const readableSizing = resolveSizing<O>({ ...shared, ...options?.readable }, options?.readable ? 'readable.' : '');
    const core = new Core(
      this as unknown as Host,
      destroy === undefined ? undefined : (error) => destroy.call(this, error),
    );
    this.#core = core;
    const read = new ReadSide<O>(core, readableSizing, {
      want: () => {
        if (!this.#held) return;
        this.#held = false;
        this.#write.complete();
      },
    });
    const push: Push<O> = (chunk) => read.push(chunk);
    // The input chunk stays in flight while the output buffer is full; the consumer's next read releases it.
    const holdIfFull = (): undefined | typeof HOLD => {
      if (read.length !== 0 && read.length >= read.highWaterMark && !core.destroyed) {
        this.#held = true;
        return HOLD;
      }
      return undefined;
    };
    const afterAsync = () => {
      if (core.destroyed || holdIfFull() === HOLD) return;
      this.#write.complete();
    };
    const fail = (error: unknown) => this.#write.fail(error);
    // The signal (and its AbortController) is created on the first call of a hook that declares it, then reused.
    const signalFor = hookSignals(core);
    const transformSignal = signalFor(transform, 2);
    const flushSignal = signalFor(flush, 1);
    const write =
      transform === undefined
        ? (chunk: I) => {
            read.push(chunk as unknown as O);
            if (read.length === 0) return undefined;
            return holdIfFull();
          }
        : (chunk: I) => {
            const result = transform.call(this, chunk, push, transformSignal());
            if (result !== undefined && isThenable(result)) {
              result.then(afterAsync, fail);
              return HOLD;
            }
            if (read.length === 0) return undefined;
            return holdIfFull();
          };
    const final = () => {
      if (flush === undefined) {
        read.push(null);
        return;
      }
      const result = flush.call(this, push, flushSignal());
      if (isThenable(result)) return result.then(() => void read.push(null));
      read.push(null);
      return;
    };
    this.#read = read;
    this.#write = new WriteSide<I>(core, writableSizing, write, undefined, final);
    core.readable = read;
    core.writable = this.#write;
    exposeWriteSide(this, Transform.prototype.write, this.#write as WriteSide<never>);
    if (signal !== undefined) bindSignal(signal, core, 'signal');
  }

  // ----- writable side -----

  /** Writes an input chunk; returns whether the input buffer is still below its highWaterMark (see `Writable`). */
  write(chunk: I, callback?: WriteCallback): boolean {
    return this.#write.write(chunk, callback);
  }

  /** Writes and resolves once the input side can take more (see `Writable.writeAsync`). */
  writeAsync(chunk: I): Promise<void> {
    return writeAsync(this, this.#core, chunk);
  }

  /** Writes `chunk` if given, then ends the input: `flush` runs, then the output ends. */
  end(callback?: WriteCallback): this;
  end(chunk: I | null | undefined, callback?: WriteCallback): this;
  end(chunk?: I | null | WriteCallback, callback?: WriteCallback): this {
    // As in node:stream, a function in first place is the callback, not a chunk.
    if (typeof chunk === 'function') return this.end(undefined, chunk as WriteCallback);
    if (chunk !== undefined && chunk !== null) this.#write.write(chunk, undefined);
    this.#write.end(callback);
    return this;
  }

  /** Buffers input writes until the matching `uncork()`. */
  cork(): void {
    this.#write.cork();
  }

  /** Undoes one `cork()`. */
  uncork(): void {
    this.#write.uncork();
  }

  // ----- readable side -----

  /** Pushes an output chunk directly (as `push` in `transform` does); `push(null)` ends the output. */
  push(chunk: O | null): boolean {
    return this.#read.push(chunk);
  }

  /** Takes the next buffered output chunk, or `null`. */
  read(): O | null {
    return this.#read.read();
  }

  /** Stops `'data'` events (see `Readable.pause`). */
  pause(): this {
    this.#read.pause();
    return this;
  }

  /** Starts flowing mode (see `Readable.resume`). */
  resume(): this {
    this.#read.resume();
    return this;
  }

  /** Whether the output is paused. */
  isPaused(): boolean {
    return this.#read.flowing === false;
  }

  /** Sends the output to `destination` with backpressure (see `Readable.pipe`). */
  pipe<D extends PipeDestination<O>>(destination: D, options?: PipeOptions): D {
    this.#read.pipe(destination, options?.end !== false);
    return destination;
  }

  /** Detaches the pipe destination. */
  unpipe(): this {
    this.#read.unpipe();
    return this;
  }

  /** Iterates the output chunks; `break` destroys the stream. */
  [Symbol.asyncIterator](): AsyncIterableIterator<O> {
    const side = this.#read;
    // The loop receives the error (next() rejects with it), so it is not an unhandled 'error' event.
    if (this.listenerCount('error', swallow) === 0) this.on('error', swallow);
    const iterator: AsyncIterableIterator<O> = {
      next: () => side.next() as Promise<IteratorResult<O>>,
      return: () => side.return() as Promise<IteratorResult<O>>,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Destroys both sides: `destroy` runs, then `'error'` (if `error` is given) and `'close'`. */
  destroy(error?: unknown): this {
    this.#core.destroy(error);
    return this;
  }

  /** A `'data'` listener, however added (`on`, `once`, `prepend…`), starts flowing mode unless `pause()` was called. */
  protected override listenerAdded(eventName: PropertyKey): void {
    if (eventName === 'data') this.#read.onDataListener();
  }

  /** Whether `write()` is still accepted. */
  get writable(): boolean {
    return this.#write.writable;
  }
  /** The input buffer's size, the chunk in flight included. */
  get writableLength(): number {
    return this.#write.length;
  }
  /** The input side's highWaterMark. */
  get writableHighWaterMark(): number {
    return this.#write.highWaterMark;
  }
  /** Whether a `write()` returned `false` and `'drain'` has not been emitted yet. */
  get writableNeedDrain(): boolean {
    return this.#write.needDrain;
  }
  /** `true` when the input side counts items. */
  get writableObjectMode(): boolean {
    return this.#write.objectMode;
  }
  /** How many `cork()` calls are not yet undone. */
  get writableCorked(): number {
    return this.#write.corked;
  }
  /** Whether `end()` was called. */
  get writableEnded(): boolean {
    return this.#write.ended;
  }
  /** Whether `'finish'` was emitted. */
  get writableFinished(): boolean {
    return this.#write.finished;
  }
  /** Whether the output can still produce chunks. */
  get readable(): boolean {
    return this.#read.readable;
  }
  /** The output buffer's size. */
  get readableLength(): number {
    return this.#read.length;
  }
  /** The output side's highWaterMark. */
  get readableHighWaterMark(): number {
    return this.#read.highWaterMark;
  }
  /** `true` when the output side counts items. */
  get readableObjectMode(): boolean {
    return this.#read.objectMode;
  }
  /** `null` before any consumer, then whether the output is flowing. */
  get readableFlowing(): boolean | null {
    return this.#read.flowing;
  }
  /** Whether `'end'` was emitted. */
  get readableEnded(): boolean {
    return this.#read.endEmitted;
  }
  /** Whether `destroy()` was called (or the stream failed or completed and closed). */
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
}

/** Options of {@link PassThrough}: a {@link Transform}'s, without `transform`. */
export type PassThroughOptions<T> = Omit<TransformOptions<T, T>, 'transform'>;

/**
 * A transform that passes chunks through unchanged: a buffer with backpressure between two stages.
 *
 * @example
 * ```ts
 * import { PassThrough } from '@weft/streams';
 * const tap = new PassThrough<string>({ highWaterMark: 8 });
 * tap.end('hello');
 * for await (const chunk of tap) console.log(chunk); // 'hello'
 * ```
 */
export class PassThrough<T> extends Transform<T, T> {
  constructor(options?: PassThroughOptions<T>) {
    if (options !== undefined && options !== null && typeof options === 'object' && 'transform' in options) {
      throw new TypeError('transform: a PassThrough passes chunks unchanged; use a Transform for a transform function');
    }
    super(options);
  }
}
