import { describe, expect, it } from 'vitest';
import { type Backoff, constant, exponential, linear } from './backoff';

/** The first `n` delays of a fresh iterator of `backoff`. */
function take(backoff: Backoff, n: number): number[] {
  const delays: number[] = [];
  const iterator = backoff();
  for (let i = 0; i < n; i++) {
    const next = iterator.next();
    if (next.done) break;
    delays.push(next.value);
  }
  return delays;
}

/** A `random` that returns the given values in turn, forever. */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('constant', () => {
  it('yields the same delay forever', () => {
    expect(take(constant(250), 5)).toEqual([250, 250, 250, 250, 250]);
    expect(take(constant(0), 2)).toEqual([0, 0]);
  });

  it('rejects a negative, infinite or non-number delay naming the option', () => {
    expect(() => constant(-1)).toThrow(RangeError);
    expect(() => constant(-1)).toThrow(/ms: expected a finite number of milliseconds ≥ 0, got -1/);
    expect(() => constant(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => constant(Number.NaN)).toThrow(RangeError);
    expect(() => constant('5' as never)).toThrow(TypeError);
  });
});

describe('linear', () => {
  it('adds stepMs after each retry up to maxMs', () => {
    expect(take(linear({ initialMs: 100, stepMs: 50, maxMs: 300 }), 7)).toEqual([100, 150, 200, 250, 300, 300, 300]);
  });

  it('steps by initialMs by default', () => {
    expect(take(linear({ initialMs: 20 }), 4)).toEqual([20, 40, 60, 80]);
    expect(take(linear(), 3)).toEqual([100, 200, 300]);
  });

  it('rejects negative options naming them', () => {
    expect(() => linear({ initialMs: -5 })).toThrow(/initialMs: expected/);
    expect(() => linear({ stepMs: -1 })).toThrow(/stepMs: expected/);
    expect(() => linear({ maxMs: -1 })).toThrow(RangeError);
  });
});

describe('exponential', () => {
  it("'none' doubles from initialMs and stops at maxMs", () => {
    const backoff = exponential({ initialMs: 100, maxMs: 1_000, jitter: 'none' });
    expect(take(backoff, 7)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it("'none' grows by factor", () => {
    expect(take(exponential({ initialMs: 10, factor: 3, maxMs: Number.POSITIVE_INFINITY, jitter: 'none' }), 4)).toEqual(
      [10, 30, 90, 270],
    );
    expect(take(exponential({ initialMs: 10, factor: 1, jitter: 'none' }), 3)).toEqual([10, 10, 10]);
  });

  it("'full' is random_between(0, min(cap, base * 2 ** n))", () => {
    const backoff = exponential({ initialMs: 100, maxMs: 1_000, jitter: 'full', random: scripted(0.5, 0.25, 0, 0.75) });
    // ceilings 100, 200, 400, 800, 1000, 1000
    expect(take(backoff, 6)).toEqual([50, 50, 0, 600, 500, 250]);
  });

  it('is the default jitter', () => {
    const backoff = exponential({ initialMs: 100, random: scripted(0.5) });
    expect(take(backoff, 3)).toEqual([50, 100, 200]);
  });

  it("'equal' is t / 2 + random_between(0, t / 2) with t = min(cap, base * 2 ** n)", () => {
    const backoff = exponential({ initialMs: 100, maxMs: 1_000, jitter: 'equal', random: scripted(0.5, 0, 0.75, 1) });
    // t = 100, 200, 400, 800, 1000
    expect(take(backoff, 5)).toEqual([75, 100, 350, 800, 750]);
  });

  it("'decorrelated' is min(cap, random_between(base, previous * 3)) starting from base", () => {
    const backoff = exponential({
      initialMs: 100,
      maxMs: 1_000,
      jitter: 'decorrelated',
      random: scripted(0.5, 1, 0.25, 0),
    });
    // prev 100 → 100 + 0.5 * (300 - 100) = 200
    // prev 200 → 100 + 1 * (600 - 100) = 600
    // prev 600 → min(1000, 100 + 0.25 * (1800 - 100)) = 525
    // prev 525 → 100 + 0 * … = 100
    // prev 100 → 100 + 0.5 * 200 = 200
    expect(take(backoff, 5)).toEqual([200, 600, 525, 100, 200]);
  });

  it("'decorrelated' uses factor instead of 3 when given, and caps at maxMs", () => {
    const backoff = exponential({ initialMs: 10, factor: 2, maxMs: 30, jitter: 'decorrelated', random: scripted(1) });
    // 10 + 1 * (20 - 10) = 20, then min(30, 10 + (40 - 10)) = 30, then 30
    expect(take(backoff, 3)).toEqual([20, 30, 30]);
  });

  it('gives every iterator its own state, so one backoff serves many operations', () => {
    const backoff = exponential({ initialMs: 1, jitter: 'none' });
    expect(take(backoff, 3)).toEqual([1, 2, 4]);
    expect(take(backoff, 3)).toEqual([1, 2, 4]);
  });

  it('keeps a huge ceiling finite at the cap', () => {
    const iterator = exponential({ initialMs: 1, factor: 10, maxMs: 5_000, jitter: 'none' })();
    let last = 0;
    for (let i = 0; i < 2_000; i++) last = iterator.next().value as number;
    expect(last).toBe(5_000);
  });

  it('stays within its bounds for every jitter with a seeded random', () => {
    let seed = 42;
    const random = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
      const delays = take(exponential({ initialMs: 10, maxMs: 500, jitter, random }), 200);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(jitter === 'decorrelated' ? 10 : 0);
      expect(Math.max(...delays)).toBeLessThanOrEqual(500);
      expect(new Set(delays).size).toBeGreaterThan(100);
    }
  });

  it('rejects bad options with errors naming them', () => {
    expect(() => exponential({ factor: 0.5 })).toThrow(RangeError);
    expect(() => exponential({ factor: 0.5 })).toThrow(/factor: expected a finite number ≥ 1, got 0.5/);
    expect(() => exponential({ factor: Number.NaN })).toThrow(/factor/);
    expect(() => exponential({ initialMs: -1 })).toThrow(/initialMs: expected a finite number of milliseconds ≥ 0/);
    expect(() => exponential({ maxMs: -1 })).toThrow(/maxMs: expected a number of milliseconds ≥ 0 or Infinity/);
    expect(() => exponential({ jitter: 'some' as never })).toThrow(/jitter: expected one of 'none', 'full'/);
    expect(() => exponential({ random: 0.5 as never })).toThrow(TypeError);
  });
});

describe('custom backoffs', () => {
  it('are plain generator functions', () => {
    const fibonacci: Backoff = function* () {
      let [a, b] = [1, 1];
      for (;;) {
        yield a;
        [a, b] = [b, a + b];
      }
    };
    expect(take(fibonacci, 6)).toEqual([1, 1, 2, 3, 5, 8]);
  });
});
