import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { rateLimitHeaders } from '@weft/ratelimit';
import { type LoopProbe, type LoopReading, Reactor } from '@weft/reactor';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options';
import { HeaderFormatter, Shedder } from './protection';
import { start, testApp } from './test-helpers';

describe('rate limiting', () => {
  it('answers 429 with RateLimit and Retry-After headers once a client is over its limit', async () => {
    const clock = new Reactor();
    const app = testApp({ clock, rateLimit: { limit: 3, windowMs: 60_000 } });
    app.get('/', () => 'ok');
    const limited: number[] = [];
    app.events.on('limited', (_ctx, retryAfterMs) => limited.push(retryAfterMs));
    const from = (remoteAddress: string) => app.inject({ url: '/', remoteAddress });

    const first = await from('192.0.2.1');
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
    expect(first.headers.ratelimit).toBe('"default";r=2;t=20');
    await from('192.0.2.1');
    expect((await from('192.0.2.1')).headers.ratelimit).toBe('"default";r=0;t=60');

    const denied = await from('192.0.2.1');
    expect(denied.status).toBe(429);
    expect(denied.headers['retry-after']).toBe('20');
    expect(denied.headers.ratelimit).toBe('"default";r=0;t=60');
    expect(denied.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(denied.json()).toMatchObject({ status: 429, title: 'Too Many Requests', retryAfterMs: 20_000 });
    expect(limited).toEqual([20_000]);

    expect((await from('198.51.100.9')).status).toBe(200);
    await clock.advanceAsync(20_000);
    expect((await from('192.0.2.1')).status).toBe(200);
    expect((await from('192.0.2.1')).status).toBe(429);
  });

  it('sends no RateLimit headers with headers: false, only Retry-After on a 429, and rejects an unknown dialect', async () => {
    const clock = new Reactor();
    const app = testApp({ clock, rateLimit: { limit: 1, windowMs: 60_000, headers: false } });
    app.get('/', () => 'ok');
    const allowed = await app.inject({ url: '/' });
    expect(allowed.status).toBe(200);
    expect(Object.keys(allowed.headers).filter((name) => name.startsWith('ratelimit'))).toEqual([]);
    const denied = await app.inject({ url: '/' });
    expect(denied.status).toBe(429);
    expect(denied.headers['retry-after']).toBe('60');
    expect(Object.keys(denied.headers).filter((name) => name.startsWith('ratelimit'))).toEqual([]);
    expect(denied.json()).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    expect(() => resolveOptions({ rateLimit: { headers: 'draft-9' as 'draft-8' } })).toThrow(
      new TypeError('rateLimit.headers: expected "draft-8", "draft-7", "draft-6" or false, got "draft-9"'),
    );
  });

  it('counts an IPv6 client by its /64 and honours a custom key', async () => {
    const clock = new Reactor();
    const app = testApp({ clock, rateLimit: { limit: 1, windowMs: 60_000 } });
    app.get('/', () => 'ok');
    expect((await app.inject({ url: '/', remoteAddress: '2001:db8:1:2::1' })).status).toBe(200);
    expect((await app.inject({ url: '/', remoteAddress: '2001:db8:1:2::ffff' })).status).toBe(429);
    const keyed = testApp({
      clock,
      rateLimit: { limit: 1, windowMs: 60_000, key: (ctx) => String(ctx.headers['x-api-key']) },
    });
    keyed.get('/', () => 'ok');
    const withKey = (key: string) => keyed.inject({ url: '/', headers: { 'x-api-key': key } }).then((r) => r.status);
    expect([await withKey('a'), await withKey('b'), await withKey('a')]).toEqual([200, 200, 429]);
  });

  it('formats the RateLimit headers of allowed requests exactly as @weft/ratelimit does, in every draft', () => {
    for (const standard of ['draft-8', 'draft-7', 'draft-6'] as const) {
      const formatter = new HeaderFormatter(standard);
      for (const [limit, windowMs] of [
        [3, 60_000],
        [1_000, 1_000],
        [5, 1_500],
        [7, 250],
      ] as const) {
        for (const remaining of [-1, 0, 1, limit - 1]) {
          for (const resetMs of [0, 1, 999, 1_000, 1_001, windowMs]) {
            const result = { allowed: true, limited: false, limit, windowMs, remaining, resetMs, retryAfterMs: 0 };
            expect(formatter.list(result)).toEqual(Object.entries(rateLimitHeaders(result, { standard })).flat());
          }
        }
      }
    }
  });

  it('keys a keep-alive connection by its peer, and by X-Forwarded-For from a trusted proxy', async () => {
    const app = testApp({ trustProxy: 'loopback', rateLimit: { limit: 1, windowMs: 60_000 } });
    app.get('/', () => 'ok');
    const base = await start(app);
    const agent = new Agent({ connections: 1 });
    const status = async (forwardedFor?: string) => {
      const res = await request(base, {
        dispatcher: agent,
        headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect([await status(), await status()]).toEqual([200, 429]);
    expect([await status('192.0.2.1'), await status('192.0.2.2'), await status('192.0.2.1')]).toEqual([200, 200, 429]);
    expect(await status()).toBe(429);
    await agent.close();
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const app = testApp({ rateLimit: { limit: 2, windowMs: 60_000 } });
    app.get('/', () => 'ok');
    const base = await start(app);
    const statuses: number[] = [];
    for (const forwardedFor of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      const res = await request(base, { headers: { 'x-forwarded-for': forwardedFor } });
      await res.body.dump();
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('does not limit the operations endpoints', async () => {
    const app = testApp({ clock: new Reactor(), rateLimit: { limit: 1, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await app.inject('/healthz')).status).toBe(200);
  });
});

/** A probe whose next readings a test sets. */
function syntheticProbe(): LoopProbe & { next: LoopReading } {
  return {
    next: { delayP50: 0, delayP99: 0, delayMax: 0, utilization: 0 },
    start() {},
    read() {
      return this.next;
    },
    stop() {},
  };
}

describe('load shedding', () => {
  it('does not shed a saturated loop that keeps up by default, and decides on delay with hysteresis', async () => {
    const clock = new Reactor();
    const settings = resolveOptions({}).loadShedding;
    if (settings === false) throw new Error('load shedding is on by default');
    const probe = syntheticProbe();
    const shedder = new Shedder(settings, clock, probe);
    shedder.start();
    const after = (reading: Partial<LoopReading>): boolean => {
      probe.next = { delayP50: 1, delayP99: 5, delayMax: 8, utilization: 1, ...reading };
      clock.advance(500);
      return shedder.overloaded;
    };
    clock.advance(settings.warmupMs);
    // Busy all the time (utilization 1) but with a 5 ms p99 delay: saturated, not overloaded.
    expect(after({})).toBe(false);
    expect(after({ delayP99: 150 })).toBe(false);
    expect(after({ delayP99: 250 })).toBe(true);
    // Hysteresis: still overloaded until the delay falls below half of maxDelayMs, whatever the utilization.
    expect(after({ delayP99: 150 })).toBe(true);
    expect(after({ delayP99: 20, utilization: 1 })).toBe(false);
    shedder.stop();
  });

  it('also sheds on utilization when maxUtilization is set', () => {
    const clock = new Reactor();
    const settings = resolveOptions({ loadShedding: { maxUtilization: 0.9, warmupMs: 0 } }).loadShedding;
    if (settings === false) throw new Error('load shedding is on');
    const probe = syntheticProbe();
    const shedder = new Shedder(settings, clock, probe);
    shedder.start();
    probe.next = { delayP50: 1, delayP99: 5, delayMax: 8, utilization: 0.99 };
    clock.advance(500);
    expect(shedder.overloaded).toBe(true);
    shedder.stop();
  });

  it('answers 503 with Retry-After right after the event loop was blocked, then recovers', async () => {
    const app = testApp({ loadShedding: { maxDelayMs: 50, warmupMs: 0, retryAfterSeconds: 2 } });
    app.get('/', () => 'ok');
    const shed: string[] = [];
    app.events.on('shed', (req) => shed.push(req.url ?? ''));
    const base = await start(app);
    expect((await fetch(base)).status).toBe(200);

    const until = performance.now() + 300;
    while (performance.now() < until) {
      // block the loop, as a runaway synchronous handler would
    }
    const res = await fetch(`${base}/?after=block`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toMatchObject({ detail: 'the server is overloaded; retry later' });
    expect(shed).toEqual(['/?after=block']);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await fetch(base)).status;
    }
    expect(status).toBe(200);
  });
});

describe('operations endpoints', () => {
  it('serves Prometheus metrics that parse, with requests, latency, denials and event-loop delay', async () => {
    const app = testApp({ rateLimit: { limit: 2, windowMs: 60_000 } });
    app.get('/items/:id', () => 'item');
    const base = await start(app);
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/items/${i}`)).text();
    await (await fetch(`${base}/nope`)).text();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    const samples = new Map<string, number>();
    const types = new Map<string, string>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) {
        types.set(type[1]!, type[2]!);
        continue;
      }
      if (line.startsWith('# HELP ')) continue;
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$/.exec(
        line,
      );
      expect(sample, `unparseable metrics line: ${line}`).not.toBeNull();
      samples.set(`${sample![1]}${sample![2] ?? ''}`, Number(sample![3]));
    }
    expect(types.get('weft_http_requests_total')).toBe('counter');
    expect(types.get('weft_http_request_duration_seconds')).toBe('histogram');
    expect(samples.get('weft_http_requests_total{method="GET",route="/items/:id",status="200"}')).toBe(2);
    expect(samples.get('weft_http_requests_total{method="GET",route="/items/:id",status="429"}')).toBe(1);
    expect(samples.get('weft_http_requests_total{method="GET",route="unmatched",status="429"}')).toBe(1);
    expect(samples.get('weft_http_request_duration_seconds_count{method="GET",route="/items/:id",status="200"}')).toBe(
      2,
    );
    expect(samples.get('weft_rate_limited_total')).toBe(2);
    expect(samples.get('weft_shed_total')).toBe(0);
    expect(samples.has('weft_http_requests_in_flight')).toBe(true);
    expect(samples.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });

  it('answers health and readiness, on custom paths or not at all', async () => {
    const app = testApp({ operations: { health: '/live', ready: false, metrics: false } });
    expect((await app.inject('/live')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/readyz')).status).toBe(404);
    expect((await app.inject('/metrics')).status).toBe(404);
    expect((await app.inject('/healthz')).status).toBe(404);
    const ready = testApp();
    expect((await ready.inject('/readyz')).status).toBe(503);
    await start(ready);
    expect((await ready.inject('/readyz')).json()).toEqual({ status: 'listening', ready: true });
    const none = testApp({ operations: false });
    expect((await none.inject('/healthz')).status).toBe(404);
  });
});

describe('structured logs', () => {
  it('writes one pino JSON line per request and one per server error', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    const app = testApp({ logger: { level: 'info', stream } });
    app.get('/ok/:id', () => 'ok');
    app.get('/boom', () => {
      throw new Error('kaput');
    });
    await app.inject('/ok/1');
    await app.inject('/boom');
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed).toHaveLength(2);
    expect(completed[0]).toMatchObject({ level: 30, method: 'GET', url: '/ok/1', route: '/ok/:id', status: 200 });
    expect(typeof completed[0]?.durationMs).toBe('number');
    const failed = lines.find((line) => line.msg === 'request failed');
    expect(failed).toMatchObject({ level: 50, url: '/boom', err: { message: 'kaput' } });
  });
});

describe('timeouts', () => {
  it('cuts off a client that never finishes its headers (slowloris)', async () => {
    const app = testApp({ timeouts: { headersMs: 300, requestMs: 300 } });
    const { port } = new URL(await start(app));
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });
});
