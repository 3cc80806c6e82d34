// The public types in one place, so the barrel can export them in one block.
export type { ClientIpOptions, IpKeyOptions, RequestLike, TrustProxy } from './client-ip';
export type {
  ClusterStoreChannel,
  ClusterStoreReply,
  ClusterStoreRequest,
  IpcChannel,
  IpcEndpoint,
} from './cluster-store';
export type { StoreOperation } from './errors';
export type { RateLimitHeadersOptions, RateLimitStandard } from './headers';
export type { MemoryStoreOptions } from './memory-store';
export type {
  ExpressRateLimitOptions,
  ExpressRequestLike,
  ExpressResponseLike,
  RateLimitContext,
  RateLimitMiddleware,
  RateLimitMiddlewareOptions,
} from './middleware';
export type { Algorithm, LimitSpec, RatePolicy } from './policy';
export type { RateLimitErrorListener, RateLimiterOptions, StoreErrorPolicy, TakeOptions } from './rate-limiter';
export type { IORedisLike, NodeRedisLike, RedisClientLike, RedisScriptRunner, RedisStoreOptions } from './redis-store';
export type { RateLimitResult } from './result';
export type { Store } from './store';
