import { describe } from '@weft/reactor';
import type { RateLimitResult } from './result';

/** The header layouts of the IETF httpapi RateLimit header drafts. */
export type RateLimitStandard = 'draft-8' | 'draft-7' | 'draft-6';

/** Options of {@link rateLimitHeaders}. */
export interface RateLimitHeadersOptions {
  /** Which draft to follow; `'draft-8'` (the latest) by default. */
  standard?: RateLimitStandard | undefined;
  /** The policy's name in draft-8 headers; `'default'` by default. */
  policyName?: string | undefined;
}

const STANDARDS: readonly string[] = ['draft-8', 'draft-7', 'draft-6'];
// An sf-string may hold printable ASCII; quotes and backslashes are escaped.
const PRINTABLE = /^[\x20-\x7e]*$/;

function seconds(ms: number): number {
  return Math.ceil(ms / 1_000);
}

/**
 * The rate-limit response headers for a result:
 * - `draft-8`: `RateLimit-Policy: "name";q=100;w=60` and `RateLimit: "name";r=42;t=30`
 * - `draft-7`: `RateLimit-Policy: 100;w=60` and `RateLimit: limit=100, remaining=42, reset=30`
 * - `draft-6`: `RateLimit-Policy`, `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
 *
 * plus `Retry-After` (seconds) when the request is denied. Times are whole seconds, rounded up.
 *
 * @example
 * ```ts
 * const result = await limiter.consume(ip);
 * for (const [name, value] of Object.entries(rateLimitHeaders(result, { policyName: 'api' }))) res.setHeader(name, value);
 * ```
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  options: RateLimitHeadersOptions = {},
): Record<string, string> {
  const { standard = 'draft-8', policyName = 'default' } = options;
  if (!STANDARDS.includes(standard)) {
    throw new (typeof standard === 'string' ? RangeError : TypeError)(
      `standard: expected 'draft-8', 'draft-7' or 'draft-6', got ${describe(standard)}`,
    );
  }
  if (typeof policyName !== 'string' || policyName.length === 0 || !PRINTABLE.test(policyName)) {
    throw new TypeError(`policyName: expected a non-empty string of printable ASCII, got ${describe(policyName)}`);
  }
  const limit = result.limit;
  const remaining = Math.max(0, result.remaining);
  const window = Math.max(1, seconds(result.windowMs));
  const reset = seconds(result.resetMs);
  const headers: Record<string, string> = {};
  if (standard === 'draft-8') {
    const name = `"${policyName.replace(/["\\]/g, '\\$&')}"`;
    headers['RateLimit-Policy'] = `${name};q=${limit};w=${window}`;
    headers.RateLimit = `${name};r=${remaining};t=${reset}`;
  } else if (standard === 'draft-7') {
    headers['RateLimit-Policy'] = `${limit};w=${window}`;
    headers.RateLimit = `limit=${limit}, remaining=${remaining}, reset=${reset}`;
  } else {
    headers['RateLimit-Policy'] = `${limit};w=${window}`;
    headers['RateLimit-Limit'] = String(limit);
    headers['RateLimit-Remaining'] = String(remaining);
    headers['RateLimit-Reset'] = String(reset);
  }
  if (!result.allowed) headers['Retry-After'] = String(Math.max(1, seconds(result.retryAfterMs)));
  return headers;
}
