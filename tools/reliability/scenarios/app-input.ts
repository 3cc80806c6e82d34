/**
 * Scenarios 9c and 9g, against an app built with the library (tools/reliability/fixtures/app.ts): prototype
 * pollution through JSON bodies, query strings and headers; and forged or malformed API keys and JWTs, which must be
 * answered 401 (431 when oversized), never 500.
 */
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type Fixture, startFixture } from '../lib/gateway';
import type { Scenario, ScenarioContext } from '../lib/harness';
import { keepAliveAgent, raw, send } from '../lib/http';
import { checkAsyncProperty } from '../lib/property';
import { bump, tally } from '../lib/stats';

const ISSUER = 'https://issuer.reliability.test';
const AUDIENCE = 'weft-gateway';
const API_KEY = 'k_live_reliability_0123456789';

interface Keys {
  privateKey: KeyObject;
  publicPem: string;
  other: KeyObject;
}

/** Starts the app fixture with a fresh RSA key, its JWKS in a file, and one API key. */
export async function startApp(ctx: ScenarioContext): Promise<{ app: Fixture; keys: Keys }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks = join(ctx.tmp, 'jwks.json');
  writeFileSync(jwks, JSON.stringify({ keys: [jwk] }));
  const app = await startFixture(ctx, 'app.ts', [jwks, ISSUER, AUDIENCE, API_KEY]);
  return {
    app,
    keys: { privateKey, publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), other },
  };
}

async function probePollution(app: Fixture): Promise<{ polluted: boolean; added: string[] }> {
  const reply = await send({ port: app.port, path: '/probe', timeoutMs: 5_000 });
  return JSON.parse(reply.body.toString('utf8')) as { polluted: boolean; added: string[] };
}

/** JSON with keys a merge would trip over, nested. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    tie('object'),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
  object: fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'isAdmin', 'toString'),
          fc.string({ maxLength: 6 }),
        ),
        tie('value'),
      ),
      { maxLength: 4 },
    )
    .map((entries) => Object.fromEntries(entries)),
})).value as fc.Arbitrary<unknown>;

/** JSON text with own `__proto__` keys (JSON.stringify drops none: Object.fromEntries defines them as own). */
function text(value: unknown): string {
  return JSON.stringify(value);
}

export const pollution: Scenario = {
  id: '9c',
  title: 'Bad input: prototype pollution',
  load: '300 JSON bodies and 200 query strings (fast-check) plus fixed payloads, to an app built with the library',
  faults:
    '`__proto__`, `constructor.prototype`, `prototype` keys in JSON bodies, query strings (`a[__proto__][x]`), header names',
  budgetMs: 90_000,
  async run(ctx) {
    const { app } = await startApp(ctx);
    const agent = keepAliveAgent(4);
    ctx.defer(() => agent.destroy());
    const fixed = [
      '{"__proto__":{"polluted":true,"isAdmin":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"a":{"__proto__":{"polluted":true}},"b":[{"__proto__":{"polluted":true}}]}',
      '[{"__proto__":{"polluted":true}}]',
    ];
    const statuses = new Map<string, number>();
    for (const body of fixed) {
      const reply = await send({
        port: app.port,
        path: '/json',
        method: 'POST',
        agent,
        body,
        headers: { 'content-type': 'application/json' },
      });
      bump(statuses, String(reply.status));
    }
    await checkAsyncProperty(
      ctx,
      'JSON bodies with hostile keys: answered without a 5xx',
      fc.asyncProperty(hostileJson, async (value) => {
        const reply = await send({
          port: app.port,
          path: '/json',
          method: 'POST',
          agent,
          body: text(value),
          headers: { 'content-type': 'application/json' },
          timeoutMs: 5_000,
        });
        bump(statuses, String(reply.status));
        if (reply.status >= 500)
          throw new Error(`answered ${reply.status}: ${reply.body.toString('utf8').slice(0, 200)}`);
      }),
      300,
      'bodies',
    );
    const hostileKey = fc.constantFrom(
      '__proto__[polluted]',
      '__proto__.polluted',
      'constructor[prototype][polluted]',
      'constructor.prototype.polluted',
      'a[__proto__][polluted]',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
    );
    await checkAsyncProperty(
      ctx,
      'query strings with hostile keys: answered, parsed into a null-prototype object',
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.oneof(hostileKey, fc.string({ maxLength: 5 }).map(encodeURIComponent)),
            fc.string({ maxLength: 5 }),
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        async (pairs) => {
          const query = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
          const reply = await send({ port: app.port, path: `/query?${query}`, agent, timeoutMs: 5_000 });
          bump(statuses, String(reply.status));
          if (reply.status !== 200) throw new Error(`answered ${reply.status}`);
          const parsed = JSON.parse(reply.body.toString('utf8')) as { nullPrototype: boolean };
          if (!parsed.nullPrototype) throw new Error('ctx.query inherits from Object.prototype');
        },
      ),
      200,
      'queries',
    );
    const headerReply = await raw(
      app.port,
      'GET /query?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n__proto__: polluted\r\nconstructor: x\r\nprototype: y\r\nConnection: close\r\n\r\n',
    );
    bump(statuses, String(headerReply.status));
    const probe = await probePollution(app);
    ctx.figure(`answers: ${tally(statuses)}`);
    ctx.check(
      'header names `__proto__`/`constructor`/`prototype` are harmless',
      headerReply.status === 200,
      `answered ${headerReply.status}`,
    );
    ctx.check(
      'Object.prototype in the server process is untouched afterwards',
      !probe.polluted,
      probe.polluted
        ? `added: ${probe.added.join(', ')}`
        : 'no property added, ({}).polluted and ({}).isAdmin undefined',
    );
  },
};

function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function jws(header: Record<string, unknown>, payload: unknown, key: KeyObject): string {
  const data = `${b64(header)}.${b64(payload)}`;
  return `${data}.${sign('sha256', Buffer.from(data), key).toString('base64url')}`;
}

export const forgedCredentials: Scenario = {
  id: '9g',
  title: 'Bad input: malformed and forged API keys and JWTs',
  load: '24 crafted and 400 random credentials (fast-check) to a route behind authenticate()',
  faults:
    '`alg: none`, HS256 signed with the public key, foreign signatures, expired/not-yet-valid, wrong iss/aud, unknown or hostile kid, tampered payloads, garbage, 9 KB tokens, hashes presented as keys',
  budgetMs: 90_000,
  async run(ctx) {
    const { app, keys } = await startApp(ctx);
    const agent = keepAliveAgent(4);
    ctx.defer(() => agent.destroy());
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: 'k1' };
    const claims = { sub: 'user-1', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, scope: 'read' };
    const valid = jws(header, claims, keys.privateKey);
    const hs = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(claims)}`;
    const confused = `${hs}.${createHmac('sha256', keys.publicPem).update(hs).digest('base64url')}`;
    const [h, p, s] = valid.split('.') as [string, string, string];
    const cases: { name: string; headers: Record<string, string>; expect: number[] }[] = [
      { name: 'valid JWT (control)', headers: { authorization: `Bearer ${valid}` }, expect: [200] },
      { name: 'valid API key (control)', headers: { 'x-api-key': API_KEY }, expect: [200] },
      { name: 'no credentials', headers: {}, expect: [401] },
      {
        name: 'alg none',
        headers: { authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.` },
        expect: [401],
      },
      { name: 'HS256 signed with the public key', headers: { authorization: `Bearer ${confused}` }, expect: [401] },
      {
        name: 'signed by another key, same kid',
        headers: { authorization: `Bearer ${jws(header, claims, keys.other)}` },
        expect: [401],
      },
      {
        name: 'expired',
        headers: { authorization: `Bearer ${jws(header, { ...claims, exp: now - 60 }, keys.privateKey)}` },
        expect: [401],
      },
      {
        name: 'not yet valid',
        headers: { authorization: `Bearer ${jws(header, { ...claims, nbf: now + 300 }, keys.privateKey)}` },
        expect: [401],
      },
      {
        name: 'wrong issuer',
        headers: { authorization: `Bearer ${jws(header, { ...claims, iss: 'https://evil.test' }, keys.privateKey)}` },
        expect: [401],
      },
      {
        name: 'wrong audience',
        headers: { authorization: `Bearer ${jws(header, { ...claims, aud: 'other' }, keys.privateKey)}` },
        expect: [401],
      },
      {
        name: 'no exp',
        headers: { authorization: `Bearer ${jws(header, { ...claims, exp: undefined }, keys.privateKey)}` },
        expect: [401],
      },
      {
        name: 'unknown kid',
        headers: { authorization: `Bearer ${jws({ ...header, kid: 'k9' }, claims, keys.privateKey)}` },
        expect: [401],
      },
      {
        name: 'kid __proto__',
        headers: { authorization: `Bearer ${jws({ ...header, kid: '__proto__' }, claims, keys.privateKey)}` },
        expect: [401],
      },
      {
        name: 'tampered payload',
        headers: { authorization: `Bearer ${h}.${b64({ ...claims, sub: 'admin' })}.${s}` },
        expect: [401],
      },
      { name: 'payload not JSON', headers: { authorization: `Bearer ${h}.${b64('not json')}.${s}` }, expect: [401] },
      { name: 'payload an array', headers: { authorization: `Bearer ${h}.${b64([1, 2])}.${s}` }, expect: [401] },
      { name: 'header not JSON', headers: { authorization: `Bearer ${b64('{')}.${p}.${s}` }, expect: [401] },
      { name: 'two segments', headers: { authorization: `Bearer ${h}.${p}` }, expect: [401] },
      { name: 'empty bearer', headers: { authorization: 'Bearer ' }, expect: [401] },
      { name: 'Basic scheme', headers: { authorization: 'Basic dXNlcjpwYXNz' }, expect: [401] },
      { name: '9 KB token', headers: { authorization: `Bearer ${'a'.repeat(9_000)}` }, expect: [431, 401] },
      { name: 'unknown API key', headers: { 'x-api-key': 'k_live_guess' }, expect: [401] },
      {
        name: 'the stored hash presented as the key',
        headers: { 'x-api-key': `sha256:${'0'.repeat(64)}` },
        expect: [401],
      },
      { name: '9 KB API key', headers: { 'x-api-key': 'k'.repeat(9_000) }, expect: [431, 401] },
    ];
    const outcomes: string[] = [];
    let allAsExpected = true;
    for (const c of cases) {
      const reply = await send({ port: app.port, path: '/private', agent, headers: c.headers, timeoutMs: 5_000 });
      const ok =
        c.expect.includes(reply.status) && (reply.status !== 401 || reply.headers['www-authenticate'] !== undefined);
      allAsExpected &&= ok;
      if (!ok) outcomes.push(`${c.name}: ${reply.status} (expected ${c.expect.join('/')})`);
    }
    ctx.check(
      'crafted credentials: controls 200, forgeries 401 with WWW-Authenticate (431 when oversized)',
      allAsExpected,
      outcomes.length === 0 ? `${cases.length} cases as expected` : outcomes.join('; '),
    );

    const segment = fc.oneof(
      fc.base64String({ maxLength: 60 }).map((x) => x.replace(/[+/=]/g, '')),
      fc.jsonValue({ maxDepth: 2 }).map((v) => b64(v)),
      fc
        .record({
          alg: fc.constantFrom('none', 'HS256', 'RS256', 'ES256', 'PS256', 'EdDSA', 'RS1', ''),
          kid: fc.oneof(fc.constant('k1'), fc.string({ maxLength: 4 })),
        })
        .map(b64),
      fc.constant(''),
    );
    const credential = fc.oneof(
      fc.tuple(segment, segment, segment).map((parts) => ({ authorization: `Bearer ${parts.join('.')}` })),
      fc.stringMatching(/^[\x21-\x7e]{0,80}$/).map((x) => ({ authorization: `Bearer ${x}` })),
      fc.stringMatching(/^[\x20-\x7e]{0,60}$/).map((x) => ({ authorization: x })),
      fc.stringMatching(/^[\x21-\x7e]{0,80}$/).map((x) => ({ 'x-api-key': x })),
    );
    const statuses = new Map<string, number>();
    await checkAsyncProperty(
      ctx,
      'random credentials: 401 (or 431), never 500 or 200',
      fc.asyncProperty(credential, async (headers) => {
        const reply = await send({ port: app.port, path: '/private', agent, headers, timeoutMs: 5_000 });
        bump(statuses, String(reply.status));
        if (reply.status !== 401 && reply.status !== 431) {
          throw new Error(`answered ${reply.status}: ${reply.body.toString('utf8').slice(0, 200)}`);
        }
      }),
      400,
      'credentials',
    );
    ctx.figure(`random credentials: ${tally(statuses)}`);
    ctx.check('app still running', app.proc.exitInfo === undefined, 'alive');
  },
};
