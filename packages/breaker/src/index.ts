export type {
  CircuitBreakerEvents,
  CircuitBreakerJSON,
  CircuitBreakerStats,
  CircuitState,
  ExecuteOptions,
  Guarded,
  OpenReason,
} from './circuit-breaker';
export { CircuitBreaker } from './circuit-breaker';
export type { RejectReason } from './errors';
export {
  BrokenCircuitError,
  BulkheadFullError,
  isBrokenCircuitError,
  isBulkheadFullError,
  isTimeoutError,
  TimeoutError,
} from './errors';
export type { CircuitBreakerOptions, HalfOpenOverflow, WindowOptions } from './options';
export type { WindowJSON } from './window';
