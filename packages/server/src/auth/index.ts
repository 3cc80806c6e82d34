export type { ApiKeyLookup, ApiKeySource } from './api-keys';
export { hashApiKey } from './api-keys';
export type {
  AuthContext,
  AuthEventSink,
  AuthEvents,
  AuthenticatedEvent,
  AuthenticateOptions,
  Authenticator,
  AuthFailedEvent,
  AuthStats,
  RouteAuth,
} from './authenticate';
export { authenticate, requireAuth } from './authenticate';
export type { AuthErrorOptions, AuthFailureReason } from './errors';
export { AuthError, isAuthError } from './errors';
export type { GatewayPipeline, GatewayPipelineOptions } from './gateway-pipeline';
export { gatewayPipeline } from './gateway-pipeline';
export type { JwtAlgorithm, JwtOptions } from './jwt';
export { jwtAlgorithms } from './jwt';
export type { AuthScheme, Principal } from './principal';
export { hasScopes, principalOf } from './principal';
export type { TierLimit, TierRateLimitContext, TierRateLimitOptions } from './tier-rate-limit';
export { tierRateLimit } from './tier-rate-limit';
