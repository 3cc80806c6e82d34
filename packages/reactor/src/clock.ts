/**
 * A handle for a scheduled timer. Node's `Timeout` objects satisfy it, and so do the handles of
 * `Reactor`. `unref()` lets the loop exit while the timer is pending; `ref()` undoes that.
 */
export interface TimerHandle {
  ref?(): unknown;
  unref?(): unknown;
  hasRef?(): boolean;
}

/** A timer callback; the extra arguments given at scheduling time are passed through. */
export type TimerCallback<A extends unknown[] = unknown[]> = (...args: A) => void;

/**
 * The source of time for everything in weft that waits: breaker resets, rate-limit refills, retry backoff,
 * deadlines, delayed state transitions. Inject {@link systemClock} in production and a `Reactor` in tests
 * to run time-dependent code deterministically in virtual time.
 *
 * `now()` is monotonic and in milliseconds; its origin is arbitrary (do not compare it with `Date.now()`).
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Calls `fn(...args)` once after `ms` milliseconds (Node's rules for odd delays, see {@link normalizeDelay}). */
  setTimeout<A extends unknown[]>(fn: TimerCallback<A>, ms?: number, ...args: A): TimerHandle;
  /** Cancels a timeout; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle | undefined | null): void;
  /** Calls `fn(...args)` every `ms` milliseconds until cleared. */
  setInterval<A extends unknown[]>(fn: TimerCallback<A>, ms?: number, ...args: A): TimerHandle;
  /** Cancels an interval; unknown handles are ignored. */
  clearInterval(handle: TimerHandle | undefined | null): void;
}

/** The largest delay Node's timers accept (2^31 - 1 ms); larger delays become 1 ms, as in Node. */
export const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * Normalises a timer delay exactly as Node does: anything that is not a number in `[1, TIMEOUT_MAX]`
 * (negative, zero, NaN, ±Infinity, too large, not a number at all) becomes 1 ms. Fractions are kept.
 *
 * @example
 * ```ts
 * normalizeDelay(-5); // 1
 * normalizeDelay(Number.NaN); // 1
 * normalizeDelay(250.5); // 250.5
 * ```
 */
export function normalizeDelay(ms: unknown): number {
  const n = typeof ms === 'number' ? ms : Number(ms);
  return n >= 1 && n <= TIMEOUT_MAX ? n : 1;
}

/** Throws a `TypeError` naming `name` unless `fn` is a function. */
export function assertCallback(fn: unknown, name = 'callback'): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== 'function') {
    throw new TypeError(`${name}: expected a function, got ${describe(fn)}`);
  }
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Real time: `now()` from `performance.now()` (monotonic), timers from Node's own `setTimeout`/`setInterval`.
 *
 * @example
 * ```ts
 * import { systemClock } from '@weft/reactor';
 * const started = systemClock.now();
 * systemClock.setTimeout(() => console.log(systemClock.now() - started), 100);
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout<A extends unknown[]>(fn: TimerCallback<A>, ms?: number, ...args: A): TimerHandle {
    assertCallback(fn);
    return globalThis.setTimeout(fn, ms, ...args);
  },
  clearTimeout(handle: TimerHandle | undefined | null): void {
    if (handle) globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
  setInterval<A extends unknown[]>(fn: TimerCallback<A>, ms?: number, ...args: A): TimerHandle {
    assertCallback(fn);
    return globalThis.setInterval(fn, ms, ...args);
  },
  clearInterval(handle: TimerHandle | undefined | null): void {
    if (handle) globalThis.clearInterval(handle as ReturnType<typeof globalThis.setInterval>);
  },
});
