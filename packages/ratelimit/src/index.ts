export { clientIp, ipKey } from './client-ip';
export { ClusterStore, clusterStoreHandler, ipcChannel, serveClusterStore } from './cluster-store';
export {
  isRateLimitExceededError,
  isRateLimitStoreError,
  RateLimitExceededError,
  RateLimitStoreError,
} from './errors';
export { rateLimitHeaders } from './headers';
export { MemoryStore } from './memory-store';
export { expressRateLimit, rateLimit } from './middleware';
export { ALGORITHMS } from './policy';
export { RateLimiter } from './rate-limiter';
export { ioredisAdapter, nodeRedisAdapter, RedisStore } from './redis-store';

export type {
  Algorithm,
  ClientIpOptions,
  ClusterStoreChannel,
  ClusterStoreReply,
  ClusterStoreRequest,
  ExpressRateLimitOptions,
  ExpressRequestLike,
  ExpressResponseLike,
  IORedisLike,
  IpcChannel,
  IpcEndpoint,
  IpKeyOptions,
  LimitSpec,
  MemoryStoreOptions,
  NodeRedisLike,
  RateLimitContext,
  RateLimitErrorListener,
  RateLimiterOptions,
  RateLimitHeadersOptions,
  RateLimitMiddleware,
  RateLimitMiddlewareOptions,
  RateLimitResult,
  RateLimitStandard,
  RatePolicy,
  RedisClientLike,
  RedisScriptRunner,
  RedisStoreOptions,
  RequestLike,
  Store,
  StoreErrorPolicy,
  StoreOperation,
  TakeOptions,
  TrustProxy,
} from './types';
