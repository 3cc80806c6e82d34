import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Reactor } from '@weft/reactor';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expressRateLimit, type RateLimitContext, rateLimit } from './middleware';
import { RateLimiter } from './rate-limiter';
import { ask, forkChild, stopChild } from './test-child';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('expressRateLimit in real Express apps (a child process)', () => {
  let app: ChildProcess | undefined;
  let ports: { basic: number; proxied: number; custom: number };
  beforeAll(async () => {
    const forked = await forkChild<typeof ports>('test-express-app');
    app = forked.child;
    ports = forked.ready;
  }, 15_000);
  afterAll(() => stopChild(app));
  const url = (name: keyof typeof ports, path = '/') => `http://127.0.0.1:${ports[name]}${path}`;

  it('answers 429 with headers and Retry-After once the limit is used', async () => {
    const first = await fetch(url('basic'));
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('ok');
    expect(first.headers.get('ratelimit')).toBe('limit=2, remaining=1, reset=60');
    expect(first.headers.get('ratelimit-policy')).toBe('2;w=60');
    await (await fetch(url('basic'))).text();
    await ask(app!, { advanceMs: 30_000 });
    const third = await fetch(url('basic'));
    expect(third.status).toBe(429);
    expect(await third.text()).toBe('Too Many Requests');
    expect(third.headers.get('retry-after')).toBe('30');
    expect(third.headers.get('ratelimit')).toBe('limit=2, remaining=0, reset=30');
  });

  it("keys by req.ip, so Express's trust proxy decides which X-Forwarded-For to believe", async () => {
    const as = (ip: string) => fetch(url('proxied'), { headers: { 'x-forwarded-for': ip } }).then((r) => r.status);
    expect(await as('198.51.100.1')).toBe(200);
    expect(await as('198.51.100.1')).toBe(429);
    expect(await as('198.51.100.2')).toBe(200);
    // Two addresses of one IPv6 /64 share a limit.
    expect(await as('2001:db8:1:2::1')).toBe(200);
    expect(await as('2001:db8:1:2::ffff')).toBe(429);
  });

  it('passes a failing key function to next(error), and honours skip and onLimited', async () => {
    const noUser = await fetch(url('custom'));
    expect([noUser.status, await noUser.text()]).toEqual([400, 'no user']);
    const user = { headers: { 'x-user': 'u1' } };
    expect((await fetch(url('custom'), user)).status).toBe(200);
    const limited = await fetch(url('custom'), user);
    expect([limited.status, await limited.text()]).toEqual([503, 'slow down 60000']);
    expect((await fetch(url('custom', '/health'), user)).status).toBe(200);
  });

  it('rejects bad options naming them', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 1 });
    expect(() => expressRateLimit({} as never)).toThrow(/limiter: expected a RateLimiter/);
    expect(() => expressRateLimit(limiter, { key: 'ip' as never })).toThrow(/key: expected a function, got "ip"/);
    expect(() => expressRateLimit(limiter, { headers: { standard: 'draft-1' as never } })).toThrow(/standard:/);
  });
});

describe('rateLimit (compose-style middleware)', () => {
  interface Ctx extends RateLimitContext {
    req: NonNullable<RateLimitContext['req']>;
    res: { setHeader(name: string, value: string): unknown };
    state: Record<string, unknown>;
  }

  /** A minimal server that builds a context per request and runs the middleware, as @weft/server will. */
  async function serve(middleware: (ctx: Ctx, next: () => Promise<void>) => Promise<void>) {
    return listen(
      createServer(async (req, res) => {
        const ctx: Ctx = { req, res, state: {} };
        await middleware(ctx, async () => {
          ctx.status = 200;
          ctx.body = 'ok';
        });
        res.statusCode = ctx.status ?? 404;
        res.end(String(ctx.body ?? ''));
      }),
    );
  }

  it('sets draft-8 headers, calls next while allowed and answers 429 after', async () => {
    const limiter = new RateLimiter({ algorithm: 'gcra', limit: 2, windowMs: 1_000, clock: new Reactor() });
    const url = await serve(rateLimit<Ctx>(limiter, { headers: { policyName: 'burst' } }));
    const first = await fetch(url);
    expect([first.status, await first.text()]).toEqual([200, 'ok']);
    expect(first.headers.get('ratelimit-policy')).toBe('"burst";q=2;w=1');
    expect(first.headers.get('ratelimit')).toBe('"burst";r=1;t=1');
    await (await fetch(url)).text();
    const third = await fetch(url);
    expect([third.status, await third.text()]).toEqual([429, 'Too Many Requests']);
    expect(third.headers.get('retry-after')).toBe('1');
  });

  it('keys by the socket address unless trustProxy says otherwise, and records the result in ctx.state', async () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, clock: new Reactor() });
    const seen: unknown[] = [];
    const mw = rateLimit<Ctx>(limiter, { trustProxy: 'loopback', headers: false });
    const url = await serve(async (ctx, next) => {
      await mw(ctx, next);
      seen.push(ctx.state.rateLimit);
    });
    const as = (ip: string) => fetch(url, { headers: { 'x-forwarded-for': ip } }).then((r) => r.status);
    expect(await as('203.0.113.5')).toBe(200);
    expect(await as('203.0.113.6')).toBe(200);
    expect(await as('203.0.113.5')).toBe(429);
    expect(seen[2]).toMatchObject({ allowed: false, limit: 1 });
  });

  it('uses a key function and a cost, and sets headers through ctx.set when the context has it (Koa)', async () => {
    const limiter = new RateLimiter({ limit: 3, windowMs: 60_000, clock: new Reactor() });
    const set: [string, string][] = [];
    const ctx = {
      ip: '1.2.3.4',
      set: (n: string, v: string) => set.push([n, v]),
      state: {} as Record<string, unknown>,
    };
    const mw = rateLimit<typeof ctx>(limiter, { key: () => 'tenant-7', cost: 2 });
    let nextCalls = 0;
    await mw(ctx, async () => void nextCalls++);
    await mw(ctx, async () => void nextCalls++);
    expect(nextCalls).toBe(1);
    expect(set.map(([n]) => n)).toContain('Retry-After');
    expect((ctx as RateLimitContext).status).toBe(429);
    expect(await limiter.peek('tenant-7')).toMatchObject({ remaining: 1 });
  });

  it('rejects when it cannot find a key, saying to pass one', async () => {
    const mw = rateLimit(new RateLimiter({ limit: 1, windowMs: 1 }));
    await expect(mw({}, async () => {})).rejects.toThrow(/pass a key function/);
  });
});
