const brand = Symbol.for('weft.streams.error');

/** The stable codes of {@link StreamError}. */
export type StreamErrorCode =
  | 'ERR_WEFT_STREAM_WRITE_AFTER_END'
  | 'ERR_WEFT_STREAM_PUSH_AFTER_END'
  | 'ERR_WEFT_STREAM_DESTROYED'
  | 'ERR_WEFT_STREAM_PREMATURE_CLOSE';

/** The base class of the errors `@weft/streams` raises itself; tell them apart by `code`. */
export class StreamError extends Error {
  /** Stable machine-readable code. */
  readonly code: StreamErrorCode;
  readonly [brand] = true;
  constructor(code: StreamErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamError';
    this.code = code;
  }
}

/** `write()` or `end(chunk)` after `end()`: the chunk is not dropped silently, the stream fails with this. */
export class WriteAfterEndError extends StreamError {
  constructor() {
    super(
      'ERR_WEFT_STREAM_WRITE_AFTER_END',
      'write after end: the stream was already ended, the chunk was not written',
    );
    this.name = 'WriteAfterEndError';
  }
}

/** `push(chunk)` after `push(null)` ended the readable side. */
export class PushAfterEndError extends StreamError {
  constructor() {
    super('ERR_WEFT_STREAM_PUSH_AFTER_END', 'push after end: push(chunk) was called after push(null) ended the stream');
    this.name = 'PushAfterEndError';
  }
}

/** A write on a destroyed stream: its callback/promise gets this (the stream emits no second `'error'`). */
export class StreamDestroyedError extends StreamError {
  constructor(operation: string) {
    super('ERR_WEFT_STREAM_DESTROYED', `cannot ${operation}: the stream was destroyed`);
    this.name = 'StreamDestroyedError';
  }
}

/** A stream closed (was destroyed without an error) before it ended or finished. */
export class PrematureCloseError extends StreamError {
  constructor() {
    super('ERR_WEFT_STREAM_PREMATURE_CLOSE', 'premature close: the stream was destroyed before it ended or finished');
    this.name = 'PrematureCloseError';
  }
}

/** True for any error raised by `@weft/streams` itself ({@link StreamError} and its subclasses). */
export function isStreamError(error: unknown): error is StreamError {
  return typeof error === 'object' && error !== null && (error as { [brand]?: unknown })[brand] === true;
}
