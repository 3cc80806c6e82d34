import type { EventArgsOf, EventNameOf } from './emitter';
import { errorMonitor } from './error-monitor';
import { describe, OverflowError } from './errors';
import { assertEventName, assertSignal, type EventSource, isEmitterLike, listen } from './source';

/** What {@link on} does with an event that arrives when `highWaterMark` events are already buffered. */
export type OverflowPolicy = 'error' | 'drop-oldest' | 'drop-newest';

const POLICIES: readonly string[] = ['error', 'drop-oldest', 'drop-newest'];

/** Options of {@link on}. */
export interface OnOptions {
  /** Ends the iteration when aborted (events buffered before are still delivered). */
  signal?: AbortSignal | undefined;
  /**
   * How many events may wait for the consumer (default: unbounded). Past it, an emitter with `pause()` and
   * `resume()` is paused until the buffer is drained; any other emitter gets the {@link OnOptions.overflow} policy.
   */
  highWaterMark?: number | undefined;
  /**
   * For emitters that cannot pause: `'error'` (default) fails the iteration with an `OverflowError`,
   * `'drop-oldest'` drops the oldest buffered event, `'drop-newest'` drops the event that just arrived.
   */
  overflow?: OverflowPolicy | undefined;
  /** Events that end the iteration, like a stream's `'end'` or `'close'` (events buffered before are delivered). */
  close?: readonly (string | symbol)[] | undefined;
}

interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

interface Waiter<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

/**
 * Iterates over the events `eventName` as argument tuples, buffering those the consumer has not taken yet.
 * The iteration rejects on `'error'` (after the events buffered before it; not when iterating {@link errorMonitor},
 * which yields each error and leaves it unhandled), ends when the signal aborts or a
 * `close` event arrives, and stops listening when the loop exits. With `highWaterMark`, a pausable emitter is
 * paused while the buffer is full and any other one gets the `overflow` policy, so memory stays bounded.
 *
 * @example
 * ```ts
 * import { Emitter, on } from '@weft/emitter';
 *
 * const feed = new Emitter<{ price: [symbol: string, value: number] }>();
 * const controller = new AbortController();
 * setTimeout(() => {
 *   feed.emit('price', 'ACME', 12.5);
 *   controller.abort();
 * }, 10);
 * for await (const [symbol, value] of on(feed, 'price', { signal: controller.signal, highWaterMark: 1_000 })) {
 *   console.log(symbol, value);
 * }
 * ```
 */
export function on<S extends EventSource, K extends EventNameOf<S>>(
  emitter: S,
  eventName: K,
  options?: OnOptions,
): AsyncIterableIterator<EventArgsOf<S, K>, undefined, undefined>;
export function on(
  emitter: EventSource,
  eventName: string | symbol,
  options: OnOptions = {},
): AsyncIterableIterator<unknown[], undefined, undefined> {
  assertEventName(eventName);
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options: expected an object, got ${describe(options)}`);
  }
  const { signal, highWaterMark = Number.POSITIVE_INFINITY, overflow = 'error', close = [] } = options;
  assertSignal(signal);
  if (typeof highWaterMark !== 'number') {
    throw new TypeError(
      `options.highWaterMark: expected a positive integer or Infinity, got ${describe(highWaterMark)}`,
    );
  }
  if (!(highWaterMark === Number.POSITIVE_INFINITY || (Number.isInteger(highWaterMark) && highWaterMark >= 1))) {
    throw new RangeError(
      `options.highWaterMark: expected a positive integer or Infinity, got ${describe(highWaterMark)}`,
    );
  }
  if (!POLICIES.includes(overflow)) {
    throw new TypeError(
      `options.overflow: expected 'error', 'drop-oldest' or 'drop-newest', got ${describe(overflow)}`,
    );
  }
  if (!Array.isArray(close)) {
    throw new TypeError(`options.close: expected an array of event names, got ${describe(close)}`);
  }
  for (const name of close) assertEventName(name);

  const pausable = emitter as Partial<Pausable>;
  const canPause = typeof pausable.pause === 'function' && typeof pausable.resume === 'function';
  const buffer: unknown[][] = [];
  const waiters: Waiter<unknown[]>[] = [];
  const stops: (() => void)[] = [];
  let failure: { error: unknown } | undefined;
  let finished = false;
  let paused = false;

  const done = (): IteratorResult<unknown[], undefined> => ({ value: undefined, done: true });

  // Stops listening; what is buffered (and a failure) is still delivered by next().
  const finish = () => {
    if (finished) return;
    finished = true;
    for (const stop of stops) stop();
    stops.length = 0;
    signal?.removeEventListener('abort', finish);
    // Waiters only exist while the buffer is empty: they get the failure, or the end.
    while (waiters.length > 0) {
      const waiter = waiters.shift()!;
      if (failure !== undefined) {
        const { error } = failure;
        failure = undefined;
        waiter.reject(error);
      } else {
        waiter.resolve(done());
      }
    }
  };

  const fail = (error: unknown) => {
    if (finished) return;
    failure = { error };
    finish();
  };

  const push = (args: unknown[]) => {
    if (finished) return;
    const waiter = waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ value: args, done: false });
      return;
    }
    buffer.push(args);
    if (buffer.length <= highWaterMark) return;
    if (canPause) {
      if (!paused) {
        paused = true;
        pausable.pause!();
      }
    } else if (overflow === 'drop-oldest') {
      buffer.shift();
    } else if (overflow === 'drop-newest') {
      buffer.pop();
    } else {
      buffer.pop();
      fail(new OverflowError(eventName, highWaterMark));
    }
  };

  const iterator: AsyncIterableIterator<unknown[], undefined, undefined> = {
    next() {
      if (buffer.length > 0) {
        const value = buffer.shift()!;
        if (paused && buffer.length === 0 && !finished) {
          paused = false;
          pausable.resume!();
        }
        return Promise.resolve({ value, done: false });
      }
      if (failure !== undefined) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (finished) return Promise.resolve(done());
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    return() {
      buffer.length = 0;
      failure = undefined;
      finish();
      return Promise.resolve(done());
    },
    throw(error: unknown) {
      buffer.length = 0;
      failure = undefined;
      finish();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };

  if (signal?.aborted) {
    finished = true;
    return iterator;
  }
  stops.push(listen(emitter, eventName, (...args: unknown[]) => push(args)));
  // Iterating errorMonitor yields each error without listening for 'error': the errors stay unhandled (or not) as
  // they would be without the iteration, and do not end it.
  if (eventName !== 'error' && eventName !== errorMonitor && isEmitterLike(emitter)) {
    stops.push(listen(emitter, 'error', fail));
  }
  for (const name of close) stops.push(listen(emitter, name, finish));
  signal?.addEventListener('abort', finish, { once: true });
  return iterator;
}
