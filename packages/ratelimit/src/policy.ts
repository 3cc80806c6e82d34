import { describe } from '@weft/reactor';

/** The algorithms a {@link RateLimiter} can use; see the README for the accuracy of each. */
export type Algorithm = 'token-bucket' | 'gcra' | 'fixed-window' | 'sliding-window';

/** One limit: at most `limit` requests per `windowMs` (burst = `limit`). */
export interface LimitSpec {
  /** Requests allowed per window, and the largest burst a fresh key may make. A positive integer. */
  readonly limit: number;
  /** The window in milliseconds. A positive finite number. */
  readonly windowMs: number;
}

/** What a store needs to decide: the algorithm and every limit, all checked and consumed together. */
export interface RatePolicy {
  readonly algorithm: Algorithm;
  readonly limits: readonly LimitSpec[];
}

/** Every algorithm name, in the order the README documents them. */
export const ALGORITHMS: readonly Algorithm[] = ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'];

/** Throws unless `value` is a known algorithm name. */
export function checkAlgorithm(value: unknown, name = 'algorithm'): Algorithm {
  if (typeof value !== 'string') {
    throw new TypeError(
      `${name}: expected one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
    );
  }
  if (!(ALGORITHMS as readonly string[]).includes(value)) {
    throw new RangeError(
      `${name}: expected one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
    );
  }
  return value as Algorithm;
}

/** Throws a TypeError/RangeError naming `name` unless `value` is a positive integer. */
export function checkPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name}: expected a positive integer, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name}: expected a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** Throws a TypeError/RangeError naming `name` unless `value` is a positive finite number. */
export function checkPositiveNumber(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name}: expected a positive number, got ${describe(value)}`);
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name}: expected a positive finite number, got ${describe(value)}`);
  }
  return value;
}

/** Validates one limit and returns a frozen copy. */
export function checkLimit(spec: unknown, name: string): LimitSpec {
  if (typeof spec !== 'object' || spec === null) {
    throw new TypeError(`${name}: expected { limit, windowMs }, got ${describe(spec)}`);
  }
  const { limit, windowMs } = spec as Partial<LimitSpec>;
  return Object.freeze({
    limit: checkPositiveInteger(limit, `${name}.limit`),
    windowMs: checkPositiveNumber(windowMs, `${name}.windowMs`),
  });
}

/** Validates a whole policy (as received from another process, say) and returns a frozen copy. */
export function checkPolicy(policy: unknown, name = 'policy'): RatePolicy {
  if (typeof policy !== 'object' || policy === null) {
    throw new TypeError(`${name}: expected { algorithm, limits }, got ${describe(policy)}`);
  }
  const { algorithm, limits } = policy as Partial<RatePolicy>;
  if (!Array.isArray(limits) || limits.length === 0) {
    throw new TypeError(`${name}.limits: expected a non-empty array of { limit, windowMs }, got ${describe(limits)}`);
  }
  return Object.freeze({
    algorithm: checkAlgorithm(algorithm, `${name}.algorithm`),
    limits: Object.freeze(limits.map((spec, i) => checkLimit(spec, `${name}.limits[${i}]`))),
  });
}

/** Throws a TypeError unless `key` is a non-empty string. */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`key: expected a non-empty string, got ${describe(key)}`);
  }
}

/** The smallest `limit` of a policy: no cost above it can ever be allowed. */
export function smallestLimit(policy: RatePolicy): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (const spec of policy.limits) if (spec.limit < smallest) smallest = spec.limit;
  return smallest;
}

/** Throws unless `cost` is a positive integer no greater than the smallest limit. */
export function checkCost(cost: unknown, policy: RatePolicy): number {
  if (typeof cost !== 'number') throw new TypeError(`cost: expected a positive integer, got ${describe(cost)}`);
  const most = smallestLimit(policy);
  if (!Number.isSafeInteger(cost) || cost <= 0 || cost > most) {
    throw new RangeError(
      `cost: expected a positive integer no greater than the limit (${most}), got ${describe(cost)}`,
    );
  }
  return cost;
}
