// The public types in one place, so the barrel can export them in one block.
export type { StoreOperation } from './errors';
export type { MemoryStoreOptions } from './memory-store';
export type { Algorithm, LimitSpec, RatePolicy } from './policy';
export type { RateLimitErrorListener, RateLimiterOptions, StoreErrorPolicy, TakeOptions } from './rate-limiter';
export type { IORedisLike, NodeRedisLike, RedisClientLike, RedisScriptRunner, RedisStoreOptions } from './redis-store';
export type { RateLimitResult } from './result';
export type { Store } from './store';
