import { createBus, type Envelope, memoryTransport } from '@weft/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../tools/testing/redis-server';
import type { BreakerStateMessage, RequestLimitedMessage } from './bus';
import { proxy } from './proxy';
import { createServer } from './server';
import { start, testApp } from './test-helpers';

/** Resolves with the first `count` envelopes `subscribe` delivers. */
function collect<T>(count: number) {
  const got: Envelope<T>[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const handler = (envelope: Envelope<T>) => {
    got.push(envelope);
    if (got.length === count) done();
  };
  return { got, all, handler };
}

describe('app.bus (memory transport)', () => {
  it('publishes request.limited for each 429 and exports the group lag on /metrics', async () => {
    const app = testApp({
      rateLimit: { limit: 1, windowMs: 60_000 },
      bus: { transport: 'memory', name: 'ops', publishEvents: true },
    });
    app.get('/', () => 'ok');
    expect(app.bus?.name).toBe('ops');
    const limited = collect<RequestLimitedMessage>(1);
    await app.bus?.subscribe('request.limited', limited.handler as never);
    const base = await start(app);
    expect((await fetch(`${base}/?a=1`)).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(429);
    await limited.all;
    expect(limited.got[0]?.topic).toBe('request.limited');
    expect(limited.got[0]?.payload).toMatchObject({ method: 'GET', path: '/', ip: '127.0.0.1' });
    expect(limited.got[0]?.payload.retryAfterMs).toBeGreaterThan(0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/weft_bus_lag\{topic="request\.limited",group="ops"\} 0/);
    expect(metrics).toMatch(/weft_bus_consumers\{topic="request\.limited",group="ops"\} 1/);
    await app.close();
  });

  it('publishes breaker.stateChange when an upstream circuit opens', async () => {
    const failing = testApp();
    failing.get('/', (ctx) => ctx.json({ down: true }, 503));
    const upstreamUrl = await start(failing);
    const app = testApp({
      bus: { transport: 'memory', publishEvents: true },
      upstreams: {
        api: {
          url: upstreamUrl,
          retry: false,
          breaker: { windowSize: 2, minimumCalls: 2, failureRateThreshold: 0.5, openDurationMs: 60_000 },
        },
      },
    });
    app.get('/api', proxy('api', { rewrite: { stripPrefix: '/api' } }));
    const changes = collect<BreakerStateMessage>(1);
    await app.bus?.subscribe('breaker.stateChange', changes.handler as never);
    const base = await start(app);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/api`)).status);
    expect(statuses).toEqual([503, 503, 503]);
    await changes.all;
    expect(changes.got.map((e) => e.payload)).toEqual([{ upstream: 'api', from: 'closed', to: 'open' }]);
  });

  it('publishes nothing of its own without publishEvents, and leaves a bus it was given open', async () => {
    const bus = createBus({ transport: memoryTransport(), name: 'mine' });
    const app = createServer({ bus, rateLimit: { limit: 1, windowMs: 60_000 }, loadShedding: false });
    app.get('/', () => 'ok');
    const seen: string[] = [];
    await bus.subscribe('request.limited', (e) => {
      seen.push(e.id);
    });
    await app.inject('/');
    expect((await app.inject('/')).status).toBe(429);
    await app.close();
    expect(app.bus).toBe(bus);
    expect(seen).toEqual([]);
    // Still open: the app did not close a bus it did not make.
    await expect(bus.publish('after', 1)).resolves.toEqual(expect.any(String));
    await bus.close();
  });

  it('rejects a bad bus option with a TypeError naming the field', () => {
    const make = (bus: unknown) => () => createServer({ bus: bus as never });
    expect(make({ transport: 'kafka' })).toThrow(
      'bus.transport: expected \'memory\', { redisStreams: url } or { redisPubSub: url }, got "kafka"',
    );
    expect(make({ transport: { redisStreams: 'localhost:6379' } })).toThrow(
      'bus.transport.redisStreams: expected a redis:// URL, got "localhost:6379"',
    );
    expect(make({ transport: 'memory', retries: 3 })).toThrow(TypeError);
    expect(make({ transport: 'memory', retries: 3 })).toThrow('bus.retries: unknown option');
    expect(make({ transport: 'memory', name: '' })).toThrow('bus.name: expected a non-empty string');
    expect(make(42)).toThrow('bus: expected a Bus');
  });
});

describe('app.bus (Redis transports)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('carries events between two servers over Redis Streams and reports the group lag', async () => {
    const subscriber = testApp({ bus: { transport: { redisStreams: redis.url }, name: 'audit' } });
    const publisher = testApp({
      rateLimit: { limit: 1, windowMs: 60_000 },
      bus: { transport: { redisStreams: redis.url }, name: 'gateway', publishEvents: true },
    });
    publisher.get('/x', () => 'ok');
    const limited = collect<RequestLimitedMessage>(2);
    await subscriber.bus?.subscribe('request.limited', limited.handler as never);
    const base = await start(publisher);
    await start(subscriber);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/x`)).status);
    expect(statuses).toEqual([200, 429, 429]);
    await limited.all;
    expect(limited.got.map((e) => e.payload.path)).toEqual(['/x', '/x']);
    const metrics = await subscriber.inject('/metrics');
    // The last ack may still be on its way: pending is 0 or 1, the group has one consumer and no lag.
    expect(metrics.text()).toMatch(/weft_bus_pending\{topic="request\.limited",group="audit"\} [01]\n/);
    expect(metrics.text()).toMatch(/weft_bus_consumers\{topic="request\.limited",group="audit"\} 1\n/);
    expect(metrics.text()).toMatch(/weft_bus_lag\{topic="request\.limited",group="audit"\} 0\n/);
  });

  it('fails listen() naming the option when Redis cannot be reached', async () => {
    const app = createServer({ bus: { transport: { redisPubSub: 'redis://127.0.0.1:1' } }, loadShedding: false });
    await expect(app.listen()).rejects.toThrow('bus.transport.redisPubSub: cannot connect to redis://127.0.0.1:1');
  });
});
