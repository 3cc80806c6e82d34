import { Emitter } from '@weft/emitter';
import { Core, type Host, hookSignals } from './core';
import { StreamDestroyedError } from './errors';
import { exposeWriteSide } from './internal';
import { bindSignal } from './readable';
import { describe, resolveSizing, type SizeOptions } from './size';
import { type WriteCallback, WriteSide } from './write-side';

/** The events of a {@link Writable}. */
export type WritableEvents = {
  /** The buffer emptied after a `write()` returned `false`: write again. */
  drain: [];
  /** `end()` was called and every write (and `final`) completed. */
  finish: [];
  /** The stream failed (a write or `final` threw/rejected, a write after end, …); `'close'` follows. */
  error: [error: unknown];
  /** The stream was destroyed (after `'finish'`, an error, or `destroy()`); nothing is emitted afterwards. */
  close: [];
};

/** Options of the {@link Writable} constructor. */
export interface WritableOptions<T> extends SizeOptions<T> {
  /**
   * Writes one chunk; the write is complete when it returns, or when its promise resolves (a throw or rejection
   * destroys the stream with that error). Writes never overlap. `signal` aborts when the stream is destroyed; like
   * every hook's signal, it is made only for a function that declares the parameter (its `length` counts it; a rest
   * parameter does not), since making and aborting one costs microseconds per stream.
   */
  write: (this: Writable<T>, chunk: T, signal: AbortSignal) => void | PromiseLike<void>;
  /** Writes several buffered chunks at once (after `cork()`, or when writes queued behind a slow one). */
  writev?: ((this: Writable<T>, chunks: T[], signal: AbortSignal) => void | PromiseLike<void>) | undefined;
  /** Runs after `end()` once every write completed, before `'finish'`; may be async. */
  final?: ((this: Writable<T>, signal: AbortSignal) => void | PromiseLike<void>) | undefined;
  /** Releases resources when the stream is destroyed (after an error, `destroy()`, or `'finish'`); may be async. */
  destroy?: ((this: Writable<T>, error: unknown) => void | PromiseLike<void>) | undefined;
  /** Destroys the stream with an `AbortError` when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * A writable stream with the Node backpressure contract: `write()` returns `false` once the buffered size reaches
 * `highWaterMark`, and `'drain'` follows when the buffer has emptied. Writes run one at a time through the `write`
 * hook (sync or async); `cork()`/`uncork()` batch them into `writev`.
 *
 * @example
 * ```ts
 * import { Writable } from '@weft/streams';
 *
 * const sink = new Writable<string>({
 *   highWaterMark: 2,
 *   async write(line) {
 *     await new Promise((resolve) => setTimeout(resolve, 10));
 *     console.log(line);
 *   },
 * });
 * sink.write('a'); // true
 * sink.write('b'); // false: wait for 'drain'
 * sink.once('drain', () => sink.end('c'));
 * ```
 */
export class Writable<T> extends Emitter<WritableEvents> {
  readonly #core: Core;
  readonly #side: WriteSide<T>;

  constructor(options: WritableOptions<T>) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object with a write function, got ${describe(options)}`);
    }
    const { write, writev, final, destroy, signal } = options;
    if (typeof write !== 'function') {
      throw new TypeError(`write: expected a function (chunk, signal) => void | Promise<void>, got ${describe(write)}`);
    }
    if (writev !== undefined && typeof writev !== 'function') {
      throw new TypeError(
        `writev: expected a function (chunks, signal) => void | Promise<void>, got ${describe(writev)}`,
      );
    }
    if (final !== undefined && typeof final !== 'function') {
      throw new TypeError(`final: expected a function (signal) => void | Promise<void>, got ${describe(final)}`);
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
    // The signal (and its AbortController) is created on the first call of a hook that declares it, then reused.
    const signalFor = hookSignals(core);
    const writeSignal = signalFor(write, 1);
    const writevSignal = signalFor(writev, 1);
    const finalSignal = signalFor(final, 0);
    this.#side = new WriteSide<T>(
      core,
      sizing,
      (chunk) => write.call(this, chunk, writeSignal()),
      writev === undefined ? undefined : (chunks) => writev.call(this, chunks, writevSignal()),
      final === undefined ? undefined : () => final.call(this, finalSignal()),
    );
    core.writable = this.#side;
    exposeWriteSide(this, Writable.prototype.write, this.#side as WriteSide<never>);
    if (signal !== undefined) bindSignal(signal, core, 'signal');
  }

  /**
   * Writes `chunk` (or buffers it behind the write in flight) and returns whether the buffered size is still
   * below `highWaterMark`; on `false`, wait for `'drain'`. `callback` runs once the chunk was written, or with
   * the error. `undefined`/`null` throw a `TypeError`; a write after `end()` fails the stream (`'error'` and the
   * callback get a `WriteAfterEndError`).
   */
  write(chunk: T, callback?: WriteCallback): boolean {
    return this.#side.write(chunk, callback);
  }

  /**
   * Writes `chunk` and resolves once the stream can take more: at once when `write()` returned `true`, after
   * `'drain'` otherwise. Rejects if the write fails before then (write after end, destroyed, a failing write).
   */
  writeAsync(chunk: T): Promise<void> {
    return writeAsync(this, this.#core, chunk);
  }

  /** Writes `chunk` if given, then ends the stream: `'finish'` follows once every write completed. */
  end(callback?: WriteCallback): this;
  end(chunk: T | null | undefined, callback?: WriteCallback): this;
  end(chunk?: T | null | WriteCallback, callback?: WriteCallback): this {
    // As in node:stream, a function in first place is the callback, not a chunk.
    if (typeof chunk === 'function') return this.end(undefined, chunk as WriteCallback);
    if (chunk !== undefined && chunk !== null) this.#side.write(chunk, undefined);
    this.#side.end(callback);
    return this;
  }

  /** Buffers writes until the matching `uncork()`, which hands them to `writev` (if given) in one call. */
  cork(): void {
    this.#side.cork();
  }

  /** Undoes one `cork()`; the last one flushes the buffered writes. */
  uncork(): void {
    this.#side.uncork();
  }

  /** Destroys the stream: pending writes fail, `destroy` runs, then `'error'` (if `error` is given) and `'close'`. */
  destroy(error?: unknown): this {
    this.#core.destroy(error);
    return this;
  }

  /** Whether `write()` is still accepted (not ended, not destroyed). */
  get writable(): boolean {
    return this.#side.writable;
  }
  /** The buffered size, the write in flight included (items, or bytes/your `size` units). */
  get writableLength(): number {
    return this.#side.length;
  }
  /** The highWaterMark of the buffer. */
  get writableHighWaterMark(): number {
    return this.#side.highWaterMark;
  }
  /** Whether a `write()` returned `false` and `'drain'` has not been emitted yet. */
  get writableNeedDrain(): boolean {
    return this.#side.needDrain;
  }
  /** `true` when sizes count items (no `size`/`bytes` option). */
  get writableObjectMode(): boolean {
    return this.#side.objectMode;
  }
  /** How many `cork()` calls are not yet undone. */
  get writableCorked(): number {
    return this.#side.corked;
  }
  /** Whether `end()` was called. */
  get writableEnded(): boolean {
    return this.#side.ended;
  }
  /** Whether `'finish'` was emitted. */
  get writableFinished(): boolean {
    return this.#side.finished;
  }
  /** Whether `destroy()` was called (or the stream failed or finished and closed). */
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

interface AsyncWriteTarget<T> {
  write(chunk: T, callback?: WriteCallback): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** The promise form of write: resolves when there is room again. Shared by `Writable` and `Transform`. */
export function writeAsync<T>(stream: AsyncWriteTarget<T>, core: Core, chunk: T): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const onDrain = () => settle(undefined);
    const onClose = () => settle(core.hasError ? core.error : new StreamDestroyedError('write'));
    const settle = (error: unknown) => {
      if (settled) return;
      settled = true;
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const ok = stream.write(chunk, (error) => {
      if (error !== undefined && error !== null) settle(error);
    });
    if (ok) {
      settled = true;
      resolve();
      return;
    }
    if (core.destroyed) return; // the callback rejects
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}
