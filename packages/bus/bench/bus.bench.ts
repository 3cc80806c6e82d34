/**
 * Publish + deliver on one local redis-server (started here): @weft/bus on the Streams transport against a bare
 * XADD / XREADGROUP / XACK loop (the physical limit: no envelope, no codec checks, one XACK per batch) and against
 * BullMQ's Queue.add / Worker. Each iteration publishes BURST events at once (pipelined) and waits until every one
 * was handled and acknowledged, one consumer, handlers one at a time (concurrency 1 everywhere). Latency is
 * publish-call to handler-call per event, under that burst; the p50/p99 of every contender are printed at the end.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, bench, describe } from 'vitest';
import { createBus, redisStreamsTransport } from '../src/index';
import { startRedis } from '../src/test-redis';

const BURST = 200;
const options = { time: 3_000, warmupTime: 300, warmupIterations: 1 };

const redis = await startRedis();
const latencies = new Map<string, number[]>();

interface Contender {
  run(): Promise<void>;
  close(): Promise<void>;
}

/** Resolves the promise of the current burst once `BURST` events were handled. */
function counter(name: string) {
  const samples: number[] = [];
  latencies.set(name, samples);
  let left = 0;
  let done: (() => void) | undefined;
  return {
    start(): Promise<void> {
      left = BURST;
      return new Promise((resolve) => {
        done = resolve;
      });
    },
    handled(sentAt: number): void {
      samples.push(performance.now() - sentAt);
      if (--left === 0) done?.();
    },
  };
}

async function weftBus(): Promise<Contender> {
  const count = counter('@weft/bus streams');
  const bus = createBus<{ bench: { t: number } }>({
    name: 'bench',
    transport: redisStreamsTransport({ client: redis.client(), prefix: 'weft:' }),
  });
  await bus.subscribe('bench', ({ payload }) => count.handled(payload.t));
  return {
    async run() {
      const all = count.start();
      const publishing: Promise<string>[] = [];
      for (let i = 0; i < BURST; i++) publishing.push(bus.publish('bench', { t: performance.now() }));
      await Promise.all(publishing);
      await all;
    },
    close: () => bus.close(),
  };
}

async function bareLoop(): Promise<Contender> {
  const count = counter('bare XADD/XREADGROUP');
  const client: Redis = redis.client();
  const reader: Redis = redis.client();
  const key = 'bare:bench';
  await client.call('XGROUP', 'CREATE', key, 'g', '$', 'MKSTREAM');
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const reply = (await reader.call(
        'XREADGROUP',
        'GROUP',
        'g',
        'c',
        'COUNT',
        32,
        'BLOCK',
        100,
        'STREAMS',
        key,
        '>',
      )) as [string, [string, string[]][]] | null;
      if (reply === null) continue;
      const entries =
        typeof reply[0] === 'string' ? reply[1] : (reply as unknown as [[string, [string, string[]][]]])[0][1];
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        count.handled((JSON.parse(fields[1] as string) as { t: number }).t);
        ids.push(id);
      }
      void client.call('XACK', key, 'g', ...ids);
    }
  })();
  return {
    async run() {
      const all = count.start();
      const publishing: Promise<unknown>[] = [];
      for (let i = 0; i < BURST; i++) {
        publishing.push(client.call('XADD', key, '*', 'p', JSON.stringify({ t: performance.now() })));
      }
      await Promise.all(publishing);
      await all;
    },
    async close() {
      stopped = true;
      await loop;
    },
  };
}

async function bullmq(): Promise<Contender> {
  const count = counter('bullmq');
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue('bench', { connection });
  const worker = new Worker(
    'bench',
    async (job) => {
      count.handled((job.data as { t: number }).t);
    },
    { connection, concurrency: 1 },
  );
  await worker.waitUntilReady();
  return {
    async run() {
      const all = count.start();
      const adding: Promise<unknown>[] = [];
      for (let i = 0; i < BURST; i++) {
        adding.push(queue.add('e', { t: performance.now() }, { removeOnComplete: true, removeOnFail: true }));
      }
      await Promise.all(adding);
      await all;
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

const contenders: [string, Contender][] = [
  ['@weft/bus streams', await weftBus()],
  ['bare XADD/XREADGROUP', await bareLoop()],
  ['bullmq', await bullmq()],
];

describe(`publish + deliver ${BURST} events (one iteration)`, () => {
  for (const [name, contender] of contenders) bench(name, () => contender.run(), options);
});

/**
 * The vitest figures above run the contenders one after another, so a change in the load of a shared machine
 * (other jobs) skews their ratios. This runs them in alternation instead, round after round, and prints the median
 * of each round's throughput ratio: the figure to trust on a noisy machine.
 */
async function interleaved(rounds: number): Promise<void> {
  const bursts: Record<string, number> = { '@weft/bus streams': 10, 'bare XADD/XREADGROUP': 10, bullmq: 1 };
  const perRound = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    // A different contender goes first each round: none always follows the same one (BullMQ's background work).
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length] as [string, Contender]);
    for (const [name, contender] of order) {
      const n = bursts[name] ?? 1;
      const started = performance.now();
      for (let i = 0; i < n; i++) await contender.run();
      const rate = (n * BURST * 1000) / (performance.now() - started);
      perRound.set(name, [...(perRound.get(name) ?? []), rate]);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const bare = perRound.get('bare XADD/XREADGROUP') ?? [];
  for (const [name, rates] of perRound) {
    const ratios = rates.map((rate, i) => rate / (bare[i] ?? rate));
    console.log(
      `interleaved, ${rounds} rounds: ${name}: median ${Math.round(median(rates))} events/s, ${median(ratios).toFixed(2)}x the bare loop`,
    );
  }
}

afterAll(async () => {
  for (const [name, samples] of latencies) {
    samples.sort((a, b) => a - b);
    const at = (q: number) => (samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0).toFixed(2);
    console.log(`${name}: ${samples.length} events, latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
  }
  await interleaved(30);
  for (const [, contender] of contenders) await contender.close();
  await redis.stop();
});
