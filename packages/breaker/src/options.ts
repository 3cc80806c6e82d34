import { type Clock, describe, systemClock, TIMEOUT_MAX } from '@weft/reactor';

/** The sliding window of outcomes the rates are computed over. */
export type WindowOptions =
  | {
      /** The last `size` calls. */
      readonly type: 'count';
      /** How many calls the window holds (an integer ≥ 1). */
      readonly size: number;
    }
  | {
      /** The calls of the last `durationMs`, rolled bucket by bucket as the clock advances. */
      readonly type: 'time';
      /** How far back the window reaches, in ms (> 0). */
      readonly durationMs: number;
      /** How many buckets the window is cut into (an integer ≥ 1; default 10). */
      readonly buckets?: number | undefined;
    };

/** What happens to a call that arrives while every half-open probe slot is taken. */
export type HalfOpenOverflow = 'reject' | 'wait';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions<TFallback = never> {
  /** Names the breaker in errors, events and `toJSON()`. Default `'breaker'`. */
  name?: string | undefined;
  /** The window the rates are computed over. Default `{ type: 'count', size: 100 }`. */
  window?: WindowOptions | undefined;
  /**
   * Trips when the failure rate of the window reaches this (`failures / calls ≥ threshold`), once the window
   * holds `minimumCalls`; in `(0, 1]`. Default 0.5, unless only `consecutiveFailures` is given (then this rule
   * is off).
   */
  failureRateThreshold?: number | undefined;
  /** No rate decision below this many calls in the window (an integer ≥ 1). Default 10 (at most the window size). */
  minimumCalls?: number | undefined;
  /** Trips after this many failures in a row (an integer ≥ 1), whatever the window says. Off by default. */
  consecutiveFailures?: number | undefined;
  /** A call that takes at least this long (ms, > 0) is slow, even if it succeeds. Off by default. */
  slowCallDurationMs?: number | undefined;
  /** Trips when the slow-call rate of the window reaches this (in `(0, 1]`; default 1 with `slowCallDurationMs`). */
  slowCallRateThreshold?: number | undefined;
  /** How long the circuit stays open before letting probes through (ms, > 0). Default 30,000. */
  openDurationMs?: number | undefined;
  /** Probes let through at once when half-open (an integer ≥ 1); that many successes close it. Default 1. */
  halfOpenMaxCalls?: number | undefined;
  /** Callers beyond the probes when half-open: rejected at once (default) or wait for the probes' verdict. */
  halfOpenOverflow?: HalfOpenOverflow | undefined;
  /**
   * Aborts the call's signal and rejects with `TimeoutError` after this long (ms, > 0). Off by default. A function
   * that declares no parameter (`fn.length === 0`, e.g. `async () => …`) cannot see the signal, so none is built for
   * it (that is most of a timed call's cost); it is still rejected at the deadline. Declare the parameter
   * (`(signal) => …`) to have it aborted.
   */
  timeoutMs?: number | undefined;
  /** Which errors count as failures (default: all). Others are rethrown but count as successful calls. */
  isFailure?: ((error: unknown) => boolean) | undefined;
  /**
   * Called instead of failing: on a counted failure, a timeout, or a rejection (open circuit, full bulkhead),
   * with the error that says why and the call's arguments; its result is the call's result.
   */
  fallback?: ((error: unknown, ...args: unknown[]) => TFallback | PromiseLike<TFallback>) | undefined;
  /** Bulkhead: at most this many calls at once (an integer ≥ 1); the rest reject with `BulkheadFullError`. */
  maxConcurrent?: number | undefined;
  /** The clock timers and durations come from; `systemClock` by default, a `Reactor` in tests. */
  clock?: Clock | undefined;
}

/** Validated options with defaults applied. @internal */
export interface ResolvedOptions {
  readonly name: string;
  readonly window:
    | { readonly type: 'count'; readonly size: number }
    | {
        readonly type: 'time';
        readonly durationMs: number;
        readonly buckets: number;
      };
  /** Infinity when the rate rule is off. */
  readonly failureRateThreshold: number;
  readonly minimumCalls: number;
  /** Infinity when off. */
  readonly consecutiveFailures: number;
  /** Infinity when off. */
  readonly slowCallDurationMs: number;
  readonly slowCallRateThreshold: number;
  readonly openDurationMs: number;
  readonly halfOpenMaxCalls: number;
  readonly halfOpenOverflow: HalfOpenOverflow;
  /** 0 when off. */
  readonly timeoutMs: number;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly fallback: ((error: unknown, ...args: unknown[]) => unknown) | undefined;
  /** Infinity when off. */
  readonly maxConcurrent: number;
  readonly clock: Clock;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name}: expected a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

function delay(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value <= TIMEOUT_MAX)) {
    throw new RangeError(`${name}: expected a number of ms in (0, ${TIMEOUT_MAX}], got ${describe(value)}`);
  }
  return value;
}

function count(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name}: expected an integer ≥ 1, got ${describe(value)}`);
  }
  return value;
}

function rate(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new RangeError(`${name}: expected a rate in (0, 1], got ${describe(value)}`);
  }
  return value;
}

function fn<T>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError(`${name}: expected a function, got ${describe(value)}`);
  return value as T;
}

function resolveWindow(value: unknown): ResolvedOptions['window'] {
  if (value === undefined) return { type: 'count', size: 100 };
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(
      `window: expected { type: 'count', size } or { type: 'time', durationMs, buckets }, got ${describe(value)}`,
    );
  }
  const window = value as Record<string, unknown>;
  if (window.type === 'count') return { type: 'count', size: count('window.size', window.size) };
  if (window.type === 'time') {
    const durationMs = positive('window.durationMs', window.durationMs);
    const buckets = window.buckets === undefined ? 10 : count('window.buckets', window.buckets);
    return { type: 'time', durationMs, buckets };
  }
  throw new TypeError(`window.type: expected 'count' or 'time', got ${describe(window.type)}`);
}

/** Validates the options (TypeError/RangeError naming the option) and fills in the defaults. @internal */
export function resolveOptions(options: CircuitBreakerOptions<unknown> | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options: expected an object, got ${describe(options)}`);
  }
  const o = options;
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '')) {
    throw new TypeError(`name: expected a non-empty string, got ${describe(o.name)}`);
  }
  const window = resolveWindow(o.window);
  const consecutiveFailures =
    o.consecutiveFailures === undefined ? Infinity : count('consecutiveFailures', o.consecutiveFailures);
  const failureRateThreshold =
    o.failureRateThreshold !== undefined
      ? rate('failureRateThreshold', o.failureRateThreshold)
      : o.consecutiveFailures === undefined
        ? 0.5
        : Infinity;
  let minimumCalls: number;
  if (o.minimumCalls === undefined) {
    minimumCalls = window.type === 'count' ? Math.min(10, window.size) : 10;
  } else {
    minimumCalls = count('minimumCalls', o.minimumCalls);
    if (window.type === 'count' && minimumCalls > window.size) {
      throw new RangeError(
        `minimumCalls: expected at most window.size (${window.size}), got ${minimumCalls}: the circuit could never trip`,
      );
    }
  }
  const slowCallDurationMs =
    o.slowCallDurationMs === undefined ? Infinity : positive('slowCallDurationMs', o.slowCallDurationMs);
  let slowCallRateThreshold = 1;
  if (o.slowCallRateThreshold !== undefined) {
    slowCallRateThreshold = rate('slowCallRateThreshold', o.slowCallRateThreshold);
    if (o.slowCallDurationMs === undefined) {
      throw new TypeError('slowCallRateThreshold: needs slowCallDurationMs, which says when a call is slow');
    }
  }
  const halfOpenOverflow = o.halfOpenOverflow ?? 'reject';
  if (halfOpenOverflow !== 'reject' && halfOpenOverflow !== 'wait') {
    throw new TypeError(`halfOpenOverflow: expected 'reject' or 'wait', got ${describe(halfOpenOverflow)}`);
  }
  let maxConcurrent = Infinity;
  if (o.maxConcurrent !== undefined && o.maxConcurrent !== Infinity) {
    maxConcurrent = count('maxConcurrent', o.maxConcurrent);
  }
  const clock = o.clock ?? systemClock;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function'
  ) {
    throw new TypeError(`clock: expected a Clock (now, setTimeout, clearTimeout), got ${describe(clock)}`);
  }
  return {
    name: o.name ?? 'breaker',
    window,
    failureRateThreshold,
    minimumCalls,
    consecutiveFailures,
    slowCallDurationMs,
    slowCallRateThreshold,
    openDurationMs: o.openDurationMs === undefined ? 30_000 : delay('openDurationMs', o.openDurationMs),
    halfOpenMaxCalls: o.halfOpenMaxCalls === undefined ? 1 : count('halfOpenMaxCalls', o.halfOpenMaxCalls),
    halfOpenOverflow,
    timeoutMs: o.timeoutMs === undefined ? 0 : delay('timeoutMs', o.timeoutMs),
    isFailure: fn('isFailure', o.isFailure),
    fallback: fn('fallback', o.fallback),
    maxConcurrent,
    clock,
  };
}
