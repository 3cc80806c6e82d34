import { AbortError } from '@weft/emitter';
import { PrematureCloseError } from './errors';
import { Readable } from './readable';
import { describe } from './size';
import { Transform } from './transform';
import { Writable } from './writable';

/**
 * Any weft stream, whatever its chunk types: a readable of anything, a writable (or transform) that accepts at
 * least nothing. Every `Readable<T>`, `Writable<T>` and `Transform<I, O>` is assignable to it, and nothing can be
 * written through it without narrowing first.
 */
export type AnyStream = Readable<unknown> | Writable<never> | Transform<never, unknown>;

/** Options of {@link finished}. */
export interface FinishedOptions {
  /** Stops waiting (rejects with an `AbortError`) when aborted; the stream itself is left alone. */
  signal?: AbortSignal | undefined;
}

/** True once the stream completed normally: `'end'` (readable), `'finish'` (writable), both for a transform. */
export function isComplete(stream: AnyStream): boolean {
  if (stream instanceof Transform) return stream.readableEnded && stream.writableFinished;
  if (stream instanceof Readable) return stream.readableEnded;
  return stream.writableFinished;
}

/** Throws a `TypeError` unless `value` is a weft stream. */
export function assertStream(value: unknown, name: string): asserts value is AnyStream {
  if (!(value instanceof Readable || value instanceof Writable || value instanceof Transform)) {
    throw new TypeError(`${name}: expected a weft Readable, Writable or Transform, got ${describe(value)}`);
  }
}

/**
 * Resolves once `stream` completed (`'end'` for a readable, `'finish'` for a writable, both for a transform);
 * rejects with its error, or with a `PrematureCloseError` when it was destroyed before completing.
 *
 * @example
 * ```ts
 * import { Writable, finished } from '@weft/streams';
 * const sink = new Writable<string>({ write() {} });
 * sink.end('last');
 * await finished(sink);
 * ```
 */
export function finished(stream: AnyStream, options?: FinishedOptions): Promise<void> {
  assertStream(stream, 'stream');
  const signal = options?.signal;
  if (
    signal !== undefined &&
    (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function')
  ) {
    return Promise.reject(new TypeError(`signal: expected an AbortSignal, got ${describe(signal)}`));
  }
  // An error not yet emitted is waited for, so that this listener (not an unhandled 'error') receives it.
  if (stream.closed) {
    if (stream.errored !== null) return Promise.reject(stream.errored);
    return isComplete(stream) ? Promise.resolve() : Promise.reject(new PrematureCloseError());
  }
  if (stream.errored === null && isComplete(stream)) return Promise.resolve();
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  const target = stream as Transform<unknown, unknown>;
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      target.off('end', onProgress);
      target.off('finish', onProgress);
      target.off('error', onError);
      target.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onProgress = () => {
      if (!isComplete(stream)) return;
      cleanup();
      resolve();
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      if (isComplete(stream)) resolve();
      else reject(stream.errored ?? new PrematureCloseError());
    };
    const onAbort = () => {
      cleanup();
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    target.on('end', onProgress);
    target.on('finish', onProgress);
    target.on('error', onError);
    target.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
