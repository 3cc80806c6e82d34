import type { Next } from '@weft/compose';
import {
  type Algorithm,
  MemoryStore,
  RateLimiter,
  type RateLimitResult,
  type RateLimitStandard,
  rateLimitHeaders,
  type Store,
} from '@weft/ratelimit';
import { type Clock, describe, systemClock } from '@weft/reactor';
import { HttpError } from '../errors';
import { retryAfterHeaders } from '../protection';
import type { AuthContext } from './authenticate';
import type { Principal } from './principal';

/** The limit of one tier: `limit` requests per `windowMs` (burst `limit`). */
export interface TierLimit {
  readonly limit: number;
  readonly windowMs: number;
  /** Default `'token-bucket'`. */
  readonly algorithm?: Algorithm | undefined;
}

/** A context {@link tierRateLimit} can set headers on. */
export interface TierRateLimitContext extends AuthContext {
  set(name: string, value: string): unknown;
}

/** Options of {@link tierRateLimit}. */
export interface TierRateLimitOptions {
  /** Limits by tier name: `{ free: { limit: 10, windowMs: 1_000 }, pro: { limit: 100, windowMs: 1_000 } }`. */
  tiers: Readonly<Record<string, TierLimit>>;
  /** The tier of principals with no tier or an unknown one. Default: the first tier listed. */
  default?: string | undefined;
  /**
   * Where counts live (shared by all tiers, keys prefixed by tier); a `MemoryStore` on `clock` by default. In cluster
   * mode pass `app.sharedRateLimitStore`, or each worker counts on its own.
   */
  store?: Store | undefined;
  /** The time source of the default store and of the limiters. Default `systemClock`. */
  clock?: Clock | undefined;
  /** Which RateLimit header draft to send, or `false` for none. Default `'draft-8'` (policy named after the tier). */
  headers?: false | RateLimitStandard | undefined;
  /** Observes each denial (before the 429 is thrown), e.g. to count it in metrics. */
  onLimited?: ((ctx: AuthContext, result: RateLimitResult, principal: Principal, tier: string) => void) | undefined;
}

interface Tier {
  readonly name: string;
  readonly limiter: RateLimiter;
}

/**
 * Per-principal rate limiting: each authenticated caller is counted under its principal id, against the limits of
 * its `principal.tier`, and gets 429 with `RateLimit`/`Retry-After` headers over them. Requests without a principal
 * (public routes) pass; the server's per-IP limit covers those. Use it right after {@link authenticate}.
 *
 * @example
 * ```ts
 * app.use(
 *   authenticate({ apiKeys }),
 *   tierRateLimit({ tiers: { free: { limit: 10, windowMs: 1_000 }, pro: { limit: 100, windowMs: 1_000 } } }),
 * );
 * ```
 */
export function tierRateLimit(options: TierRateLimitOptions): (ctx: TierRateLimitContext, next: Next) => Promise<void> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`tierRateLimit: options: expected an object, got ${describe(options)}`);
  }
  const { tiers: limits, headers = 'draft-8', onLimited } = options;
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits) || Object.keys(limits).length === 0) {
    throw new TypeError(`tiers: expected an object of tier name → { limit, windowMs }, got ${describe(limits)}`);
  }
  if (headers !== false && headers !== 'draft-8' && headers !== 'draft-7' && headers !== 'draft-6') {
    throw new TypeError(`headers: expected 'draft-8', 'draft-7', 'draft-6' or false, got ${describe(headers)}`);
  }
  if (onLimited !== undefined && typeof onLimited !== 'function') {
    throw new TypeError(`onLimited: expected a function, got ${describe(onLimited)}`);
  }
  const clock = options.clock ?? systemClock;
  const store = options.store ?? new MemoryStore({ clock });
  const tiers = new Map<string, Tier>();
  for (const [name, spec] of Object.entries(limits)) {
    const what = `tiers.${name}`;
    if (typeof spec !== 'object' || spec === null) {
      throw new TypeError(`${what}: expected { limit, windowMs }, got ${describe(spec)}`);
    }
    let limiter: RateLimiter;
    try {
      limiter = new RateLimiter({
        algorithm: spec.algorithm,
        limit: spec.limit,
        windowMs: spec.windowMs,
        store,
        clock,
        keyPrefix: `tier:${name}:`,
      });
    } catch (error) {
      const Kind = error instanceof RangeError ? RangeError : TypeError;
      throw new Kind(`${what}.${(error as Error).message}`, { cause: error });
    }
    tiers.set(name, { name, limiter });
  }
  const defaultName = options.default ?? tiers.keys().next().value!;
  const fallback = tiers.get(defaultName);
  if (fallback === undefined) {
    throw new RangeError(
      `default: expected one of the tiers (${[...tiers.keys()].join(', ')}), got ${describe(defaultName)}`,
    );
  }
  return async (ctx, next) => {
    const principal = ctx.state.principal as Principal | undefined;
    if (principal === undefined) return next();
    const tier = (principal.tier === undefined ? undefined : tiers.get(principal.tier)) ?? fallback;
    const result = await tier.limiter.consume(principal.id);
    if (result.allowed) {
      if (headers !== false) {
        const values = rateLimitHeaders(result, { standard: headers, policyName: tier.name });
        for (const name in values) ctx.set(name, values[name]!);
      }
      return next();
    }
    onLimited?.(ctx, result, principal, tier.name);
    throw new HttpError(
      429,
      `rate limit of the ${tier.name} tier (${result.limit} per ${result.windowMs} ms) exceeded`,
      {
        headers:
          headers === false
            ? retryAfterHeaders(result)
            : rateLimitHeaders(result, { standard: headers, policyName: tier.name }),
        extensions: { retryAfterMs: result.retryAfterMs, tier: tier.name },
      },
    );
  };
}
