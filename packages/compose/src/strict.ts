import { layerNameOf } from './describe';
import { type Layer, RESOLVED, toPromise } from './dispatch';
import { MultipleNextError, UnawaitedNextError } from './errors';
import type { Next } from './types';

/** Where strict mode sends what it finds: `undefined` rejects the chain with it, a function only reports it. */
export type ViolationReporter = ((error: UnawaitedNextError) => void) | undefined;

/**
 * The state of one strict run: on top of what `Frame` holds, which layers have settled and which have called
 * `next()`. Kept apart from `Frame` so that the default mode pays nothing for it.
 */
export class StrictFrame {
  index = -1;
  readonly settled: boolean[] = [];
  readonly calledNext: boolean[] = [];
  constructor(
    readonly layers: readonly Layer[],
    readonly ctx: unknown,
    readonly last: Next | undefined,
    readonly signal: AbortSignal | undefined,
    readonly report: ViolationReporter,
  ) {}

  layerName(i: number): string {
    return layerNameOf(i < this.layers.length ? this.layers[i] : this.last);
  }

  /** `Frame#dispatch` with the bookkeeping that finds layers settling before their downstream did. */
  dispatch(i: number): Promise<unknown> {
    if (i <= this.index) return Promise.reject(new MultipleNextError());
    this.index = i;
    const signal = this.signal;
    if (signal?.aborted) {
      this.settled[i] = true;
      return Promise.reject(signal.reason);
    }
    const layers = this.layers;
    const fn = i < layers.length ? layers[i] : i === layers.length ? (this.last as Layer | undefined) : undefined;
    if (!fn) {
      this.settled[i] = true;
      return RESOLVED;
    }
    let result: unknown;
    try {
      result = fn(this.ctx, this.next.bind(this, i) as Next);
    } catch (error) {
      return Promise.reject(settle(this, i, error, true) ?? error);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => {
          const violation = settle(this, i, value, false);
          if (violation !== undefined) throw violation;
          return value;
        },
        (error: unknown) => {
          throw settle(this, i, error, true) ?? error;
        },
      );
    }
    const violation = settle(this, i, result, false);
    return violation === undefined ? toPromise(result) : Promise.reject(violation);
  }

  /** The `next` handed to layer `i`. */
  next(i: number): Promise<unknown> {
    if (this.settled[i] === true) {
      const name = this.layerName(i);
      const violation = new UnawaitedNextError(
        i,
        name,
        `middleware #${i} (${name}) called next() after it had settled: the rest of the chain would run after the ` +
          'response; await or return next() instead of calling it later',
      );
      const reported = report(this, violation);
      if (reported !== undefined) return Promise.reject(reported);
    }
    this.calledNext[i] = true;
    return this.dispatch(i + 1);
  }
}

/**
 * Marks layer `i` settled and returns the error to settle it with instead, if it settled while the downstream it
 * started was still running (or if the reporter threw).
 */
function settle(frame: StrictFrame, i: number, outcome: unknown, failed: boolean): unknown {
  frame.settled[i] = true;
  if (frame.calledNext[i] !== true || frame.settled[i + 1] === true) return undefined;
  const name = frame.layerName(i);
  const violation = new UnawaitedNextError(
    i,
    name,
    `middleware #${i} (${name}) settled before the downstream chain its next() started had finished; ` +
      'await or return next()',
    failed ? { cause: outcome } : undefined,
  );
  return report(frame, violation);
}

/** Hands a violation to the reporter; returns what the chain should reject with (none when only reported). */
function report(frame: StrictFrame, violation: UnawaitedNextError): unknown {
  if (frame.report === undefined) return violation;
  try {
    frame.report(violation);
  } catch (error) {
    return error;
  }
  return undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
