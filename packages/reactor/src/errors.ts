/** The stable codes a {@link ReactorError} carries. */
export type ReactorErrorCode =
  | 'ERR_WEFT_REACTOR_LOOP_LIMIT'
  | 'ERR_WEFT_REACTOR_STALLED'
  | 'ERR_WEFT_REACTOR_REENTRANT'
  | 'ERR_WEFT_TIMER_WHEEL_CLOSED';

const brand = Symbol.for('weft.reactor.error');

/**
 * Thrown by a `Reactor` driver when the loop runs away (`run()` over its loop limit, typically an interval that
 * never stops), when it can make no progress (a ref'd poll source with nothing to wait for), or when it is driven
 * from inside one of its own callbacks; and by a closed `TimerWheel`. `code` tells which.
 */
export class ReactorError extends Error {
  /** Stable, machine-readable cause of the error. */
  readonly code: ReactorErrorCode;
  readonly [brand] = true;
  constructor(code: ReactorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReactorError';
    this.code = code;
  }
}

/** True for any {@link ReactorError}, also one from another copy of this package. */
export function isReactorError(error: unknown): error is ReactorError {
  return typeof error === 'object' && error !== null && (error as { [brand]?: unknown })[brand] === true;
}
