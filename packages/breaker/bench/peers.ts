// The breakers compared by the benchmarks, configured alike: a 10 s window of failure rates, trip at 50%.
import {
  type CircuitBreakerPolicy,
  circuitBreaker,
  handleAll,
  SamplingBreaker,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import Opossum from 'opossum';
import { CircuitBreaker } from '../src/index';

export const noop = async (): Promise<number> => 1;
/** The same no-op declaring the signal parameter, so a timed breaker builds an AbortSignal for each call. */
export const noopWithSignal = async (_signal: AbortSignal): Promise<number> => 1;

export function weftBreaker(timeoutMs?: number): CircuitBreaker {
  return new CircuitBreaker({
    window: { type: 'time', durationMs: 10_000, buckets: 10 },
    failureRateThreshold: 0.5,
    minimumCalls: 20,
    openDurationMs: 10_000,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

export function weftCountBreaker(): CircuitBreaker {
  return new CircuitBreaker({ window: { type: 'count', size: 100 }, failureRateThreshold: 0.5, minimumCalls: 20 });
}

export function opossumBreaker(timeoutMs?: number): Opossum<[], number> {
  return new Opossum(noop, {
    timeout: timeoutMs ?? false,
    errorThresholdPercentage: 50,
    volumeThreshold: 20,
    resetTimeout: 10_000,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
  });
}

export function cockatielBreaker(): CircuitBreakerPolicy {
  return circuitBreaker(handleAll, {
    halfOpenAfter: 10_000,
    breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
  });
}

export function cockatielBreakerWithTimeout(timeoutMs: number) {
  return wrap(timeout(timeoutMs, TimeoutStrategy.Aggressive), cockatielBreaker());
}
