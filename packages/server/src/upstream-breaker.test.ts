import { createServer as createNodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Reactor } from '@weft/reactor';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { proxy } from './proxy';
import { start, testApp } from './test-helpers';

/** An upstream that can be taken down (every connection is cut) and brought back; counts the requests it sees. */
async function switchableUpstream() {
  const state = { down: false, hits: 0, status: 200 };
  const server = createNodeServer((req, res) => {
    state.hits++;
    if (state.down) {
      req.socket.destroy();
      return;
    }
    res.statusCode = state.status;
    res.end(state.status === 200 ? 'up' : 'failing');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { state, url, close };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function breakerState(metrics: string, upstream: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`weft_breaker_state{upstream="${upstream}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('proxy behind a circuit breaker', () => {
  it('opens when the upstream is down, answers 503 without calling it, then a half-open probe closes it', async () => {
    const upstream = await switchableUpstream();
    closers.push(upstream.close);
    const reactor = new Reactor();
    const app = testApp({
      clock: reactor,
      upstreams: {
        api: {
          url: upstream.url,
          retry: false,
          breaker: { windowSize: 4, minimumCalls: 2, failureRateThreshold: 0.6, openDurationMs: 5_000 },
        },
      },
    });
    app.get('/api/*', proxy('api', { rewrite: { stripPrefix: '/api' } }));
    const seen: string[] = [];
    app.events.on('breakerStateChange', (name, from, to) => seen.push(`${name}: ${from} → ${to}`));
    const reasons: string[] = [];
    app.events.on('breakerOpen', (_name, reason) => reasons.push(reason));
    const rejected: string[] = [];
    app.events.on('breakerReject', (name, error) => rejected.push(`${name}: ${error.code}`));
    const base = await start(app);
    const get = async (path: string) => {
      const res = await request(`${base}${path}`);
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    };

    expect((await get('/api/x')).text).toBe('up');
    expect(breakerState(await (await get('/metrics')).text, 'api')).toBe(0);

    upstream.state.down = true;
    expect((await get('/api/x')).status).toBe(502);
    expect((await get('/api/x')).status).toBe(502);
    expect(seen).toEqual(['api: closed → open']);
    expect(reasons).toEqual(['failureRate']);
    const hitsWhenOpened = upstream.state.hits;

    // Open: the fallback answers at once, and the upstream is not called.
    const fast = await get('/api/x');
    expect(fast.status).toBe(503);
    expect(fast.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(fast.headers['retry-after']).toBe('5');
    expect(JSON.parse(fast.text)).toMatchObject({
      status: 503,
      title: 'Service Unavailable',
      detail: 'upstream "api" is failing; its circuit breaker is open',
      upstream: 'api',
    });
    expect(upstream.state.hits).toBe(hitsWhenOpened);
    expect(rejected).toEqual(['api: ERR_WEFT_CIRCUIT_OPEN']);
    const metrics = (await get('/metrics')).text;
    expect(breakerState(metrics, 'api')).toBe(2);
    expect(metrics).toContain('weft_breaker_rejected_total{upstream="api"} 1');

    // The upstream comes back; once openDurationMs has passed on the server's clock, one probe closes the circuit.
    upstream.state.down = false;
    reactor.advance(4_999);
    expect((await get('/api/x')).status).toBe(503);
    reactor.advance(1);
    expect(seen).toEqual(['api: closed → open', 'api: open → half-open']);
    expect(breakerState((await get('/metrics')).text, 'api')).toBe(1);
    const probe = await get('/api/x');
    expect([probe.status, probe.text]).toEqual([200, 'up']);
    expect(seen).toEqual(['api: closed → open', 'api: open → half-open', 'api: half-open → closed']);
    expect(breakerState((await get('/metrics')).text, 'api')).toBe(0);
    expect((await get('/api/y')).text).toBe('up');
  });

  it('counts 5xx answers as failures but still forwards them, and a failed probe re-opens the circuit', async () => {
    const upstream = await switchableUpstream();
    closers.push(upstream.close);
    upstream.state.status = 500;
    const reactor = new Reactor();
    const app = testApp({
      clock: reactor,
      upstreams: {
        api: {
          url: upstream.url,
          retry: false,
          breaker: { windowSize: 2, minimumCalls: 2, failureRateThreshold: 1, openDurationMs: 1_000 },
        },
      },
    });
    app.get('/*', proxy('api'));
    const seen: string[] = [];
    app.events.on('breakerStateChange', (_name, _from, to) => seen.push(to));
    const first = await app.inject('/a');
    expect([first.status, first.text()]).toEqual([500, 'failing']);
    expect((await app.inject('/a')).status).toBe(500);
    expect(seen).toEqual(['open']);
    expect((await app.inject('/a')).status).toBe(503);
    reactor.advance(1_000);
    expect((await app.inject('/a')).text()).toBe('failing');
    expect(seen).toEqual(['open', 'half-open', 'open']);
  });

  it('leaves client errors, opted-out routes and breaker: false upstreams alone', async () => {
    const upstream = await switchableUpstream();
    closers.push(upstream.close);
    upstream.state.status = 503;
    const app = testApp({
      upstreams: {
        guarded: { url: upstream.url, retry: false, breaker: { windowSize: 2, minimumCalls: 2 } },
        bare: { url: upstream.url, retry: false, breaker: false },
      },
    });
    app.get('/guarded/*', proxy('guarded', { breaker: false }));
    app.get('/bare/*', proxy('bare'));
    const opened: string[] = [];
    app.events.on('breakerOpen', (name) => opened.push(name));
    for (let i = 0; i < 4; i++) {
      expect((await app.inject('/guarded/x')).text()).toBe('failing');
      expect((await app.inject('/bare/x')).text()).toBe('failing');
    }
    expect(opened).toEqual([]);
    expect(upstream.state.hits).toBe(8);
    const metrics = await app.inject('/metrics');
    expect(breakerState(metrics.text(), 'guarded')).toBe(0);
    expect(breakerState(metrics.text(), 'bare')).toBeUndefined();
  });

  it('does not retry while the circuit is open', async () => {
    const upstream = await switchableUpstream();
    closers.push(upstream.close);
    upstream.state.down = true;
    const app = testApp({
      upstreams: {
        api: {
          url: upstream.url,
          retry: { maxAttempts: 5, initialDelayMs: 1, maxDelayMs: 1 },
          breaker: { windowSize: 2, minimumCalls: 2, openDurationMs: 60_000 },
        },
      },
    });
    app.get('/*', proxy('api'));
    const res = await app.inject('/x');
    // Two attempts fail and open the circuit; the third is refused by it and ends the retries.
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({ upstream: 'api' });
    expect(upstream.state.hits).toBe(2);
  });
});
