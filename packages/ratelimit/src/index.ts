export {
  isRateLimitExceededError,
  isRateLimitStoreError,
  RateLimitExceededError,
  RateLimitStoreError,
} from './errors';
export { MemoryStore } from './memory-store';
export { ALGORITHMS } from './policy';
export { RateLimiter } from './rate-limiter';

export type {
  Algorithm,
  LimitSpec,
  MemoryStoreOptions,
  RateLimitErrorListener,
  RateLimiterOptions,
  RateLimitResult,
  RatePolicy,
  Store,
  StoreErrorPolicy,
  StoreOperation,
  TakeOptions,
} from './types';
