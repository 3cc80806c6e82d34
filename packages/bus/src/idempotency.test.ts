import { Reactor } from '@weft/reactor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencySet, redisIdempotencySet } from './idempotency';
import { type RedisServer, startRedis } from './test-redis';

describe('idempotencySet', () => {
  it('says an id was seen until its TTL passes on the clock', () => {
    const reactor = new Reactor();
    const set = idempotencySet({ ttlMs: 1_000, clock: reactor });
    expect(set.seen('a')).toBe(false);
    expect(set.seen('a')).toBe(true);
    reactor.advance(999);
    expect(set.seen('a')).toBe(true);
    expect(set.seen('b')).toBe(false);
    reactor.advance(1);
    // 'a' expired (seen at 0, TTL 1000); 'b' (seen at 999) has not.
    expect(set.seen('a')).toBe(false);
    expect(set.seen('b')).toBe(true);
  });

  it('forgets expired ids, an id on forget(), and the oldest beyond maxSize', () => {
    const reactor = new Reactor();
    const set = idempotencySet({ ttlMs: 100, maxSize: 3, clock: reactor });
    for (const id of ['a', 'b', 'c', 'd']) set.seen(id);
    expect(set.size).toBe(3);
    expect(set.seen('a')).toBe(false);
    set.forget('a');
    expect(set.seen('a')).toBe(false);
    reactor.advance(100);
    set.seen('z');
    expect(set.size).toBe(1);
    set.clear();
    expect(set.size).toBe(0);
  });

  it('rejects bad options with errors naming them', () => {
    expect(() => idempotencySet({ ttlMs: 0 })).toThrow(RangeError);
    expect(() => idempotencySet({ ttlMs: '1s' as never })).toThrow(/^ttlMs: /);
    expect(() => idempotencySet({ ttlMs: 1, ttl: 1 } as never)).toThrow(/unknown option "ttl"/);
    expect(() => idempotencySet({ ttlMs: 1, maxSize: 0 })).toThrow(/^maxSize: /);
  });
});

describe('redisIdempotencySet', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('lets exactly one of two processes racing on an id see it as new, with a TTL', async () => {
    const one = redisIdempotencySet({ client: redis.client(), ttlMs: 60_000, prefix: 'seen:' });
    const two = redisIdempotencySet({ client: redis.client(), ttlMs: 60_000, prefix: 'seen:' });
    const results = await Promise.all([one.seen('e1'), two.seen('e1'), one.seen('e1'), two.seen('e1')]);
    expect(results.filter((seen) => !seen)).toHaveLength(1);
    const admin = redis.client();
    const ttl = (await admin.call('PTTL', 'seen:e1')) as number;
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await two.forget('e1');
    expect(await one.seen('e1')).toBe(false);
  });
});
