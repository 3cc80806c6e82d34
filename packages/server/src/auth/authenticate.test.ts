import { EventEmitter } from 'node:events';
import { Emitter } from '@weft/emitter';
import { describe, expect, it } from 'vitest';
import { start, testApp } from '../test-helpers';
import { hashApiKey } from './api-keys';
import {
  type AuthEventSink,
  type AuthEvents,
  type AuthenticatedEvent,
  type AuthenticateOptions,
  type AuthFailedEvent,
  authenticate,
  requireAuth,
} from './authenticate';
import { principalOf } from './principal';

interface Problem {
  status: number;
  title: string;
  detail: string;
  reason: string;
}

/** An app behind `authenticate`, listening on 127.0.0.1, recording its auth events and key lookups. */
async function gateway(options: Omit<AuthenticateOptions, 'events'> = {}) {
  const app = testApp();
  const events = { authenticated: [] as AuthenticatedEvent[], authFailed: [] as AuthFailedEvent[] };
  const sink: AuthEventSink = {
    emit: (name, event) => {
      events[name as keyof typeof events].push(event as never);
    },
  };
  const lookups: string[] = [];
  const table: Record<string, { id: string; tier: string; scopes: string[] }> = {
    k_free_1: { id: 'tenant-free', tier: 'free', scopes: ['orders:read'] },
    [hashApiKey('k_pro_1')]: { id: 'tenant-pro', tier: 'pro', scopes: ['orders:read', 'orders:write'] },
  };
  const auth = authenticate({
    apiKeys: async (key) => {
      lookups.push(key);
      return table[key] ?? table[hashApiKey(key)];
    },
    routes: { '/public': false, 'POST /orders': { scopes: ['orders:write'] }, '/maybe': { optional: true } },
    events: sink,
    ...options,
  });
  app.use(auth);
  app.get('/me', (ctx) => ({ id: principalOf(ctx)?.id, tier: principalOf(ctx)?.tier }));
  app.get('/public', () => 'hello');
  app.get('/maybe', (ctx) => ({ id: principalOf(ctx)?.id ?? null }));
  app.post('/orders', (ctx) => ({ created: true, by: principalOf(ctx)?.id }));
  app.get('/admin', auth.require({ scopes: ['admin'] }), () => 'admin');
  const base = await start(app);
  const call = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${base}${path}`, { method, headers });
  return { app, auth, events, lookups, call };
}

async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  return (await res.json()) as Problem;
}

describe('authenticate with API keys', () => {
  it('admits a key from x-api-key or Authorization: Bearer and sets ctx.state.principal', async () => {
    const { call, events, auth } = await gateway();
    const viaHeader = await call('/me', { 'x-api-key': 'k_free_1' });
    expect(viaHeader.status).toBe(200);
    expect(await viaHeader.json()).toEqual({ id: 'tenant-free', tier: 'free' });
    const viaBearer = await call('/me', { authorization: 'Bearer k_pro_1' });
    expect(await viaBearer.json()).toEqual({ id: 'tenant-pro', tier: 'pro' });
    expect(events.authenticated.map((e) => [e.principal.id, e.scheme])).toEqual([
      ['tenant-free', 'apiKey'],
      ['tenant-pro', 'apiKey'],
    ]);
    expect(auth.stats.authenticated).toBe(2);
  });

  it('answers 401 missing with challenges for both ways of sending a key', async () => {
    const { call, events, auth } = await gateway();
    const res = await call('/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", ApiKey realm="api", header="x-api-key"');
    expect(await problem(res)).toMatchObject({ status: 401, title: 'Unauthorized', reason: 'missing' });
    expect(events.authFailed.map((e) => [e.reason, e.scheme, e.status])).toEqual([['missing', undefined, 401]]);
    expect(auth.stats.failures).toEqual({ missing: 1, invalid: 0, expired: 0, scope: 0 });
  });

  it('answers 401 invalid for an unknown key, naming the scheme it came by', async () => {
    const { call, events } = await gateway({ realm: 'orders' });
    const viaHeader = await call('/me', { 'x-api-key': 'k_wrong' });
    expect(viaHeader.status).toBe(401);
    expect(viaHeader.headers.get('www-authenticate')).toBe(
      'ApiKey realm="orders", error="invalid_key", error_description="the API key is not valid"',
    );
    expect(await problem(viaHeader)).toMatchObject({ reason: 'invalid', detail: 'the API key is not valid' });
    const viaBearer = await call('/me', { authorization: 'Bearer k_wrong' });
    expect(viaBearer.headers.get('www-authenticate')).toBe(
      'Bearer realm="orders", error="invalid_token", error_description="the API key is not valid"',
    );
    expect(events.authFailed.map((e) => [e.reason, e.scheme])).toEqual([
      ['invalid', 'apiKey'],
      ['invalid', 'apiKey'],
    ]);
  });

  it('answers malformed Authorization headers with 401, never 500, without looking anything up', async () => {
    const { call, lookups, events } = await gateway();
    const cases: [string, string][] = [
      ['Bearer', 'invalid'],
      ['Bearer ', 'invalid'],
      ['Bearer a b', 'invalid'],
      ['Bearer tok"en', 'invalid'],
      ['Bearer ,,,', 'invalid'],
      ['=Bearer abc', 'invalid'],
      ['Basic dXNlcjpwYXNz', 'missing'],
      ['Digest username="x"', 'missing'],
    ];
    for (const [authorization, reason] of cases) {
      const res = await call('/me', { authorization });
      expect(res.status, authorization).toBe(401);
      expect((await problem(res)).reason, authorization).toBe(reason);
      expect(res.headers.get('www-authenticate'), authorization).toMatch(/^Bearer realm="api"/);
    }
    const badKey = await call('/me', { 'x-api-key': 'has space' });
    expect(badKey.status).toBe(401);
    expect(lookups).toEqual([]);
    expect(events.authFailed).toHaveLength(cases.length + 1);
  });

  it('answers 431 for a credential over maxTokenBytes without parsing or looking it up', async () => {
    const { call, lookups, events } = await gateway();
    const big = 'k'.repeat(8193);
    const viaBearer = await call('/me', { authorization: `Bearer ${big}` });
    expect(viaBearer.status).toBe(431);
    expect(await problem(viaBearer)).toMatchObject({ status: 431, reason: 'invalid' });
    expect((await call('/me', { 'x-api-key': big })).status).toBe(431);
    expect((await call('/me', { authorization: `Bearer ${'k'.repeat(8192)}` })).status).toBe(401);
    expect(lookups).toEqual(['k'.repeat(8192)]);
    expect(events.authFailed.map((e) => e.status)).toEqual([431, 431, 401]);
  });

  it('lets public routes through without looking at credentials, and optional ones with or without', async () => {
    const { call, lookups } = await gateway();
    expect(await (await call('/public')).text()).toBe('hello');
    expect((await call('/public', { 'x-api-key': 'k_wrong' })).status).toBe(200);
    expect(await (await call('/maybe')).json()).toEqual({ id: null });
    expect(await (await call('/maybe', { 'x-api-key': 'k_free_1' })).json()).toEqual({ id: 'tenant-free' });
    expect((await call('/maybe', { 'x-api-key': 'k_wrong' })).status).toBe(401);
    expect(lookups).toEqual(['k_free_1', 'k_wrong']);
  });

  it('answers 403 scope when the principal lacks a scope the route requires', async () => {
    const { call, events, auth } = await gateway();
    const denied = await call('/orders', { 'x-api-key': 'k_free_1' }, 'POST');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toBe(
      'ApiKey realm="api", error="insufficient_scope", scope="orders:write"',
    );
    expect(await problem(denied)).toMatchObject({ status: 403, title: 'Forbidden', reason: 'scope' });
    const allowed = await call('/orders', { authorization: 'Bearer k_pro_1' }, 'POST');
    expect(await allowed.json()).toEqual({ created: true, by: 'tenant-pro' });
    const byRequire = await call('/admin', { authorization: 'Bearer k_pro_1' });
    expect(byRequire.status).toBe(403);
    expect(byRequire.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="admin"',
    );
    expect(events.authFailed.map((e) => e.reason)).toEqual(['scope', 'scope']);
    expect(auth.stats.failures.scope).toBe(2);
  });

  it('applies a rule to the routes it names only, by method, HEAD following GET', async () => {
    const app = testApp();
    app.use(
      authenticate({
        apiKeys: { k: { id: 'a' } },
        default: false,
        routes: { 'GET /items/:id': true, 'DELETE /items/:id': { scopes: ['items:delete'] } },
      }),
    );
    app.all('/items/:id', (ctx) => ctx.method);
    const base = await start(app);
    const status = async (method: string, headers: Record<string, string> = {}) =>
      (await fetch(`${base}/items/7`, { method, headers })).status;
    expect(await status('GET')).toBe(401);
    expect(await status('HEAD')).toBe(401);
    expect(await status('GET', { 'x-api-key': 'k' })).toBe(200);
    expect(await status('POST')).toBe(200);
    expect(await status('DELETE', { 'x-api-key': 'k' })).toBe(403);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });

  it('emits on app.events', async () => {
    const app = testApp();
    const seen: string[] = [];
    // app.events' map does not list the auth events yet, so listening needs a cast; emitting into it does not.
    const listen = app.events as unknown as Emitter<AuthEvents>;
    listen.on('authFailed', (event) => seen.push(`${event.reason} ${event.ctx.method}`));
    listen.on('authenticated', (event) => seen.push(`ok ${event.principal.id}`));
    app.use(authenticate({ apiKeys: { k: { id: 'a' } }, events: app.events }));
    app.get('/', () => 'ok');
    await app.inject({ url: '/', headers: { 'x-api-key': 'nope' } });
    await app.inject({ url: '/', headers: { 'x-api-key': 'k' } });
    expect(seen).toEqual(['invalid GET', 'ok a']);
  });

  it('emits into any emitter: node:events, or a weft Emitter whose map lacks the auth events', async () => {
    const seen: string[] = [];
    const node = new EventEmitter();
    node.on('authFailed', (event: AuthFailedEvent) => seen.push(`node ${event.reason}`));
    const other = new Emitter<{ unrelated: [] }>();
    (other as unknown as Emitter<AuthEvents>).on('authFailed', (event) => seen.push(`weft ${event.reason}`));
    // Both type-check as the `events` option (their event names include symbols such as errorMonitor).
    for (const events of [node, other]) {
      const app = testApp();
      app.use(authenticate({ apiKeys: { k: { id: 'a' } }, events }));
      app.get('/', () => 'ok');
      await app.inject({ url: '/', headers: { 'x-api-key': 'nope' } });
    }
    expect(seen).toEqual(['node invalid', 'weft invalid']);
  });

  it('propagates a failing lookup as a server error (500), reported on the error event', async () => {
    const app = testApp();
    const errors: unknown[] = [];
    app.events.on('error', (error) => errors.push(error));
    app.use(
      authenticate({
        apiKeys: () => {
          throw new Error('db down');
        },
      }),
    );
    app.get('/', () => 'ok');
    const res = await app.inject({ url: '/', headers: { 'x-api-key': 'k' } });
    expect(res.status).toBe(500);
    expect(res.text()).not.toContain('db down');
    expect((errors[0] as Error).message).toBe('db down');
  });

  it('validates its options with errors naming them', () => {
    expect(() => authenticate({})).toThrow('authenticate: expected apiKeys, jwt or both, got neither');
    expect(() => authenticate({ apiKeys: {}, realm: 'a"b' })).toThrow(/^realm: expected printable ASCII/);
    expect(() => authenticate({ apiKeys: {}, maxTokenBytes: 0 })).toThrow(
      'maxTokenBytes: expected an integer of at least 16, got 0',
    );
    expect(() => authenticate({ apiKeys: {}, routes: { orders: false } })).toThrow(
      'routes["orders"]: expected a route pattern ("/orders/:id") or "METHOD /pattern"',
    );
    expect(() => authenticate({ apiKeys: {}, routes: { '/a': { scope: ['x'] } as never } })).toThrow(
      'routes["/a"].scope: unknown field (expected scopes, optional)',
    );
    expect(() => authenticate({ apiKeys: {}, default: { optional: true, scopes: ['a'] } })).toThrow(
      /^default: scopes cannot be required of an optional caller/,
    );
    expect(() => authenticate({ apiKeys: {}, events: {} as never })).toThrow(/^events: expected an emitter/);
  });
});

describe('requireAuth', () => {
  it('demands a principal with the scopes, from code', async () => {
    const app = testApp();
    app.use(authenticate({ apiKeys: { k1: { id: 'a', scopes: ['x'] } }, default: { optional: true } }));
    app.get('/x', requireAuth({ scopes: ['x'] }), () => 'x');
    app.get('/y', requireAuth({ scopes: ['y'], realm: 'shop' }), () => 'y');
    const missing = await app.inject('/x');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(missing.json()).toMatchObject({ reason: 'missing' });
    expect((await app.inject({ url: '/x', headers: { 'x-api-key': 'k1' } })).text()).toBe('x');
    const scope = await app.inject({ url: '/y', headers: { 'x-api-key': 'k1' } });
    expect(scope.status).toBe(403);
    expect(scope.headers['www-authenticate']).toBe('Bearer realm="shop", error="insufficient_scope", scope="y"');
    expect(() => requireAuth({ scopes: 'x' as never })).toThrow(/^requireAuth: scopes: expected an array/);
  });
});
