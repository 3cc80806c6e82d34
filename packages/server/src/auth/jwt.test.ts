import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { start, testApp } from '../test-helpers';
import { type AuthenticateOptions, type AuthFailedEvent, authenticate } from './authenticate';
import type { JwtOptions } from './jwt';
import { principalOf } from './principal';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
const issuer = 'https://issuer.test';
const audience = 'orders-api';
let keyA: KeyPair;
let keyB: KeyPair;
let jwkA: JWK;
let jwkB: JWK;

beforeAll(async () => {
  [keyA, keyB] = await Promise.all([generateKeyPair('ES256'), generateKeyPair('ES256')]);
  jwkA = { ...(await exportJWK(keyA.publicKey)), kid: 'a', alg: 'ES256', use: 'sig' };
  jwkB = { ...(await exportJWK(keyB.publicKey)), kid: 'b', alg: 'ES256', use: 'sig' };
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token signed with `key` under `kid`; claims default to a valid one-hour token for the test audience. */
function sign(key: KeyPair, kid: string, claims: JWTPayload = {}, exp: number | null = nowSeconds() + 3600) {
  const jwt = new SignJWT({
    sub: 'user-1',
    tier: 'pro',
    scope: 'orders:read orders:write',
    iss: issuer,
    aud: audience,
    iat: nowSeconds(),
    ...claims,
  }).setProtectedHeader({ alg: 'ES256', kid });
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key.privateKey);
}

async function gateway(jwt: Partial<JwtOptions>, extra: Omit<AuthenticateOptions, 'jwt'> = {}) {
  const app = testApp();
  const failed: AuthFailedEvent[] = [];
  const auth = authenticate({
    jwt: { issuer, audience, algorithms: ['ES256'], jwks: { keys: [jwkA] }, ...jwt } as JwtOptions,
    routes: { 'POST /admin': { scopes: ['admin'] } },
    events: {
      emit: (name, event) => {
        if (name === 'authFailed') failed.push(event as AuthFailedEvent);
      },
    },
    ...extra,
  });
  app.use(auth);
  app.all('/me', (ctx) => principalOf(ctx));
  app.post('/admin', () => 'admin');
  const base = await start(app);
  const call = (token: string | Promise<string>, path = '/me', method = 'GET') =>
    Promise.resolve(token).then((t) => fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${t}` } }));
  return { call, failed, auth };
}

async function refusal(res: Response) {
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    ...((await res.json()) as { reason: string; detail: string }),
  };
}

describe('authenticate with JWTs', () => {
  it('admits a valid token and maps sub, tier and scope to the principal', async () => {
    const { call, auth } = await gateway({});
    const res = await call(sign(keyA, 'a'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: 'user-1',
      tier: 'pro',
      scopes: ['orders:read', 'orders:write'],
      scheme: 'jwt',
      claims: { iss: issuer, aud: audience },
    });
    expect((await call(sign(keyA, 'a', { scope: undefined, scp: ['x', 'y'] }))).status).toBe(200);
    expect(auth.stats.authenticated).toBe(2);
  });

  it('refuses each bad token with 401, the right reason and an RFC 6750 challenge, never a 500', async () => {
    const { call, failed, auth } = await gateway({});
    const past = nowSeconds() - 3600;
    const cases: [string, string | Promise<string>, string, string][] = [
      ['bad signature', sign(keyB, 'a'), 'invalid', 'the token signature is not valid'],
      [
        'alg none',
        new UnsecuredJWT({ sub: 'u', exp: past + 7200 }).setIssuer(issuer).setAudience(audience).encode(),
        'invalid',
        'the token algorithm is not allowed',
      ],
      ['expired', sign(keyA, 'a', {}, past), 'expired', 'the token has expired'],
      ['not yet valid', sign(keyA, 'a', { nbf: nowSeconds() + 3600 }), 'invalid', 'the token is not valid yet'],
      ['wrong audience', sign(keyA, 'a', { aud: 'billing-api' }), 'invalid', 'the token audience is not accepted'],
      ['wrong issuer', sign(keyA, 'a', { iss: 'https://evil.test' }), 'invalid', 'the token issuer is not accepted'],
      ['unknown kid', sign(keyA, 'zzz'), 'invalid', 'no key matches the token key id'],
      ['no exp', sign(keyA, 'a', {}, null), 'invalid', 'the token has no expiry'],
      ['no sub', sign(keyA, 'a', { sub: undefined }), 'invalid', 'the token names no principal'],
      ['garbage', 'bm90IGpzb24.bm90IGpzb24.c2ln', 'invalid', 'the token is malformed'],
      ['not a JWT', 'opaque-token', 'invalid', 'the token is malformed'],
    ];
    for (const [name, token, reason, detail] of cases) {
      const res = await refusal(await call(token));
      expect(res, name).toMatchObject({ status: 401, reason, detail });
      expect(res.challenge, name).toBe(`Bearer realm="api", error="invalid_token", error_description="${detail}"`);
    }
    expect(failed.map((e) => [e.reason, e.scheme])).toEqual(cases.map(([, , reason]) => [reason, 'jwt']));
    expect(auth.stats.failures).toEqual({ missing: 0, invalid: cases.length - 1, expired: 1, scope: 0 });
  });

  it('refuses a token signed with HS256 over the public key (algorithm confusion)', async () => {
    const { call } = await gateway({});
    const publicBytes = new TextEncoder().encode(JSON.stringify(jwkA));
    const forged = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'a' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('1h')
      .sign(publicBytes);
    expect(await refusal(await call(forged))).toMatchObject({ status: 401, reason: 'invalid' });
  });

  it('honours clockToleranceMs for a token that expired moments ago', async () => {
    const justExpired = sign(keyA, 'a', {}, nowSeconds() - 10);
    expect((await (await gateway({})).call(justExpired)).status).toBe(401);
    expect((await (await gateway({ clockToleranceMs: 60_000 })).call(justExpired)).status).toBe(200);
  });

  it('answers 403 with insufficient_scope when the token lacks a required scope', async () => {
    const { call, failed } = await gateway({});
    const res = await call(sign(keyA, 'a'), '/admin', 'POST');
    expect(await refusal(res)).toMatchObject({
      status: 403,
      reason: 'scope',
      challenge: 'Bearer realm="api", error="insufficient_scope", scope="admin"',
    });
    expect((await call(sign(keyA, 'a', { scope: 'admin' }), '/admin', 'POST')).status).toBe(200);
    expect(failed.map((e) => e.reason)).toEqual(['scope']);
  });

  it('answers 431 for a token over 8 KB without verifying it', async () => {
    const { call, failed } = await gateway({});
    const huge = await sign(keyA, 'a', { pad: 'x'.repeat(9000) });
    const res = await call(huge);
    expect(res.status).toBe(431);
    expect(failed.map((e) => [e.status, e.reason])).toEqual([[431, 'invalid']]);
  });

  it('reads keys from a JWKS file, or verifies HS256 with a secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-jwks-'));
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [jwkA, jwkB] }));
    const fromFile = await gateway({ jwks: file });
    expect((await fromFile.call(sign(keyB, 'b'))).status).toBe(200);

    const secret = 'a-shared-secret-of-at-least-32-bytes!!';
    const hs = await gateway({ jwks: undefined, secret, algorithms: ['HS256'] });
    const token = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    expect(await (await hs.call(token)).json()).toMatchObject({ id: 'svc', scheme: 'jwt' });
    expect((await hs.call(sign(keyA, 'a'))).status).toBe(401);
  });

  it('validates its options with errors naming them', () => {
    const base = { jwks: { keys: [] } };
    expect(() => authenticate({ jwt: { ...base, algorithms: ['none' as never] } })).toThrow(
      'jwt.algorithms: "none" is never accepted (unsigned tokens prove nothing)',
    );
    expect(() => authenticate({ jwt: { ...base, algorithms: ['HS256'] } })).toThrow(
      /^jwt.algorithms: HS256 needs a secret, not a key set/,
    );
    expect(() => authenticate({ jwt: { secret: 's', algorithms: ['RS256'] } })).toThrow(
      'jwt.algorithms: RS256 needs a key set (jwks or jwksUrl), not a secret',
    );
    expect(() => authenticate({ jwt: { ...base, jwksUrl: 'https://x.test/jwks' } })).toThrow(
      'jwt: expected exactly one of jwks, jwksUrl or secret, got jwks and jwksUrl',
    );
    expect(() => authenticate({ jwt: { jwksUrl: 'ftp://x.test/jwks' } })).toThrow(
      'jwt.jwksUrl: expected an http(s) URL, got "ftp://x.test/jwks"',
    );
    expect(() => authenticate({ jwt: { jwks: '/nonexistent/jwks.json' } })).toThrow(
      /^jwt.jwks: cannot read the JWKS file \/nonexistent\/jwks.json/,
    );
    expect(() => authenticate({ jwt: { jwks: { keys: 'x' } as never } })).toThrow(
      /^jwt.jwks: expected a JSON Web Key Set/,
    );
    expect(() => authenticate({ jwt: { ...base, clockToleranceMs: -1 } })).toThrow(
      'jwt.clockToleranceMs: expected a non-negative number of ms, got -1',
    );
    expect(() => authenticate({ jwt: { ...base, issuer: 42 as never } })).toThrow(
      'jwt.issuer: expected a string or a non-empty array of strings, got 42',
    );
  });
});

describe('remote JWKS', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** Serves `keys.current` as a JWKS on 127.0.0.1 and counts the fetches. */
  async function jwksServer(keys: JWK[]) {
    const state = { keys, fetches: 0 };
    const server = createHttpServer((_req, res) => {
      state.fetches++;
      res.setHeader('content-type', 'application/jwk-set+json');
      res.end(JSON.stringify({ keys: state.keys }));
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` };
  }

  it('caches the keys, and fetches a rotated-in kid exactly once', async () => {
    const { state, url } = await jwksServer([jwkA]);
    const { call } = await gateway({ jwks: undefined, jwksUrl: url, cooldownMs: 0 });
    for (let i = 0; i < 3; i++) expect((await call(sign(keyA, 'a'))).status).toBe(200);
    expect(state.fetches).toBe(1);

    state.keys = [jwkA, jwkB];
    const concurrent = await Promise.all([1, 2, 3].map(() => call(sign(keyB, 'b'))));
    expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200]);
    for (let i = 0; i < 2; i++) expect((await call(sign(keyB, 'b'))).status).toBe(200);
    expect((await call(sign(keyA, 'a'))).status).toBe(200);
    expect(state.fetches).toBe(2);
  });

  it('does not refetch for unknown kids within the cooldown', async () => {
    const { state, url } = await jwksServer([jwkA]);
    const { call, failed } = await gateway({ jwks: undefined, jwksUrl: url, cooldownMs: 60_000 });
    expect((await call(sign(keyA, 'a'))).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect(await refusal(await call(sign(keyB, `made-up-${i}`)))).toMatchObject({
        status: 401,
        reason: 'invalid',
        detail: 'no key matches the token key id',
      });
    }
    expect(state.fetches).toBe(1);
    expect(failed).toHaveLength(5);
  });

  it('answers 503 (not 401, not 500) when the JWKS endpoint is down', async () => {
    const { url } = await jwksServer([]);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const { call, failed } = await gateway({ jwks: undefined, jwksUrl: url, timeoutMs: 1_000 });
    const res = await call(sign(keyA, 'a'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ detail: 'the token cannot be checked now; retry later' });
    expect(failed).toEqual([]);
  });
});
