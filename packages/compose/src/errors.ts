/** The stable codes the errors of `@weft/compose` carry. */
export type ComposeErrorCode = 'ERR_WEFT_NEXT_CALLED_TWICE' | 'ERR_WEFT_UNAWAITED_NEXT' | 'ERR_WEFT_TIMEOUT';

const brand = Symbol.for('weft.compose.error');

function hasCode(error: unknown, code: ComposeErrorCode): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [brand]?: unknown })[brand] === true &&
    (error as { code?: unknown }).code === code
  );
}

/**
 * What `next()` rejects with when a middleware calls it a second time. The message is koa-compose's,
 * word for word, so code and tests written against Koa keep matching it.
 */
export class MultipleNextError extends Error {
  /** Stable, machine-readable code. */
  readonly code = 'ERR_WEFT_NEXT_CALLED_TWICE';
  readonly [brand] = true;
  constructor() {
    super('next() called multiple times');
    this.name = 'MultipleNextError';
  }
}

/** True for a {@link MultipleNextError}, also one from another copy of this package. */
export function isMultipleNextError(error: unknown): error is MultipleNextError {
  return hasCode(error, 'ERR_WEFT_NEXT_CALLED_TWICE');
}

/**
 * Reported by strict mode (`compose(mw, { strict: true })`) when a middleware settled while the downstream chain it
 * started with `next()` was still running (the missing `await next()` bug), or called `next()` after it had
 * settled. `index` is the layer's position in the flattened chain and `layerName` its function's name. When the
 * layer itself failed, `cause` is its error.
 */
export class UnawaitedNextError extends Error {
  /** Stable, machine-readable code. */
  readonly code = 'ERR_WEFT_UNAWAITED_NEXT';
  readonly [brand] = true;
  /** Position of the offending middleware in the (flattened) array given to `compose`. */
  readonly index: number;
  /** The offending middleware's function name, or `'<anonymous>'`. */
  readonly layerName: string;
  constructor(index: number, layerName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnawaitedNextError';
    this.index = index;
    this.layerName = layerName;
  }
}

/** True for an {@link UnawaitedNextError}, also one from another copy of this package. */
export function isUnawaitedNextError(error: unknown): error is UnawaitedNextError {
  return hasCode(error, 'ERR_WEFT_UNAWAITED_NEXT');
}

/** What a middleware wrapped in `timeout(ms, mw)` rejects with when it has not settled within `ms` milliseconds. */
export class TimeoutError extends Error {
  /** Stable, machine-readable code. */
  readonly code = 'ERR_WEFT_TIMEOUT';
  readonly [brand] = true;
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number, layerName: string) {
    super(`middleware ${layerName} did not settle within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** True for a {@link TimeoutError} of this package, also one from another copy of it. */
export function isTimeoutError(error: unknown): error is TimeoutError {
  return hasCode(error, 'ERR_WEFT_TIMEOUT');
}
