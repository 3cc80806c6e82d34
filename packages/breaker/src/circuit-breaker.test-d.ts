import { describe, expectTypeOf, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import type { BrokenCircuitError, BulkheadFullError } from './errors';

describe('CircuitBreaker types', () => {
  it('types the result from fn, and from the fallback when there is one', () => {
    const plain = new CircuitBreaker();
    expectTypeOf(plain.execute(async () => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(plain.execute(() => 'sync')).toEqualTypeOf<Promise<string>>();
    const withFallback = new CircuitBreaker({ fallback: () => null });
    expectTypeOf(withFallback.execute(async () => 1)).toEqualTypeOf<Promise<number | null>>();
  });

  it('checks the arguments against fn and hands fn an AbortSignal first', () => {
    const breaker = new CircuitBreaker();
    breaker.execute(
      (signal, id: string, n: number) => {
        expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
        return `${id}${n}`;
      },
      'a',
      1,
    );
    // @ts-expect-error: the second argument must be a number
    breaker.execute((_signal, _id: string, _n: number) => 0, 'a', 'b');
    const wrapped = breaker.wrap(async (_signal, id: string) => id.length);
    expectTypeOf(wrapped).toEqualTypeOf<(id: string) => Promise<number>>();
  });

  it('types the events', () => {
    const breaker = new CircuitBreaker();
    breaker.events.on('stateChange', (from, to) => {
      expectTypeOf(from).toEqualTypeOf<CircuitState>();
      expectTypeOf(to).toEqualTypeOf<CircuitState>();
    });
    breaker.events.on('reject', (error) => expectTypeOf(error).toEqualTypeOf<BrokenCircuitError | BulkheadFullError>());
    // @ts-expect-error: not an event of the breaker
    breaker.events.on('opened', () => {});
  });
});
