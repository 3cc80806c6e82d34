export type { ContextSettings, ResponseBody, RouteInfo } from './context';
export { Context } from './context';
export type { AbortCause, HttpErrorOptions, ProblemDetails, ProblemResponse } from './errors';
export { HttpError, isHttpError, isRequestAbortedError, RequestAbortedError, toProblem } from './errors';
export type { InjectRequest, InjectResponse } from './inject';
export type {
  LoadSheddingOptions,
  LoggerSetting,
  OperationsOptions,
  RateLimitAlgorithm,
  RateLimitOptions,
  ResolvedOptions,
  ResolvedUpstream,
  ServerOptions,
  TimeoutOptions,
  UpstreamBreakerOptions,
  UpstreamOptions,
  UpstreamRetryOptions,
} from './options';
export type { Handler, LifecycleState, ListenOptions, RouteOptions, ServerAddress, ServerEvents } from './server';
export { App, createServer } from './server';
export type { TrustProxy, TrustProxyFn } from './trust-proxy';
export { clientAddress, compileTrustProxy } from './trust-proxy';
