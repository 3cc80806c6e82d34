import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, createBus } from './bus';
import type { Envelope } from './envelope';
import { redisPubSubTransport } from './redis-pubsub-transport';
import { type RedisServer, startRedis, waitFor } from './test-redis';

type Topics = { 'cache.invalidate': { key: string } };

let redis: RedisServer;
let serial = 0;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

function makeBus(prefix: string): Bus<Topics> {
  return createBus<Topics>({ name: 'api', transport: redisPubSubTransport({ client: redis.client(), prefix }) });
}

describe('redisPubSubTransport', () => {
  it('fans every message out to every subscription of every connected process', async () => {
    const prefix = `ps${++serial}:`;
    const [one, two, producer] = [makeBus(prefix), makeBus(prefix), makeBus(prefix)];
    const a: Envelope<{ key: string }>[] = [];
    const b: string[] = [];
    const c: string[] = [];
    await one.subscribe('cache.invalidate', (e) => void a.push(e));
    await one.subscribe('cache.invalidate', ({ payload }) => void c.push(payload.key));
    await two.subscribe('cache.invalidate', ({ payload }) => void b.push(payload.key));
    const id = await producer.publish('cache.invalidate', { key: 'user:1' }, { key: 'k', headers: { from: 'test' } });
    await producer.publish('cache.invalidate', { key: 'user:2' });
    await waitFor(() => a.length === 2 && b.length === 2 && c.length === 2, 5_000, 'three subscriptions');
    expect(a[0]).toMatchObject({
      id,
      topic: 'cache.invalidate',
      payload: { key: 'user:1' },
      key: 'k',
      headers: { from: 'test' },
      attempt: 1,
    });
    expect(b).toEqual(['user:1', 'user:2']);
    expect(c).toEqual(['user:1', 'user:2']);
    await Promise.all([one.close(), two.close(), producer.close()]);
  });

  it('delivers at most once: a subscriber that was not listening misses the message', async () => {
    const prefix = `ps${++serial}:`;
    const [late, producer] = [makeBus(prefix), makeBus(prefix)];
    await producer.publish('cache.invalidate', { key: 'missed' });
    const got: string[] = [];
    await late.subscribe('cache.invalidate', ({ payload }) => void got.push(payload.key));
    await producer.publish('cache.invalidate', { key: 'seen' });
    await waitFor(() => got.length === 1, 5_000, 'the second message');
    expect(got).toEqual(['seen']);
    await Promise.all([late.close(), producer.close()]);
  });

  it('stops delivering after unsubscribe, and subscribes on a duplicated connection, not the given client', async () => {
    const prefix = `ps${++serial}:`;
    const client: Redis = redis.client();
    const bus = createBus<Topics>({ name: 'api', transport: redisPubSubTransport({ client, prefix }) });
    const got: string[] = [];
    const unsubscribe = await bus.subscribe('cache.invalidate', ({ payload }) => void got.push(payload.key));
    // The given client is still usable for ordinary commands (it is not in subscriber mode).
    expect(await client.call('PING')).toBe('PONG');
    await bus.publish('cache.invalidate', { key: 'a' });
    await waitFor(() => got.length === 1, 5_000, 'the first message');
    await unsubscribe();
    await bus.publish('cache.invalidate', { key: 'b' });
    expect(await client.call('PUBSUB', 'NUMSUB', `${prefix}cache.invalidate`)).toEqual([
      `${prefix}cache.invalidate`,
      0,
    ]);
    expect(got).toEqual(['a']);
    await bus.close();
  });

  it('rejects consumer groups and unknown options with a TypeError naming them', async () => {
    const bus = makeBus(`ps${++serial}:`);
    await expect(bus.subscribe('cache.invalidate', () => {}, { group: 'g' })).rejects.toThrow(
      /^group: the redis-pubsub transport has no consumer groups/,
    );
    expect(() => redisPubSubTransport({ client: redis.client(), channel: 'x' } as never)).toThrow(
      /redisPubSubTransport: unknown option "channel"/,
    );
    expect(() => redisPubSubTransport({ client: 'redis://' } as never)).toThrow(/^client: /);
    await bus.close();
  });
});
