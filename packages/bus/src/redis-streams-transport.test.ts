import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { constant } from '@weft/retry';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, createBus, type DeadLetter } from './bus';
import type { Envelope } from './envelope';
import { isCodecError, isDeliveryLimitError, isTransportError } from './errors';
import type { RedisClientLike } from './redis-client';
import { type RedisStreamsTransportOptions, redisStreamsTransport } from './redis-streams-transport';
import { type RedisServer, startRedis, waitFor } from './test-redis';

type Topics = { job: number; 'job.dead-letter': DeadLetter<number> };

let redis: RedisServer;
let admin: Redis;
let serial = 0;

beforeAll(async () => {
  redis = await startRedis();
  admin = redis.client();
});

afterAll(async () => {
  await redis?.stop();
});

/** A bus on its own connection (as another process would have), on a key prefix unique to the test. */
function makeBus(prefix: string, options: Partial<RedisStreamsTransportOptions> = {}, name = 'svc'): Bus<Topics> {
  return createBus<Topics>({
    name,
    transport: redisStreamsTransport({
      client: redis.client(),
      prefix,
      blockMs: 100,
      claimIdleMs: 5_000,
      ...options,
    }),
  });
}

async function xackCalls(): Promise<number> {
  const stats = (await admin.call('INFO', 'commandstats')) as string;
  return Number(/cmdstat_xack:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

function uniquePrefix(): string {
  return `t${++serial}-${process.pid}:`;
}

describe('redisStreamsTransport', () => {
  it('gives every event to each of two consumer groups', async () => {
    const prefix = uniquePrefix();
    const billing = makeBus(prefix);
    const shipping = makeBus(prefix);
    const producer = makeBus(prefix);
    const a: number[] = [];
    const b: number[] = [];
    await billing.subscribe('job', ({ payload }) => void a.push(payload), { group: 'billing' });
    await shipping.subscribe('job', ({ payload }) => void b.push(payload), { group: 'shipping' });
    for (let i = 0; i < 20; i++) await producer.publish('job', i);
    await waitFor(() => a.length === 20 && b.length === 20, 5_000, 'both groups');
    const all = Array.from({ length: 20 }, (_, i) => i);
    expect(a).toEqual(all);
    expect(b).toEqual(all);
    await Promise.all([billing.close(), shipping.close(), producer.close()]);
  });

  it('splits the events of one group between two consumers, none handled by both', async () => {
    const prefix = uniquePrefix();
    const one = makeBus(prefix, { batchSize: 1 });
    const two = makeBus(prefix, { batchSize: 1 });
    const byOne: number[] = [];
    const byTwo: number[] = [];
    const slow = () => new Promise((resolve) => setTimeout(resolve, 5));
    await one.subscribe('job', async ({ payload }) => {
      byOne.push(payload);
      await slow();
    });
    await two.subscribe('job', async ({ payload }) => {
      byTwo.push(payload);
      await slow();
    });
    for (let i = 0; i < 40; i++) await one.publish('job', i);
    await waitFor(() => byOne.length + byTwo.length >= 40, 5_000, 'all events');
    await Promise.all([one.close(), two.close()]);
    expect(byOne.length).toBeGreaterThan(0);
    expect(byTwo.length).toBeGreaterThan(0);
    expect(byOne.filter((n) => byTwo.includes(n))).toEqual([]);
    expect([...byOne, ...byTwo].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('preserves the order of a stream for one consumer', async () => {
    const prefix = uniquePrefix();
    const bus = makeBus(prefix, { batchSize: 7 });
    const got: number[] = [];
    await bus.subscribe('job', async ({ payload }) => {
      if (payload % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      got.push(payload);
    });
    await Promise.all(Array.from({ length: 100 }, (_, i) => bus.publish('job', i)));
    await waitFor(() => got.length === 100, 5_000, '100 events');
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await bus.close();
  });

  it('acknowledges an event only after its handler succeeded', async () => {
    const prefix = uniquePrefix();
    const bus = makeBus(prefix);
    let release!: () => void;
    let started = false;
    await bus.subscribe('job', () => {
      started = true;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await bus.publish('job', 1);
    await waitFor(() => started, 5_000, 'the handler');
    const pending = () => admin.call('XPENDING', `${prefix}job`, 'svc') as Promise<[number, ...unknown[]]>;
    expect((await pending())[0]).toBe(1);
    release();
    await waitFor(() => true);
    await bus.close();
    expect((await pending())[0]).toBe(0);
  });

  it('moves an event whose handler fails maxAttempts times to the dead-letter stream, with the error', async () => {
    const prefix = uniquePrefix();
    const bus = makeBus(prefix);
    let calls = 0;
    await bus.subscribe(
      'job',
      () => {
        calls++;
        throw Object.assign(new TypeError(`cannot process (call ${calls})`), { code: 'E_JOB' });
      },
      { retry: { maxAttempts: 4, backoff: constant(5) } },
    );
    const dead: Envelope<DeadLetter<number>>[] = [];
    await bus.subscribe('job.dead-letter', (e) => void dead.push(e), { group: 'ops' });
    const id = await bus.publish('job', 13);
    await waitFor(() => dead.length === 1, 5_000, 'the dead letter');
    expect(calls).toBe(4);
    const record = dead[0]?.payload as DeadLetter<number>;
    expect(record.envelope).toMatchObject({ id, topic: 'job', payload: 13, attempt: 4 });
    expect(record.error).toMatchObject({ name: 'TypeError', message: 'cannot process (call 4)', code: 'E_JOB' });
    expect(record).toMatchObject({ group: 'svc', attempts: 4 });
    // Written and acknowledged in one step: nothing is left pending for the group.
    expect(((await admin.call('XPENDING', `${prefix}job`, 'svc')) as [number])[0]).toBe(0);
    expect(await admin.call('XLEN', `${prefix}job.dead-letter`)).toBe(1);
    await bus.close();
  });

  it('rejects a payload that cannot be encoded and writes nothing', async () => {
    const prefix = uniquePrefix();
    const bus = makeBus(prefix);
    const error = await bus.publish('job', { n: 1n } as unknown as number).catch((e: unknown) => e);
    expect(isCodecError(error)).toBe(true);
    expect(await admin.call('EXISTS', `${prefix}job`)).toBe(0);
    await bus.close();
  });

  it('reports the lag and pending count of each group (XINFO GROUPS)', async () => {
    const prefix = uniquePrefix();
    const consumer = makeBus(prefix);
    const unsubscribe = await consumer.subscribe('job', () => {});
    await unsubscribe();
    for (let i = 0; i < 3; i++) await consumer.publish('job', i);
    expect(await consumer.lag()).toEqual([{ topic: 'job', group: 'svc', consumers: 0, pending: 0, lag: 3 }]);
    await consumer.close();
  });

  it('takes over the events of a consumer SIGKILLed mid-handler, so none is lost', async () => {
    const prefix = uniquePrefix();
    const group = 'workers';
    const survivor = makeBus(prefix, { claimIdleMs: 300, claimIntervalMs: 50 });
    const got: Envelope<number>[] = [];
    const reclaimed: number[] = [];
    survivor.events.on('reclaimed', (_topic, _group, count) => reclaimed.push(count));
    // Subscribe the survivor only after the child took the event, so that the child surely has it.
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(import.meta.dirname, 'fixtures/consumer-child.ts')].concat([
        String(redis.port),
        prefix,
        group,
      ]),
      { cwd: join(import.meta.dirname, '../../..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => output.includes('ready'), 15_000, 'the child consumer');
      await survivor.publish('job', 99);
      await waitFor(() => output.includes('handling 99'), 5_000, 'the child to take the event');
      child.kill('SIGKILL');
      await exited;
      await survivor.subscribe('job', (e) => void got.push(e), { group });
      await waitFor(() => got.length === 1, 5_000, 'the reclaimed event');
    } finally {
      child.kill('SIGKILL');
    }
    expect(got[0]).toMatchObject({ payload: 99, attempt: 2 });
    expect(reclaimed).toEqual([1]);
    await survivor.close();
    expect(((await admin.call('XPENDING', `${prefix}job`, group)) as [number])[0]).toBe(0);
  }, 25_000); // the child process starts through tsx, which takes seconds on a loaded machine

  it('dead-letters with DeliveryLimitError an event delivered more than maxDeliveries times', async () => {
    const prefix = uniquePrefix();
    const key = `${prefix}job`;
    await admin.call('XGROUP', 'CREATE', key, 'svc', '$', 'MKSTREAM');
    const bus = makeBus(prefix, { claimIdleMs: 50, claimIntervalMs: 20 });
    await bus.publish('job', 5);
    // Consumers that take the event and die: each claim counts as a delivery.
    await admin.call('XREADGROUP', 'GROUP', 'svc', 'dead-1', 'COUNT', 1, 'STREAMS', key, '>');
    const [[entryId]] = (await admin.call('XRANGE', key, '-', '+')) as [[string]];
    for (let i = 2; i <= 3; i++) await admin.call('XCLAIM', key, 'svc', `dead-${i}`, 0, entryId);
    const errors: unknown[] = [];
    bus.events.on('deadLettered', (_e, error) => errors.push(error));
    let calls = 0;
    await bus.subscribe('job', () => void calls++, { maxDeliveries: 3 });
    await waitFor(() => errors.length === 1, 5_000, 'the dead letter');
    expect(calls).toBe(0);
    expect(isDeliveryLimitError(errors[0])).toBe(true);
    expect(errors[0]).toMatchObject({ deliveries: 4 });
    await bus.close();
  });

  it('keeps the claim on a slow handler alive, so that another consumer does not take its event', async () => {
    const prefix = uniquePrefix();
    const options = { claimIdleMs: 150, claimIntervalMs: 20 };
    const slow = makeBus(prefix, options);
    const eager = makeBus(prefix, options);
    const handled: string[] = [];
    await slow.subscribe('job', async () => {
      handled.push('slow');
      await new Promise((resolve) => setTimeout(resolve, 600));
    });
    await slow.publish('job', 1);
    await waitFor(() => handled.length === 1, 5_000, 'the slow handler');
    await eager.subscribe('job', () => void handled.push('eager'));
    await slow.close();
    await eager.close();
    expect(handled).toEqual(['slow']);
  });

  it('on close, gives back at once the events it fetched but had not started', async () => {
    const prefix = uniquePrefix();
    const first = makeBus(prefix, { batchSize: 10, blockMs: 60_000 });
    const handled: number[] = [];
    let release!: () => void;
    await first.subscribe('job', ({ payload }) => {
      handled.push(payload);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    for (let i = 0; i < 5; i++) await first.publish('job', i);
    await waitFor(() => handled.length === 1, 5_000, 'the first event');
    const closing = first.close();
    release();
    // Returns although the blocking read waits 60 s: close unblocks it.
    await closing;
    const second = makeBus(prefix, { claimIdleMs: 60_000, claimIntervalMs: 20 });
    const got: Envelope<number>[] = [];
    await second.subscribe('job', (e) => void got.push(e));
    await waitFor(() => got.length === 4, 5_000, 'the given-back events');
    // Given back, not counted as deliveries. (Events taken over may arrive after newer ones: order holds per read.)
    expect(got.map((e) => [e.payload, e.attempt]).sort((x, y) => (x[0] as number) - (y[0] as number))).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    await second.close();
  });

  it('acknowledges the events of one read with one XACK, after their handlers succeeded', async () => {
    const prefix = uniquePrefix();
    const publisher = makeBus(prefix);
    await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publish('job', i)));
    const bus = makeBus(prefix, { batchSize: 64 });
    const got: number[] = [];
    const before = await xackCalls();
    await bus.subscribe('job', ({ payload }) => void got.push(payload), { startAt: 'earliest' });
    await waitFor(() => got.length === 50, 5_000, '50 events');
    await bus.close();
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // One read of 50 entries, handled in one go: one XACK for all of them, sent before close() resolved.
    expect((await xackCalls()) - before).toBe(1);
    expect(((await admin.call('XPENDING', `${prefix}job`, 'svc')) as [number])[0]).toBe(0);
    await publisher.close();
  });

  it('reports a failed XACK once for its batch and delivers those events again (at least once)', async () => {
    const prefix = uniquePrefix();
    const client = redis.client();
    let xackFailures = 1;
    // The real server and client; only the first XACK is lost on the way.
    const flaky: RedisClientLike = {
      call: (command, ...args) =>
        command === 'XACK' && xackFailures-- > 0
          ? Promise.reject(new Error('connection reset'))
          : client.call(command, ...args),
      duplicate: () => client.duplicate(),
      quit: () => client.quit(),
      disconnect: () => client.disconnect(),
    };
    const publisher = makeBus(prefix);
    await Promise.all(Array.from({ length: 5 }, (_, i) => publisher.publish('job', i)));
    const bus = createBus<Topics>({
      name: 'svc',
      transport: redisStreamsTransport({ client: flaky, prefix, blockMs: 100, claimIdleMs: 100 }),
    });
    const errors: unknown[] = [];
    const delivered: number[] = [];
    const handled: [number, number][] = [];
    bus.events.on('error', (error) => errors.push(error));
    bus.events.on('delivered', (e) => delivered.push(e.payload as number));
    await bus.subscribe('job', ({ payload, attempt }) => void handled.push([payload, attempt]), {
      startAt: 'earliest',
    });
    await waitFor(() => delivered.length === 5, 5_000, 'the redelivered events');
    await bus.close();
    expect(errors).toHaveLength(1);
    expect(isTransportError(errors[0])).toBe(true);
    expect((errors[0] as Error).message).toMatch(/Acknowledging 5 entries of .*job as svc failed/);
    expect(((errors[0] as Error).cause as Error).message).toBe('connection reset');
    // Handled once, not acknowledged, so handled again (as a redelivery) and acknowledged then.
    expect(handled.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((i) => [i, 1]));
    expect(handled.slice(5).sort((a, b) => a[0] - b[0])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 2]));
    expect(delivered.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(((await admin.call('XPENDING', `${prefix}job`, 'svc')) as [number])[0]).toBe(0);
    await publisher.close();
  });

  it('rejects unknown and bad options with a TypeError naming them', () => {
    const client = admin;
    expect(() => redisStreamsTransport({ client, maxlen: 5 } as never)).toThrow(
      /redisStreamsTransport: unknown option "maxlen"/,
    );
    expect(() => redisStreamsTransport({ client, claimIdleMs: -1 })).toThrow(/^claimIdleMs: /);
    expect(() => redisStreamsTransport({ client: {} as never })).toThrow(/^client: /);
    expect(() => redisStreamsTransport({ client, consumer: 'a b' })).toThrow(/^consumer: /);
  });
});
