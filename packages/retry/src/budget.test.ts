import { describe, expect, it } from 'vitest';
import { RetryBudget } from './budget';

describe('RetryBudget', () => {
  it('starts full with gRPC defaults of 10 tokens and a 0.1 ratio', () => {
    const budget = new RetryBudget();
    expect(budget.maxTokens).toBe(10);
    expect(budget.tokenRatio).toBe(0.1);
    expect(budget.tokens).toBe(10);
    expect(budget.canRetry).toBe(true);
  });

  it('stops retries once failures bring the level to half, and never goes below 0', () => {
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 0.5 });
    budget.recordFailure();
    expect(budget.tokens).toBe(3);
    expect(budget.canRetry).toBe(true);
    budget.recordFailure();
    expect(budget.tokens).toBe(2);
    expect(budget.canRetry).toBe(false);
    for (let i = 0; i < 5; i++) budget.recordFailure();
    expect(budget.tokens).toBe(0);
  });

  it('recovers by tokenRatio per success, exactly, and never above maxTokens', () => {
    const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
    for (let i = 0; i < 5; i++) budget.recordFailure();
    expect(budget.canRetry).toBe(false);
    for (let i = 0; i < 10; i++) budget.recordSuccess();
    // 5 + 10 × 0.1 is exactly 6: counted in thousandths, there is no float drift.
    expect(budget.tokens).toBe(6);
    expect(budget.canRetry).toBe(true);
    for (let i = 0; i < 100; i++) budget.recordSuccess();
    expect(budget.tokens).toBe(10);
  });

  it('rejects bad options naming them', () => {
    expect(() => new RetryBudget({ maxTokens: 0 })).toThrow(RangeError);
    expect(() => new RetryBudget({ maxTokens: 0 })).toThrow(/maxTokens: expected a number in \(0, 1000\], got 0/);
    expect(() => new RetryBudget({ maxTokens: 1_001 })).toThrow(/maxTokens/);
    expect(() => new RetryBudget({ tokenRatio: 0 })).toThrow(/tokenRatio: expected a number in \[0.001, 10\], got 0/);
    expect(() => new RetryBudget({ tokenRatio: Number.NaN })).toThrow(RangeError);
    expect(() => new RetryBudget({ maxTokens: '10' as never })).toThrow(TypeError);
  });
});
