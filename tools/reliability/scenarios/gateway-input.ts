/**
 * Scenarios 9d and 9e, against the gateway (`weft serve`): forged `X-Forwarded-For` (and `X-Real-IP`, `Forwarded`)
 * without `trustProxy` must not change the rate-limit key; oversized headers must get 431 and oversized bodies 413.
 */
import fc from 'fast-check';
import { startFixture, startGateway } from '../lib/gateway';
import type { Scenario } from '../lib/harness';
import { raw, send } from '../lib/http';
import { seed } from '../lib/property';
import { bump, ms, tally } from '../lib/stats';
import { startApp } from './app-input';

const LIMIT = 10;
const REQUESTS = 30;

const forged = fc.record({
  'x-forwarded-for': fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { minLength: 2, maxLength: 4 }).map((ips) => ips.join(', ')),
    fc.stringMatching(/^[\x21-\x7e]{1,30}$/),
  ),
  'x-real-ip': fc.ipV4(),
  forwarded: fc.ipV4().map((ip) => `for=${ip};proto=https`),
});

export const forgedForwardedFor: Scenario = {
  id: '9d',
  title: 'Bad input: forged X-Forwarded-For',
  load: `${REQUESTS} requests, each with a different forged client address, against a limit of ${LIMIT}; the same with trustProxy: loopback (control)`,
  faults: 'random `X-Forwarded-For` (addresses, lists, garbage), `X-Real-IP`, `Forwarded`',
  budgetMs: 60_000,
  async run(ctx) {
    const headers = fc.sample(forged, { numRuns: REQUESTS, seed });
    const config = (trustProxy: false | string) => ({
      trustProxy,
      loadShedding: false,
      rateLimit: { limit: LIMIT, windowMs: 60_000, algorithm: 'fixed-window' },
      routes: [{ path: '/', response: { body: { ok: true } } }],
    });
    const run = async (port: number) => {
      const statuses = new Map<string, number>();
      const remaining: number[] = [];
      for (const h of headers) {
        const reply = await send({ port, path: '/', headers: h, timeoutMs: 5_000 });
        bump(statuses, String(reply.status));
        const r = /r=(\d+)/.exec(String(reply.headers.ratelimit ?? ''));
        if (r) remaining.push(Number(r[1]));
      }
      return { statuses, remaining };
    };
    const untrusting = await startGateway(ctx, config(false), { name: 'gateway-untrusting' });
    const forgedRun = await run(untrusting.port);
    ctx.figure(`without trustProxy: ${tally(forgedRun.statuses)}`);
    ctx.check(
      `without trustProxy: one key for all, so exactly ${LIMIT} pass`,
      forgedRun.statuses.get('200') === LIMIT && forgedRun.statuses.get('429') === REQUESTS - LIMIT,
      `${tally(forgedRun.statuses)}; RateLimit remaining ${forgedRun.remaining.slice(0, LIMIT + 1).join(', ')}…`,
    );
    const trusting = await startGateway(ctx, config('loopback'), { name: 'gateway-trusting' });
    const trustedRun = await run(trusting.port);
    const distinct = new Set(headers.map((h) => h['x-forwarded-for'])).size;
    ctx.figure(`with trustProxy loopback (control): ${tally(trustedRun.statuses)}`);
    ctx.check(
      'control: with trustProxy the forwarded address is the key (so the test can see a key change)',
      (trustedRun.statuses.get('200') ?? 0) > LIMIT,
      `${tally(trustedRun.statuses)} for ${distinct} distinct X-Forwarded-For values`,
    );
  },
};

export const oversized: Scenario = {
  id: '9e',
  title: 'Bad input: oversized headers and bodies',
  load: 'single requests: 20 KB header, 300 headers, 1 MiB and 2 MiB bodies, a 10 GB Content-Length with no body (gateway proxy routes; a library route reading its body as control)',
  faults: "headers over Node's 16 KiB; bodies over `bodyLimit` (64 KiB on the proxied route, 1 MiB by default)",
  budgetMs: 60_000,
  async run(ctx) {
    const upstream = await startFixture(ctx, 'upstream.ts');
    const gateway = await startGateway(ctx, {
      loadShedding: false,
      rateLimit: { limit: 1_000_000, windowMs: 1_000 },
      upstreams: { app: { url: upstream.url, timeoutMs: 5_000, breaker: false, retry: false } },
      routes: [
        { path: '/', response: { body: { ok: true } } },
        {
          method: 'POST',
          path: '/api/*',
          bodyLimit: 65_536,
          proxy: { upstream: 'app', rewrite: { stripPrefix: '/api' } },
        },
        { method: 'POST', path: '/big/*', proxy: { upstream: 'app', rewrite: { stripPrefix: '/big' } } },
      ],
    });
    const port = gateway.port;
    const bigHeader = await raw(
      port,
      `GET / HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    );
    const manyHeaders = await raw(
      port,
      `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 300 }, (_, i) => `x-h${i}: ${'b'.repeat(60)}\r\n`).join('')}Connection: close\r\n\r\n`,
    );
    ctx.check('a 20 KB header: 431', bigHeader.status === 431, `answered ${bigHeader.status || 'nothing'}`);
    ctx.check('300 headers (20 KB): 431', manyHeaders.status === 431, `answered ${manyHeaders.status || 'nothing'}`);

    const post = (path: string, bytes: number) =>
      send({
        port,
        path,
        method: 'POST',
        body: Buffer.alloc(bytes, 'x'),
        headers: { 'content-type': 'application/octet-stream' },
        timeoutMs: 10_000,
      }).then(
        (r) =>
          `${r.status}${r.status === 200 ? ` (upstream received ${JSON.parse(r.body.toString('utf8')).received} bytes)` : ''}`,
        (e: Error & { code?: string }) => e.code ?? e.message,
      );
    const routeLimit = await post('/api/echo', 1_048_576);
    const globalLimit = await post('/big/echo', 2 * 1_048_576);
    const declared = await raw(
      port,
      'POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n',
      3_000,
    );
    ctx.figure(
      `proxied 1 MiB POST (route bodyLimit 64 KiB): ${routeLimit}; 2 MiB POST (default 1 MiB): ${globalLimit}; 10 GB declared: ${declared.status || 'no answer'} after ${ms(declared.ms)}`,
    );
    ctx.check(
      'proxied route: a body over its bodyLimit is refused 413',
      routeLimit.startsWith('413'),
      `1 MiB POST answered ${routeLimit}`,
    );
    ctx.check(
      'proxied route: a body over the default bodyLimit is refused 413',
      globalLimit.startsWith('413'),
      `2 MiB POST answered ${globalLimit}`,
    );
    ctx.check(
      'proxied route: a declared 10 GB body is refused 413 at once',
      declared.status === 413 && declared.ms < 1_000,
      `answered ${declared.status || 'nothing'} after ${ms(declared.ms)}`,
    );
    ctx.check('gateway still running', gateway.proc.exitInfo === undefined, 'alive');

    // Control: a route that reads its body with ctx.body (an app built with the library, default limit 1 MiB).
    const { app } = await startApp(ctx);
    const json = await send({
      port: app.port,
      path: '/json',
      method: 'POST',
      body: Buffer.alloc(2 * 1_048_576, ' '),
      headers: { 'content-type': 'application/json' },
      timeoutMs: 10_000,
    }).then(
      (r) => String(r.status),
      (e: Error & { code?: string }) => e.code ?? e.message,
    );
    const jsonDeclared = await raw(
      app.port,
      'POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n',
      3_000,
    );
    ctx.check(
      'control: a route reading its body (ctx.body.json) refuses 2 MiB and a declared 10 GB with 413',
      json === '413' && jsonDeclared.status === 413 && jsonDeclared.ms < 1_000,
      `2 MiB: ${json}; 10 GB declared: ${jsonDeclared.status || 'nothing'} after ${ms(jsonDeclared.ms)}`,
    );
  },
};
