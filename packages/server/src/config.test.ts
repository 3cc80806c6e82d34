import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from './auth/api-keys';
import { authConfigSchema, routeAuthSchema } from './auth/config';
import { ConfigError, createGateway, isConfigError, loadConfig, validateConfig } from './config';
import { validate } from './json-schema';

const schemaPath = join(import.meta.dirname, '..', 'schema', 'weft.config.schema.json');

function problems(value: unknown): readonly string[] {
  try {
    validateConfig(value);
  } catch (error) {
    if (isConfigError(error)) return error.errors;
    throw error;
  }
  return [];
}

describe('validateConfig', () => {
  it('accepts a full config', () => {
    const config = {
      $schema: './schema.json',
      port: 8080,
      host: '0.0.0.0',
      workers: 'auto',
      bodyLimit: 1024,
      trustProxy: ['loopback'],
      timeouts: { headersMs: 5_000, requestMs: 10_000, keepAliveMs: 1_000, handlerMs: 0 },
      shutdownTimeoutMs: 100,
      rateLimit: {
        limit: 5,
        windowMs: 1_000,
        algorithm: 'gcra',
        store: { redis: 'redis://127.0.0.1:6379' },
        headers: false,
      },
      loadShedding: false,
      operations: { metrics: false },
      logger: { level: 'warn' },
      dev: true,
      bus: { transport: { redisStreams: 'redis://127.0.0.1:6379' }, name: 'gw', publishEvents: true },
      upstreams: {
        a: 'http://127.0.0.1:1',
        b: { url: 'https://example.test', breaker: false, retry: { maxAttempts: 2 }, connections: 2 },
      },
      routes: [
        { path: '/', response: { body: { ok: 1 } } },
        { method: '*', path: '/a/*', timeoutMs: 100, proxy: { upstream: 'a', rewrite: { stripPrefix: '/a' } } },
        {
          method: ['GET', 'HEAD'],
          path: '/b',
          proxy: { upstream: 'http://127.0.0.1:2', breaker: false, retry: false },
        },
      ],
    };
    expect(problems(config)).toEqual([]);
  });

  it('names the path of every bad field at once', () => {
    expect(
      problems({
        prot: 1,
        rateLimit: { limit: 1.5, store: { redis: 'localhost' }, headers: true },
        trustProxy: { a: 1 },
        logger: { level: 'loud' },
        operations: { health: 'healthz' },
        upstreams: { 'my api': { timeoutMs: 0 } },
        routes: [{ path: '/x', method: [], response: { status: 99, body: 1, text: 'x' } }, 'nope'],
      }),
    ).toEqual([
      'prot: unknown field (expected one of $schema, port, host, workers, bodyLimit, trustProxy, timeouts, shutdownTimeoutMs, rateLimit, loadShedding, operations, logger, dev, upstreams, routes, bus, auth)',
      'rateLimit.limit: expected an integer, got 1.5',
      'rateLimit.store.redis: expected a string matching ^rediss?://, got "localhost"',
      'rateLimit.headers: expected one of "draft-8", "draft-7", "draft-6", false, got true',
      'trustProxy: expected a boolean or an integer or a string or an array, got an object',
      'logger.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"',
      'operations.health: expected a string matching ^/, got "healthz"',
      'upstreams["my api"].url: required',
      'upstreams["my api"].timeoutMs: expected at least 1, got 0',
      'routes[0].method: expected at least 1 items, got 0',
      'routes[0].response.status: expected at least 100, got 99',
      'routes[1]: expected an object, got "nope"',
      'routes[0].response: expected "body" or "text", not both',
    ]);
  });

  it('finds duplicate routes, including through "*"', () => {
    expect(
      problems({
        routes: [
          { path: '/a', response: {} },
          { method: '*', path: '/a', response: {} },
        ],
      }),
    ).toEqual(['routes[1]: GET /a is already routed by routes[0]']);
  });

  it('throws a ConfigError with a code and a readable message', () => {
    let error: unknown;
    try {
      validateConfig({ port: -1 }, 'weft.config.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ERR_WEFT_CONFIG', name: 'ConfigError' });
    expect((error as Error).message).toBe('weft.config.json: 1 problem:\n  port: expected at least 0, got -1');
  });

  it('reports unreadable files and bad JSON as ConfigErrors', async () => {
    await expect(loadConfig('/nonexistent/weft.json')).rejects.toThrow(/cannot read the file/);
    await expect(loadConfig(schemaPath.replace('.schema.json', '.missing'))).rejects.toMatchObject({
      code: 'ERR_WEFT_CONFIG',
    });
    await expect(loadConfig(join(import.meta.dirname, 'config.ts'))).rejects.toThrow(/not valid JSON/);
  });
});

describe('the published JSON Schema', () => {
  it('is exported by the package and is what the validator uses', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.exports['./schema.json']).toBe('./schema/weft.config.schema.json');
    expect(pkg.files).toContain('schema');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(validate({ port: 'x' }, schema)).toEqual(['port: expected an integer, got "x"']);
  });

  it('carries the auth section and the per-route auth field exactly as the code defines them', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    expect(schema.properties.auth).toEqual(authConfigSchema);
    expect(schema.definitions.route.properties.auth).toEqual(routeAuthSchema);
  });
});

describe('validateConfig: auth', () => {
  const routes = [
    { path: '/public', auth: false, response: { text: 'p' } },
    { path: '/orders', auth: { scopes: ['orders:read'] }, response: { text: 'o' } },
  ];

  it('accepts an auth section with keys, tiers and route rules', () => {
    const auth = {
      apiKeys: { [hashApiKey('k_secret_1')]: { id: 'acme', tier: 'pro', scopes: ['orders:read'] } },
      tiers: { free: { limit: 10, windowMs: 1_000 }, pro: { limit: 100, windowMs: 1_000 } },
    };
    expect(problems({ auth, routes })).toEqual([]);
  });

  it('names the path of each bad auth field, from the schema and from the rules it cannot say', () => {
    expect(
      problems({
        auth: {
          apiKeys: { 'sha256:abc': { id: 'a', tier: 'gold' } },
          tiers: { free: { limit: 1, windowMs: 1_000 } },
          defaultTier: 'pro',
          realm: 3,
        },
        routes: [{ path: '/x', auth: { scopes: 'orders' }, response: { text: 'x' } }],
      }),
    ).toEqual(['auth.realm: expected a string, got 3', 'routes[0].auth.scopes: expected an array, got "orders"']);
  });

  it('reports semantic auth problems with their paths once the shape is right', () => {
    expect(
      problems({
        auth: {
          apiKeys: { 'sha256:abc': { id: 'a', tier: 'gold' } },
          tiers: { free: { limit: 1, windowMs: 1_000 } },
          defaultTier: 'pro',
        },
      }),
    ).toEqual([
      'auth.defaultTier: expected one of the tiers (free), got "pro"',
      'auth.apiKeys["sha256:abc"]: expected "sha256:" and 64 hex digits',
      'auth.apiKeys["sha256:abc"].tier: unknown tier "gold" (expected one of free)',
    ]);
  });

  it('refuses a route asking for auth when the config has no auth section', () => {
    expect(problems({ routes })).toEqual(['routes[1].auth: needs an "auth" section saying how callers authenticate']);
  });
});

describe('createGateway', () => {
  it('builds static routes with status, headers, JSON and text', async () => {
    const app = createGateway(
      validateConfig({
        rateLimit: false,
        loadShedding: false,
        routes: [
          { path: '/json', response: { status: 202, headers: { 'x-a': 'b' }, body: [1, 2] } },
          { method: ['POST', 'PATCH'], path: '/text', response: { text: 'hi' } },
          { method: 'DELETE', path: '/empty', response: { status: 204 } },
        ],
      }),
    );
    const json = await app.inject('/json');
    expect([json.status, json.headers['x-a'], json.json()]).toEqual([202, 'b', [1, 2]]);
    expect((await app.inject({ method: 'PATCH', url: '/text' })).text()).toBe('hi');
    expect((await app.inject({ method: 'GET', url: '/text' })).status).toBe(405);
    expect((await app.inject({ method: 'DELETE', url: '/empty' })).status).toBe(204);
    await app.close();
  });
});

describe('createGateway: auth', () => {
  it('runs IP limit → authenticate → tier limit → route, in that order', async () => {
    const app = createGateway(
      validateConfig({
        loadShedding: false,
        rateLimit: { limit: 4, windowMs: 60_000 },
        auth: {
          apiKeys: { [hashApiKey('k_free')]: { id: 'tenant', tier: 'free' } },
          tiers: { free: { limit: 1, windowMs: 60_000 } },
        },
        routes: [{ path: '/orders', response: { text: 'orders' } }],
      }),
    );
    const failures: string[] = [];
    app.events.on('authFailed', (event) => failures.push(event.reason));
    const call = async (key?: string) =>
      (await app.inject({ url: '/orders', headers: key === undefined ? {} : { 'x-api-key': key } })).status;
    expect(await call('k_free')).toBe(200);
    expect(await call('k_free')).toBe(429); // the tier's limit, after authenticating
    expect(await call()).toBe(401);
    expect(await call('k_bad')).toBe(401);
    expect(await call('k_bad')).toBe(429); // the IP's limit, before any key is looked at
    expect(failures).toEqual(['missing', 'invalid']);
    await app.close();
  });
});
