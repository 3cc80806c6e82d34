import { Reactor } from '@weft/reactor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store';
import type { Algorithm, LimitSpec, RatePolicy } from './policy';

/**
 * Straightforward reference models, written independently of the implementation: each answers "would `cost`
 * be allowed at time t" and "how many remain at time t"; resetMs and retryAfterMs are then found by searching
 * whole milliseconds, not by formula.
 */
interface Model {
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

const models: Record<Algorithm, (spec: LimitSpec) => Model> = {
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
function expectedConsume(policy: RatePolicy, state: Model[], now: number, cost: number): Expected {
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

const algorithms: Algorithm[] = ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'];
const limitArb = fc.record({ limit: fc.integer({ min: 1, max: 12 }), windowMs: fc.integer({ min: 1, max: 300 }) });
const opsArb = fc.array(
  fc.record({
    advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 700 })),
    cost: fc.nat(),
  }),
  { maxLength: 80 },
);

function run(algorithm: Algorithm, limits: LimitSpec[], ops: { advanceMs: number; cost: number }[]) {
  const policy: RatePolicy = { algorithm, limits };
  const reactor = new Reactor();
  const store = new MemoryStore({ clock: reactor });
  const state = limits.map((spec) => models[algorithm](spec));
  const smallest = Math.min(...limits.map((l) => l.limit));
  const allowedAt: { t: number; cost: number }[] = [];
  for (const { advanceMs, cost: raw } of ops) {
    reactor.advance(advanceMs);
    const cost = 1 + (raw % smallest);
    const now = reactor.now();
    const got = store.consume('k', policy, cost);
    const want = expectedConsume(policy, state, now, cost);
    expect({ at: now, cost, ...got }).toEqual({
      at: now,
      cost,
      ...want,
      limited: !want.allowed,
      windowMs: got.windowMs,
    });
    expect(limits.find((l) => l.windowMs === got.windowMs && l.limit === got.limit)).toBeDefined();
    if (got.allowed) allowedAt.push({ t: now, cost });
  }
  return allowedAt;
}

describe.each(algorithms)('%s against its reference model', (algorithm) => {
  it('agrees on every consume of random sequences of consume and advance (one limit)', () => {
    fc.assert(
      fc.property(limitArb, opsArb, (spec, ops) => {
        run(algorithm, [spec], ops);
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with two limits, consuming from both or neither', () => {
    fc.assert(
      fc.property(limitArb, limitArb, opsArb, (a, b, ops) => {
        run(algorithm, [a, b], ops);
      }),
      { numRuns: 100 },
    );
  });

  it('lets a fresh key burst exactly limit, then denies', () => {
    const reactor = new Reactor();
    const store = new MemoryStore({ clock: reactor });
    reactor.advance(12_345);
    const policy: RatePolicy = { algorithm, limits: [{ limit: 50, windowMs: 60_000 }] };
    const results = Array.from({ length: 51 }, () => store.consume('fresh', policy, 1));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect(results.map((r) => r.remaining).slice(0, 3)).toEqual([49, 48, 47]);
    expect(results[50]).toMatchObject({ allowed: false, remaining: 0 });
    expect(results[50]!.retryAfterMs).toBeGreaterThan(0);
  });

  it('sustains limit per windowMs under constant overload (sliding-window: about 90%, as documented)', () => {
    const reactor = new Reactor();
    const store = new MemoryStore({ clock: reactor });
    const policy: RatePolicy = { algorithm, limits: [{ limit: 10, windowMs: 1_000 }] };
    let allowed = 0;
    // Ask every 10 ms for 100 s: 10,000 asks for a rate of 10 per second.
    for (let i = 0; i < 10_000; i++) {
      if (store.consume('steady', policy, 1).allowed) allowed++;
      reactor.advance(10);
    }
    // 100 windows of 10, plus the first burst. The weighted estimate keeps the previous window's count in view,
    // so under overload sliding-window settles a little under the limit.
    expect(allowed).toBeGreaterThanOrEqual(algorithm === 'sliding-window' ? 880 : 1_000);
    expect(allowed).toBeLessThanOrEqual(1_010);
  });
});

describe('documented accuracy (README table)', () => {
  const arb = fc.tuple(limitArb, opsArb);
  /** The most allowed in any span no longer than `span` ms, over every pair of allowed requests. */
  const worst = (allowedAt: { t: number; cost: number }[], span: (d: number) => boolean) => {
    let most = 0;
    for (let i = 0; i < allowedAt.length; i++) {
      let sum = 0;
      for (let j = i; j < allowedAt.length; j++) {
        sum += allowedAt[j]!.cost;
        if (span(allowedAt[j]!.t - allowedAt[i]!.t)) most = Math.max(most, sum);
      }
    }
    return most;
  };

  it.each(['token-bucket', 'gcra'] as const)('%s allows at most limit + limit·d/windowMs in any d ms', (algorithm) => {
    fc.assert(
      fc.property(arb, ([spec, ops]) => {
        const allowedAt = run(algorithm, [spec], ops);
        for (let i = 0; i < allowedAt.length; i++) {
          let sum = 0;
          for (let j = i; j < allowedAt.length; j++) {
            sum += allowedAt[j]!.cost;
            const d = allowedAt[j]!.t - allowedAt[i]!.t;
            expect(sum * spec.windowMs).toBeLessThanOrEqual(spec.limit * spec.windowMs + d * spec.limit);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('sliding-window allows at most limit + limit·d/windowMs in any d ≤ windowMs', () => {
    fc.assert(
      fc.property(arb, ([spec, ops]) => {
        const allowedAt = run('sliding-window', [spec], ops);
        for (let i = 0; i < allowedAt.length; i++) {
          let sum = 0;
          for (let j = i; j < allowedAt.length; j++) {
            sum += allowedAt[j]!.cost;
            const d = allowedAt[j]!.t - allowedAt[i]!.t;
            if (d <= spec.windowMs) {
              expect(sum * spec.windowMs).toBeLessThanOrEqual(spec.limit * spec.windowMs + d * spec.limit);
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('fixed-window allows at most 2 × limit in any span shorter than windowMs, and can reach it', () => {
    fc.assert(
      fc.property(arb, ([spec, ops]) => {
        const allowedAt = run('fixed-window', [spec], ops);
        expect(worst(allowedAt, (d) => d < spec.windowMs)).toBeLessThanOrEqual(2 * spec.limit);
      }),
      { numRuns: 100 },
    );
    // The edge case it is known for: a full window at its very end, then a full one at the start of the next.
    const reactor = new Reactor();
    const store = new MemoryStore({ clock: reactor });
    const policy: RatePolicy = { algorithm: 'fixed-window', limits: [{ limit: 5, windowMs: 1_000 }] };
    store.consume('edge', policy, 1);
    reactor.advance(999);
    let burst = 0;
    for (let i = 0; i < 5; i++) if (store.consume('edge', policy, 1).allowed) burst++;
    reactor.advance(1);
    for (let i = 0; i < 5; i++) if (store.consume('edge', policy, 1).allowed) burst++;
    expect(burst).toBe(9);
  });
});
