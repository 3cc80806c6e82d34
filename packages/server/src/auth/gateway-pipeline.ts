import { compose, type Next } from '@weft/compose';
import { type AuthenticateOptions, type Authenticator, authenticate } from './authenticate';
import { type TierRateLimitContext, type TierRateLimitOptions, tierRateLimit } from './tier-rate-limit';

/** Options of {@link gatewayPipeline}. */
export interface GatewayPipelineOptions {
  /** An authenticator, or the options to make one. */
  authenticate: Authenticator | AuthenticateOptions;
  /** Per-principal limits by tier; none when omitted. */
  tiers?: TierRateLimitOptions | undefined;
}

/** The middleware {@link gatewayPipeline} returns, with the authenticator inside it (for its `stats`). */
export interface GatewayPipeline {
  (ctx: TierRateLimitContext, next: Next): Promise<void>;
  readonly authenticator: Authenticator;
}

/**
 * The gateway's caller-facing layers in their required order, as one middleware: authenticate, then the per-principal
 * (tier) rate limit. With the server's own protection the whole order for every request is
 *
 * 1. load shedding (the server's `loadShedding`: 503 before any work),
 * 2. per-IP rate limit (the server's `rateLimit`: 429 before any credential is looked at),
 * 3. authenticate (401/403),
 * 4. per-principal rate limit by tier (429),
 * 5. the route.
 *
 * Steps 1–2 run before any `app.use` middleware, so an unauthenticated flood costs no key lookup or signature check.
 *
 * @example
 * ```ts
 * const app = createServer({ rateLimit: { limit: 50, windowMs: 1_000 } }); // steps 1–2
 * app.use(
 *   gatewayPipeline({
 *     authenticate: { jwt: { jwksUrl, issuer, audience }, events: app.events },
 *     tiers: { tiers: { free: { limit: 10, windowMs: 1_000 }, pro: { limit: 100, windowMs: 1_000 } } },
 *   }),
 * ); // steps 3–4
 * app.get('/orders', listOrders); // step 5
 * ```
 */
export function gatewayPipeline(options: GatewayPipelineOptions): GatewayPipeline {
  const authenticator =
    typeof options.authenticate === 'function' ? options.authenticate : authenticate(options.authenticate);
  const layers = [authenticator, ...(options.tiers === undefined ? [] : [tierRateLimit(options.tiers)])];
  const chain = compose<TierRateLimitContext>(layers);
  return Object.assign((ctx: TierRateLimitContext, next: Next) => chain(ctx, next), { authenticator });
}
