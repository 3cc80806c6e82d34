import { type Core, isThenable, type Side } from './core';
import { PrematureCloseError, PushAfterEndError } from './errors';
import { writeSideOf } from './internal';
import { byteLength, describe, measure, type Sizing, type StoredSize } from './size';
import type { WriteSide } from './write-side';

/** The internal read function: asked for more while the buffer is below the highWaterMark. */
export type ReadFn = (size: number) => unknown;

/**
 * How a readable side gets its chunks: a `read` function it asks (a `Readable`), or a `want` callback told each
 * time the consumer has room again (a `Transform`, whose chunks come from its writable side).
 */
export type ReadSource = { read: ReadFn; want?: undefined } | { read?: undefined; want: () => void };

/** What a readable side can pipe into: a weft `Writable` or `Transform`. */
export interface PipeDestination<T> {
  write(chunk: T): boolean;
  end(): unknown;
  on(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

// The pending next() of the async iterator. A method signature (compared bivariantly) rather than a function type,
// so that holding it does not make a readable invariant in T (see StoredSize).
type Resolve<T> = { resolve(result: IteratorResult<T, undefined>): void }['resolve'];
type Reject = (error: unknown) => void;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
// Synchronous read functions that keep pushing are asked again up to this many times before the loop yields.
const ROUNDS_BEFORE_YIELD = 16384;

/**
 * The readable half of a stream: the buffer and its size against the highWaterMark, the pull loop that calls the
 * read function only while below it, flowing mode (`'data'`, one pipe destination with `'drain'`), `read()`, the
 * async iterator and `'end'`.
 *
 * A chunk pushed while a consumer is waiting and nothing is buffered goes straight to it, so a pipeline whose
 * stages complete synchronously moves each chunk from source to sink in one call chain, with no buffering.
 */
export class ReadSide<T> implements Side {
  readonly core: Core;
  readonly highWaterMark: number;
  readonly objectMode: boolean;
  readonly #size: StoredSize<T> | undefined;
  readonly #trustedSize: boolean;
  readonly #stride: 1 | 2;
  #read: ReadFn | undefined;
  readonly #want: (() => void) | undefined;

  length = 0;
  /** `null` until a consumer shows up, then whether chunks flow to `'data'`/the pipe. */
  flowing: boolean | null = null;
  started = false;
  ended = false;
  endEmitted = false;
  #reading = false;
  #inRead = false;
  #pushedInRead = false;
  #readInFlight = false;
  #inFlow = false;
  #buffer: unknown[] = [];
  #head = 0;
  #flowPending = false;
  #pullPending = false;
  #endPending = false;
  #pipe: PipeDestination<T> | undefined = undefined;
  /** The destination's writable side when it is a weft stream: written to directly. */
  // The destination's write side (its chunk type is not tracked here; `#pipe` has the typed view), so that holding
  // it does not make a readable invariant in T.
  #pipeSide: WriteSide<unknown> | undefined = undefined;
  #pipeEnd = true;
  #awaitingDrain = false;
  #resolve: Resolve<T> | undefined = undefined;
  #reject: Reject | undefined = undefined;
  #waiting: Promise<IteratorResult<T, undefined>> | undefined = undefined;
  #iteratorDone = false;
  /** Set once a `'data'` listener was added: until then delivering skips the (empty) emit. */
  #dataListeners = false;
  readonly #onDrain: () => void;
  readonly #onReadDone: () => void;
  readonly #onReadError: (error: unknown) => void;

  constructor(core: Core, sizing: Sizing<T>, source: ReadSource | undefined) {
    this.core = core;
    this.highWaterMark = sizing.highWaterMark;
    this.objectMode = sizing.objectMode;
    this.#size = sizing.size;
    this.#trustedSize = sizing.size === byteLength;
    this.#stride = sizing.size === undefined ? 1 : 2;
    this.#read = source?.read;
    this.#want = source?.want;
    this.#onDrain = () => {
      if (!this.#awaitingDrain) return;
      this.#awaitingDrain = false;
      this.flowing = true;
      this.#flow();
    };
    this.#onReadDone = () => {
      this.#readInFlight = false;
      this.#reading = false;
      this.pull();
    };
    this.#onReadError = (error: unknown) => {
      this.#readInFlight = false;
      this.#reading = false;
      this.core.destroy(error);
    };
  }

  get done(): boolean {
    return this.endEmitted;
  }

  /** Sets the read function (for sources built after the stream, as `Readable.from`). */
  setRead(read: ReadFn): void {
    this.#read = read;
  }

  /** A `'data'` listener was added: start flowing unless paused explicitly. */
  onDataListener(): void {
    this.#dataListeners = true;
    if (this.flowing !== false) this.resume();
  }

  /** Whether reading can still yield chunks (not ended and consumed, not destroyed). */
  get readable(): boolean {
    return !this.endEmitted && !this.core.destroyed;
  }

  push(chunk: T | null): boolean {
    if (chunk === null) {
      this.#end();
      return false;
    }
    if (chunk === undefined) {
      throw new TypeError('chunk: expected a value to push, got undefined (push(null) ends the stream)');
    }
    if (this.core.destroyed) return false;
    if (this.ended) {
      this.core.destroy(new PushAfterEndError());
      return false;
    }
    if (this.#reading) this.#readSatisfied();
    const size = this.#size === undefined ? 1 : this.#trustedSize ? byteLength(chunk) : measure(this.#size, chunk);
    if (this.#head === this.#buffer.length && !this.#inFlow) {
      const resolve = this.#resolve;
      if (resolve !== undefined) {
        this.#resolve = undefined;
        this.#reject = undefined;
        this.#waiting = undefined;
        resolve({ value: chunk, done: false });
        return this.length < this.highWaterMark;
      }
      if (this.flowing === true) {
        this.#deliver(chunk);
        return this.length < this.highWaterMark;
      }
    }
    if (this.#stride === 1) this.#buffer.push(chunk);
    else this.#buffer.push(chunk, size);
    this.length += size;
    return this.length < this.highWaterMark;
  }

  /** Takes the next buffered chunk (asking the source for more), or `null` when none is buffered. */
  read(): T | null {
    this.started = true;
    if (this.#head === this.#buffer.length) {
      if (this.ended) {
        this.#scheduleEnd();
        return null;
      }
      this.pull();
      if (this.#head === this.#buffer.length) return null;
    }
    const chunk = this.#shift();
    this.#afterShift();
    return chunk;
  }

  resume(): void {
    this.started = true;
    this.flowing = true;
    this.#awaitingDrain = false;
    this.#flowPending = true;
    this.core.schedule();
  }

  pause(): void {
    this.started = true;
    this.flowing = false;
  }

  pipe(destination: PipeDestination<T>, end: boolean): void {
    if (this.#pipe !== undefined) {
      throw new Error('pipe: this stream is already piped; a readable has one pipe destination (use unpipe() first)');
    }
    if (destination === null || typeof destination !== 'object' || typeof destination.write !== 'function') {
      throw new TypeError(`destination: expected a weft Writable or Transform, got ${describe(destination)}`);
    }
    this.#pipe = destination;
    this.#pipeSide = writeSideOf<unknown>(destination);
    this.#pipeEnd = end;
    destination.on('drain', this.#onDrain);
    this.resume();
  }

  unpipe(): void {
    const destination = this.#pipe;
    if (destination === undefined) return;
    this.#pipe = undefined;
    this.#pipeSide = undefined;
    this.#awaitingDrain = false;
    destination.off('drain', this.#onDrain);
    this.flowing = false;
  }

  /** The async iterator's `next()`. */
  next(): Promise<IteratorResult<T, undefined>> {
    this.started = true;
    if (this.#iteratorDone) return Promise.resolve(DONE);
    if (this.#head !== this.#buffer.length) {
      const chunk = this.#shift();
      this.#afterShift();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.core.destroyed) {
      this.#iteratorDone = true;
      if (this.endEmitted) return Promise.resolve(DONE);
      return Promise.reject(this.core.hasError ? this.core.error : new PrematureCloseError());
    }
    if (this.ended) {
      this.#iteratorDone = true;
      this.#scheduleEnd();
      return Promise.resolve(DONE);
    }
    const waiting = this.#waiting;
    if (waiting !== undefined) return waiting.then(() => this.next());
    const promise = new Promise<IteratorResult<T, undefined>>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#waiting = promise;
    this.pull();
    return promise;
  }

  /** The async iterator's `return()`: the consumer stopped early, so the stream is destroyed. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#iteratorDone = true;
    this.core.destroy();
    return Promise.resolve(DONE);
  }

  /** Asks the source for more while the buffer is below the highWaterMark (or empty with a consumer waiting). */
  pull(): void {
    const read = this.#read;
    if (read === undefined) {
      if (this.#want !== undefined && this.started && !this.ended && !this.core.destroyed && this.#hasRoom()) {
        this.#want();
      }
      return;
    }
    if (!this.started || this.#reading || this.ended || this.core.destroyed) return;
    let rounds = 0;
    while (this.#hasRoom()) {
      this.#reading = true;
      this.#inRead = true;
      this.#pushedInRead = false;
      let result: unknown;
      try {
        result = read(this.highWaterMark - this.length);
      } catch (error) {
        this.#inRead = false;
        this.#reading = false;
        this.core.destroy(error);
        return;
      }
      this.#inRead = false;
      if (result !== undefined && isThenable(result)) {
        // Asked again only once this promise settled, even if it pushed (or ended the stream) already.
        this.#reading = true;
        this.#readInFlight = true;
        result.then(this.#onReadDone, this.#onReadError);
        return;
      }
      // Nothing pushed yet: the source pushes later (from a callback), which asks again.
      if (!this.#pushedInRead) return;
      this.#reading = false;
      if (this.ended || this.core.destroyed) return;
      if (++rounds === ROUNDS_BEFORE_YIELD) {
        this.#pullPending = true;
        this.core.scheduleYield();
        return;
      }
    }
  }

  tick(): void {
    if (this.#flowPending) {
      this.#flowPending = false;
      if (this.flowing === true && !this.core.destroyed) this.#flow();
    }
    if (this.#pullPending) {
      this.#pullPending = false;
      this.pull();
    }
    if (this.#endPending) {
      this.#endPending = false;
      this.#emitEnd();
    }
  }

  onDestroy(error: unknown): void {
    this.#buffer = [];
    this.#head = 0;
    this.length = 0;
    this.#reading = false;
    const destination = this.#pipe;
    if (destination !== undefined) {
      this.#pipe = undefined;
      this.#pipeSide = undefined;
      destination.off('drain', this.#onDrain);
    }
    const reject = this.#reject;
    if (reject !== undefined) {
      this.#resolve = undefined;
      this.#reject = undefined;
      this.#waiting = undefined;
      this.#iteratorDone = true;
      reject(error ?? new PrematureCloseError());
    }
  }

  /** Below the highWaterMark, or empty with a consumer waiting (so highWaterMark 0 still moves). */
  #hasRoom(): boolean {
    return (
      this.length < this.highWaterMark || (this.length === 0 && (this.flowing === true || this.#resolve !== undefined))
    );
  }

  /** A push while the read function was being waited for: it is satisfied, ask again when appropriate. */
  #readSatisfied(): void {
    if (this.#inRead) {
      this.#pushedInRead = true;
    } else if (!this.#readInFlight) {
      this.#reading = false;
      this.#pullPending = true;
      this.core.schedule();
    }
  }

  #end(): void {
    if (this.ended || this.core.destroyed) return;
    this.ended = true;
    if (this.#reading && !this.#readInFlight) this.#reading = false;
    if (this.#head !== this.#buffer.length) return;
    const resolve = this.#resolve;
    if (resolve !== undefined) {
      this.#resolve = undefined;
      this.#reject = undefined;
      this.#waiting = undefined;
      this.#iteratorDone = true;
      resolve(DONE);
    }
    this.#scheduleEnd();
  }

  #shift(): T {
    const buffer = this.#buffer;
    const head = this.#head;
    const chunk = buffer[head] as T;
    buffer[head] = undefined;
    if (this.#stride === 1) {
      this.length -= 1;
    } else {
      this.length -= buffer[head + 1] as number;
    }
    const next = head + this.#stride;
    if (next === buffer.length) {
      buffer.length = 0;
      this.#head = 0;
    } else if (next > 2048 && next * 2 > buffer.length) {
      this.#buffer = buffer.slice(next);
      this.#head = 0;
    } else {
      this.#head = next;
    }
    return chunk;
  }

  #afterShift(): void {
    if (this.#head === this.#buffer.length && this.ended) this.#scheduleEnd();
    else this.pull();
  }

  #deliver(chunk: T): void {
    const destination = this.#pipe;
    if (destination !== undefined) {
      const side = this.#pipeSide;
      const ok = side !== undefined ? side.write(chunk, undefined) : destination.write(chunk);
      if (!ok && this.flowing === true && this.#pipe !== undefined) {
        this.flowing = false;
        this.#awaitingDrain = true;
      }
    }
    if (this.#dataListeners) this.core.host.emit('data', chunk);
  }

  #flow(): void {
    if (this.#inFlow) return;
    this.#inFlow = true;
    while (this.flowing === true && this.#head !== this.#buffer.length && !this.core.destroyed) {
      this.#deliver(this.#shift());
    }
    this.#inFlow = false;
    if (this.core.destroyed) return;
    this.#afterShift();
  }

  #scheduleEnd(): void {
    if (this.endEmitted || !this.started) return;
    this.#endPending = true;
    this.core.schedule();
  }

  #emitEnd(): void {
    if (this.endEmitted || this.core.destroyed || !this.ended || this.#head !== this.#buffer.length) return;
    this.endEmitted = true;
    this.core.host.emit('end');
    const destination = this.#pipe;
    if (destination !== undefined && this.#pipeEnd) destination.end();
    this.core.maybeAutoDestroy();
  }
}
