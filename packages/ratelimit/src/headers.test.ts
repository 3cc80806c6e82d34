import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from './headers';
import type { RateLimitResult } from './result';

const allowed: RateLimitResult = {
  allowed: true,
  limited: false,
  limit: 100,
  windowMs: 60_000,
  remaining: 42,
  resetMs: 29_001,
  retryAfterMs: 0,
};
const denied: RateLimitResult = { ...allowed, allowed: false, limited: true, remaining: 0, retryAfterMs: 1_500 };

describe('rateLimitHeaders', () => {
  it('writes draft-8 RateLimit and RateLimit-Policy with a named policy (the default standard)', () => {
    expect(rateLimitHeaders(allowed, { policyName: 'api' })).toEqual({
      'RateLimit-Policy': '"api";q=100;w=60',
      RateLimit: '"api";r=42;t=30',
    });
    expect(rateLimitHeaders(allowed)).toEqual({
      'RateLimit-Policy': '"default";q=100;w=60',
      RateLimit: '"default";r=42;t=30',
    });
  });

  it('escapes quotes and backslashes in a draft-8 policy name', () => {
    expect(rateLimitHeaders(allowed, { policyName: 'a"b\\c' }).RateLimit).toBe('"a\\"b\\\\c";r=42;t=30');
  });

  it('writes draft-7 combined RateLimit and RateLimit-Policy', () => {
    expect(rateLimitHeaders(allowed, { standard: 'draft-7' })).toEqual({
      'RateLimit-Policy': '100;w=60',
      RateLimit: 'limit=100, remaining=42, reset=30',
    });
  });

  it('writes draft-6 separate RateLimit-Limit/Remaining/Reset and RateLimit-Policy', () => {
    expect(rateLimitHeaders(allowed, { standard: 'draft-6' })).toEqual({
      'RateLimit-Policy': '100;w=60',
      'RateLimit-Limit': '100',
      'RateLimit-Remaining': '42',
      'RateLimit-Reset': '30',
    });
  });

  it.each(['draft-8', 'draft-7', 'draft-6'] as const)(
    '%s adds Retry-After in whole seconds, rounded up, on denial',
    (standard) => {
      const headers = rateLimitHeaders(denied, { standard });
      expect(headers['Retry-After']).toBe('2');
      expect(rateLimitHeaders({ ...denied, retryAfterMs: 1 }, { standard })['Retry-After']).toBe('1');
      expect(rateLimitHeaders(allowed, { standard })['Retry-After']).toBeUndefined();
    },
  );

  it('gives a sub-second window as w=1', () => {
    expect(rateLimitHeaders({ ...allowed, windowMs: 250, resetMs: 0 }, { standard: 'draft-7' })).toMatchObject({
      'RateLimit-Policy': '100;w=1',
      RateLimit: 'limit=100, remaining=42, reset=0',
    });
  });

  it('rejects an unknown standard and a bad policy name, naming the option', () => {
    expect(() => rateLimitHeaders(allowed, { standard: 'draft-9' as never })).toThrow(
      /standard: expected 'draft-8', 'draft-7' or 'draft-6', got "draft-9"/,
    );
    expect(() => rateLimitHeaders(allowed, { policyName: 'né' })).toThrow(/policyName: expected a non-empty string/);
    expect(() => rateLimitHeaders(allowed, { policyName: '' })).toThrow(TypeError);
  });
});
