/** A short description of a value for error messages (no `node:util` needed). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Thrown by `emit('error', value)` when nothing listens for `'error'` and `value` is not an `Error`
 * (an `Error` is rethrown as it is, as Node does). `context` and `cause` hold the emitted value; `code` is
 * Node's own `'ERR_UNHANDLED_ERROR'`, so code written for `node:events` keeps working.
 */
export class UnhandledError extends Error {
  /** Stable code, the same as Node's. */
  readonly code = 'ERR_UNHANDLED_ERROR';
  /** The value that was emitted as `'error'`. */
  readonly context: unknown;
  constructor(context: unknown) {
    super(`Unhandled error. (${describe(context)})`, { cause: context });
    this.name = 'UnhandledError';
    this.context = context;
  }
}

/** True for an {@link UnhandledError}, or Node's own unhandled `'error'` event error (same `code`). */
export function isUnhandledError(error: unknown): error is Error & { code: 'ERR_UNHANDLED_ERROR'; context: unknown } {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_UNHANDLED_ERROR';
}

/**
 * The error an aborted `once()`/`on()` rejects with: `name` is `'AbortError'` (as Node's own and the
 * DOMException that fetch uses), `code` is `'ABORT_ERR'`, and `cause` is the signal's `reason`.
 */
export class AbortError extends Error {
  /** Stable code, the same as Node's. */
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** True for any error named `AbortError` (ours, Node's, `@weft/reactor`'s or a DOMException). */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** The warning emitted (once per event name) when an event has more listeners than the emitter's maximum. */
export interface MaxListenersExceededWarning extends Error {
  name: 'MaxListenersExceededWarning';
  /** The emitter with too many listeners. */
  emitter: object;
  /** The event name. */
  type: string | symbol;
  /** How many listeners it had when the warning was emitted. */
  count: number;
}

/**
 * The error an `on()` iterator fails with when more than `highWaterMark` events are buffered, the emitter
 * cannot `pause()`, and the overflow policy is `'error'` (the default).
 */
export class OverflowError extends Error {
  /** Stable code. */
  readonly code = 'ERR_WEFT_EMITTER_OVERFLOW';
  /** The event being iterated. */
  readonly eventName: string | symbol;
  /** The limit that was exceeded. */
  readonly highWaterMark: number;
  constructor(eventName: string | symbol, highWaterMark: number) {
    super(
      `on(${describe(eventName)}): more than ${highWaterMark} events buffered (highWaterMark) and the emitter cannot ` +
        `pause(); consume faster, raise highWaterMark, or set overflow to 'drop-oldest' or 'drop-newest'`,
    );
    this.name = 'OverflowError';
    this.eventName = eventName;
    this.highWaterMark = highWaterMark;
  }
}

/** True for an {@link OverflowError} (checked by `code`, so it also holds across copies of this package). */
export function isOverflowError(error: unknown): error is OverflowError {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_WEFT_EMITTER_OVERFLOW'
  );
}
