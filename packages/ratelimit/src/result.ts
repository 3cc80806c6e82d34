/** What a limiter says about one key: returned by `consume()` and `peek()`. Denial is a result, not an error. */
export interface RateLimitResult {
  /** Whether the request may proceed (always true in `dryRun` mode). */
  allowed: boolean;
  /** Whether the limit was exceeded: `!allowed`, except in `dryRun` mode where `allowed` stays true. */
  limited: boolean;
  /** The `limit` of the most restrictive limit (the one reported here). */
  limit: number;
  /** The `windowMs` of the most restrictive limit. */
  windowMs: number;
  /** Requests still allowed right now under that limit, after this one. */
  remaining: number;
  /** Milliseconds (rounded up) until that limit is fully restored; 0 when it already is. */
  resetMs: number;
  /** Milliseconds (rounded up) until a denied request of the same cost could be allowed; 0 when allowed. */
  retryAfterMs: number;
}

// Float arithmetic on real clocks lands a hair off exact values; these keep 3 from becoming 2.9999999.
const EPSILON = 1e-9;

/** Rounds a count of requests down, tolerating float noise. */
export function floorCount(value: number): number {
  return Math.floor(value + EPSILON);
}

/** Rounds a duration up to whole milliseconds, tolerating float noise; never negative. */
export function ceilMs(value: number): number {
  return value <= EPSILON ? 0 : Math.ceil(value - EPSILON);
}
