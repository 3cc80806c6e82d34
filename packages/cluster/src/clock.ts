/** A timer handle: Node's `Timeout` satisfies it, and so do the handles of `@weft/reactor`'s `Reactor`. */
export interface TimerHandle {
  unref?(): unknown;
}

/**
 * The source of time for the supervisor's decisions (restart delays, ready and shutdown deadlines, the crash-loop
 * window). It has the shape of `@weft/reactor`'s `Clock`, so a `Reactor` can be passed in tests.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Calls `fn(...args)` once after `ms` milliseconds. */
  setTimeout<A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): TimerHandle;
  /** Cancels a timeout; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle | undefined | null): void;
}

/** Real time: `performance.now()` and Node's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: <A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): TimerHandle =>
    setTimeout(fn, ms, ...args),
  clearTimeout: (handle: TimerHandle | undefined | null) => clearTimeout(handle as NodeJS.Timeout | undefined),
});

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
