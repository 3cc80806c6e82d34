import { type Core, isThenable, type Side } from './core';
import { StreamDestroyedError, WriteAfterEndError } from './errors';
import { byteLength, describe, measure, type Sizing, type StoredSize } from './size';

/** Called once a write has completed (with no argument) or failed (with the error). */
export type WriteCallback = (error?: unknown) => void;

/** Returned by an internal write function that completes later through {@link WriteSide.complete}. */
export const HOLD: unique symbol = Symbol('hold');

/** The internal write function: done when it returns, when its promise settles, or at `complete()` after HOLD. */
export type WriteFn<T> = (chunk: T) => unknown;
/** The internal batched write function (`writev`). */
export type WritevFn<T> = (chunks: T[]) => unknown;
/** The internal final function, run once every write has completed, before `'finish'`. */
export type FinalFn = () => unknown;

/**
 * The writable half of a stream: size accounting against the highWaterMark, the buffer of writes waiting for the
 * one in flight, cork/uncork batching into writev, end → final → `'finish'`, and `'drain'`.
 *
 * The buffer is a flat ring of (chunk, size, callback) triples, so queueing a write allocates nothing.
 */
export class WriteSide<T> implements Side {
  readonly core: Core;
  readonly highWaterMark: number;
  readonly objectMode: boolean;
  readonly #size: StoredSize<T> | undefined;
  readonly #trustedSize: boolean;
  readonly #write: WriteFn<T>;
  readonly #writev: WritevFn<T> | undefined;
  readonly #final: FinalFn | undefined;

  length = 0;
  corked = 0;
  needDrain = false;
  ended = false;
  finished = false;
  #writing = false;
  /** Depth of public write()/end() calls on the stack: completions inside them defer their callbacks. */
  #inWrite = 0;
  #inflightSize = 0;
  #inflightCallback: WriteCallback | undefined = undefined;
  #inflightCallbacks: (WriteCallback | undefined)[] | undefined = undefined;
  #finalCalled = false;
  #finishPending = false;
  #drainPending = false;
  #buffer: unknown[] = [];
  #head = 0;
  /** (callback, error) pairs to call on the tick. */
  #deferred: unknown[] = [];
  #endCallbacks: WriteCallback[] | undefined = undefined;
  readonly #onAsyncDone: () => void;
  readonly #onAsyncError: (error: unknown) => void;

  constructor(
    core: Core,
    sizing: Sizing<T>,
    write: WriteFn<T>,
    writev: WritevFn<T> | undefined,
    final: FinalFn | undefined,
  ) {
    this.core = core;
    this.highWaterMark = sizing.highWaterMark;
    this.objectMode = sizing.objectMode;
    this.#size = sizing.size;
    this.#trustedSize = sizing.size === byteLength;
    this.#write = write;
    this.#writev = writev;
    this.#final = final;
    this.#onAsyncDone = () => this.complete();
    this.#onAsyncError = (error: unknown) => this.fail(error);
  }

  get done(): boolean {
    return this.finished;
  }

  /** Whether `write()` would still be accepted (not ended, not destroyed). */
  get writable(): boolean {
    return !this.ended && !this.core.destroyed;
  }

  /** How many writes are waiting behind the one in flight. */
  get bufferedCount(): number {
    return (this.#buffer.length - this.#head) / 3;
  }

  write(chunk: T, callback: WriteCallback | undefined): boolean {
    if (chunk === undefined || chunk === null) {
      throw new TypeError(
        `chunk: expected a value to write, got ${describe(chunk)} (undefined and null cannot be written; end() ends the stream)`,
      );
    }
    if (callback !== undefined && typeof callback !== 'function') {
      throw new TypeError(`callback: expected a function, got ${describe(callback)}`);
    }
    if (this.ended) {
      const error = new WriteAfterEndError();
      if (callback !== undefined) this.#defer(callback, error);
      this.core.destroy(error);
      return false;
    }
    if (this.core.destroyed) {
      if (callback !== undefined) this.#defer(callback, new StreamDestroyedError('write'));
      return false;
    }
    const size = this.#size === undefined ? 1 : this.#trustedSize ? byteLength(chunk) : measure(this.#size, chunk);
    this.length += size;
    if (this.#writing || this.corked !== 0 || this.#buffer.length !== this.#head) {
      this.#buffer.push(chunk, size, callback);
    } else {
      this.#inWrite++;
      this.#start(chunk, size, callback);
      // A write function may write to this stream again (re-entrantly); those writes were buffered.
      if (!this.#writing && this.#buffer.length !== this.#head) this.#flush();
      this.#inWrite--;
      if (this.core.destroyed) return false; // the write failed at once
    }
    const ok = this.length < this.highWaterMark;
    if (!ok) {
      this.needDrain = true;
      // Only with highWaterMark 0 can a write that already completed return false; 'drain' still follows.
      if (this.length === 0 && !this.#writing) {
        this.#drainPending = true;
        this.core.schedule();
      }
    }
    return ok;
  }

  end(callback: WriteCallback | undefined): void {
    if (callback !== undefined) {
      if (typeof callback !== 'function')
        throw new TypeError(`callback: expected a function, got ${describe(callback)}`);
      if (this.finished) this.#defer(callback, undefined);
      else if (this.core.destroyed)
        this.#defer(callback, this.core.hasError ? this.core.error : new StreamDestroyedError('end'));
      else {
        this.#endCallbacks ??= [];
        this.#endCallbacks.push(callback);
      }
    }
    if (this.ended || this.core.destroyed) return;
    this.ended = true;
    this.corked = 0;
    this.#inWrite++;
    if (!this.#writing) this.#flush();
    this.#maybeFinish();
    this.#inWrite--;
  }

  cork(): void {
    this.corked++;
  }

  uncork(): void {
    if (this.corked === 0) return;
    this.corked--;
    if (this.corked === 0 && !this.#writing) {
      this.#inWrite++;
      this.#flush();
      this.#maybeFinish();
      this.#inWrite--;
    }
  }

  /** Completes the write in flight (after HOLD, or when its promise resolved). */
  complete(): void {
    if (!this.#writing || this.core.destroyed) return;
    this.#writing = false;
    this.length -= this.#inflightSize;
    this.#inflightSize = 0;
    const single = this.#inflightCallback;
    const many = this.#inflightCallbacks;
    this.#inflightCallback = undefined;
    this.#inflightCallbacks = undefined;
    if (this.#inWrite !== 0) {
      // Completed inside the caller's write(): callbacks and 'drain' must not run before write() returns.
      if (single !== undefined) this.#defer(single, undefined);
      if (many !== undefined) for (const cb of many) if (cb !== undefined) this.#defer(cb, undefined);
      return;
    }
    if (single !== undefined) single();
    if (many !== undefined) for (const cb of many) cb?.();
    if (this.core.destroyed) return;
    this.#inWrite++;
    this.#flush();
    this.#inWrite--;
    this.#afterFlush(false);
  }

  /** Fails the write in flight: the stream is destroyed with `error`. */
  fail(error: unknown): void {
    if (this.core.destroyed) return;
    this.core.destroy(error);
  }

  tick(): void {
    const deferred = this.#deferred;
    if (deferred.length !== 0) {
      this.#deferred = [];
      for (let i = 0; i < deferred.length; i += 2) {
        const cb = deferred[i] as WriteCallback;
        const error = deferred[i + 1];
        if (error === undefined) cb();
        else cb(error);
      }
    }
    if (this.#drainPending) {
      this.#drainPending = false;
      if (!this.core.destroyed && this.needDrain && this.length === 0) {
        this.needDrain = false;
        this.core.host.emit('drain');
      }
    }
    if (this.#finishPending) {
      this.#finishPending = false;
      if (!this.core.destroyed) this.#emitFinish();
    }
  }

  onDestroy(error: unknown): void {
    // Made only when a callback is waiting: an error (its stack trace) costs microseconds, and a stream that
    // finished has none.
    let made: unknown;
    const failure = () => (made ??= error ?? new StreamDestroyedError('write'));
    if (this.#writing) {
      this.#writing = false;
      if (this.#inflightCallback !== undefined) this.#defer(this.#inflightCallback, failure());
      if (this.#inflightCallbacks !== undefined) {
        for (const cb of this.#inflightCallbacks) if (cb !== undefined) this.#defer(cb, failure());
      }
      this.#inflightCallback = undefined;
      this.#inflightCallbacks = undefined;
    }
    const buffer = this.#buffer;
    for (let i = this.#head + 2; i < buffer.length; i += 3) {
      const cb = buffer[i] as WriteCallback | undefined;
      if (cb !== undefined) this.#defer(cb, failure());
    }
    this.#buffer = [];
    this.#head = 0;
    const endCallbacks = this.#endCallbacks;
    this.#endCallbacks = undefined;
    if (endCallbacks !== undefined) {
      for (const cb of endCallbacks) this.#defer(cb, error ?? new StreamDestroyedError('end'));
    }
  }

  /** Starts one write; returns after it completed synchronously or went in flight. */
  #start(chunk: T, size: number, callback: WriteCallback | undefined): void {
    this.#writing = true;
    this.#inflightSize = size;
    this.#inflightCallback = callback;
    let result: unknown;
    try {
      result = this.#write(chunk);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (result === undefined) this.complete();
    else if (result === HOLD) return;
    else if (isThenable(result)) result.then(this.#onAsyncDone, this.#onAsyncError);
    else this.complete();
  }

  #startBatch(): void {
    const buffer = this.#buffer;
    const count = (buffer.length - this.#head) / 3;
    const chunks = new Array<T>(count);
    const callbacks = new Array<WriteCallback | undefined>(count);
    let size = 0;
    for (let i = 0, j = this.#head; i < count; i++, j += 3) {
      chunks[i] = buffer[j] as T;
      size += buffer[j + 1] as number;
      callbacks[i] = buffer[j + 2] as WriteCallback | undefined;
    }
    this.#buffer = [];
    this.#head = 0;
    this.#writing = true;
    this.#inflightSize = size;
    this.#inflightCallbacks = callbacks;
    let result: unknown;
    try {
      result = (this.#writev as WritevFn<T>)(chunks);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (isThenable(result)) result.then(this.#onAsyncDone, this.#onAsyncError);
    else this.complete();
  }

  /** Writes the buffer while writes complete synchronously; stops at the first one in flight. */
  #flush(): void {
    while (!this.#writing && this.corked === 0 && !this.core.destroyed) {
      const buffer = this.#buffer;
      const head = this.#head;
      if (head === buffer.length) break;
      if (this.#writev !== undefined && buffer.length - head > 3) {
        this.#startBatch();
        continue;
      }
      const chunk = buffer[head] as T;
      const size = buffer[head + 1] as number;
      const callback = buffer[head + 2] as WriteCallback | undefined;
      buffer[head] = undefined;
      buffer[head + 2] = undefined;
      if (head + 3 === buffer.length) {
        buffer.length = 0;
        this.#head = 0;
      } else {
        this.#head = head + 3;
        // Compact now and then so a long-lived queue does not keep its consumed prefix.
        if (this.#head > 3072 && this.#head * 2 > buffer.length) {
          this.#buffer = buffer.slice(this.#head);
          this.#head = 0;
        }
      }
      this.#start(chunk, size, callback);
    }
    this.#afterFlush(this.#inWrite !== 0);
  }

  /** After the buffer emptied: 'drain' if a write returned false, then maybe finish. */
  #afterFlush(deferDrain: boolean): void {
    if (this.#writing || this.core.destroyed || this.#buffer.length !== this.#head) return;
    if (this.needDrain && this.length === 0) {
      if (deferDrain) {
        this.#drainPending = true;
        this.core.schedule();
      } else {
        this.needDrain = false;
        this.core.host.emit('drain');
      }
    }
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (!this.ended || this.#finalCalled || this.#writing || this.core.destroyed) return;
    if (this.#buffer.length !== this.#head || this.corked !== 0) return;
    this.#finalCalled = true;
    const final = this.#final;
    if (final === undefined) {
      this.#scheduleFinish();
      return;
    }
    let result: unknown;
    try {
      result = final();
    } catch (error) {
      this.fail(error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        () => {
          if (!this.core.destroyed) this.#emitFinish();
        },
        (error: unknown) => this.fail(error),
      );
    } else {
      this.#scheduleFinish();
    }
  }

  #scheduleFinish(): void {
    this.#finishPending = true;
    this.core.schedule();
  }

  #emitFinish(): void {
    if (this.finished) return;
    this.finished = true;
    this.core.host.emit('finish');
    const endCallbacks = this.#endCallbacks;
    this.#endCallbacks = undefined;
    if (endCallbacks !== undefined) for (const cb of endCallbacks) cb();
    this.core.maybeAutoDestroy();
  }

  #defer(callback: WriteCallback, error: unknown): void {
    this.#deferred.push(callback, error);
    this.core.schedule();
  }
}
