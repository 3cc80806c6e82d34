import { Reactor } from '@weft/reactor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store';
import type { Algorithm, LimitSpec, RatePolicy } from './policy';
import { limitArb, opsArb, replay } from './test-models';

const algorithms: Algorithm[] = ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'];
function run(algorithm: Algorithm, limits: LimitSpec[], ops: { advanceMs: number; cost: number }[]) {
  const reactor = new Reactor();
  const store = new MemoryStore({ clock: reactor });
  return replay(algorithm, limits, ops, reactor, (policy, cost) => store.consume('k', policy, cost));
}

describe.each(algorithms)('%s against its reference model', (algorithm) => {
  it('agrees on every consume of random sequences of consume and advance (one limit)', async () => {
    await fc.assert(
      fc.asyncProperty(limitArb, opsArb, async (spec, ops) => {
        await run(algorithm, [spec], ops);
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with two limits, consuming from both or neither', async () => {
    await fc.assert(
      fc.asyncProperty(limitArb, limitArb, opsArb, async (a, b, ops) => {
        await run(algorithm, [a, b], ops);
      }),
      { numRuns: 60 },
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

  it.each(['token-bucket', 'gcra'] as const)(
    '%s allows at most limit + limit·d/windowMs in any d ms',
    async (algorithm) => {
      await fc.assert(
        fc.asyncProperty(arb, async ([spec, ops]) => {
          const allowedAt = await run(algorithm, [spec], ops);
          for (let i = 0; i < allowedAt.length; i++) {
            let sum = 0;
            for (let j = i; j < allowedAt.length; j++) {
              sum += allowedAt[j]!.cost;
              const d = allowedAt[j]!.t - allowedAt[i]!.t;
              expect(sum * spec.windowMs).toBeLessThanOrEqual(spec.limit * spec.windowMs + d * spec.limit);
            }
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  it('sliding-window allows at most limit + limit·d/windowMs in any d ≤ windowMs', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async ([spec, ops]) => {
        const allowedAt = await run('sliding-window', [spec], ops);
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
      { numRuns: 60 },
    );
  });

  it('fixed-window allows at most 2 × limit in any span shorter than windowMs, and can reach it', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async ([spec, ops]) => {
        const allowedAt = await run('fixed-window', [spec], ops);
        expect(worst(allowedAt, (d) => d < spec.windowMs)).toBeLessThanOrEqual(2 * spec.limit);
      }),
      { numRuns: 60 },
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
