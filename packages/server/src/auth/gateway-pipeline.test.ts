import { Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { start, testApp } from '../test-helpers';
import { authenticate } from './authenticate';
import { gatewayPipeline } from './gateway-pipeline';
import type { Principal } from './principal';

/** A gateway with the full order: (shed) → IP limit 5/min → authenticate → tier limit → route. */
async function gateway() {
  const clock = new Reactor();
  const lookups: string[] = [];
  const principals: Record<string, Principal> = {
    k_free: { id: 'tenant-free', tier: 'free' },
    k_pro: { id: 'tenant-pro', tier: 'pro' },
  };
  const app = testApp({ clock, rateLimit: { limit: 5, windowMs: 60_000 } });
  const pipeline = gatewayPipeline({
    authenticate: {
      apiKeys: async (key) => {
        lookups.push(key);
        return principals[key];
      },
      routes: { '/public': false },
    },
    tiers: { tiers: { free: { limit: 1, windowMs: 60_000 }, pro: { limit: 3, windowMs: 60_000 } }, clock },
  });
  app.use(pipeline);
  const order: string[] = [];
  app.get('/', (ctx) => {
    order.push(`route ${(ctx.state.principal as Principal).id}`);
    return 'ok';
  });
  app.get('/public', () => 'public');
  const base = await start(app);
  const call = (key?: string, path = '/') =>
    fetch(`${base}${path}`, { headers: key ? { 'x-api-key': key } : {} }).then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    });
  return { app, clock, lookups, pipeline, order, call };
}

describe('gatewayPipeline: shed → IP limit → authenticate → tier limit → route', () => {
  it('stops an unauthenticated flood at the IP limit before any key lookup', async () => {
    const { call, lookups, pipeline } = await gateway();
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => call(`forged-${i}`)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
    expect(lookups).toHaveLength(5);
    expect(pipeline.authenticator.stats.failures.invalid).toBe(5);
  });

  it('counts a caller against the IP limit first, then authenticates it, then applies its tier', async () => {
    const { call, lookups, order, clock } = await gateway();
    // tier free allows 1: the second is a tier 429 after a lookup.
    expect(await call('k_free')).toBe(200);
    expect(await call('k_free')).toBe(429);
    expect(lookups).toEqual(['k_free', 'k_free']);
    // pro allows 3 but the IP has 3 of its 5 left, and the IP limit answers first (no lookup).
    expect([await call('k_pro'), await call('k_pro'), await call('k_pro')]).toEqual([200, 200, 200]);
    expect(await call('k_pro')).toBe(429);
    expect(lookups).toHaveLength(5);
    expect(order).toEqual(['route tenant-free', 'route tenant-pro', 'route tenant-pro', 'route tenant-pro']);
    // Unauthenticated requests get 401 (not a tier 429) while the IP has budget.
    await clock.advanceAsync(60_000);
    expect(await call()).toBe(401);
    expect(await call(undefined, '/public')).toBe(200);
  });

  it('takes an existing authenticator', async () => {
    const auth = authenticate({ apiKeys: { k: { id: 'a' } } });
    const pipeline = gatewayPipeline({ authenticate: auth });
    expect(pipeline.authenticator).toBe(auth);
    const app = testApp();
    app.use(pipeline);
    app.get('/', () => 'ok');
    expect((await app.inject({ url: '/', headers: { 'x-api-key': 'k' } })).status).toBe(200);
    expect(auth.stats.authenticated).toBe(1);
  });
});
