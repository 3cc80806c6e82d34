import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  createServer as createNodeServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Readable } from 'node:stream';
import { Reactor } from '@weft/reactor';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { proxy } from './proxy';
import { start, testApp } from './test-helpers';

/** A plain node:http upstream that records what it receives. */
async function nodeUpstream(handler: Parameters<typeof createNodeServer>[1]) {
  const server = createNodeServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('proxy', () => {
  it('streams a large body both ways, removes hop-by-hop headers and sets X-Forwarded-*', async () => {
    let seen: { headers: IncomingHttpHeaders; url: string | undefined; method: string | undefined } | undefined;
    const upstream = await nodeUpstream((req, res) => {
      seen = { headers: req.headers, url: req.url, method: req.method };
      res.setHeader('x-upstream', 'yes');
      res.setHeader('proxy-authenticate', 'Basic');
      req.pipe(res);
    });
    const app = testApp({ bodyLimit: 16 * 1024 * 1024, upstreams: { echo: upstream.url } });
    app.all('/api/*', proxy('echo', { rewrite: { stripPrefix: '/api', prefix: '/v2' } }));
    const base = await start(app);

    const size = 8 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    const sent = createHash('sha256');
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < size / chunk.length; i++) {
          sent.update(chunk);
          yield chunk;
        }
      })(),
    );
    const res = await request(`${base}/api/upload?x=1`, {
      method: 'POST',
      body,
      headers: { 'x-keep': 'kept', 'content-type': 'app/bin' },
    });
    expect(res.statusCode).toBe(200);
    const received = createHash('sha256');
    let length = 0;
    for await (const part of res.body) {
      received.update(part as Buffer);
      length += (part as Buffer).length;
    }
    expect(length).toBe(size);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
    expect(res.headers['x-upstream']).toBe('yes');
    expect(res.headers['proxy-authenticate']).toBeUndefined();

    expect(seen?.url).toBe('/v2/upload?x=1');
    expect(seen?.method).toBe('POST');
    expect(seen?.headers['x-keep']).toBe('kept');
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-host']).toBe(new URL(base).host);
    expect(seen?.headers.host).toBe(new URL(upstream.url).host);
    await upstream.close();
  });

  it('forwards a body sent with Expect: 100-continue, without counting anything against the breaker', async () => {
    const seen: (string | undefined)[] = [];
    const echo = await nodeUpstream(async (req, res) => {
      seen.push(req.headers.expect);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      res.end(Buffer.concat(chunks));
    });
    const app = testApp({
      upstreams: { echo: { url: echo.url, breaker: { minimumCalls: 1, windowSize: 2, failureRateThreshold: 0.5 } } },
    });
    app.post('/echo', proxy('echo'));
    const changes: string[] = [];
    app.events.on('breakerStateChange', (name, from, to) => changes.push(`${name}: ${from} → ${to}`));
    const base = await start(app);
    const send = () =>
      new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
        const req = httpRequest(`${base}/echo`, {
          method: 'POST',
          headers: { expect: '100-continue', 'content-type': 'text/plain', 'content-length': '5' },
        });
        let continued = false;
        req.on('continue', () => {
          continued = true;
          req.end('hello');
        });
        req.on('response', async (res) => {
          let body = '';
          for await (const chunk of res) body += String(chunk);
          resolve({ status: res.statusCode ?? 0, body, continued });
        });
        req.on('error', reject);
      });
    for (let i = 0; i < 3; i++) expect(await send()).toEqual({ status: 200, body: 'hello', continued: true });
    expect(seen).toEqual([undefined, undefined, undefined]);
    expect(changes).toEqual([]);
    await app.close();
    await echo.close();
  });

  it('enforces bodyLimit on proxied bodies: a declared length up front, a chunked body as it streams', async () => {
    const received: number[] = [];
    const echo = await nodeUpstream(async (req, res) => {
      let bytes = 0;
      try {
        for await (const chunk of req) bytes += (chunk as Buffer).length;
      } catch {
        // the proxy gave up on the body
      }
      received.push(bytes);
      res.end(String(bytes));
    });
    const app = testApp({ bodyLimit: 1_024, upstreams: { echo: { url: echo.url, breaker: false } } });
    app.post('/echo', proxy('echo'));
    const base = await start(app);

    const small = await request(`${base}/echo`, { method: 'POST', body: 'x'.repeat(1_024) });
    expect(small.statusCode).toBe(200);
    expect(await small.body.text()).toBe('1024');

    const declared = await request(`${base}/echo`, { method: 'POST', body: 'x'.repeat(4_096) });
    expect(declared.statusCode).toBe(413);
    expect(await declared.body.json()).toMatchObject({ detail: 'request body larger than 1024 bytes' });

    const chunks = Array.from({ length: 16 }, () => Buffer.alloc(256, 120));
    const chunked = await request(`${base}/echo`, { method: 'POST', body: Readable.from(chunks) });
    expect(chunked.statusCode).toBe(413);
    await chunked.body.dump();
    // The upstream saw the small body whole, never the declared one, and at most the limit of the chunked one.
    expect(received[0]).toBe(1_024);
    expect(received.slice(1).every((bytes) => bytes <= 1_024)).toBe(true);
    await app.close();
    await echo.close();
  });

  it('drops the headers a client lists in Connection', async () => {
    let seen: IncomingHttpHeaders | undefined;
    const upstream = await nodeUpstream((req, res) => {
      seen = req.headers;
      res.end('ok');
    });
    const app = testApp();
    app.get('/', proxy(upstream.url));
    const base = await start(app);
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close, X-Hop\r\nX-Hop: secret\r\nX-Keep: kept\r\n\r\n');
    const [answer] = (await once(socket, 'data')) as [Buffer];
    expect(answer.toString()).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(seen?.['x-keep']).toBe('kept');
    expect(seen?.['x-hop']).toBeUndefined();
    socket.destroy();
    await upstream.close();
  });

  it('answers 502 when the upstream is unreachable and 504 when it misses the deadline of the server clock', async () => {
    let entered!: () => void;
    const inUpstream = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const held: ServerResponse[] = [];
    const slow = await nodeUpstream((_req, res) => {
      held.push(res);
      entered();
    });
    const clock = new Reactor();
    const app = testApp({
      clock,
      upstreams: { down: { url: 'http://127.0.0.1:1', retry: false }, slow: slow.url },
    });
    app.get('/down', proxy('down'));
    app.get('/slow', proxy('slow', { timeoutMs: 2_000, retry: false }));
    const down = await app.inject('/down');
    expect(down.status).toBe(502);
    expect(down.json()).toMatchObject({ title: 'Bad Gateway', detail: 'upstream "down" is unreachable' });
    const pending = app.inject('/slow');
    await inUpstream;
    clock.advance(2_000);
    const late = await pending;
    expect(late.status).toBe(504);
    expect(late.json()).toMatchObject({ title: 'Gateway Timeout', detail: 'upstream "slow" did not answer in time' });
    for (const res of held) res.end();
    await app.close();
    await slow.close();
  });

  it('answers 504 on the system clock too', async () => {
    const held: ServerResponse[] = [];
    const slow = await nodeUpstream((_req, res) => {
      held.push(res);
    });
    const app = testApp({ upstreams: { slow: { url: slow.url, retry: false, breaker: false } } });
    app.get('/slow', proxy('slow', { timeoutMs: 50 }));
    const late = await app.inject('/slow');
    expect(late.status).toBe(504);
    expect(late.json()).toMatchObject({ detail: 'upstream "slow" did not answer in time' });
    for (const res of held) res.end();
    await app.close();
    await slow.close();
  });

  it("keeps a deadline over a second on the server clock, not on undici's coarse timers", async () => {
    // undici's timers above 1 s tick every ~500 ms: a 1 200 ms headers timeout fires at ~1 500 ms or later, after this
    // upstream has answered at 1 400 ms. The server's own timer fires at 1 200 ms.
    const held: NodeJS.Timeout[] = [];
    const slow = await nodeUpstream((_req, res) => {
      held.push(setTimeout(() => res.end('late'), 1_400));
    });
    const app = testApp({ upstreams: { slow: { url: slow.url, retry: false, breaker: false } } });
    app.get('/slow', proxy('slow', { timeoutMs: 1_200 }));
    const late = await app.inject('/slow');
    expect(late.status).toBe(504);
    for (const timer of held) clearTimeout(timer);
    await app.close();
    await slow.close();
  });

  it('retries idempotent requests on 503 but never a POST', async () => {
    const hits: string[] = [];
    const failing = await nodeUpstream((req, res) => {
      hits.push(req.method ?? '');
      req.resume();
      res.statusCode = 503;
      res.end('unavailable');
    });
    const app = testApp({
      upstreams: {
        flaky: { url: failing.url, breaker: false, retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } },
      },
    });
    app.all('/*', proxy('flaky'));
    const get = await app.inject('/thing');
    expect(get.status).toBe(503);
    expect(get.text()).toBe('unavailable');
    expect(hits).toEqual(['GET', 'GET', 'GET']);
    hits.length = 0;
    const post = await app.inject({ method: 'POST', url: '/thing', body: { a: 1 } });
    expect(post.status).toBe(503);
    expect(hits).toEqual(['POST']);
    hits.length = 0;
    await app.inject({ method: 'DELETE', url: '/thing' });
    expect(hits).toEqual(['DELETE', 'DELETE', 'DELETE']);
    await app.close();
    await failing.close();
  });

  it('passes a Retry-After longer than the largest backoff delay to the client instead of waiting it out', async () => {
    const clock = new Reactor();
    let hits = 0;
    const busy = await nodeUpstream((req, res) => {
      hits++;
      res.statusCode = 503;
      res.setHeader('retry-after', req.url === '/soon' ? '1' : '3600');
      res.end('busy');
    });
    const app = testApp({
      clock,
      upstreams: { busy: { url: busy.url, breaker: false, retry: { maxAttempts: 2, maxDelayMs: 1_000 } } },
    });
    app.get('/*', proxy('busy'));
    const held = await app.inject('/later');
    expect(held.status).toBe(503);
    expect(held.headers['retry-after']).toBe('3600');
    expect(held.body.toString()).toBe('busy');
    expect(hits).toBe(1);
    // A wait within the policy is honoured on the server clock: the retry runs once 1 s has passed.
    const soon = app.inject('/soon');
    for (let i = 0; i < 50 && hits < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(hits).toBe(2);
    await clock.advanceAsync(999);
    expect(hits).toBe(2);
    await clock.advanceAsync(1);
    expect((await soon).status).toBe(503);
    expect(hits).toBe(3);
    await app.close();
    await busy.close();
  });

  it('recovers on a retry when the upstream comes back', async () => {
    let calls = 0;
    const flaky = await nodeUpstream((_req, res) => {
      calls++;
      if (calls === 1) res.socket?.destroy();
      else res.end('second time lucky');
    });
    const app = testApp({ upstreams: { flaky: { url: flaky.url, retry: { initialDelayMs: 1, maxDelayMs: 1 } } } });
    app.get('/', proxy('flaky'));
    const res = await app.inject('/');
    expect([res.status, res.text(), calls]).toEqual([200, 'second time lucky', 2]);
    await app.close();
    await flaky.close();
  });

  it('cancels the upstream call when the client goes away', async () => {
    const upstreamApp = testApp();
    let cancelled: unknown;
    let entered!: () => void;
    const inUpstream = new Promise<void>((resolve) => {
      entered = resolve;
    });
    upstreamApp.get('/wait', async (ctx) => {
      entered();
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      cancelled = ctx.signal.reason;
    });
    const upstreamUrl = await start(upstreamApp);
    const app = testApp();
    app.get('/wait', proxy(upstreamUrl));
    const base = await start(app);
    const controller = new AbortController();
    const pending = fetch(`${base}/wait`, { signal: controller.signal }).catch(() => 'aborted');
    await inUpstream;
    controller.abort();
    expect(await pending).toBe('aborted');
    await upstreamApp.close();
    expect(cancelled).toMatchObject({ reason: 'disconnect' });
  });

  it('rejects bad arguments and unknown upstream names', async () => {
    expect(() => proxy('')).toThrow(/proxy: upstream: expected an upstream name or URL/);
    expect(() => proxy('a', { retries: 1 } as never)).toThrow(/proxy: retries: unknown option/);
    expect(() => proxy('a', { timeoutMs: 0 })).toThrow(/proxy: timeoutMs: expected an integer >= 1/);
    expect(() => proxy('a', { rewrite: 'x' as never })).toThrow(/proxy: rewrite: expected a function/);
    const app = testApp({ upstreams: { real: 'http://127.0.0.1:1' } });
    app.get('/', proxy('ghost'));
    const events: unknown[] = [];
    app.events.on('error', (error) => events.push(error));
    expect((await app.inject('/')).status).toBe(500);
    expect(String(events[0])).toContain('unknown upstream "ghost" (configured: real)');
  });
});
