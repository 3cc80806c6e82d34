import { AbortError } from '@weft/emitter';
import { PrematureCloseError } from './errors';
import { type AnyStream, assertStream, isComplete } from './finished';
import type { ReadableSource } from './from';
import type { PipeDestination } from './read-side';
import { Readable } from './readable';
import { describe } from './size';
import { Transform } from './transform';
import { Writable } from './writable';

/** Options of {@link pipeline}. */
export interface PipelineOptions {
  /** Aborting destroys every stage with an `AbortError`, which the pipeline rejects with. */
  signal?: AbortSignal | undefined;
}

/** A pipeline's first stage: a readable, a transform, or an (async) iterable turned into one. */
export type PipelineSource<T> = Readable<T> | Transform<unknown, T> | ReadableSource<T>;
/** A pipeline's last stage. */
export type PipelineDestination<T> = Writable<T> | Transform<T, unknown>;

/**
 * Pipes `source` through each transform into `destination` with backpressure at every joint, and resolves once
 * the destination finished. The first error of any stage destroys every stage with it and is the rejection
 * reason; a stage destroyed early rejects with a `PrematureCloseError`; aborting `signal` destroys every stage
 * with an `AbortError`.
 *
 * @example
 * ```ts
 * import { Transform, Writable, pipeline } from '@weft/streams';
 *
 * const upper = new Transform<string, string>({ transform: (s, push) => void push(s.toUpperCase()) });
 * const out: string[] = [];
 * await pipeline(['a', 'b'], upper, new Writable<string>({ write: (s) => void out.push(s) }), {
 *   signal: AbortSignal.timeout(5_000),
 * });
 * ```
 */
export function pipeline<A>(
  source: PipelineSource<A>,
  destination: PipelineDestination<A>,
  options?: PipelineOptions,
): Promise<void>;
export function pipeline<A, B>(
  source: PipelineSource<A>,
  t1: Transform<A, B>,
  destination: PipelineDestination<B>,
  options?: PipelineOptions,
): Promise<void>;
export function pipeline<A, B, C>(
  source: PipelineSource<A>,
  t1: Transform<A, B>,
  t2: Transform<B, C>,
  destination: PipelineDestination<C>,
  options?: PipelineOptions,
): Promise<void>;
export function pipeline<A, B, C, D>(
  source: PipelineSource<A>,
  t1: Transform<A, B>,
  t2: Transform<B, C>,
  t3: Transform<C, D>,
  destination: PipelineDestination<D>,
  options?: PipelineOptions,
): Promise<void>;
export function pipeline<A, B, C, D, E>(
  source: PipelineSource<A>,
  t1: Transform<A, B>,
  t2: Transform<B, C>,
  t3: Transform<C, D>,
  t4: Transform<D, E>,
  destination: PipelineDestination<E>,
  options?: PipelineOptions,
): Promise<void>;
export function pipeline(...stages: (AnyStream | ReadableSource<unknown> | PipelineOptions)[]): Promise<void>;
export function pipeline(...args: unknown[]): Promise<void> {
  let options: PipelineOptions | undefined;
  const last = args[args.length - 1];
  if (args.length > 2 && isOptions(last)) {
    options = last;
    args.pop();
  }
  let stages: AnyStream[];
  try {
    stages = toStages(args);
  } catch (error) {
    return Promise.reject(error);
  }
  const signal = options?.signal;
  if (
    signal !== undefined &&
    (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function')
  ) {
    return Promise.reject(new TypeError(`options.signal: expected an AbortSignal, got ${describe(signal)}`));
  }
  const destination = stages[stages.length - 1] as Writable<unknown>;

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const onAbort = () => fail(new AbortError(undefined, { cause: signal?.reason }));
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const stage of stages) stage.destroy(error);
      reject(error);
    };
    // The 'error' listeners stay after the pipeline settled: a stage failing while it closes must not crash.
    const onError = (error: unknown) => fail(error);
    for (const stage of stages) {
      const target = stage as Transform<unknown, unknown>;
      target.on('error', onError);
      target.on('close', () => {
        if (!settled && !isComplete(stage)) fail(stage.errored ?? new PrematureCloseError());
      });
    }
    destination.on('finish', () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    if (signal !== undefined) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    for (let i = 0; i + 1 < stages.length; i++) {
      const from = stages[i] as Readable<unknown>;
      if (from.errored !== null || from.closed) continue; // the listeners above report it
      from.pipe(stages[i + 1] as PipeDestination<unknown>);
    }
    for (const stage of stages) {
      if (stage.errored !== null) return fail(stage.errored);
      if (stage.destroyed && !isComplete(stage)) return fail(new PrematureCloseError());
    }
  });
}

function isOptions(value: unknown): value is PipelineOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Readable || value instanceof Writable || value instanceof Transform) &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== 'function' &&
    typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function'
  );
}

function toStages(args: unknown[]): AnyStream[] {
  if (args.length < 2) {
    throw new TypeError(`pipeline: expected a source and a destination (at least 2 stages), got ${args.length}`);
  }
  const stages: AnyStream[] = [];
  for (let i = 0; i < args.length; i++) {
    let stage = args[i];
    const name = i === 0 ? 'source' : i === args.length - 1 ? 'destination' : `transforms[${i - 1}]`;
    if (i === 0 && !(stage instanceof Readable || stage instanceof Transform)) {
      if (stage instanceof Writable) throw new TypeError('source: expected a readable, got a Writable');
      stage = Readable.from(stage as ReadableSource<unknown>);
    }
    assertStream(stage, name);
    if (i > 0 && i < args.length - 1 && !(stage instanceof Transform)) {
      throw new TypeError(`${name}: expected a Transform, got ${describe(stage)}`);
    }
    if (i === args.length - 1 && stage instanceof Readable) {
      throw new TypeError('destination: expected a Writable or Transform, got a Readable');
    }
    stages.push(stage);
  }
  return stages;
}
