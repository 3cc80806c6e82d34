export {
  isRateLimitExceededError,
  isRateLimitStoreError,
  RateLimitExceededError,
  RateLimitStoreError,
} from './errors';
export { MemoryStore } from './memory-store';
export { ALGORITHMS } from './policy';
export { RateLimiter } from './rate-limiter';
export { ioredisAdapter, nodeRedisAdapter, RedisStore } from './redis-store';

export type {
  Algorithm,
  IORedisLike,
  LimitSpec,
  MemoryStoreOptions,
  NodeRedisLike,
  RateLimitErrorListener,
  RateLimiterOptions,
  RateLimitResult,
  RatePolicy,
  RedisClientLike,
  RedisScriptRunner,
  RedisStoreOptions,
  Store,
  StoreErrorPolicy,
  StoreOperation,
  TakeOptions,
} from './types';
