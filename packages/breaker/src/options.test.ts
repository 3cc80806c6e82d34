import { Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker';
import type { CircuitBreakerOptions } from './options';

const make = (options: unknown) => () => new CircuitBreaker(options as CircuitBreakerOptions);

describe('CircuitBreaker options', () => {
  it.each([
    [{ failureRateThreshold: 0 }, /failureRateThreshold: expected a rate in \(0, 1\], got 0/],
    [{ failureRateThreshold: 1.5 }, /failureRateThreshold: expected a rate in \(0, 1\], got 1.5/],
    [{ failureRateThreshold: Number.NaN }, /failureRateThreshold: .* got NaN/],
    [{ slowCallDurationMs: 10, slowCallRateThreshold: -0.1 }, /slowCallRateThreshold: expected a rate/],
    [{ minimumCalls: 0 }, /minimumCalls: expected an integer ≥ 1, got 0/],
    [{ minimumCalls: 2.5 }, /minimumCalls: expected an integer ≥ 1, got 2.5/],
    [
      { window: { type: 'count', size: 5 }, minimumCalls: 6 },
      /minimumCalls: expected at most window.size \(5\), got 6/,
    ],
    [{ consecutiveFailures: 0 }, /consecutiveFailures: expected an integer ≥ 1/],
    [{ slowCallDurationMs: 0 }, /slowCallDurationMs: expected a finite number > 0, got 0/],
    [{ openDurationMs: -1 }, /openDurationMs: expected a number of ms in \(0, 2147483647\], got -1/],
    [{ openDurationMs: 2 ** 31 }, /openDurationMs: expected a number of ms/],
    [{ timeoutMs: 0 }, /timeoutMs: expected a number of ms/],
    [{ halfOpenMaxCalls: 0 }, /halfOpenMaxCalls: expected an integer ≥ 1, got 0/],
    [{ maxConcurrent: 0 }, /maxConcurrent: expected an integer ≥ 1, got 0/],
    [{ window: { type: 'count', size: 0 } }, /window.size: expected an integer ≥ 1, got 0/],
    [{ window: { type: 'time', durationMs: 0 } }, /window.durationMs: expected a finite number > 0, got 0/],
    [{ window: { type: 'time', durationMs: 1_000, buckets: 0 } }, /window.buckets: expected an integer ≥ 1, got 0/],
  ])('rejects %j with a RangeError naming the option', (options, message) => {
    expect(make(options)).toThrow(RangeError);
    expect(make(options)).toThrow(message);
  });

  it.each([
    ['x', /options: expected an object, got "x"/],
    [{ name: '' }, /name: expected a non-empty string/],
    [{ window: 'count' }, /window: expected \{ type: 'count', size \}/],
    [{ window: { type: 'sliding' } }, /window.type: expected 'count' or 'time', got "sliding"/],
    [{ halfOpenOverflow: 'queue' }, /halfOpenOverflow: expected 'reject' or 'wait', got "queue"/],
    [{ isFailure: true }, /isFailure: expected a function, got true/],
    [{ fallback: 'cached' }, /fallback: expected a function, got "cached"/],
    [{ clock: {} }, /clock: expected a Clock/],
    [{ slowCallRateThreshold: 0.5 }, /slowCallRateThreshold: needs slowCallDurationMs/],
  ])('rejects %j with a TypeError naming the option', (options, message) => {
    expect(make(options)).toThrow(TypeError);
    expect(make(options)).toThrow(message);
  });

  it('accepts the defaults, maxConcurrent Infinity and a minimumCalls up to the window size', () => {
    const breaker = new CircuitBreaker();
    expect(breaker.name).toBe('breaker');
    expect(breaker.state).toBe('closed');
    expect(() => new CircuitBreaker({ maxConcurrent: Infinity })).not.toThrow();
    expect(() => new CircuitBreaker({ window: { type: 'count', size: 5 }, minimumCalls: 5 })).not.toThrow();
  });

  it('caps the default minimumCalls at a small count window’s size', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor(), window: { type: 'count', size: 3 } });
    for (let i = 0; i < 3; i++) await breaker.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    expect(breaker.state).toBe('open');
  });
});
