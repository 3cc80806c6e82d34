import { once } from 'node:events';
import { Reactor } from '@weft/reactor';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../tools/testing/redis-server';
import type { RateLimitStoreError } from './errors';
import type { Algorithm } from './policy';
import { RateLimiter } from './rate-limiter';
import { ioredisAdapter, nodeRedisAdapter, RedisStore } from './redis-store';
import { limitArb, opsArb, replay } from './test-models';

interface Client {
  store(prefix?: string): RedisStore;
  ready(): Promise<void>;
  close(): Promise<void>;
}

const clients: Record<string, (url: string) => Promise<Client>> = {
  async ioredis(url) {
    const client = new Redis(url, { retryStrategy: () => 20, maxRetriesPerRequest: null, lazyConnect: true });
    client.on('error', () => {});
    await client.connect();
    return {
      store: (prefix) => new RedisStore({ client: ioredisAdapter(client), prefix }),
      ready: async () => {
        if (client.status !== 'ready') await once(client, 'ready');
      },
      close: async () => void client.disconnect(),
    };
  },
  async 'node-redis'(url) {
    const client = createClient({ url, socket: { reconnectStrategy: () => 20 } });
    client.on('error', () => {});
    await client.connect();
    return {
      // Passed as it is: the store recognises a node-redis client by its sendCommand.
      store: (prefix) => new RedisStore({ client, prefix }),
      ready: async () => {
        if (!client.isReady) await once(client, 'ready');
      },
      close: async () => client.destroy(),
    };
  },
};

const algorithms: Algorithm[] = ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'];
const HOUR = 3_600_000;
// Deadlines for tests that are not about failure: a busy CI machine must not turn them into onStoreError.
const patient = { storeTimeoutMs: 5_000 } as const;

let redis: RedisServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

async function commandCalls(): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) calls[match[1]!] = Number(match[2]);
  return calls;
}

/**
 * Moves the expiry of `key` back by `ms`: for state whose clock is its key's expiry (the single-limit scripts), the
 * same as that much time passing.
 */
async function expire(key: string, ms: number): Promise<void> {
  const left = await admin.pttl(key);
  await admin.pexpire(key, Math.max(1, left - ms));
}

/** `value` is `expected` less the few ms the test itself took (at most 200). */
function near(value: number, expected: number): void {
  expect(value).toBeLessThanOrEqual(expected);
  expect(value).toBeGreaterThan(expected - 200);
}

describe.each(Object.keys(clients))('RedisStore with %s', (kind) => {
  const open: Client[] = [];
  const connect = async () => {
    const client = await clients[kind]!(redis.url);
    open.push(client);
    return client;
  };
  afterAll(async () => {
    for (const client of open) await client.close();
  });

  it.each(algorithms)('%s: two limiters sharing one Redis see one limit', async (algorithm) => {
    const [a, b] = [await connect(), await connect()];
    const prefix = `shared:${kind}:${algorithm}:`;
    const one = new RateLimiter({ algorithm, limit: 5, windowMs: HOUR, store: a.store(prefix), ...patient });
    const two = new RateLimiter({ algorithm, limit: 5, windowMs: HOUR, store: b.store(prefix), ...patient });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await one.consume('user'), await two.consume('user'));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(results[4]).toMatchObject({ remaining: 0, limit: 5, windowMs: HOUR });
    expect(results[5]!.retryAfterMs).toBeGreaterThan(0);
    expect(await two.peek('user')).toMatchObject({ allowed: false, remaining: 0 });
    await one.reset('user');
    expect(await two.peek('user')).toMatchObject({ allowed: true, remaining: 5, resetMs: 0 });
  });

  it.each(algorithms)(
    '%s: a race of 1,000 concurrent consumes for a limit of 100 allows exactly 100',
    async (algorithm) => {
      const stores = [(await connect()).store(`race:${kind}:`), (await connect()).store(`race:${kind}:`)];
      // A generous deadline: this test is about atomicity, and 1,000 queued commands on a busy machine can take
      // longer than the default 100 ms (which would then apply onStoreError).
      const limiters = stores.map(
        (store) =>
          new RateLimiter({
            algorithm,
            limit: 100,
            windowMs: HOUR,
            store,
            storeTimeoutMs: 10_000,
            onStoreError: 'deny',
          }),
      );
      const errors: unknown[] = [];
      for (const limiter of limiters) limiter.on('error', (e) => errors.push(e));
      const results = await Promise.all(
        Array.from({ length: 1_000 }, (_, i) => limiters[i % 2]!.consume(`race-${algorithm}`)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(100);
      expect(results.filter((r) => r.limited)).toHaveLength(900);
      expect(errors).toEqual([]);
      expect(new Set(results.filter((r) => r.allowed).map((r) => r.remaining)).size).toBe(100);
    },
  );

  it('checks several limits in one round trip, consuming none when one denies', async () => {
    const store = (await connect()).store(`multi:${kind}:`);
    const limiter = new RateLimiter({
      algorithm: 'sliding-window',
      limits: [
        { limit: 3, windowMs: HOUR },
        { limit: 2, windowMs: 2 * HOUR },
        { limit: 10, windowMs: 24 * HOUR },
      ],
      store,
      ...patient,
    });
    await admin.config('RESETSTAT');
    const first = await limiter.consume('m');
    expect(first).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    expect(await limiter.consume('m', 2)).toMatchObject({ allowed: false, limit: 2, remaining: 1 });
    expect(await limiter.consume('m')).toMatchObject({ allowed: true, limit: 2, remaining: 0 });
    const calls = await commandCalls();
    expect(calls.evalsha).toBe(3);
    expect(calls.eval ?? 0).toBe(0);
  });

  it('falls back to EVAL once after SCRIPT FLUSH, then uses EVALSHA again', async () => {
    const limiter = new RateLimiter({
      algorithm: 'gcra',
      limit: 10,
      windowMs: HOUR,
      store: (await connect()).store(`flush:${kind}:`),
      ...patient,
    });
    await limiter.consume('f');
    await admin.script('FLUSH');
    await admin.config('RESETSTAT');
    for (let i = 0; i < 5; i++) await limiter.consume('f');
    const calls = await commandCalls();
    expect(calls.eval).toBe(1);
    expect(calls.evalsha).toBe(5); // the one that found NOSCRIPT, then four that ran
    expect(await limiter.peek('f')).toMatchObject({ remaining: 4 });
  });

  it('decides with Redis time: a limiter clock far off changes nothing', async () => {
    const reactor = new Reactor();
    reactor.advance(10 * HOUR);
    const store = (await connect()).store(`time:${kind}:`);
    const skewed = new RateLimiter({
      algorithm: 'token-bucket',
      limit: 2,
      windowMs: HOUR,
      store,
      clock: reactor,
      ...patient,
    });
    const plain = new RateLimiter({ algorithm: 'token-bucket', limit: 2, windowMs: HOUR, store, ...patient });
    await skewed.consume('t');
    expect(await plain.consume('t')).toMatchObject({ allowed: true, remaining: 0 });
    expect(await skewed.consume('t')).toMatchObject({ allowed: false });
  });

  it('keeps the state of different algorithms apart under one prefix and key', async () => {
    const store = (await connect()).store(`mixed:${kind}:`);
    const fixed = new RateLimiter({ algorithm: 'fixed-window', limit: 2, windowMs: HOUR, store, ...patient });
    const gcra = new RateLimiter({
      algorithm: 'gcra',
      limit: 2,
      windowMs: HOUR,
      store,
      ...patient,
      onStoreError: 'deny',
    });
    await fixed.consume('same');
    expect(await gcra.consume('same')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await fixed.consume('same')).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('fixed-window with Redis time: the window is the key’s TTL, and a new one opens when it ends', async () => {
    const store = (await connect()).store(`window:${kind}:`);
    const limiter = new RateLimiter({ algorithm: 'fixed-window', limit: 1, windowMs: 40, store, ...patient });
    expect(await limiter.consume('w')).toMatchObject({ allowed: true, remaining: 0 });
    const denied = await limiter.consume('w');
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(40);
    // Real Redis expiry: wait (bounded) for the window to end.
    let reopened = false;
    for (let i = 0; i < 100 && !reopened; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      reopened = (await limiter.peek('w')).allowed;
    }
    expect(reopened).toBe(true);
    expect(await limiter.consume('w')).toMatchObject({ allowed: true, remaining: 0, resetMs: 40 });
  });

  it.each(algorithms)(
    '%s on Redis time: a burst, then exact denials; peek reads what consume wrote',
    async (algorithm) => {
      const store = (await connect()).store(`burst:${kind}:`);
      const limiter = new RateLimiter({ algorithm, limit: 5, windowMs: HOUR, store, ...patient });
      for (let left = 4; left >= 0; left--) {
        const result = await limiter.consume('b');
        expect(result).toMatchObject({ allowed: true, limited: false, remaining: left, retryAfterMs: 0 });
        // The fast path (consume) and the shared body (peek) keep one state between them.
        expect(await limiter.peek('b')).toMatchObject({ allowed: left > 0, remaining: left });
      }
      const denied = await limiter.consume('b', 2);
      expect(denied).toMatchObject({ allowed: false, limited: true, remaining: 0, limit: 5, windowMs: HOUR });
      // Exact up to the milliseconds the test itself took (generously bounded for a loaded machine).
      const exact: Partial<Record<Algorithm, number>> = {
        'token-bucket': 2 * (HOUR / 5),
        gcra: 2 * (HOUR / 5),
        'fixed-window': HOUR,
      };
      const expected = exact[algorithm];
      if (expected !== undefined) {
        expect(denied.retryAfterMs).toBeLessThanOrEqual(expected);
        expect(denied.retryAfterMs).toBeGreaterThan(expected - 60_000);
      }
      expect((await limiter.consume('b')).allowed).toBe(false);
    },
  );

  it.each(['token-bucket', 'gcra'] as const)(
    '%s on Redis time: the key’s expiry is its clock (fresh, busy, re-based, denied, idle)',
    async (algorithm) => {
      const store = (await connect()).store(`expiry:${kind}:`);
      // Two per second: one every 500 ms.
      const limiter = new RateLimiter({ algorithm, limit: 2, windowMs: 1_000, store, ...patient });
      const key = `expiry:${kind}:${algorithm === 'gcra' ? 'gcra' : 'tb'}:e`;
      const pass = (ms: number) => expire(key, ms);
      const fresh = await limiter.consume('e');
      expect(fresh).toMatchObject({ allowed: true, remaining: 1, resetMs: 500 });
      expect(await admin.pttl(key)).toBeGreaterThan(500);
      const busy = await limiter.consume('e');
      expect(busy).toMatchObject({ allowed: true, remaining: 0 });
      near(busy.resetMs, 1_000);
      const denied = await limiter.consume('e');
      expect(denied).toMatchObject({ allowed: false, remaining: 0 });
      near(denied.retryAfterMs, 500);
      await pass(500);
      const refilled = await limiter.consume('e');
      expect(refilled).toMatchObject({ allowed: true, remaining: 0 });
      near(refilled.resetMs, 1_000);
      // Its TAT passed the expiry, so the key was re-based two windows ahead.
      expect(await admin.pttl(key)).toBeGreaterThan(1_000);
      await pass(1_000);
      // Back to a full quota while the key lives on: the idle path.
      expect(await admin.exists(key)).toBe(1);
      expect(await limiter.consume('e')).toMatchObject({ allowed: true, remaining: 1, resetMs: 500 });
      expect(await limiter.peek('e')).toMatchObject({ allowed: true, remaining: 1 });
    },
  );

  it('sliding-window on Redis time: windows start at the first request and turn with the key’s expiry', async () => {
    const store = (await connect()).store(`slide:${kind}:`);
    const limiter = new RateLimiter({ algorithm: 'sliding-window', limit: 2, windowMs: 1_000, store, ...patient });
    const key = `slide:${kind}:sw:s`;
    const pass = (ms: number) => expire(key, ms);
    expect(await limiter.consume('s')).toMatchObject({ allowed: true, remaining: 1, resetMs: 2_000 });
    expect(await limiter.consume('s')).toMatchObject({ allowed: true, remaining: 0 });
    const over = await limiter.consume('s');
    expect(over).toMatchObject({ allowed: false, remaining: 0 });
    near(over.retryAfterMs, 1_500);
    // The window turns: both requests now weigh as the previous window's, fading over the next second.
    await pass(1_000);
    const turned = await limiter.consume('s');
    expect(turned).toMatchObject({ allowed: false, remaining: 0 });
    near(turned.retryAfterMs, 500);
    near(turned.resetMs, 1_000);
    await pass(500);
    const half = await limiter.consume('s');
    expect(half).toMatchObject({ allowed: true, remaining: 0 });
    near(half.resetMs, 1_500);
    expect(await admin.pttl(key)).toBeGreaterThan(1_000);
    expect(await limiter.peek('s')).toMatchObject({ allowed: false, remaining: 0 });
    const again = await limiter.consume('s');
    expect(again).toMatchObject({ allowed: false, remaining: 0 });
    near(again.retryAfterMs, 500);
  });

  it.each(algorithms)('%s on Redis time with a fractional window (no fast path) still limits', async (algorithm) => {
    const store = (await connect()).store(`fraction:${kind}:`);
    const limiter = new RateLimiter({ algorithm, limit: 2, windowMs: 3_600_000.5, store, ...patient });
    expect(await limiter.consume('f')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.consume('f')).toMatchObject({ allowed: true, remaining: 0 });
    const denied = await limiter.consume('f');
    expect(denied).toMatchObject({ allowed: false, remaining: 0 });
    expect(denied.retryAfterMs).toBeGreaterThan(1_000_000);
    // Sliding windows are aligned to multiples of windowMs here (no fast path): with both requests in the current
    // window, the third is allowed once the previous window's weight has halved, between 0.5 and 1.5 windows on.
    const longest = algorithm === 'sliding-window' ? 1.5 * 3_600_000.5 : 3_600_000.5;
    expect(denied.retryAfterMs).toBeLessThanOrEqual(Math.ceil(longest));
    expect(await limiter.peek('f')).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('agrees between the fast path and the shared body (several limits) on Redis time', async () => {
    const store = (await connect()).store(`agree:${kind}:`);
    for (const algorithm of algorithms) {
      const single = new RateLimiter({ algorithm, limit: 7, windowMs: HOUR, store, ...patient });
      // A second limit that never binds sends every call through the shared body.
      const double = new RateLimiter({
        algorithm,
        limits: [
          { limit: 7, windowMs: HOUR },
          { limit: 1_000, windowMs: 24 * HOUR },
        ],
        store,
        ...patient,
      });
      for (const cost of [1, 3, 2, 2, 1, 7, 1]) {
        const [a, b] = [await single.consume(`s-${algorithm}`, cost), await double.consume(`d-${algorithm}`, cost)];
        expect({ allowed: a.allowed, remaining: a.remaining }).toEqual({ allowed: b.allowed, remaining: b.remaining });
        expect(Math.abs(a.resetMs - b.resetMs)).toBeLessThan(60_000);
        expect(Math.abs(a.retryAfterMs - b.retryAfterMs)).toBeLessThan(60_000);
      }
    }
  });

  it('lets keys expire in Redis once they are back to a full quota', async () => {
    const store = (await connect()).store(`ttl:${kind}:`);
    const limiter = new RateLimiter({ algorithm: 'fixed-window', limit: 5, windowMs: 60_000, store, ...patient });
    await limiter.consume('e');
    const ttl = await admin.pttl(`ttl:${kind}:fw:e`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_001);
  });

  it('applies onStoreError within storeTimeoutMs while Redis is down, and recovers when it is back', async () => {
    const own = await startRedisServer();
    try {
      const client = await clients[kind]!(own.url);
      open.push(client);
      const reactor = new Reactor();
      const limiter = new RateLimiter({
        algorithm: 'sliding-window',
        limit: 3,
        windowMs: HOUR,
        store: client.store('down:'),
        clock: reactor,
        storeTimeoutMs: 100,
        onStoreError: 'deny',
      });
      const errors: RateLimitStoreError[] = [];
      limiter.on('error', (e) => errors.push(e));
      expect(await limiter.consume('k')).toMatchObject({ allowed: true, remaining: 2 });

      await own.stop();
      const during = limiter.consume('k');
      // The client queues the command while it reconnects; only the deadline (virtual time) can answer.
      await reactor.advanceAsync(100);
      expect(await during).toMatchObject({ allowed: false, limited: true, remaining: 0 });
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors.at(-1)).toMatchObject({ code: 'ERR_WEFT_RATELIMIT_STORE', key: 'k' });

      await own.start();
      await client.ready();
      const before = errors.length;
      expect(await limiter.consume('fresh')).toMatchObject({ allowed: true, remaining: 2 });
      expect(errors.length).toBe(before);
    } finally {
      await own.stop();
    }
  });
});

describe('Lua scripts against the reference models', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(redis.url);
  });
  afterAll(() => client.disconnect());
  let run = 0;

  it.each(algorithms)('%s agrees with its model in virtual time, with one limit and with two', async (algorithm) => {
    await fc.assert(
      fc.asyncProperty(limitArb, fc.option(limitArb, { nil: undefined }), opsArb, async (a, b, ops) => {
        const reactor = new Reactor();
        const store = new RedisStore({ client, prefix: `model:${algorithm}:${run++}:`, clock: reactor });
        await replay(algorithm, b ? [a, b] : [a], ops, reactor, (policy, cost) => store.consume('k', policy, cost));
      }),
      { numRuns: 15 },
    );
  });
});

describe('nodeRedisAdapter', () => {
  it('runs the scripts through sendCommand, falling back to EVAL on NOSCRIPT', async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
    try {
      await admin.script('FLUSH');
      const limiter = new RateLimiter({
        algorithm: 'token-bucket',
        limit: 2,
        windowMs: HOUR,
        store: new RedisStore({ client: nodeRedisAdapter(client), prefix: 'adapter:' }),
        ...patient,
      });
      const results = [await limiter.consume('n'), await limiter.consume('n'), await limiter.consume('n')];
      expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    } finally {
      client.destroy();
    }
  });
});

describe('RedisStore options', () => {
  it('rejects a client it cannot use, naming the option', () => {
    expect(() => new RedisStore({ client: {} as never })).toThrow(/client: expected an ioredis or node-redis client/);
    expect(() => new RedisStore(undefined as never)).toThrow(TypeError);
    expect(() => new RedisStore({ client: admin, prefix: 1 as never })).toThrow(/prefix: expected a string, got 1/);
  });
});
