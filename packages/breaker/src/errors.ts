/**
 * Why a call was rejected without running: the circuit is open (or isolated), or half-open with every probe
 * slot taken.
 */
export type RejectReason = 'open' | 'isolated' | 'half-open';

/**
 * Rejected while the circuit is open (or half-open with every probe slot taken), without calling `fn`.
 * `retryAfterMs` says when the circuit goes half-open (`Infinity` while isolated, 0 when half-open).
 */
export class BrokenCircuitError extends Error {
  /** Stable code for matching without `instanceof`. */
  readonly code = 'ERR_WEFT_CIRCUIT_OPEN';
  /** The breaker's `name`. */
  readonly breaker: string;
  /** Why the call was rejected. */
  readonly reason: RejectReason;
  /** Milliseconds until the circuit lets a probe through: `Infinity` while isolated, 0 when half-open. */
  readonly retryAfterMs: number;
  constructor(breaker: string, reason: RejectReason, retryAfterMs: number) {
    const why =
      reason === 'half-open'
        ? 'is half-open and every probe slot is taken'
        : reason === 'isolated'
          ? 'is isolated'
          : 'is open';
    super(`circuit "${breaker}" ${why}`);
    this.name = 'BrokenCircuitError';
    this.breaker = breaker;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/** True for a {@link BrokenCircuitError} (also one from another copy of this package). */
export function isBrokenCircuitError(error: unknown): error is BrokenCircuitError {
  return (error as { code?: unknown } | null)?.code === 'ERR_WEFT_CIRCUIT_OPEN';
}

/**
 * A call ran longer than `timeoutMs`: its signal was aborted with this error and the call rejected with it (the
 * result `fn` may still produce is ignored). A timeout always counts as a failure.
 */
export class TimeoutError extends Error {
  /** Stable code for matching without `instanceof`. */
  readonly code = 'ERR_WEFT_CIRCUIT_TIMEOUT';
  /** The breaker's `name`. */
  readonly breaker: string;
  /** The `timeoutMs` that ran out. */
  readonly timeoutMs: number;
  constructor(breaker: string, timeoutMs: number) {
    super(`call through circuit "${breaker}" timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
    this.breaker = breaker;
    this.timeoutMs = timeoutMs;
  }
}

/** True for a {@link TimeoutError} of a circuit breaker (also one from another copy of this package). */
export function isTimeoutError(error: unknown): error is TimeoutError {
  return (error as { code?: unknown } | null)?.code === 'ERR_WEFT_CIRCUIT_TIMEOUT';
}

/** Rejected without calling `fn` because `maxConcurrent` calls were already running. */
export class BulkheadFullError extends Error {
  /** Stable code for matching without `instanceof`. */
  readonly code = 'ERR_WEFT_BULKHEAD_FULL';
  /** The breaker's `name`. */
  readonly breaker: string;
  /** The `maxConcurrent` limit that was reached. */
  readonly maxConcurrent: number;
  constructor(breaker: string, maxConcurrent: number) {
    super(`circuit "${breaker}" already runs ${maxConcurrent} call${maxConcurrent === 1 ? '' : 's'} (maxConcurrent)`);
    this.name = 'BulkheadFullError';
    this.breaker = breaker;
    this.maxConcurrent = maxConcurrent;
  }
}

/** True for a {@link BulkheadFullError} (also one from another copy of this package). */
export function isBulkheadFullError(error: unknown): error is BulkheadFullError {
  return (error as { code?: unknown } | null)?.code === 'ERR_WEFT_BULKHEAD_FULL';
}
