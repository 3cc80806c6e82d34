export type { Chain } from './chain';
export { chain } from './chain';
export type { ComposeOptions } from './compose';
export { compose } from './compose';
export type { ComposeErrorCode } from './errors';
export {
  isMultipleNextError,
  isTimeoutError,
  isUnawaitedNextError,
  MultipleNextError,
  TimeoutError,
  UnawaitedNextError,
} from './errors';
export type { TimeoutOptions, TimerClock } from './timeout';
export { timeout } from './timeout';
export type { ComposedMiddleware, Middleware, MiddlewareStack, Next } from './types';
export type { Predicate } from './when';
export { branch, when } from './when';
