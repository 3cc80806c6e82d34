import { describe, expect, it } from 'vitest';
import { isNonRetryable, isRetryError, nonRetryable, RetryError } from './errors';

describe('RetryError', () => {
  it('carries the attempts, every error, the last one as cause, a stable code and the reason', () => {
    const first = new Error('first');
    const last = new Error('last');
    const error = new RetryError(2, [first, last], 'maxAttempts');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RetryError');
    expect(error.code).toBe('ERR_WEFT_RETRY_EXHAUSTED');
    expect(error.attempts).toBe(2);
    expect(error.errors).toEqual([first, last]);
    expect(error.cause).toBe(last);
    expect(error.reason).toBe('maxAttempts');
    expect(error.message).toBe('Gave up after 2 attempts (maxAttempts): last');
  });

  it('describes non-Error causes in its message', () => {
    expect(new RetryError(1, ['boom'], 'budget').message).toBe('Gave up after 1 attempt (budget): boom');
  });
});

describe('isRetryError', () => {
  it('recognises RetryErrors and nothing else', () => {
    expect(isRetryError(new RetryError(1, [new Error('x')], 'maxAttempts'))).toBe(true);
    expect(isRetryError(new Error('x'))).toBe(false);
    expect(isRetryError({ name: 'RetryError', code: 'ERR_WEFT_RETRY_EXHAUSTED' })).toBe(false);
    expect(isRetryError(null)).toBe(false);
    expect(isRetryError('RetryError')).toBe(false);
  });
});

describe('nonRetryable', () => {
  it('returns the very same error, marked, without visible changes', () => {
    class HttpError extends Error {}
    const error = new HttpError('not found');
    expect(isNonRetryable(error)).toBe(false);
    const marked = nonRetryable(error);
    expect(marked).toBe(error);
    expect(marked).toBeInstanceOf(HttpError);
    expect(isNonRetryable(error)).toBe(true);
    expect(Object.keys(error)).toEqual([]);
  });

  it('rejects a primitive with a TypeError naming the argument', () => {
    expect(() => nonRetryable('boom' as never)).toThrow(TypeError);
    expect(() => nonRetryable('boom' as never)).toThrow(/error: expected an object/);
    expect(isNonRetryable('boom')).toBe(false);
    expect(isNonRetryable(undefined)).toBe(false);
  });
});
