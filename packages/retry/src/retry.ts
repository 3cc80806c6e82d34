import {
  AbortError,
  type Clock,
  describe,
  isAbortError,
  sleep,
  systemClock,
  TIMEOUT_MAX,
  type TimerHandle,
} from '@weft/reactor';
import { type Backoff, exponential } from './backoff';
import type { RetryBudget } from './budget';
import { isNonRetryable, RetryError } from './errors';
import { retryAfterMsOf } from './retry-after';

/** What {@link retry} passes to each attempt. */
export interface AttemptContext {
  /** The attempt's number: 1 for the first call, 2 for the first retry, … */
  readonly attempt: number;
  /**
   * Aborted when the caller's `signal` aborts or `maxElapsedMs` runs out; pass it on (`fetch(url, { signal })`).
   * `undefined` when neither option was given, so that plain calls pay for no `AbortController`. With
   * `maxElapsedMs` it is built when first read, so an attempt that never reads it pays for none either (the call
   * still rejects at the deadline).
   */
  readonly signal: AbortSignal | undefined;
}

/** What `onRetry` is told before each wait. */
export interface RetryEvent {
  /** The error of the attempt that just failed. */
  readonly error: unknown;
  /** The number of the attempt that just failed; the next one is `attempt + 1`. */
  readonly attempt: number;
  /** How long {@link retry} now waits before the next attempt (the backoff, or more if `Retry-After` asks). */
  readonly delayMs: number;
}

/** Options of {@link retry} and {@link retryable}. */
export interface RetryOptions {
  /** Total attempts, the first included: an integer ≥ 1 or `Infinity`; 3 by default. */
  maxAttempts?: number;
  /** The waits between attempts; `exponential()` (100 ms base, ×2, 30 s cap, full jitter) by default. */
  backoff?: Backoff;
  /**
   * Whether a failure is worth another attempt; called synchronously with the error and the failed attempt's
   * number. By default every error is, except an `AbortError`. Errors marked with `nonRetryable` never are. An
   * error that is not retried rejects the call unchanged; if `shouldRetry` throws, the call rejects with that.
   */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called synchronously before each wait (for logging and metrics); if it throws, the call rejects with that. */
  onRetry?: (event: RetryEvent) => void;
  /** Aborting it rejects the call at once with an `AbortError` (also mid-attempt or mid-wait; the wait's timer is cleared). */
  signal?: AbortSignal;
  /** Where the waits and `maxElapsedMs` are timed; `systemClock` by default, a `Reactor` in tests. */
  clock?: Clock;
  /** A {@link RetryBudget}, usually shared by every call to one dependency, that stops retries during an outage. */
  budget?: RetryBudget;
  /**
   * A deadline for the whole operation, attempts and waits included (`Infinity` for none, the default). When it
   * passes, the in-flight attempt's `signal` is aborted with a `TimeoutError` and the call rejects at once with a
   * `RetryError` (reason `'maxElapsedMs'`). A wait that would end at or past the deadline is not started.
   */
  maxElapsedMs?: number;
  /** Wall-clock time in epoch ms, used only to turn `Retry-After` HTTP-dates into delays; `Date.now` by default. */
  dateNow?: () => number;
}

/** The function {@link retry} calls for each attempt. */
export type Attempt<T> = (context: AttemptContext) => T | PromiseLike<T>;

const EMPTY_OPTIONS: RetryOptions = Object.freeze({});
const defaultBackoff = exponential();

/**
 * Calls `fn` until it succeeds, waiting between attempts as `backoff` says, and resolves with its result.
 * A failure `shouldRetry` rejects (or one marked `nonRetryable`) rejects the call with that very error; running out
 * of attempts, budget, backoff or time rejects with a {@link RetryError} holding every attempt's error. An error that
 * carries `retryAfterMs` or a `Retry-After` header (its own `headers` or its `response.headers`) makes the next
 * wait at least that long.
 *
 * @example
 * ```ts
 * import { exponential, retry } from '@weft/retry';
 * const body = await retry(
 *   async ({ signal }) => {
 *     const res = await fetch('https://example.com/data', { signal });
 *     if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { response: res });
 *     return res.text();
 *   },
 *   { maxAttempts: 5, backoff: exponential({ initialMs: 200 }), maxElapsedMs: 10_000 },
 * );
 * ```
 */
export function retry<T>(fn: Attempt<T>, options?: RetryOptions): Promise<T> {
  if (typeof fn !== 'function') {
    return Promise.reject(new TypeError(`fn: expected a function, got ${describe(fn)}`));
  }
  if (options === undefined) return run(fn, EMPTY_OPTIONS);
  try {
    validateOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return run(fn, options);
}

/**
 * Wraps `fn` so that every call of the result goes through {@link retry} with `options` (validated and copied
 * once, here). The wrapped function takes `fn`'s arguments; use {@link retry} itself to see the attempt's `signal`.
 *
 * @example
 * ```ts
 * import { retryable } from '@weft/retry';
 * const getUser = retryable(async (id: string) => {
 *   const res = await fetch(`https://example.com/users/${id}`);
 *   if (!res.ok) throw new Error(`HTTP ${res.status}`);
 *   return (await res.json()) as { name: string };
 * }, { maxAttempts: 4 });
 * const user = await getUser('42');
 * ```
 */
export function retryable<A extends unknown[], T>(
  fn: (...args: A) => T | PromiseLike<T>,
  options?: RetryOptions,
): (...args: A) => Promise<T> {
  if (typeof fn !== 'function') throw new TypeError(`fn: expected a function, got ${describe(fn)}`);
  let frozen = EMPTY_OPTIONS;
  if (options !== undefined) {
    validateOptions(options);
    frozen = Object.freeze({ ...options });
  }
  return (...args: A) => run(() => fn(...args), frozen);
}

async function run<T>(fn: Attempt<T>, options: RetryOptions): Promise<T> {
  const userSignal = options.signal;
  if (userSignal?.aborted) throw new AbortError(undefined, { cause: userSignal.reason });
  const clock = options.clock ?? systemClock;
  const maxElapsedMs = options.maxElapsedMs;
  const deadline =
    maxElapsedMs === undefined || maxElapsedMs === Number.POSITIVE_INFINITY
      ? undefined
      : new Deadline(clock, maxElapsedMs, userSignal);
  let errors: unknown[] | undefined;
  let delays: Iterator<number, unknown, undefined> | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      let value: T;
      try {
        if (deadline !== undefined) {
          // The attempt's signal is built only if `fn` reads it: most of a deadline's cost is Node building one.
          value = await deadline.race(
            fn({
              attempt,
              get signal() {
                return deadline.signal;
              },
            }),
          );
        } else if (userSignal !== undefined) {
          value = await untilAborted(fn({ attempt, signal: userSignal }), userSignal);
        } else {
          value = await fn({ attempt, signal: undefined });
        }
      } catch (error) {
        if (deadline === undefined ? userSignal?.aborted : deadline.stopped) {
          if (userSignal?.aborted) throw new AbortError(undefined, { cause: userSignal.reason });
          const all = errors ?? [];
          all.push((deadline as Deadline).reason);
          throw new RetryError(attempt, all, 'maxElapsedMs');
        }
        if (isNonRetryable(error) || !(options.shouldRetry ?? isRetryableByDefault)(error, attempt)) throw error;
        if (errors === undefined) errors = [];
        errors.push(error);
        const budget = options.budget;
        budget?.recordFailure();
        if (attempt >= (options.maxAttempts ?? 3)) throw new RetryError(attempt, errors, 'maxAttempts');
        if (budget !== undefined && !budget.canRetry) throw new RetryError(attempt, errors, 'budget');

        delays ??= (options.backoff ?? defaultBackoff)();
        const next = delays.next();
        if (next.done) throw new RetryError(attempt, errors, 'backoff');
        let delayMs = next.value;
        if (typeof delayMs !== 'number' || !(delayMs >= 0)) {
          throw new RangeError(`backoff: expected delays in milliseconds ≥ 0, got ${describe(delayMs)}`);
        }
        const retryAfterMs = retryAfterMsOf(error, options.dateNow ?? Date.now);
        if (retryAfterMs !== undefined && retryAfterMs > delayMs) delayMs = retryAfterMs;
        if (delayMs > TIMEOUT_MAX) delayMs = TIMEOUT_MAX;
        if (deadline !== undefined && clock.now() + delayMs >= deadline.at) {
          throw new RetryError(attempt, errors, 'maxElapsedMs');
        }
        options.onRetry?.({ error, attempt, delayMs });

        // A zero wait skips the timer, except that an aborted signal must still stop the operation (sleep rejects).
        const signal = deadline === undefined ? userSignal : deadline.signal;
        if (delayMs > 0 || signal?.aborted) {
          try {
            await sleep(delayMs, { signal, clock });
          } catch (abort) {
            if (userSignal?.aborted) throw new AbortError(undefined, { cause: userSignal.reason });
            if (deadline?.stopped) throw new RetryError(attempt, errors ?? [], 'maxElapsedMs');
            throw abort;
          }
        }
        continue;
      }
      options.budget?.recordSuccess();
      return value;
    }
  } finally {
    deadline?.dispose();
  }
}

function isRetryableByDefault(error: unknown): boolean {
  return !isAbortError(error);
}

/**
 * The deadline of one `retry` call with `maxElapsedMs`: a timer, and the caller's signal if any. It stops (at the
 * deadline with a `TimeoutError`, or when the caller aborts with its reason) the attempt it races. The
 * `AbortSignal` attempts see is built only when one is read, and is then aborted with the same reason.
 */
class Deadline {
  /** The clock time at which the operation runs out. */
  readonly at: number;
  #stopped = false;
  #reason: unknown;
  #controller: AbortController | undefined;
  #onStop: ((reason: unknown) => void) | undefined;
  readonly #clock: Clock;
  readonly #timer: TimerHandle;
  readonly #userSignal: AbortSignal | undefined;
  readonly #onUserAbort: (() => void) | undefined;

  constructor(clock: Clock, maxElapsedMs: number, userSignal: AbortSignal | undefined) {
    this.#clock = clock;
    this.at = clock.now() + maxElapsedMs;
    this.#timer = clock.setTimeout(() => {
      this.#stop(new DOMException(`maxElapsedMs: the operation took longer than ${maxElapsedMs} ms`, 'TimeoutError'));
    }, maxElapsedMs);
    this.#userSignal = userSignal;
    if (userSignal !== undefined) {
      this.#onUserAbort = () => this.#stop(userSignal.reason);
      userSignal.addEventListener('abort', this.#onUserAbort, { once: true });
    }
  }

  /** True once the deadline passed or the caller aborted. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Why it stopped: a `TimeoutError` DOMException, or the caller's abort reason. */
  get reason(): unknown {
    return this.#reason;
  }

  /** Aborted when it stops. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#stopped) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Settles like `value`, or rejects with the reason as soon as it stops (the caller then looks at `stopped`). */
  race<T>(value: T | PromiseLike<T>): T | PromiseLike<T> {
    if (typeof (value as PromiseLike<T> | null)?.then !== 'function') return value;
    if (this.#stopped) {
      // Stopped while `fn` was being called: its own rejection, if any, is of no interest any more.
      (value as PromiseLike<T>).then(undefined, ignore);
      return Promise.reject(this.#reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.#onStop = reject;
      (value as PromiseLike<T>).then(
        (result) => {
          this.#onStop = undefined;
          resolve(result);
        },
        (error: unknown) => {
          this.#onStop = undefined;
          reject(error);
        },
      );
    });
  }

  dispose(): void {
    this.#clock.clearTimeout(this.#timer);
    if (this.#onUserAbort !== undefined) this.#userSignal?.removeEventListener('abort', this.#onUserAbort);
  }

  #stop(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const onStop = this.#onStop;
    this.#onStop = undefined;
    onStop?.(reason);
  }
}

/** Settles like `value`, or rejects as soon as `signal` aborts (the caller then looks at the signal, not the error). */
function untilAborted<T>(value: T | PromiseLike<T>, signal: AbortSignal): T | PromiseLike<T> {
  if (typeof (value as PromiseLike<T> | null)?.then !== 'function') return value;
  if (signal.aborted) {
    // Aborted while `fn` was being called: its own rejection, if any, is of no interest any more.
    (value as PromiseLike<T>).then(undefined, ignore);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    (value as PromiseLike<T>).then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function ignore(): void {}

function validateOptions(options: RetryOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options: expected an object, got ${describe(options)}`);
  }
  const { maxAttempts, maxElapsedMs, signal, clock, budget } = options;
  if (maxAttempts !== undefined) {
    if (typeof maxAttempts !== 'number') {
      throw new TypeError(`maxAttempts: expected an integer ≥ 1 or Infinity, got ${describe(maxAttempts)}`);
    }
    if (!((Number.isInteger(maxAttempts) && maxAttempts >= 1) || maxAttempts === Number.POSITIVE_INFINITY)) {
      throw new RangeError(`maxAttempts: expected an integer ≥ 1 or Infinity, got ${describe(maxAttempts)}`);
    }
  }
  if (maxElapsedMs !== undefined) {
    if (typeof maxElapsedMs !== 'number') {
      throw new TypeError(`maxElapsedMs: expected a number of milliseconds > 0, got ${describe(maxElapsedMs)}`);
    }
    if (!((maxElapsedMs > 0 && maxElapsedMs <= TIMEOUT_MAX) || maxElapsedMs === Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `maxElapsedMs: expected a number of milliseconds in (0, ${TIMEOUT_MAX}] or Infinity, got ${describe(maxElapsedMs)}`,
      );
    }
  }
  checkFunction(options.backoff, 'backoff');
  checkFunction(options.shouldRetry, 'shouldRetry');
  checkFunction(options.onRetry, 'onRetry');
  checkFunction(options.dateNow, 'dateNow');
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || !('aborted' in signal))) {
    throw new TypeError(`signal: expected an AbortSignal, got ${describe(signal)}`);
  }
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.setTimeout !== 'function')) {
    throw new TypeError(`clock: expected a Clock (now, setTimeout, clearTimeout), got ${describe(clock)}`);
  }
  if (
    budget !== undefined &&
    (typeof budget !== 'object' || budget === null || typeof budget.recordFailure !== 'function')
  ) {
    throw new TypeError(`budget: expected a RetryBudget, got ${describe(budget)}`);
  }
}

function checkFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${name}: expected a function, got ${describe(value)}`);
  }
}
