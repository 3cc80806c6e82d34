import { Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { start, testApp } from '../test-helpers';
import { authenticate } from './authenticate';
import { type TierRateLimitOptions, tierRateLimit } from './tier-rate-limit';

const apiKeys = {
  k_free: { id: 'tenant-free', tier: 'free' },
  k_free_2: { id: 'tenant-free-2', tier: 'free' },
  k_pro: { id: 'tenant-pro', tier: 'pro' },
  k_gold: { id: 'tenant-gold', tier: 'gold' },
  k_none: { id: 'tenant-none' },
};

async function gateway(options: Partial<TierRateLimitOptions> = {}) {
  const clock = new Reactor();
  const limited: string[] = [];
  const app = testApp({ clock });
  app.use(
    authenticate({ apiKeys, routes: { '/public': false } }),
    tierRateLimit({
      tiers: { free: { limit: 2, windowMs: 60_000 }, pro: { limit: 5, windowMs: 60_000 } },
      clock,
      onLimited: (_ctx, result, principal, tier) => limited.push(`${principal.id} ${tier} ${result.retryAfterMs}`),
      ...options,
    }),
  );
  app.get('/', () => 'ok');
  app.get('/public', () => 'ok');
  const base = await start(app);
  const call = (key?: string, path = '/') => fetch(`${base}${path}`, { headers: key ? { 'x-api-key': key } : {} });
  const statuses = async (key: string, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await call(key)).status);
    return out;
  };
  return { clock, limited, call, statuses };
}

describe('tierRateLimit', () => {
  it('limits each principal by its tier: two tenants hit 429 at different points', async () => {
    const { statuses, limited } = await gateway();
    expect(await statuses('k_free', 4)).toEqual([200, 200, 429, 429]);
    expect(await statuses('k_pro', 7)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    // Counted per principal, not per tier: another free tenant has its own budget.
    expect(await statuses('k_free_2', 3)).toEqual([200, 200, 429]);
    expect(limited).toEqual([
      'tenant-free free 30000',
      'tenant-free free 30000',
      'tenant-pro pro 12000',
      'tenant-pro pro 12000',
      'tenant-free-2 free 30000',
    ]);
  });

  it('answers 429 with the tier named in the RateLimit headers and the problem, and recovers with time', async () => {
    const { call, clock } = await gateway();
    const first = await call('k_free');
    expect(first.headers.get('ratelimit-policy')).toBe('"free";q=2;w=60');
    expect(first.headers.get('ratelimit')).toBe('"free";r=1;t=30');
    await call('k_free');
    const denied = await call('k_free');
    expect(denied.status).toBe(429);
    expect(denied.headers.get('retry-after')).toBe('30');
    expect(denied.headers.get('ratelimit')).toBe('"free";r=0;t=60');
    expect(denied.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await denied.json()).toMatchObject({ status: 429, tier: 'free', retryAfterMs: 30_000 });
    await clock.advanceAsync(30_000);
    expect((await call('k_free')).status).toBe(200);
    expect((await call('k_free')).status).toBe(429);
  });

  it('puts principals without a tier or with an unknown one in the default tier', async () => {
    const first = await gateway();
    expect(await first.statuses('k_gold', 3)).toEqual([200, 200, 429]);
    expect(await first.statuses('k_none', 3)).toEqual([200, 200, 429]);
    const pro = await gateway({ default: 'pro' });
    expect(await pro.statuses('k_none', 6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('lets requests without a principal through (the per-IP limit covers them)', async () => {
    const { call } = await gateway();
    for (let i = 0; i < 5; i++) expect((await call(undefined, '/public')).status).toBe(200);
  });

  it('can send draft-7 headers or none', async () => {
    const draft7 = await gateway({ headers: 'draft-7' });
    expect((await draft7.call('k_pro')).headers.get('ratelimit')).toBe('limit=5, remaining=4, reset=12');
    const none = await gateway({ headers: false });
    expect((await none.call('k_pro')).headers.get('ratelimit')).toBeNull();
    await none.statuses('k_free', 2);
    const denied = await none.call('k_free');
    expect(denied.status).toBe(429);
    expect(denied.headers.get('retry-after')).toBe('30');
  });

  it('validates its options with errors naming them', () => {
    expect(() => tierRateLimit({ tiers: {} })).toThrow(/^tiers: expected an object of tier name/);
    expect(() => tierRateLimit({ tiers: { free: { limit: 0, windowMs: 1000 } } })).toThrow(
      /^tiers\.free\.limit: expected a positive integer/,
    );
    expect(() => tierRateLimit({ tiers: { free: { limit: 1, windowMs: 1000 } }, default: 'pro' })).toThrow(
      'default: expected one of the tiers (free), got "pro"',
    );
    expect(() => tierRateLimit({ tiers: { free: { limit: 1, windowMs: 1000 } }, headers: 'draft-9' as never })).toThrow(
      /^headers: expected 'draft-8'/,
    );
  });
});
