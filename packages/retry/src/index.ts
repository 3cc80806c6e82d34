export type {
  Backoff,
  ExponentialBackoffOptions,
  Jitter,
  LinearBackoffOptions,
} from './backoff';
export { constant, exponential, linear } from './backoff';
export type { RetryBudgetOptions } from './budget';
export { RetryBudget } from './budget';
export type { RetryStopReason } from './errors';
export { isNonRetryable, isRetryError, nonRetryable, RetryError } from './errors';
export type { HttpFailure } from './http';
export { httpShouldRetry } from './http';
export type { Attempt, AttemptContext, RetryEvent, RetryOptions } from './retry';
export { retry, retryable } from './retry';
export type { HeadersLike } from './retry-after';
export { parseRetryAfter } from './retry-after';
