import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createGateway, type GatewayConfig, isConfigError } from '../config';
import { validate } from '../json-schema';
import { start, testApp } from '../test-helpers';
import { hashApiKey } from './api-keys';
import { type AuthRouteConfig, authConfigErrors, authConfigSchema, authFromConfig } from './config';
import { gatewayPipeline } from './gateway-pipeline';

const proKey = 'k_live_pro_0123456789';

describe('authFromConfig', () => {
  it('runs a config-driven gateway with a public and a protected route', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const dir = mkdtempSync(join(tmpdir(), 'weft-auth-config-'));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }));
    const routes: (NonNullable<GatewayConfig['routes']>[number] & AuthRouteConfig)[] = [
      { path: '/status', auth: false, response: { body: { up: true } } },
      { path: '/orders', method: ['GET', 'POST'], auth: { scopes: ['orders'] }, response: { body: { orders: [] } } },
      { path: '/me', response: { text: 'me' } },
    ];
    const section = {
      apiKeys: { [hashApiKey(proKey)]: { id: 'acme', tier: 'pro', scopes: ['orders'] } },
      jwt: { issuer: 'https://issuer.test', audience: 'api', algorithms: ['ES256'], jwksFile: 'jwks.json' },
      tiers: { free: { limit: 1, windowMs: 60_000 }, pro: { limit: 100, windowMs: 60_000 } },
    };
    const setup = authFromConfig(section, { routes, baseDir: dir });
    const app = createGateway({ routes, rateLimit: false, loadShedding: false });
    app.use(gatewayPipeline(setup));
    const base = await start(app);
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

    expect(await (await get('/status')).json()).toEqual({ up: true });
    expect((await get('/orders')).status).toBe(401);
    expect(await (await get('/orders', { 'x-api-key': proKey })).json()).toEqual({ orders: [] });
    const token = await new SignJWT({ sub: 'u1', iss: 'https://issuer.test', aud: 'api' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(privateKey);
    // The JWT principal has no tier (so: free, 1 request) and no "orders" scope.
    expect((await get('/orders', { authorization: `Bearer ${token}` })).status).toBe(403);
    expect(await (await get('/me', { authorization: `Bearer ${token}` })).text()).toBe('me');
    expect((await get('/me', { authorization: `Bearer ${token}` })).status).toBe(429);
    await app.close();
  });

  it('builds options: default rule, route rules per method, tiers and default tier', () => {
    const setup = authFromConfig(
      {
        realm: 'shop',
        default: false,
        apiKeys: { k1: { id: 'a' } },
        tiers: { free: { limit: 1, windowMs: 1000 } },
        defaultTier: 'free',
      },
      {
        routes: [
          { path: '/a', auth: true },
          { path: '/b', method: ['post', 'PUT'], auth: { scopes: ['b'] } },
          { path: '/c', method: '*', auth: { optional: true } },
          { path: '/d' },
        ],
      },
    );
    expect(setup.authenticate).toMatchObject({
      realm: 'shop',
      default: false,
      routes: { 'GET /a': true, 'POST /b': { scopes: ['b'] }, 'PUT /b': { scopes: ['b'] }, '/c': { optional: true } },
    });
    expect(setup.tiers).toEqual({ tiers: { free: { limit: 1, windowMs: 1000 } }, default: 'free' });
    expect(authFromConfig({ apiKeys: {} }).tiers).toBeUndefined();
  });

  it('reports every bad field with its path', () => {
    const errors = authConfigErrors(
      {
        realm: 7,
        apiKeys: { 'sha256:abc': { id: 'x', tier: 'gold' }, k2: { name: 'y' } },
        jwt: { issuer: 42, algorithms: ['none'], jwksUrl: 'ftp://x', cooldownMs: -1 },
        tiers: { free: { limit: 0 } },
        extra: true,
      },
      { routes: [{ path: '/x', auth: 'yes' as never }] },
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        'auth.realm: expected a string, got 7',
        'auth.apiKeys.k2.id: required',
        'auth.apiKeys.k2.name: unknown field (expected one of id, tier, scopes)',
        'auth.jwt.issuer: expected a string or an array, got 42',
        expect.stringMatching(/^auth\.jwt\.algorithms\[0\]: expected one of "RS256", .*, got "none"$/),
        'auth.jwt.jwksUrl: expected a string matching ^https?://, got "ftp://x"',
        'auth.jwt.cooldownMs: expected at least 0, got -1',
        'auth.tiers.free.limit: expected at least 1, got 0',
        'auth.tiers.free.windowMs: required',
        expect.stringMatching(/^auth\.extra: unknown field/),
        'routes[0].auth: expected a boolean or an object, got "yes"',
      ]),
    );
  });

  it('checks what the schema cannot say', () => {
    expect(authConfigErrors({})).toEqual(['auth: expected apiKeys, jwt or both']);
    expect(
      authConfigErrors({
        apiKeys: { 'sha256:abc': { id: 'x', tier: 'gold' } },
        tiers: { free: { limit: 1, windowMs: 1 } },
        defaultTier: 'pro',
      }),
    ).toEqual([
      'auth.defaultTier: expected one of the tiers (free), got "pro"',
      'auth.apiKeys["sha256:abc"]: expected "sha256:" and 64 hex digits',
      'auth.apiKeys["sha256:abc"].tier: unknown tier "gold" (expected one of free)',
    ]);
    expect(authConfigErrors({ jwt: { jwksUrl: 'https://x.test/jwks', jwksFile: 'a.json' } })).toEqual([
      'auth.jwt: expected exactly one of jwksUrl, jwksFile, jwks or secretEnv, got jwksUrl and jwksFile',
    ]);
    expect(authConfigErrors({ jwt: { jwksFile: 'missing.json' } }, { baseDir: '/nonexistent' })).toEqual([
      expect.stringMatching(/^auth\.jwt\.jwksFile: cannot read the JWKS file \/nonexistent\/missing\.json/),
    ]);
    expect(authConfigErrors({ jwt: { secretEnv: 'WEFT_TEST_SECRET' } }, { env: {} })).toEqual([
      'auth.jwt.secretEnv: the environment variable WEFT_TEST_SECRET is not set',
    ]);
    expect(
      authConfigErrors({ jwt: { secretEnv: 'S', algorithms: ['RS256'] } }, { env: { S: 'secret-value' } }),
    ).toEqual(['auth.jwt.algorithms: RS256 needs a key set (jwks or jwksUrl), not a secret']);
    expect(
      authConfigErrors({ apiKeys: {} }, { routes: [{ path: '/a', auth: { optional: true, scopes: ['x'] } }] }),
    ).toEqual(['routes[0].auth: expected scopes or optional, not both']);
  });

  it('throws a ConfigError listing the problems', () => {
    let caught: unknown;
    try {
      authFromConfig({ jwt: { issuer: 42 } });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as { errors: string[] }).errors).toEqual(['auth.jwt.issuer: expected a string or an array, got 42']);
  });

  it('publishes a schema that serialises to JSON and accepts a full example', () => {
    const schema = JSON.parse(JSON.stringify(authConfigSchema));
    const example = {
      realm: 'api',
      default: true,
      maxTokenBytes: 8192,
      apiKeys: { [hashApiKey('k')]: { id: 'acme', tier: 'pro', scopes: ['orders:write'] } },
      jwt: {
        issuer: ['https://a.test', 'https://b.test'],
        audience: 'api',
        algorithms: ['RS256', 'ES256'],
        clockToleranceMs: 5000,
        jwksUrl: 'https://a.test/.well-known/jwks.json',
        cooldownMs: 30000,
      },
      tiers: { free: { limit: 10, windowMs: 1000 }, pro: { limit: 100, windowMs: 1000, algorithm: 'gcra' } },
      defaultTier: 'free',
    };
    expect(validate(example, schema)).toEqual([]);
    expect(authConfigErrors(example)).toEqual([]);
  });

  it('lets a config-built authenticator answer like a hand-built one', async () => {
    const app = testApp();
    app.use(gatewayPipeline(authFromConfig({ apiKeys: { [hashApiKey('abc')]: { id: 'x' } }, realm: 'cfg' })));
    app.get('/', () => 'ok');
    const res = await app.inject('/');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="cfg", ApiKey realm="cfg", header="x-api-key"');
    expect((await app.inject({ url: '/', headers: { authorization: 'Bearer abc' } })).status).toBe(200);
  });
});
