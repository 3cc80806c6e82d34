import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiKeys, hashApiKey } from './api-keys';

describe('hashApiKey', () => {
  it('gives sha256:<hex> of the key', () => {
    const expected = createHash('sha256').update('k_live_123').digest('hex');
    expect(hashApiKey('k_live_123')).toBe(`sha256:${expected}`);
    expect(() => hashApiKey('')).toThrow('key: expected a non-empty string, got ""');
  });
});

describe('ApiKeys', () => {
  it('finds principals of plaintext and hashed keys, and nothing for other keys', async () => {
    const keys = new ApiKeys({
      k_plain: { id: 'plain', tier: 'free' },
      [hashApiKey('k_hidden').toUpperCase().replace('SHA256:', 'sha256:')]: { id: 'hidden', scopes: ['a'] },
    });
    expect(await keys.find('k_plain')).toEqual({ id: 'plain', tier: 'free', scheme: 'apiKey' });
    expect(await keys.find('k_hidden')).toEqual({ id: 'hidden', scopes: ['a'], scheme: 'apiKey' });
    expect(await keys.find('k_plai')).toBeUndefined();
    expect(await keys.find('k_plainx')).toBeUndefined();
    expect(await keys.find(hashApiKey('k_hidden'))).toBeUndefined();
  });

  it('accepts a Map and a lookup function that receives the digest', async () => {
    expect(await new ApiKeys(new Map([['k1', { id: 'one' }]])).find('k1')).toEqual({ id: 'one', scheme: 'apiKey' });
    const seen: string[][] = [];
    const lookup = new ApiKeys(async (key, digest) => {
      seen.push([key, digest]);
      return key === 'good' ? { id: 'g' } : null;
    });
    expect(await lookup.find('good')).toEqual({ id: 'g', scheme: 'apiKey' });
    expect(await lookup.find('bad')).toBeUndefined();
    expect(seen).toEqual([
      ['good', hashApiKey('good')],
      ['bad', hashApiKey('bad')],
    ]);
  });

  it('refuses bad tables and bad principals with errors naming the entry but not the whole key', async () => {
    expect(() => new ApiKeys([] as never)).toThrow(/apiKeys: expected an object or Map/);
    expect(() => new ApiKeys({ secret_key_1: { id: '' } })).toThrow(
      'apiKeys["secr…"].id: expected a non-empty string, got ""',
    );
    expect(() => new ApiKeys({ k: { id: 'x', scopes: 'a' } as never })).toThrow(
      /apiKeys\["k…"\]\.scopes: expected an array/,
    );
    expect(() => new ApiKeys({ k: { id: 'x' }, [hashApiKey('k')]: { id: 'y' } })).toThrow(/listed twice/);
    const broken = new ApiKeys(() => ({ id: 7 }) as never);
    await expect(broken.find('x')).rejects.toThrow(/apiKeys lookup result\.id: expected a non-empty string/);
  });
});
