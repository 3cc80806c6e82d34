import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from './bus';
import { redisStreamsTransport } from './redis-streams-transport';
import { type RedisServer, startRedis, waitFor } from './test-redis';

let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis({ durable: true });
});

afterAll(async () => {
  await redis?.stop();
});

describe('redisStreamsTransport across a Redis restart', () => {
  it('resumes publishing and reading after Redis crashes and restarts, and loses no acknowledged event', async () => {
    const options = { blockMs: 100, claimIdleMs: 300, claimIntervalMs: 50 };
    const bus = (name: string) =>
      createBus<{ tick: number }>({ name, transport: redisStreamsTransport({ client: redis.client(), ...options }) });
    const producer = bus('producer');
    const live = bus('live');
    const late = bus('late');
    // `live` reads throughout; `late` only creates its group now and reads after the restart, so that what it
    // gets can only come from what Redis persisted.
    const receivedLive = new Set<number>();
    const connectionErrors: string[] = [];
    live.events.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string') connectionErrors.push(code);
    });
    await live.subscribe('tick', ({ payload }) => void receivedLive.add(payload));
    await (await late.subscribe('tick', () => {}))();

    const acknowledged: number[] = [];
    for (let i = 0; i < 200; i++) {
      if (i === 100) {
        // A crash, not a clean shutdown: only what was fsynced (every acknowledged write) survives.
        await redis.crash();
        // The connection the subscription opened for itself reports its failed reconnects on bus.events (rather
        // than ioredis printing "Unhandled error event").
        await waitFor(() => connectionErrors.includes('ECONNREFUSED'), 3_000, 'a connection error on bus.events');
        const publishing = producer.publish('tick', i).then(() => acknowledged.push(i));
        await redis.start();
        await publishing;
        continue;
      }
      await producer.publish('tick', i);
      acknowledged.push(i);
    }
    expect(acknowledged).toHaveLength(200);

    const receivedLate = new Set<number>();
    await late.subscribe('tick', ({ payload }) => void receivedLate.add(payload));
    await waitFor(
      () => acknowledged.every((i) => receivedLive.has(i) && receivedLate.has(i)),
      10_000,
      'every acknowledged event in both groups',
    );
    await Promise.all([producer.close(), live.close(), late.close()]);
  });
});
