/**
 * Scenario 9b, random requests: fast-check builds raw HTTP/1.1 requests (odd methods, paths with every kind of
 * byte and percent-escape, random header names and values, bodies fixed-length or chunked) and sends them to the
 * gateway on raw sockets. No answer may be a 5xx other than the intended 503/504, none may hang, and the gateway must
 * keep running.
 */
import fc from 'fast-check';
import { startFixture, startGateway } from '../lib/gateway';
import type { Scenario } from '../lib/harness';
import { raw, send } from '../lib/http';
import { checkAsyncProperty } from '../lib/property';
import { bump, tally } from '../lib/stats';

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
const method = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
  { weight: 1, arbitrary: fc.constantFrom('TRACE', 'CONNECT', 'PROPFIND', 'PURGE', 'get') },
  { weight: 1, arbitrary: token },
);
/** A path segment: printable ASCII, percent-escapes (valid and broken), dot segments, latin1 bytes. */
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,10}$/) },
  { weight: 2, arbitrary: fc.constantFrom('hello', 'echo', 'slow', 'stream', '1', 'items') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2f',
      '%00',
      '%',
      '%zz',
      '%c0%af',
      '%ff',
      '__proto__',
      'constructor',
      '*',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 6 }).map((s) => s.replace(/[\s?#]/g, '')) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
);
const path = fc.oneof(
  { weight: 5, arbitrary: fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`) },
  { weight: 3, arbitrary: fc.array(segment, { maxLength: 5 }).map((parts) => `/api/${parts.join('/')}`) },
  { weight: 2, arbitrary: fc.array(segment, { maxLength: 3 }).map((parts) => `/items/${parts.join('/')}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('*', 'http://127.0.0.1/api/hello', '//api//hello', '/healthz', '/metrics', '/readyz'),
  },
  { weight: 1, arbitrary: fc.nat({ max: 7_000 }).map((n) => `/${'a'.repeat(n)}`) },
);
const query = fc.option(
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom('__proto__[x]', 'constructor[prototype][x]', 'a[]', 'q', '%', 'a%5B%5D'), token),
        fc.string({ maxLength: 8 }).map(encodeURIComponent),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
  { nil: '' },
);
const headerName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'content-length',
    'transfer-encoding',
    'expect',
    'connection',
    'upgrade',
    'te',
    'trailer',
    'host',
    'x-forwarded-for',
    'x-forwarded-proto',
    'forwarded',
    'authorization',
    'accept-encoding',
    'content-encoding',
    'range',
    'if-none-match',
    '__proto__',
    'constructor',
  ),
  token,
);
const headerValue = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,40}$/) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '100-continue',
      'chunked',
      'gzip',
      'close',
      'keep-alive',
      'websocket',
      'h2c',
      'trailers',
      'application/json',
      'bytes=0-1',
      '-1',
      '1e9',
      '1.2.3.4, ::1',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => `v${String.fromCharCode(c)}`) },
);
const body = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined });

interface RawRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body: Uint8Array | undefined;
  chunked: boolean;
}

const request: fc.Arbitrary<RawRequest> = fc.record({
  method,
  target: fc.tuple(path, query).map(([p, q]) => p + q),
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
  body,
  chunked: fc.boolean(),
});

/** The bytes of a request: framing headers are ours (so that no request waits for bytes that never come). */
function encode(r: RawRequest): Buffer {
  const framing = new Set(['content-length', 'transfer-encoding', 'connection']);
  const lines = [`${r.method} ${r.target} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of r.headers) if (!framing.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
  lines.push('Connection: close');
  const parts: Buffer[] = [];
  if (r.body === undefined) {
    parts.push(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
  } else if (r.chunked) {
    lines.push('Transfer-Encoding: chunked');
    parts.push(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
    if (r.body.length > 0)
      parts.push(Buffer.from(`${r.body.length.toString(16)}\r\n`), Buffer.from(r.body), Buffer.from('\r\n'));
    parts.push(Buffer.from('0\r\n\r\n'));
  } else {
    lines.push(`Content-Length: ${r.body.length}`);
    parts.push(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(r.body));
  }
  return Buffer.concat(parts);
}

export const badRequests: Scenario = {
  id: '9b',
  title: 'Bad input: random requests',
  load: '2 + 7 targeted and 1,000 random raw requests (fast-check), one connection each, to static, parameterised and proxied routes',
  faults:
    'odd methods, broken percent-escapes, dot segments, latin1 bytes, 7 KB paths, random headers (Expect, Upgrade, TE, …), fixed and chunked bodies',
  budgetMs: 120_000,
  async run(ctx) {
    const upstream = await startFixture(ctx, 'upstream.ts');
    // First, two requests a client sends every day: `Expect: 100-continue` (curl does, for large uploads) through the
    // proxy, against a gateway with its breaker on (5 calls decide).
    const guarded = await startGateway(
      ctx,
      {
        rateLimit: { limit: 1_000_000, windowMs: 1_000 },
        upstreams: { app: { url: upstream.url, timeoutMs: 2_000, breaker: { minimumCalls: 5, windowSize: 10 } } },
        routes: [{ method: '*', path: '/api/*', proxy: { upstream: 'app', rewrite: { stripPrefix: '/api' } } }],
      },
      { name: 'gateway-breaker' },
    );
    const expectGet = await raw(
      guarded.port,
      'GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
    );
    const expectPost = await raw(
      guarded.port,
      'POST /api/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello',
    );
    const upstreamAlive = (await send({ port: upstream.port, path: '/hello', timeoutMs: 2_000 })).status === 200;
    ctx.check(
      '`Expect: 100-continue` through the proxy is forwarded (or refused 417), not a 5xx',
      expectGet.status < 500 && expectPost.status < 500 && upstreamAlive,
      `GET answered ${expectGet.status}, POST answered ${expectPost.status}${expectPost.status === 502 ? ' (the upstream is up; undici refuses the expect header and the gateway calls the upstream unreachable)' : ''}`,
    );
    for (let i = 0; i < 6; i++) {
      await raw(
        guarded.port,
        'GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
      );
    }
    const after = await raw(guarded.port, 'GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    ctx.check(
      "requests a client got wrong never open the upstream's breaker for everyone",
      after.status === 200,
      after.status === 200
        ? 'a plain request after 6 such requests: 200'
        : `a plain request after 6 such requests: ${after.status} ${/"detail":"((?:[^"\\]|\\.)*)"/.exec(after.text)?.[1] ?? ''}`,
    );
    await guarded.proc.kill();

    // Then the random requests, against a gateway without breaker or retries, so that each answer depends only on
    // its own request (and fast-check can shrink a failure to its cause).
    const gateway = await startGateway(ctx, {
      rateLimit: { limit: 1_000_000, windowMs: 1_000 },
      bodyLimit: 65_536,
      upstreams: { app: { url: upstream.url, timeoutMs: 2_000, breaker: false, retry: false } },
      routes: [
        { path: '/', response: { body: { ok: true } } },
        { path: '/items/:id', response: { body: { item: true } } },
        { method: '*', path: '/api/*', proxy: { upstream: 'app', rewrite: { stripPrefix: '/api' } } },
      ],
    });
    const statuses = new Map<string, number>();
    const unavailable = new Map<string, number>();

    await checkAsyncProperty(
      ctx,
      'no 5xx other than 503/504, no hang',
      fc.asyncProperty(request, async (r) => {
        const reply = await raw(gateway.port, encode(r), 5_000);

        bump(statuses, reply.status === 0 ? (reply.closed ? 'closed' : 'hang') : String(reply.status));
        if (reply.status === 503)
          bump(unavailable, /"detail":"([^"]*)"/.exec(reply.text)?.[1] ?? reply.text.slice(0, 80));
        if (reply.status === 0 && !reply.closed) throw new Error('no answer within 5 s');
        if (reply.status >= 500 && reply.status !== 503 && reply.status !== 504) {
          throw new Error(`answered ${reply.text.slice(0, 300)}`);
        }
      }),
      1_000,
      'requests',
    );
    ctx.figure(`statuses: ${tally(statuses)}`);
    if (unavailable.size > 0) ctx.figure(`503s: ${tally(unavailable)}`);
    ctx.check(
      'gateway still running',
      gateway.proc.exitInfo === undefined && !/uncaught|unhandled/i.test(gateway.proc.output()),
      gateway.proc.exitInfo === undefined ? 'alive, log clean' : 'exited',
    );
  },
};
