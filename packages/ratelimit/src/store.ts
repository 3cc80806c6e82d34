import type { RatePolicy } from './policy';
import type { RateLimitResult } from './result';

/**
 * Where counts live. A store applies a {@link RatePolicy} atomically: every limit of the policy is checked and,
 * only if all allow, all are consumed. Stores decide with their own time (the memory store's clock, Redis's
 * clock, the cluster primary's clock). Methods may answer synchronously (the memory store does, so the
 * limiter's fast path allocates no timer) or with a promise, which the limiter bounds with `storeTimeoutMs`.
 */
export interface Store {
  /** Applies `cost` to every limit of `policy` for `key` if all allow it; reports the most restrictive limit. */
  consume(key: string, policy: RatePolicy, cost: number): RateLimitResult | Promise<RateLimitResult>;
  /** Reports what a `consume(key, policy, 1)` would decide, consuming nothing (`remaining` before it). */
  peek(key: string, policy: RatePolicy): RateLimitResult | Promise<RateLimitResult>;
  /** Forgets `key` under every limit of `policy`. */
  reset(key: string, policy: RatePolicy): void | Promise<void>;
}
