import { AbortError, isAbortError } from '@weft/reactor';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Backoff, constant } from './backoff';
import { RetryBudget } from './budget';
import { isRetryError, nonRetryable, RetryError } from './errors';
import { type RetryEvent, retry, retryable } from './retry';

const noWait = constant(0);

/** An attempt function that fails with the given errors in turn, then resolves with `value`. */
function failing<T>(errors: unknown[], value: T) {
  const calls: number[] = [];
  const fn = async ({ attempt }: { attempt: number }) => {
    calls.push(attempt);
    if (attempt <= errors.length) throw errors[attempt - 1];
    return value;
  };
  return { fn, calls };
}

describe('retry without waiting', () => {
  it('resolves with the first success and calls fn once', async () => {
    const { fn, calls } = failing([], 'ok');
    await expect(retry(fn)).resolves.toBe('ok');
    expect(calls).toEqual([1]);
  });

  it('accepts a synchronous fn, for values and throws alike', async () => {
    let n = 0;
    const value = await retry(
      () => {
        n++;
        if (n < 3) throw new Error('not yet');
        return n;
      },
      { backoff: noWait },
    );
    expect(value).toBe(3);
  });

  it('numbers the attempts and passes no signal when there is nothing to abort', async () => {
    const seen: unknown[] = [];
    await retry(
      (context) => {
        seen.push({ ...context });
        if (context.attempt < 2) throw new Error('again');
      },
      { backoff: noWait },
    );
    expect(seen).toEqual([
      { attempt: 1, signal: undefined },
      { attempt: 2, signal: undefined },
    ]);
  });

  it('retries until success within maxAttempts', async () => {
    const { fn, calls } = failing([new Error('a'), new Error('b')], 42);
    await expect(retry(fn, { maxAttempts: 3, backoff: noWait })).resolves.toBe(42);
    expect(calls).toEqual([1, 2, 3]);
  });

  it('rejects with a RetryError holding every error once maxAttempts (3 by default) is spent', async () => {
    const errors = [new Error('a'), new Error('b'), new Error('c'), new Error('d')];
    const { fn, calls } = failing(errors, 'never');
    const error = await retry(fn, { backoff: noWait }).catch((e: unknown) => e);
    expect(calls).toEqual([1, 2, 3]);
    expect(isRetryError(error)).toBe(true);
    expect(error).toBeInstanceOf(RetryError);
    expect(error).toMatchObject({
      name: 'RetryError',
      code: 'ERR_WEFT_RETRY_EXHAUSTED',
      attempts: 3,
      reason: 'maxAttempts',
      errors: errors.slice(0, 3),
      cause: errors[2],
    });
  });

  it('with maxAttempts 1 makes one attempt and wraps its error', async () => {
    const boom = new Error('boom');
    const error = await retry(() => Promise.reject(boom), { maxAttempts: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: 1, cause: boom, errors: [boom] });
  });

  it('rejects with a non-retryable error unchanged, after one attempt', async () => {
    const fatal = nonRetryable(new TypeError('bad request'));
    const { fn, calls } = failing([fatal], 'never');
    await expect(retry(fn, { backoff: noWait, shouldRetry: () => true })).rejects.toBe(fatal);
    expect(calls).toEqual([1]);
  });

  it('does not retry an AbortError by default and passes it through', async () => {
    const aborted = new AbortError();
    const { fn, calls } = failing([aborted], 'never');
    await expect(retry(fn, { backoff: noWait })).rejects.toBe(aborted);
    expect(calls).toEqual([1]);
  });

  it('asks shouldRetry with the error and attempt, and rejects unchanged when it says no', async () => {
    const asked: unknown[] = [];
    const transient = new Error('transient');
    const permanent = new Error('permanent');
    const { fn, calls } = failing([transient, permanent], 'never');
    const shouldRetry = (error: unknown, attempt: number) => {
      asked.push([error, attempt]);
      return error === transient;
    };
    await expect(retry(fn, { backoff: noWait, maxAttempts: 5, shouldRetry })).rejects.toBe(permanent);
    expect(calls).toEqual([1, 2]);
    expect(asked).toEqual([
      [transient, 1],
      [permanent, 2],
    ]);
  });

  it('rejects with what shouldRetry or onRetry throws', async () => {
    const oops = new Error('oops');
    await expect(
      retry(() => Promise.reject(new Error('x')), {
        shouldRetry: () => {
          throw oops;
        },
      }),
    ).rejects.toBe(oops);
    await expect(
      retry(() => Promise.reject(new Error('x')), {
        backoff: noWait,
        onRetry: () => {
          throw oops;
        },
      }),
    ).rejects.toBe(oops);
  });

  it('tells onRetry each failure, its attempt and the wait', async () => {
    const events: RetryEvent[] = [];
    const a = new Error('a');
    const b = new Error('b');
    const { fn } = failing([a, b], 'ok');
    await retry(fn, { backoff: noWait, onRetry: (event) => events.push(event) });
    expect(events).toEqual([
      { error: a, attempt: 1, delayMs: 0 },
      { error: b, attempt: 2, delayMs: 0 },
    ]);
  });

  it('stops with reason "backoff" when a finite backoff runs out', async () => {
    const twice: Backoff = function* () {
      yield 0;
      yield 0;
    };
    const { fn, calls } = failing(
      [1, 2, 3, 4].map((n) => new Error(String(n))),
      'never',
    );
    const error = await retry(fn, { backoff: twice, maxAttempts: 10 }).catch((e: unknown) => e);
    expect(calls).toEqual([1, 2, 3]);
    expect(error).toMatchObject({ name: 'RetryError', attempts: 3, reason: 'backoff' });
  });

  it('rejects with a RangeError naming backoff when it yields a negative delay', async () => {
    const bad: Backoff = function* () {
      yield -5;
    };
    await expect(retry(() => Promise.reject(new Error('x')), { backoff: bad })).rejects.toThrow(
      /backoff: expected delays in milliseconds ≥ 0, got -5/,
    );
  });

  it('rejects at once with an AbortError, without calling fn, when the signal is already aborted', async () => {
    const reason = new Error('shutting down');
    let called = false;
    const error = await retry(
      () => {
        called = true;
      },
      { signal: AbortSignal.abort(reason) },
    ).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(isAbortError(error)).toBe(true);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
  });

  it('passes the caller’s own signal to fn', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await retry(
      ({ signal }) => {
        seen = signal;
      },
      { signal: controller.signal },
    );
    expect(seen).toBe(controller.signal);
  });
});

describe('retry with a budget', () => {
  it('skips retries once the shared budget is down to half, and recovers with successes', async () => {
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 1 });
    const down = () => Promise.reject(new Error('down'));

    // 4 → 3 → 2 tokens: the second failure leaves half, so no third attempt.
    const first = await retry(down, { budget, backoff: noWait, maxAttempts: 5 }).catch((e: unknown) => e);
    expect(first).toMatchObject({ name: 'RetryError', attempts: 2, reason: 'budget' });
    expect(budget.tokens).toBe(2);

    // Another caller sharing the budget gets its first attempt but no retry.
    let attempts = 0;
    const second = await retry(
      () => {
        attempts++;
        throw new Error('down');
      },
      { budget, backoff: noWait, maxAttempts: 5 },
    ).catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect(second).toMatchObject({ attempts: 1, reason: 'budget' });
    expect(budget.tokens).toBe(1);

    // Successes refill it (capped at maxTokens); a failure then leaves it above half, so retries resume.
    for (let i = 0; i < 5; i++) await retry(() => 'ok', { budget });
    expect(budget.tokens).toBe(4);
    const { fn, calls } = failing([new Error('blip')], 'ok');
    await expect(retry(fn, { budget, backoff: noWait })).resolves.toBe('ok');
    expect(calls).toEqual([1, 2]);
  });

  it('does not charge the budget for errors that are not retried', async () => {
    const budget = new RetryBudget({ maxTokens: 2 });
    await retry(() => Promise.reject(nonRetryable(new Error('fatal'))), { budget }).catch(() => undefined);
    expect(budget.tokens).toBe(2);
  });
});

describe('retryable', () => {
  it('wraps a function so every call retries with the options', async () => {
    let calls = 0;
    const add = retryable(
      async (a: number, b: number) => {
        calls++;
        if (calls % 2 === 1) throw new Error('flaky');
        return a + b;
      },
      { backoff: noWait },
    );
    expectTypeOf(add).toEqualTypeOf<(a: number, b: number) => Promise<number>>();
    await expect(add(1, 2)).resolves.toBe(3);
    await expect(add(3, 4)).resolves.toBe(7);
    expect(calls).toBe(4);
  });

  it('validates its options at once', () => {
    expect(() => retryable(() => 1, { maxAttempts: 0 })).toThrow(RangeError);
    expect(() => retryable('nope' as never)).toThrow(/fn: expected a function/);
  });
});

describe('retry option validation', () => {
  const ok = () => 'ok';

  it('rejects maxAttempts below 1 or not an integer with a RangeError naming it', async () => {
    await expect(retry(ok, { maxAttempts: 0 })).rejects.toThrow(RangeError);
    await expect(retry(ok, { maxAttempts: 0 })).rejects.toThrow(
      /maxAttempts: expected an integer ≥ 1 or Infinity, got 0/,
    );
    await expect(retry(ok, { maxAttempts: 2.5 })).rejects.toThrow(/maxAttempts.*got 2.5/);
    await expect(retry(ok, { maxAttempts: Number.NaN })).rejects.toThrow(RangeError);
    await expect(retry(ok, { maxAttempts: '3' as never })).rejects.toThrow(TypeError);
    await expect(retry(ok, { maxAttempts: Number.POSITIVE_INFINITY })).resolves.toBe('ok');
  });

  it('rejects a non-positive or too large maxElapsedMs with a RangeError naming it', async () => {
    await expect(retry(ok, { maxElapsedMs: 0 })).rejects.toThrow(/maxElapsedMs: expected a number of milliseconds/);
    await expect(retry(ok, { maxElapsedMs: -1 })).rejects.toThrow(RangeError);
    await expect(retry(ok, { maxElapsedMs: 2 ** 31 })).rejects.toThrow(RangeError);
  });

  it('rejects options of the wrong type with a TypeError naming them', async () => {
    await expect(retry(ok, { backoff: 100 as never })).rejects.toThrow(/backoff: expected a function, got 100/);
    await expect(retry(ok, { shouldRetry: true as never })).rejects.toThrow(/shouldRetry: expected a function/);
    await expect(retry(ok, { onRetry: {} as never })).rejects.toThrow(/onRetry: expected a function/);
    await expect(retry(ok, { signal: 'x' as never })).rejects.toThrow(/signal: expected an AbortSignal/);
    await expect(retry(ok, { clock: {} as never })).rejects.toThrow(/clock: expected a Clock/);
    await expect(retry(ok, { budget: {} as never })).rejects.toThrow(/budget: expected a RetryBudget/);
    await expect(retry(ok, null as never)).rejects.toThrow(/options: expected an object, got null/);
    await expect(retry('fn' as never)).rejects.toThrow(/fn: expected a function/);
  });

  it('infers the result type from fn', () => {
    expectTypeOf(retry(async () => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(retry(() => 'sync')).toEqualTypeOf<Promise<string>>();
  });
});
