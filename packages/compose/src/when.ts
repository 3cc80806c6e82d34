import { describeValue } from './describe';
import type { Middleware, Next } from './types';

/** Decides per context whether a conditional middleware runs; may answer asynchronously. */
export type Predicate<Ctx> = (ctx: Ctx) => boolean | PromiseLike<boolean>;

/**
 * Runs `middleware` only for contexts that satisfy `predicate`; for the others it just calls `next()`. A type-guard
 * predicate narrows the context the middleware sees. An asynchronous predicate is awaited; a throwing or rejecting
 * one rejects the layer.
 *
 * @example
 * ```ts
 * import { compose, when } from '@weft/compose';
 *
 * const api = when<{ path: string; body?: string }>(
 *   (ctx) => ctx.path.startsWith('/api/'),
 *   (ctx) => {
 *     ctx.body = 'api';
 *   },
 * );
 * await compose([api])({ path: '/api/users' });
 * ```
 */
export function when<Ctx, Narrowed extends Ctx>(
  predicate: (ctx: Ctx) => ctx is Narrowed,
  middleware: Middleware<Narrowed>,
): Middleware<Ctx>;
export function when<Ctx>(predicate: Predicate<Ctx>, middleware: Middleware<Ctx>): Middleware<Ctx>;
export function when<Ctx>(predicate: Predicate<Ctx>, middleware: Middleware<Ctx>): Middleware<Ctx> {
  assertFunction(predicate, 'predicate');
  assertFunction(middleware, 'middleware');
  return choose(predicate, middleware, callNext);
}

/**
 * Runs `ifTrue` for contexts that satisfy `predicate` and `ifFalse` for the others. A type-guard predicate narrows
 * the context `ifTrue` sees.
 *
 * @example
 * ```ts
 * import { branch } from '@weft/compose';
 *
 * const auth = branch<{ user?: string; status?: number }>(
 *   (ctx) => ctx.user !== undefined,
 *   (ctx, next) => next(),
 *   (ctx) => {
 *     ctx.status = 401;
 *   },
 * );
 * ```
 */
export function branch<Ctx, Narrowed extends Ctx>(
  predicate: (ctx: Ctx) => ctx is Narrowed,
  ifTrue: Middleware<Narrowed>,
  ifFalse: Middleware<Ctx>,
): Middleware<Ctx>;
export function branch<Ctx>(
  predicate: Predicate<Ctx>,
  ifTrue: Middleware<Ctx>,
  ifFalse: Middleware<Ctx>,
): Middleware<Ctx>;
export function branch<Ctx>(
  predicate: Predicate<Ctx>,
  ifTrue: Middleware<Ctx>,
  ifFalse: Middleware<Ctx>,
): Middleware<Ctx> {
  assertFunction(predicate, 'predicate');
  assertFunction(ifTrue, 'ifTrue');
  assertFunction(ifFalse, 'ifFalse');
  return choose(predicate, ifTrue, ifFalse);
}

function choose<Ctx>(predicate: Predicate<Ctx>, ifTrue: Middleware<Ctx>, ifFalse: Middleware<Ctx>): Middleware<Ctx> {
  return (ctx: Ctx, next: Next): unknown => {
    // Typed loosely: JavaScript callers may answer with any truthy or falsy value.
    const verdict: unknown = predicate(ctx);
    if (verdict === true) return ifTrue(ctx, next);
    if (verdict === false) return ifFalse(ctx, next);
    if (typeof (verdict as Partial<PromiseLike<boolean>> | null)?.then === 'function') {
      return Promise.resolve(verdict).then((ok: unknown) => (ok ? ifTrue(ctx, next) : ifFalse(ctx, next)));
    }
    return verdict ? ifTrue(ctx, next) : ifFalse(ctx, next);
  };
}

const callNext = <Ctx>(_ctx: Ctx, next: Next): Promise<void> => next();

function assertFunction(value: unknown, name: string): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${name}: expected a function, got ${describeValue(value)}`);
  }
}
