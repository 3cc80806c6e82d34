import { describe } from '@weft/reactor';

/**
 * A backoff: a factory of iterators of delays in milliseconds. {@link retry} calls it once per operation, on the
 * first retryable failure, and takes one value before each retry (the first value is the wait before attempt 2).
 * When the iterator is done, retrying stops. Any generator function is a backoff.
 *
 * @example
 * ```ts
 * import { type Backoff, retry } from '@weft/retry';
 * const fibonacci: Backoff = function* () {
 *   let [a, b] = [100, 100];
 *   for (;;) {
 *     yield a;
 *     [a, b] = [b, a + b];
 *   }
 * };
 * await retry(() => fetch('https://example.com'), { backoff: fibonacci, maxAttempts: 5 });
 * ```
 */
export type Backoff = () => Iterator<number, unknown, undefined>;

/**
 * How randomness spreads the delays of {@link exponential}, as defined in the AWS Architecture Blog's
 * "Exponential Backoff and Jitter" (with `base` = `initialMs`, `cap` = `maxMs`, `2` = `factor`):
 * - `'none'`: `min(cap, base * 2 ** n)`
 * - `'full'`: `random_between(0, min(cap, base * 2 ** n))`
 * - `'equal'`: `t / 2 + random_between(0, t / 2)` with `t = min(cap, base * 2 ** n)`
 * - `'decorrelated'`: `min(cap, random_between(base, previous * 3))`, starting from `previous = base`
 *   (`3` is `factor` when given).
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** Options of {@link linear}. */
export interface LinearBackoffOptions {
  /** The first delay; 100 ms by default. */
  initialMs?: number;
  /** Added to the delay after each retry; `initialMs` by default. */
  stepMs?: number;
  /** The largest delay; 30 s by default (`Infinity` for no cap). */
  maxMs?: number;
}

/** Options of {@link exponential}. */
export interface ExponentialBackoffOptions {
  /** The base delay (the first delay without jitter); 100 ms by default. */
  initialMs?: number;
  /** The growth factor (≥ 1); 2 by default, or 3 with `jitter: 'decorrelated'` (the AWS definition). */
  factor?: number;
  /** The cap on any delay; 30 s by default (`Infinity` for no cap). */
  maxMs?: number;
  /** How to randomise the delays; `'full'` by default (what AWS recommends). See {@link Jitter}. */
  jitter?: Jitter;
  /** A source of uniform numbers in `[0, 1)`; `Math.random` by default. Pass a seeded one for reproducible delays. */
  random?: () => number;
}

const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

/**
 * The same delay before every retry.
 *
 * @example
 * ```ts
 * import { constant, retry } from '@weft/retry';
 * await retry(() => fetch('https://example.com'), { backoff: constant(250) }); // waits 250 ms, 250 ms
 * ```
 */
export function constant(ms: number): Backoff {
  checkDelay(ms, 'ms');
  return function* constantBackoff() {
    for (;;) yield ms;
  };
}

/**
 * Delays that grow by `stepMs` after each retry, up to `maxMs`: `initialMs`, `initialMs + stepMs`, …
 *
 * @example
 * ```ts
 * import { linear, retry } from '@weft/retry';
 * const backoff = linear({ initialMs: 100, stepMs: 50, maxMs: 300 }); // 100, 150, 200, 250, 300, 300, …
 * await retry(() => fetch('https://example.com'), { backoff, maxAttempts: 6 });
 * ```
 */
export function linear(options: LinearBackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 100;
  checkDelay(initialMs, 'initialMs');
  const stepMs = options.stepMs ?? initialMs;
  checkDelay(stepMs, 'stepMs');
  const maxMs = options.maxMs ?? 30_000;
  checkDelay(maxMs, 'maxMs', true);
  return function* linearBackoff() {
    for (let n = 0; ; n++) yield Math.min(maxMs, initialMs + stepMs * n);
  };
}

/**
 * Exponentially growing delays, capped at `maxMs` and randomised by `jitter` (full jitter by default) so that many
 * clients failing together do not retry together. The definitions are those of the AWS "Exponential Backoff and
 * Jitter" article; see {@link Jitter}.
 *
 * @example
 * ```ts
 * import { exponential, retry } from '@weft/retry';
 * const backoff = exponential({ initialMs: 100, maxMs: 10_000, jitter: 'equal' });
 * await retry(() => fetch('https://example.com'), { backoff, maxAttempts: 5 });
 * ```
 */
export function exponential(options: ExponentialBackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 100;
  checkDelay(initialMs, 'initialMs');
  const maxMs = options.maxMs ?? 30_000;
  checkDelay(maxMs, 'maxMs', true);
  const jitter = options.jitter ?? 'full';
  if (!JITTERS.includes(jitter)) {
    throw new RangeError(`jitter: expected one of 'none', 'full', 'equal', 'decorrelated', got ${describe(jitter)}`);
  }
  const factor = options.factor ?? (jitter === 'decorrelated' ? 3 : 2);
  if (typeof factor !== 'number') {
    throw new TypeError(`factor: expected a number ≥ 1, got ${describe(factor)}`);
  }
  if (!(factor >= 1 && factor < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`factor: expected a finite number ≥ 1, got ${describe(factor)}`);
  }
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') {
    throw new TypeError(`random: expected a function returning numbers in [0, 1), got ${describe(random)}`);
  }

  if (jitter === 'decorrelated') {
    return function* decorrelatedJitter() {
      let previous = initialMs;
      for (;;) {
        previous = Math.min(maxMs, initialMs + random() * (previous * factor - initialMs));
        yield previous;
      }
    };
  }
  return function* exponentialBackoff() {
    let ceiling = initialMs;
    for (;;) {
      const capped = Math.min(maxMs, ceiling);
      if (jitter === 'none') yield capped;
      else if (jitter === 'full') yield random() * capped;
      else yield capped / 2 + random() * (capped / 2);
      // Stop growing once past the cap, so the ceiling never overflows to Infinity.
      if (ceiling < maxMs) ceiling *= factor;
    }
  };
}

/** Throws a TypeError/RangeError naming `name` unless `ms` is a number of milliseconds ≥ 0 (finite unless allowed). */
function checkDelay(ms: unknown, name: string, infinityAllowed = false): asserts ms is number {
  if (typeof ms !== 'number') {
    throw new TypeError(`${name}: expected a number of milliseconds ≥ 0, got ${describe(ms)}`);
  }
  if (!(ms >= 0 && (infinityAllowed || ms < Number.POSITIVE_INFINITY))) {
    const what = infinityAllowed ? 'a number of milliseconds ≥ 0 or Infinity' : 'a finite number of milliseconds ≥ 0';
    throw new RangeError(`${name}: expected ${what}, got ${describe(ms)}`);
  }
}
