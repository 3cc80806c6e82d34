import { describeValue, layerNameOf } from './describe';
import { TimeoutError } from './errors';
import type { Middleware, Next } from './types';

/**
 * The two timer functions `timeout` needs. Node's globals fit, and so do `systemClock` and a virtual-time
 * `Reactor` from `@weft/reactor`, which is how tests drive timeouts without waiting.
 */
export interface TimerClock {
  /** Schedules `callback` after `ms` milliseconds and returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending timer. */
  clearTimeout(handle: unknown): void;
}

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /** Where the timer is scheduled; Node's `setTimeout`/`clearTimeout` by default. */
  clock?: TimerClock | undefined;
}

/** The largest delay Node's timers honour (2^31 - 1 ms). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const nodeTimers: TimerClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Wraps `middleware` so that it rejects with a {@link TimeoutError} (name `'TimeoutError'`, code
 * `'ERR_WEFT_TIMEOUT'`) when it, with everything downstream of it, has not settled within `ms` milliseconds. After
 * the timeout its `next()` enters no further layer and rejects with the same error. The wrapped middleware is not
 * stopped (JavaScript cannot stop a promise); give the chain a `signal` to make it stop at its next `next()`.
 *
 * @throws RangeError when `ms` is not a number of milliseconds in `[0, 2^31 - 1]`.
 *
 * @example
 * ```ts
 * import { compose, timeout } from '@weft/compose';
 *
 * const slow = async () => {
 *   await new Promise((resolve) => setTimeout(resolve, 5_000));
 * };
 * await compose([timeout(100, slow)])({}).catch((error) => console.log(error.name)); // 'TimeoutError'
 * ```
 */
export function timeout<Ctx>(ms: number, middleware: Middleware<Ctx>, options: TimeoutOptions = {}): Middleware<Ctx> {
  if (typeof ms !== 'number' || !(ms >= 0 && ms <= MAX_TIMEOUT_MS)) {
    throw new RangeError(`ms: expected a number of milliseconds in [0, ${MAX_TIMEOUT_MS}], got ${describeValue(ms)}`);
  }
  if (typeof middleware !== 'function') {
    throw new TypeError(`middleware: expected a function, got ${describeValue(middleware)}`);
  }
  const clock = options.clock ?? nodeTimers;
  if (typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function') {
    throw new TypeError(
      `options.clock: expected an object with setTimeout and clearTimeout methods, got ${describeValue(clock)}`,
    );
  }
  const name = layerNameOf(middleware);

  return (ctx: Ctx, next: Next): Promise<unknown> =>
    new Promise<unknown>((resolve, reject) => {
      let expired: TimeoutError | undefined;
      const handle = clock.setTimeout(() => {
        expired = new TimeoutError(ms, name);
        reject(expired);
      }, ms);
      const guardedNext: Next = () => (expired === undefined ? next() : Promise.reject(expired));
      const done = (value: unknown): void => {
        clock.clearTimeout(handle);
        resolve(value);
      };
      const fail = (error: unknown): void => {
        clock.clearTimeout(handle);
        reject(error);
      };
      let result: unknown;
      try {
        result = middleware(ctx, guardedNext);
      } catch (error) {
        fail(error);
        return;
      }
      if (
        typeof result === 'object' &&
        result !== null &&
        typeof (result as PromiseLike<unknown>).then === 'function'
      ) {
        Promise.resolve(result).then(done, fail);
      } else {
        done(result);
      }
    });
}
