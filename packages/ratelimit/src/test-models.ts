// Test support (not exported): straightforward reference models of the four algorithms, shared by the memory
// and Redis store tests.
import type { Reactor } from '@weft/reactor';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Algorithm, LimitSpec, RatePolicy } from './policy';
import type { RateLimitResult } from './result';

/**
 * Straightforward reference models, written independently of the implementation: each answers "would `cost`
 * be allowed at time t" and "how many remain at time t"; resetMs and retryAfterMs are then found by searching
 * whole milliseconds, not by formula.
 */
export interface Model {
  allows(t: number, cost: number): boolean;
  remaining(t: number): number;
  record(t: number, cost: number): void;
}

/** Tokens held exactly as tokens × windowMs (integers for integer times); refill limit per windowMs. */
function bucketModel({ limit, windowMs }: LimitSpec): Model {
  let scaled = limit * windowMs;
  let at = 0;
  const level = (t: number) => Math.min(limit * windowMs, scaled + (t - at) * limit);
  return {
    allows: (t, cost) => level(t) >= cost * windowMs,
    remaining: (t) => Math.floor(level(t) / windowMs),
    record(t, cost) {
      scaled = level(t) - cost * windowMs;
      at = t;
    },
  };
}

/** A counter for the window opened by the first request after the previous one ended. */
function fixedModel({ limit, windowMs }: LimitSpec): Model {
  let start = Number.NEGATIVE_INFINITY;
  let count = 0;
  const countAt = (t: number) => (t >= start + windowMs ? 0 : count);
  return {
    allows: (t, cost) => countAt(t) + cost <= limit,
    remaining: (t) => limit - countAt(t),
    record(t, cost) {
      if (t >= start + windowMs) {
        start = t;
        count = 0;
      }
      count += cost;
    },
  };
}

/** Every allowed request remembered; the estimate weighs the previous aligned window by its overlap. */
function slidingModel({ limit, windowMs }: LimitSpec): Model {
  const events: { t: number; cost: number }[] = [];
  // estimate × windowMs, exact in integers.
  const scaledEstimate = (t: number) => {
    const index = Math.floor(t / windowMs);
    const elapsed = t - index * windowMs;
    let current = 0;
    let previous = 0;
    for (const e of events) {
      const i = Math.floor(e.t / windowMs);
      if (i === index) current += e.cost;
      else if (i === index - 1) previous += e.cost;
    }
    return current * windowMs + previous * (windowMs - elapsed);
  };
  return {
    allows: (t, cost) => scaledEstimate(t) + cost * windowMs <= limit * windowMs,
    remaining: (t) => Math.floor((limit * windowMs - scaledEstimate(t)) / windowMs),
    record: (t, cost) => void events.push({ t, cost }),
  };
}

export const models: Record<Algorithm, (spec: LimitSpec) => Model> = {
  'token-bucket': bucketModel,
  gcra: bucketModel,
  'fixed-window': fixedModel,
  'sliding-window': slidingModel,
};

/** The first whole millisecond k ≥ 0 at which `holds(now + k)`; every predicate used here is monotone in time. */
function firstMs(now: number, horizon: number, holds: (t: number) => boolean): number {
  let lo = 0;
  let hi = horizon;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (holds(now + mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Expected {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

/** The policy-level model: all limits or none, reporting the most restrictive. */
export function expectedConsume(policy: RatePolicy, state: Model[], now: number, cost: number): Expected {
  const allowed = state.every((m) => m.allows(now, cost));
  if (allowed) for (const m of state) m.record(now, cost);
  const per = policy.limits.map((spec, i) => {
    const m = state[i]!;
    const horizon = 2 * spec.windowMs + 1;
    return {
      allowed: m.allows(now, allowed ? 0 : cost),
      limit: spec.limit,
      remaining: m.remaining(now),
      resetMs: firstMs(now, horizon, (t) => m.remaining(t) === spec.limit),
      retryAfterMs: allowed ? 0 : firstMs(now, horizon, (t) => m.allows(t, cost)),
    };
  });
  let pick = per[0]!;
  for (const p of per) {
    if (!allowed) {
      const deniesHere = !p.allowed;
      if (deniesHere && (pick.allowed || p.retryAfterMs > pick.retryAfterMs)) pick = p;
    } else if (p.remaining < pick.remaining || (p.remaining === pick.remaining && p.resetMs > pick.resetMs)) {
      pick = p;
    }
  }
  return { ...pick, allowed };
}

export const limitArb = fc.record({
  limit: fc.integer({ min: 1, max: 12 }),
  windowMs: fc.integer({ min: 1, max: 300 }),
});
export const opsArb = fc.array(
  fc.record({
    advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 700 })),
    cost: fc.nat(),
  }),
  { maxLength: 80 },
);

/** Decides `cost` for the policy at the reactor's time: a store's consume. */
export type Consume = (policy: RatePolicy, cost: number) => RateLimitResult | Promise<RateLimitResult>;

/**
 * Replays `ops` (advance virtual time, consume) against a store and the models, expecting every result to agree.
 * Returns the allowed requests with their times.
 */
export async function replay(
  algorithm: Algorithm,
  limits: LimitSpec[],
  ops: { advanceMs: number; cost: number }[],
  reactor: Reactor,
  consume: Consume,
): Promise<{ t: number; cost: number }[]> {
  const policy: RatePolicy = { algorithm, limits };
  const state = limits.map((spec) => models[algorithm](spec));
  const smallest = Math.min(...limits.map((l) => l.limit));
  const allowedAt: { t: number; cost: number }[] = [];
  for (const { advanceMs, cost: raw } of ops) {
    reactor.advance(advanceMs);
    const cost = 1 + (raw % smallest);
    const now = reactor.now();
    const got = await consume(policy, cost);
    const want = expectedConsume(policy, state, now, cost);
    const spec = limits.find((l) => l.limit === want.limit) ?? limits[0]!;
    expect({ at: now, cost, ...got }).toEqual({
      at: now,
      cost,
      ...want,
      limited: !want.allowed,
      windowMs: got.limit === want.limit ? got.windowMs : spec.windowMs,
    });
    if (got.allowed) allowedAt.push({ t: now, cost });
  }
  return allowedAt;
}
