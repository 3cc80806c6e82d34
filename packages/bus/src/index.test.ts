import { describe, expect, it } from 'vitest';
import { hello } from './index';

describe('hello', () => {
  it('greets by name', () => {
    expect(hello('world')).toBe('hello, world');
  });

  it('rejects an empty name with a TypeError naming the argument', () => {
    expect(() => hello('')).toThrow(/name: expected a non-empty string/);
  });
});
