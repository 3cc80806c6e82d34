import { MultipleNextError } from './errors';
import type { Next } from './types';

/** A middleware as the dispatcher sees it: the context type was checked at `compose`. */
export type Layer = (ctx: unknown, next: Next) => unknown;

/** Shared by every `next()` that has nothing left to run: resolving it again allocates nothing. */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The state of one run of a composed chain, and its dispatcher. Each `next` is `dispatch` bound to the frame and a
 * layer index: V8 creates and calls bound functions faster than closures, and the frame keeps per-run state off the
 * compose-time closure, so concurrent runs share nothing mutable. `dispatch` is a method because tools that keep
 * function names (esbuild's `keepNames`, tsx) redefine `name` on plain functions, which sends every `bind` of them
 * down V8's slow path (about 60 times slower); they leave methods alone.
 */
export class Frame {
  // Plain assignments in one constructor (no class-field initialisers): every frame gets the same hidden class.
  /** The deepest layer entered so far; `next()` of a layer at or above it was already called. */
  declare index: number;
  declare readonly layers: readonly Layer[];
  declare readonly ctx: unknown;
  declare readonly last: Next | undefined;
  declare readonly signal: AbortSignal | undefined;
  constructor(layers: readonly Layer[], ctx: unknown, last: Next | undefined, signal: AbortSignal | undefined) {
    this.index = -1;
    this.layers = layers;
    this.ctx = ctx;
    this.last = last;
    this.signal = signal;
  }

  /**
   * Runs layer `i` (the final `next` when `i` is the number of layers) and returns a promise of its result, with
   * koa-compose's semantics. A layer that returns a plain value costs no promise when the value is `undefined` or
   * already the shared resolved promise, and one `Promise.resolve` otherwise.
   */
  dispatch(i: number): Promise<unknown> {
    if (i <= this.index) return Promise.reject(new MultipleNextError());
    this.index = i;
    const signal = this.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const layers = this.layers;
    const fn = i < layers.length ? layers[i] : i === layers.length ? (this.last as Layer | undefined) : undefined;
    if (!fn) return RESOLVED;
    let result: unknown;
    try {
      result = fn(this.ctx, this.dispatch.bind(this, i + 1) as Next);
    } catch (error) {
      return Promise.reject(error);
    }
    return toPromise(result);
  }
}

/** `Promise.resolve(value)` without the call for the two results a chain of sync middleware produces. */
export function toPromise(value: unknown): Promise<unknown> {
  if (value === RESOLVED || value === undefined) return RESOLVED;
  if (value instanceof Promise) return value;
  return Promise.resolve(value);
}
