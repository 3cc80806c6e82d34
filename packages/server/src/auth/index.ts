import type { ApiKeyLookup, ApiKeySource } from './api-keys';
import type {
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
import type { AuthConfig, AuthFromConfigOptions, AuthRouteConfig, AuthSetup } from './config';
import type { AuthErrorOptions, AuthFailureReason } from './errors';
import type { GatewayPipeline, GatewayPipelineOptions } from './gateway-pipeline';
import type { JwtAlgorithm, JwtOptions } from './jwt';
import type { AuthScheme, Principal } from './principal';
import type { TierLimit, TierRateLimitContext, TierRateLimitOptions } from './tier-rate-limit';

export { hashApiKey } from './api-keys';
export { authenticate, requireAuth } from './authenticate';
export { authConfigErrors, authConfigSchema, authFromConfig, routeAuthSchema } from './config';
export { AuthError, isAuthError } from './errors';
export { gatewayPipeline } from './gateway-pipeline';
export { jwtAlgorithms } from './jwt';
export { hasScopes, principalOf } from './principal';
export { tierRateLimit } from './tier-rate-limit';

export type {
  ApiKeyLookup,
  ApiKeySource,
  AuthConfig,
  AuthContext,
  AuthErrorOptions,
  AuthEventSink,
  AuthEvents,
  AuthenticatedEvent,
  AuthenticateOptions,
  Authenticator,
  AuthFailedEvent,
  AuthFailureReason,
  AuthFromConfigOptions,
  AuthRouteConfig,
  AuthScheme,
  AuthSetup,
  AuthStats,
  GatewayPipeline,
  GatewayPipelineOptions,
  JwtAlgorithm,
  JwtOptions,
  Principal,
  RouteAuth,
  TierLimit,
  TierRateLimitContext,
  TierRateLimitOptions,
};
