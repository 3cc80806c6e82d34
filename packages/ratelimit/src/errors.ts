import type { RateLimitResult } from './result';

/** The store operations a {@link RateLimitStoreError} can come from. */
export type StoreOperation = 'consume' | 'peek' | 'reset';

/**
 * A store call failed or missed its deadline (`storeTimeoutMs`). The limiter reports it through its
 * `'error'` listeners and then applies `onStoreError`; only `reset()` rejects with it. `cause` holds the
 * store's own error (absent for a timeout).
 */
export class RateLimitStoreError extends Error {
  /** Stable code. */
  readonly code = 'ERR_WEFT_RATELIMIT_STORE';
  /** True when the store did not answer within `storeTimeoutMs`. */
  readonly timedOut: boolean;
  /** The key (with the limiter's `keyPrefix`) the call was for. */
  readonly key: string;
  /** Which store call failed. */
  readonly operation: StoreOperation;
  constructor(
    message: string,
    details: { key: string; operation: StoreOperation; timedOut?: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RateLimitStoreError';
    this.key = details.key;
    this.operation = details.operation;
    this.timedOut = details.timedOut ?? false;
  }
}

/** True for a {@link RateLimitStoreError}, whichever copy of this package created it. */
export function isRateLimitStoreError(error: unknown): error is RateLimitStoreError {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_WEFT_RATELIMIT_STORE'
  );
}

/**
 * `take()` gave up: the wait it would need exceeds `maxWaitMs`. `result` is the denial that decided it
 * and `retryAfterMs` says when a retry could succeed.
 */
export class RateLimitExceededError extends Error {
  /** Stable code. */
  readonly code = 'ERR_WEFT_RATE_LIMITED';
  /** The denied result. */
  readonly result: RateLimitResult;
  /** Milliseconds until the request could be allowed (the same as `result.retryAfterMs`). */
  readonly retryAfterMs: number;
  constructor(result: RateLimitResult, maxWaitMs: number) {
    super(`Rate limit exceeded: allowed again in ${result.retryAfterMs} ms, more than maxWaitMs (${maxWaitMs})`);
    this.name = 'RateLimitExceededError';
    this.result = result;
    this.retryAfterMs = result.retryAfterMs;
  }
}

/** True for a {@link RateLimitExceededError}, whichever copy of this package created it. */
export function isRateLimitExceededError(error: unknown): error is RateLimitExceededError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_WEFT_RATE_LIMITED';
}
