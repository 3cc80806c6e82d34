import { describe } from '@weft/reactor';
import { type ClientIpOptions, clientIp, ipKey, type RequestLike, type TrustProxy } from './client-ip';
import { type RateLimitHeadersOptions, rateLimitHeaders } from './headers';
import type { RateLimiter } from './rate-limiter';
import type { RateLimitResult } from './result';

/**
 * The context fields {@link rateLimit} uses by default (weft's server context and Koa's both fit): `ip` or
 * `req` for the key, `set()` or `res.setHeader()` for headers, `status` and `body` for the 429 answer.
 */
export interface RateLimitContext {
  ip?: string | undefined;
  req?: RequestLike | undefined;
  res?: { setHeader(name: string, value: string): unknown } | undefined;
  set?: ((name: string, value: string) => unknown) | undefined;
  status?: number | undefined;
  body?: unknown;
  state?: Record<string, unknown> | undefined;
}

/** Options of {@link rateLimit}. */
export interface RateLimitMiddlewareOptions<Ctx> {
  /** The key to count under; by default the client address (`ctx.ip`, else `clientIp(ctx.req)`), IPv6 as its /64. */
  key?: ((ctx: Ctx) => string | Promise<string>) | undefined;
  /** What a request costs; 1 by default. */
  cost?: number | ((ctx: Ctx) => number) | undefined;
  /** Requests to let through uncounted (health checks, say). */
  skip?: ((ctx: Ctx) => boolean) | undefined;
  /** Headers to send; `false` for none. Default: draft-8 headers. */
  headers?: false | RateLimitHeadersOptions | undefined;
  /** Which proxies to believe for the default key (when `ctx.ip` is not set). */
  trustProxy?: TrustProxy | undefined;
  /** Answers a denied request; by default status 429 and the body `'Too Many Requests'`. */
  onLimited?: ((ctx: Ctx, result: RateLimitResult) => unknown) | undefined;
}

/** A middleware as `@weft/compose` and Koa run them. */
export type RateLimitMiddleware<Ctx> = (ctx: Ctx, next: () => Promise<void>) => Promise<void>;

function defaultKey(ctx: RateLimitContext, options: ClientIpOptions): string {
  const address = ctx.ip ?? (ctx.req ? clientIp(ctx.req, options) : undefined);
  if (address === undefined) {
    throw new TypeError('key: the context has neither ip nor req.socket.remoteAddress; pass a key function');
  }
  return ipKey(address);
}

function checkCommon(limiter: unknown, options: object): void {
  if (typeof (limiter as RateLimiter | null)?.consume !== 'function') {
    throw new TypeError(`limiter: expected a RateLimiter, got ${describe(limiter)}`);
  }
  for (const name of ['key', 'skip', 'onLimited'] as const) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`${name}: expected a function, got ${describe(value)}`);
    }
  }
  const cost = (options as { cost?: unknown }).cost;
  if (cost !== undefined && typeof cost !== 'function' && typeof cost !== 'number') {
    throw new TypeError(`cost: expected a number or a function, got ${describe(cost)}`);
  }
  const headers = (options as { headers?: unknown }).headers;
  if (headers !== undefined && headers !== false) {
    // Validates standard and policyName up front, not on the first request.
    rateLimitHeaders(
      { allowed: true, limited: false, limit: 1, windowMs: 1, remaining: 1, resetMs: 0, retryAfterMs: 0 },
      headers as RateLimitHeadersOptions,
    );
  }
}

/**
 * Rate-limiting middleware for `@weft/compose` (and Koa): counts each request, sets the RateLimit headers, and
 * answers 429 with `Retry-After` instead of calling `next()` when the limit is exceeded.
 *
 * @example
 * ```ts
 * import { compose } from '@weft/compose';
 * const limiter = new RateLimiter({ algorithm: 'sliding-window', limit: 100, windowMs: 60_000 });
 * const app = compose([rateLimit(limiter), handler]);
 * ```
 */
export function rateLimit<Ctx extends RateLimitContext = RateLimitContext>(
  limiter: RateLimiter,
  options: RateLimitMiddlewareOptions<Ctx> = {},
): RateLimitMiddleware<Ctx> {
  checkCommon(limiter, options);
  const { key, cost, skip, headers = {}, onLimited } = options;
  const ipOptions = { trustProxy: options.trustProxy };
  return async (ctx, next) => {
    if (skip?.(ctx)) return next();
    const k = key ? await key(ctx) : defaultKey(ctx, ipOptions);
    const result = await limiter.consume(k, typeof cost === 'function' ? cost(ctx) : (cost ?? 1));
    if (ctx.state !== undefined) ctx.state.rateLimit = result;
    if (headers !== false) {
      const values = rateLimitHeaders(result, headers);
      for (const name in values) {
        if (typeof ctx.set === 'function') ctx.set(name, values[name]!);
        else ctx.res?.setHeader(name, values[name]!);
      }
    }
    if (result.allowed) return next();
    if (onLimited) {
      await onLimited(ctx, result);
      return;
    }
    ctx.status = 429;
    ctx.body = 'Too Many Requests';
  };
}

/** The part of an Express request {@link expressRateLimit} reads. */
export interface ExpressRequestLike extends RequestLike {
  ip?: string | undefined;
}

/** The part of an Express response {@link expressRateLimit} uses. */
export interface ExpressResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
  headersSent?: boolean | undefined;
}

/** Options of {@link expressRateLimit}. */
export interface ExpressRateLimitOptions<Req, Res> {
  /** The key to count under; by default the client address (`req.ip`, which honours Express's `trust proxy`). */
  key?: ((req: Req) => string | Promise<string>) | undefined;
  /** What a request costs; 1 by default. */
  cost?: number | ((req: Req) => number) | undefined;
  /** Requests to let through uncounted. */
  skip?: ((req: Req) => boolean) | undefined;
  /** Headers to send; `false` for none. Default: draft-8 headers. */
  headers?: false | RateLimitHeadersOptions | undefined;
  /** Which proxies to believe when `req.ip` is not set (plain `node:http`). */
  trustProxy?: TrustProxy | undefined;
  /** Answers a denied request; by default status 429 and the text `'Too Many Requests'`. */
  onLimited?: ((req: Req, res: Res, result: RateLimitResult) => unknown) | undefined;
}

/**
 * Rate-limiting middleware for Express (`(req, res, next)`), also usable with plain `node:http` handlers.
 * Errors (a failing key function, say) go to `next(error)`; store failures follow the limiter's `onStoreError`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * const app = express();
 * app.use(expressRateLimit(new RateLimiter({ limit: 100, windowMs: 60_000 }), { headers: { standard: 'draft-7' } }));
 * ```
 */
export function expressRateLimit<
  Req extends ExpressRequestLike = ExpressRequestLike,
  Res extends ExpressResponseLike = ExpressResponseLike,
>(
  limiter: RateLimiter,
  options: ExpressRateLimitOptions<Req, Res> = {},
): (req: Req, res: Res, next: (error?: unknown) => void) => void {
  checkCommon(limiter, options);
  const { key, cost, skip, headers = {}, onLimited } = options;
  const ipOptions = { trustProxy: options.trustProxy };
  const handle = async (req: Req, res: Res, next: (error?: unknown) => void) => {
    if (skip?.(req)) return next();
    const k = key ? await key(req) : defaultKey({ ip: req.ip, req }, ipOptions);
    const result = await limiter.consume(k, typeof cost === 'function' ? cost(req) : (cost ?? 1));
    if (headers !== false && !res.headersSent) {
      const values = rateLimitHeaders(result, headers);
      for (const name in values) res.setHeader(name, values[name]!);
    }
    if (result.allowed) return next();
    if (onLimited) return void (await onLimited(req, res, result));
    res.statusCode = 429;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('Too Many Requests');
  };
  return (req, res, next) => {
    handle(req, res, next).catch(next);
  };
}
