import { describe } from '@weft/reactor';

const retryErrorBrand = Symbol.for('@weft/retry.RetryError');
const nonRetryableMark = Symbol.for('@weft/retry.nonRetryable');

/** Why {@link retry} gave up: the attempt limit, the retry budget, the backoff ran out, or the deadline. */
export type RetryStopReason = 'maxAttempts' | 'budget' | 'backoff' | 'maxElapsedMs';

/**
 * The error {@link retry} rejects with when it gives up on retryable failures. `cause` is the last attempt's error,
 * `errors` holds every attempt's error in order, and `reason` says which limit stopped it.
 */
export class RetryError extends Error {
  /** Stable code for matching without `instanceof`. */
  readonly code = 'ERR_WEFT_RETRY_EXHAUSTED';
  /** How many attempts were made (started), including the last one. */
  readonly attempts: number;
  /** Every attempt's error, in attempt order; the last one is also `cause`. */
  readonly errors: readonly unknown[];
  /** Which limit stopped the retrying. */
  readonly reason: RetryStopReason;
  declare readonly cause: unknown;

  constructor(attempts: number, errors: readonly unknown[], reason: RetryStopReason) {
    const last = errors[errors.length - 1];
    super(`Gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason}): ${messageOf(last)}`, {
      cause: last,
    });
    this.name = 'RetryError';
    this.attempts = attempts;
    this.errors = errors;
    this.reason = reason;
    // A symbol brand (not instanceof) so that two copies of this package recognise each other's errors.
    Object.defineProperty(this, retryErrorBrand, { value: true });
  }
}

/** True if `error` is a {@link RetryError} (from any copy of `@weft/retry`). */
export function isRetryError(error: unknown): error is RetryError {
  return (
    typeof error === 'object' && error !== null && (error as { [retryErrorBrand]?: unknown })[retryErrorBrand] === true
  );
}

/**
 * Marks an error so that {@link retry} rejects with it at once instead of retrying, whatever `shouldRetry` says.
 * Returns the very same error (marked with a hidden symbol property), so `throw nonRetryable(err)` keeps its
 * identity, class and stack.
 *
 * @example
 * ```ts
 * import { nonRetryable, retry } from '@weft/retry';
 * await retry(async () => {
 *   const res = await fetch('https://example.com/item/1');
 *   if (res.status === 404) throw nonRetryable(new Error('no such item'));
 *   return res.json();
 * });
 * ```
 */
export function nonRetryable<E extends object>(error: E): E {
  if (typeof error !== 'object' || error === null) {
    throw new TypeError(`error: expected an object (an Error) to mark as non-retryable, got ${describe(error)}`);
  }
  Object.defineProperty(error, nonRetryableMark, { value: true, configurable: true, enumerable: false });
  return error;
}

/** True if `error` was marked with {@link nonRetryable}. */
export function isNonRetryable(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [nonRetryableMark]?: unknown })[nonRetryableMark] === true
  );
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}
