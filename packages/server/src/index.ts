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
} from './auth/index';
export {
  AuthError,
  authConfigErrors,
  authConfigSchema,
  authenticate,
  authFromConfig,
  gatewayPipeline,
  hashApiKey,
  hasScopes,
  isAuthError,
  jwtAlgorithms,
  principalOf,
  requireAuth,
  routeAuthSchema,
  tierRateLimit,
} from './auth/index';
export type { RequestBody } from './body';
export type { BreakerStateMessage, BusSetting, RequestLimitedMessage, ServerBusTopics } from './bus';
export type { ClusterRole } from './cluster-mode';
export type {
  CreateGatewayOptions,
  GatewayConfig,
  ProxyRouteConfig,
  RouteConfig,
  StaticResponseConfig,
} from './config';
export { ConfigError, createGateway, isConfigError, loadConfig, validateConfig } from './config';
export type { ContextSettings, ResponseBody, RouteInfo } from './context';
export { Context } from './context';
export type { Demo, DemoOptions } from './demo';
export { createDemoUpstream, startDemo } from './demo';
export type { AbortCause, HttpErrorOptions, ProblemDetails, ProblemResponse } from './errors';
export { HttpError, isHttpError, isRequestAbortedError, RequestAbortedError, toProblem } from './errors';
export type { InjectRequest, InjectResponse } from './inject';
export type { JsonSchema } from './json-schema';
export type { Lifecycle, LifecycleEvent } from './lifecycle';
export { lifecycleMachine } from './lifecycle';
export type {
  LoadSheddingOptions,
  LoggerSetting,
  OperationsOptions,
  RateLimitAlgorithm,
  RateLimitOptions,
  ResolvedOptions,
  ResolvedRateLimit,
  ResolvedUpstream,
  ServerOptions,
  TimeoutOptions,
  UpstreamBreakerOptions,
  UpstreamOptions,
  UpstreamRetryOptions,
} from './options';
export type { ProxyOptions } from './proxy';
export { proxy } from './proxy';
export type { HttpMethod } from './router';
export type { Handler, LifecycleState, ListenOptions, RouteOptions, ServerAddress, ServerEvents } from './server';
export { App, createServer } from './server';
export type { TrustProxy, TrustProxyFn } from './trust-proxy';
export { clientAddress, compileTrustProxy } from './trust-proxy';
export type { ForwardOptions, Rewrite, Upstream } from './upstream';
