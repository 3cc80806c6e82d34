import { describeValue } from './describe';
import { Frame, type Layer } from './dispatch';
import type { UnawaitedNextError } from './errors';
import { StrictFrame } from './strict';
import type { ComposedMiddleware, Middleware, MiddlewareStack, Next } from './types';

/** Options of {@link compose}. */
export interface ComposeOptions<Ctx> {
  /**
   * Cancels runs of the chain: once the signal is aborted, `next()` enters no further layer (nor the final `next`)
   * and rejects with `signal.reason`; a run that starts aborted rejects before its first layer. Either one signal
   * for every run (shutdown), or a function that picks each run's signal from its context, read once per run
   * (`(ctx) => ctx.signal` for a request whose client went away; combine several with `AbortSignal.any`).
   */
  signal?: AbortSignal | ((ctx: Ctx) => AbortSignal | undefined) | undefined;
  /**
   * Finds the missing-`await next()` bug: a middleware that settles while the downstream chain its `next()` started
   * is still running, or that calls `next()` after it has settled. `true` rejects the run with an
   * `UnawaitedNextError` naming the layer; a function receives the error instead and the run goes on unchanged
   * (for logging in production). Off by default, and then it costs nothing.
   */
  strict?: boolean | ((error: UnawaitedNextError) => void) | undefined;
}

/**
 * Composes middleware into one function that runs them as an onion, with koa-compose's semantics: each layer runs
 * until it calls `next()`, which runs the layers after it; the code after `await next()` runs in reverse order; the
 * returned promise settles once the whole onion has unwound, with the first layer's return value; an error thrown
 * or rejected anywhere propagates outward, where an outer layer can catch it; calling `next()` twice rejects with
 * `Error('next() called multiple times')`; the optional final `next` runs after the last layer. The array (nested
 * arrays are flattened) is read once, here: later changes to it have no effect.
 *
 * @throws TypeError when `middleware` is not an array, or one of its elements not a function (naming its index).
 *
 * @example
 * ```ts
 * import { compose } from '@weft/compose';
 *
 * const seen: string[] = [];
 * const run = compose<{ path: string }>([
 *   async (ctx, next) => {
 *     seen.push('log in');
 *     await next();
 *     seen.push('log out');
 *   },
 *   (ctx) => {
 *     seen.push(`handle ${ctx.path}`);
 *   },
 * ]);
 * await run({ path: '/' }); // seen: ['log in', 'handle /', 'log out']
 * ```
 */
export function compose<Ctx>(middleware: MiddlewareStack<Ctx>, options?: ComposeOptions<Ctx>): ComposedMiddleware<Ctx> {
  if (!Array.isArray(middleware)) {
    throw new TypeError(`middleware: expected an array of functions, got ${describeValue(middleware)}`);
  }
  const flat: Middleware<Ctx>[] = [];
  flatten(middleware, 'middleware', flat);
  const layers = flat as Layer[];
  const { signal, strict } = readOptions(options);
  const signalOf = typeof signal === 'function' ? signal : undefined;
  const sharedSignal = typeof signal === 'function' ? undefined : signal;

  if (strict !== false) {
    const reporter = strict === true ? undefined : strict;
    return function composed(ctx: Ctx, next?: Next): Promise<void> {
      let runSignal = sharedSignal;
      if (signalOf !== undefined) {
        try {
          runSignal = signalOf(ctx);
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return new StrictFrame(layers, ctx, next, runSignal, reporter).dispatch(0) as Promise<void>;
    };
  }
  if (signalOf !== undefined) {
    return function composed(ctx: Ctx, next?: Next): Promise<void> {
      let runSignal: AbortSignal | undefined;
      try {
        runSignal = signalOf(ctx);
      } catch (error) {
        // A run never throws synchronously, whatever fails.
        return Promise.reject(error);
      }
      return new Frame(layers, ctx, next, runSignal).dispatch(0) as Promise<void>;
    };
  }
  return function composed(ctx: Ctx, next?: Next): Promise<void> {
    return new Frame(layers, ctx, next, sharedSignal).dispatch(0) as Promise<void>;
  };
}

function flatten<Ctx>(stack: MiddlewareStack<Ctx>, path: string, into: Middleware<Ctx>[]): void {
  for (let i = 0; i < stack.length; i++) {
    // koa-compose flattens with Array#reduce, which skips holes; so do we.
    if (!(i in stack)) continue;
    const element: unknown = stack[i];
    if (Array.isArray(element)) {
      flatten(element as MiddlewareStack<Ctx>, `${path}[${i}]`, into);
    } else if (typeof element === 'function') {
      into.push(element as Middleware<Ctx>);
    } else {
      throw new TypeError(`${path}[${i}]: expected a middleware function, got ${describeValue(element)}`);
    }
  }
}

interface ReadOptions<Ctx> {
  signal: ComposeOptions<Ctx>['signal'];
  strict: boolean | ((error: UnawaitedNextError) => void);
}

function readOptions<Ctx>(options: ComposeOptions<Ctx> | undefined): ReadOptions<Ctx> {
  if (options === undefined) return { signal: undefined, strict: false };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options: expected an object, got ${describeValue(options)}`);
  }
  const { signal, strict = false } = options;
  if (signal !== undefined && typeof signal !== 'function' && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `options.signal: expected an AbortSignal or a function returning one, got ${describeValue(signal)}`,
    );
  }
  if (typeof strict !== 'boolean' && typeof strict !== 'function') {
    throw new TypeError(`options.strict: expected a boolean or a function, got ${describeValue(strict)}`);
  }
  return { signal, strict };
}
