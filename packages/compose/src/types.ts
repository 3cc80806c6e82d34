/**
 * Calls the rest of the chain (the next middleware, or the final `next` given to the composed function) and
 * resolves once it has unwound. At run time it resolves with whatever the downstream middleware returned, as in
 * koa-compose; the type says `void` so that middleware typed for Koa fits unchanged.
 */
export type Next = () => Promise<void>;

/**
 * One layer of the onion: does its work, calls `next()` to run the layers inside it (or does not, to
 * short-circuit), and runs the code after `await next()` on the way out. It may return a promise or a plain value.
 *
 * @example
 * ```ts
 * import type { Middleware } from '@weft/compose';
 * const timing: Middleware<{ ms?: number }> = async (ctx, next) => {
 *   const started = performance.now();
 *   await next();
 *   ctx.ms = performance.now() - started;
 * };
 * ```
 */
export type Middleware<Ctx> = (ctx: Ctx, next: Next) => unknown | Promise<unknown>;

/**
 * What `compose` returns: runs the chain for one context and settles after the whole onion has unwound. It is
 * itself a {@link Middleware}, so chains nest.
 */
export type ComposedMiddleware<Ctx> = (ctx: Ctx, next?: Next) => Promise<void>;

/**
 * An array of middleware as `compose` takes it: nested arrays are flattened at compose time, as koa-compose does.
 */
export type MiddlewareStack<Ctx> = ReadonlyArray<Middleware<Ctx> | MiddlewareStack<Ctx>>;
