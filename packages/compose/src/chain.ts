import { type ComposeOptions, compose } from './compose';
import type { ComposedMiddleware, Middleware } from './types';

/**
 * An immutable, typed middleware list. `In` is the context a run starts with; `Out` is what the middleware added so
 * far guarantee, which is the context the next `use`d middleware sees.
 */
export interface Chain<In, Out = In> {
  /** Appends a middleware that needs only what the chain already provides; returns a new chain. */
  use(middleware: Middleware<Out>): Chain<In, Out>;
  /**
   * Appends a middleware that adds the fields `Added` to the context (it sees them typed already, and must set
   * them before calling `next()`); every middleware used after it sees them too. Returns a new chain.
   */
  use<Added extends object>(middleware: Middleware<Out & NoInfer<Added>>): Chain<In, Out & Added>;
  /** Composes the middleware used so far; see {@link compose}. */
  compose(options?: ComposeOptions<In>): ComposedMiddleware<In>;
  /** The middleware used so far, in order. */
  readonly middleware: readonly Middleware<never>[];
}

class MiddlewareChain<In, Out> implements Chain<In, Out> {
  constructor(readonly middleware: readonly Middleware<never>[]) {}

  use<Added extends object>(middleware: Middleware<Out & Added>): Chain<In, Out & Added> {
    // Validate now, so the error points at this call rather than at compose().
    compose([middleware]);
    return new MiddlewareChain<In, Out & Added>([...this.middleware, middleware as Middleware<never>]);
  }

  compose(options?: ComposeOptions<In>): ComposedMiddleware<In> {
    // Sound: each layer was typed against what the layers before it add to an `In`.
    return compose(this.middleware as readonly Middleware<In>[], options);
  }
}

/**
 * Starts a typed middleware chain whose context types accumulate: a middleware declared with `use<Added>()` adds
 * fields that every later middleware sees, typed.
 *
 * @example
 * ```ts
 * import { chain } from '@weft/compose';
 *
 * interface User {
 *   id: string;
 * }
 *
 * const run = chain<{ headers: Record<string, string>; body?: string }>()
 *   .use<{ user: User }>(async (ctx, next) => {
 *     ctx.user = { id: ctx.headers.authorization ?? 'anonymous' };
 *     await next();
 *   })
 *   .use((ctx) => {
 *     ctx.body = `hello ${ctx.user.id}`; // ctx.user is typed here
 *   })
 *   .compose();
 *
 * await run({ headers: { authorization: 'ada' } });
 * ```
 */
export function chain<Ctx>(): Chain<Ctx> {
  return new MiddlewareChain<Ctx, Ctx>([]);
}
