/**
 * Scenario 8, bus faults: events are published at a steady rate on Redis Streams to a group of two consumer
 * processes, one of which is SIGKILLed (mid-handler) every 2 s and replaced. Every published event must be handled
 * at least once; duplicates are counted and reported.
 */
import { join } from 'node:path';
import { createBus, type RedisClientLike, redisStreamsTransport } from '../../../packages/bus/src/index';
import { delay, type Scenario, type ScenarioContext, waitUntil } from '../lib/harness';
import { type Proc, repoRoot, startProcess, tsxArgs } from '../lib/proc';
import { RedisServer } from '../lib/redis';
import { count, ms } from '../lib/stats';

const RATE = 100;
const PUBLISH_MS = 8_000;
const KILL_EVERY_MS = 2_000;
const PREFIX = 'reliability:';

async function startConsumer(ctx: ScenarioContext, port: number, name: string): Promise<Proc> {
  const file = join(repoRoot, 'tools', 'reliability', 'fixtures', 'bus-consumer.ts');
  const proc = startProcess(name, process.execPath, tsxArgs(file, [String(port), PREFIX, name]));
  ctx.defer(() => proc.kill());
  await proc.waitFor(/READY/, 20_000);
  return proc;
}

export const busFaults: Scenario = {
  id: '8',
  title: 'Bus: consumers SIGKILLed mid-handler',
  load: `${RATE} events/s for ${PUBLISH_MS / 1000} s on Redis Streams; 2 consumer processes, 4 handlers each (30 ms per event)`,
  faults: `SIGKILL of a consumer every ${KILL_EVERY_MS / 1000} s, replaced at once; pending events reclaimed after 1 s idle`,
  budgetMs: 90_000,
  async run(ctx) {
    const redis = await RedisServer.start(ctx);
    const admin = redis.client();
    let serial = 0;
    const consumers = [
      await startConsumer(ctx, redis.port, `consumer-${serial++}`),
      await startConsumer(ctx, redis.port, `consumer-${serial++}`),
    ];
    const publisherClient = redis.client();
    const bus = createBus<{ 'order.created': { n: number } }>({
      name: 'reliability-publisher',
      transport: redisStreamsTransport({ client: publisherClient as unknown as RedisClientLike, prefix: PREFIX }),
    });
    ctx.defer(() => bus.close());

    let published = 0;
    const started = performance.now();
    const publishing = (async () => {
      const total = (RATE * PUBLISH_MS) / 1000;
      while (published < total && !ctx.signal.aborted) {
        await bus.publish('order.created', { n: published });
        published++;
        const due = started + (published * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await delay(wait);
      }
    })();
    let kills = 0;
    let interruptedAtKills = 0;
    for (let at = KILL_EVERY_MS; at < PUBLISH_MS; at += KILL_EVERY_MS) {
      await delay(started + at - performance.now(), ctx.signal);
      const victim = consumers.shift()!;
      // What the victim had started and not finished when it died.
      const startedNow = Object.values(await admin.hgetall(`${PREFIX}started`)).reduce((a, b) => a + Number(b), 0);
      const handledNow = Object.values(await admin.hgetall(`${PREFIX}handled`)).reduce((a, b) => a + Number(b), 0);
      interruptedAtKills += startedNow - handledNow;
      victim.signal('SIGKILL');
      await victim.exit;
      kills++;
      consumers.push(await startConsumer(ctx, redis.port, `consumer-${serial++}`));
    }
    await publishing;
    const publishMs = performance.now() - started;
    const all = published;
    const handledAll = await waitUntil(
      async () => Object.keys(await admin.hgetall(`${PREFIX}handled`)).length >= all,
      20_000,
      200,
      ctx.signal,
    );
    const drainedMs = performance.now() - started - publishMs;
    const handled = await admin.hgetall(`${PREFIX}handled`);
    const startedCounts = await admin.hgetall(`${PREFIX}started`);
    const missing: number[] = [];
    let duplicates = 0;
    for (let n = 0; n < all; n++) {
      const times = Number(handled[String(n)] ?? 0);
      if (times === 0) missing.push(n);
      else duplicates += times - 1;
    }
    const startedTotal = Object.values(startedCounts).reduce((a, b) => a + Number(b), 0);
    const handledTotal = Object.values(handled).reduce((a, b) => a + Number(b), 0);
    const pending = (await admin.call('XPENDING', `${PREFIX}order.created`, 'workers')) as [number, ...unknown[]];
    const deadLetters = Number(await admin.call('XLEN', `${PREFIX}order.created.dead-letter`));

    ctx.figure(
      `${count(all)} published, ${count(all - missing.length)} handled, ${duplicates} duplicates; ${kills} kills with ≈ ${interruptedAtKills} handlers running`,
    );
    ctx.figure(`everything handled ${ms(drainedMs)} after the last publish`);
    ctx.check(
      'every published event is handled at least once (none lost)',
      handledAll && missing.length === 0,
      missing.length === 0
        ? `${count(all)} of ${count(all)}`
        : `${missing.length} never handled, e.g. ${missing.slice(0, 10).join(', ')}`,
    );
    ctx.check(
      'consumers really were killed mid-handler',
      kills >= 3 && startedTotal > handledTotal - duplicates,
      `${kills} kills; ${startedTotal - handledTotal} handler runs never finished`,
    );
    ctx.check(
      'nothing left pending or dead-lettered',
      pending[0] === 0 && deadLetters === 0,
      `XPENDING ${pending[0]}, dead letters ${deadLetters}`,
    );
    ctx.check(
      'duplicates stay within the interrupted handlers (at-least-once, not more)',
      duplicates <= Math.max(0, startedTotal - handledTotal) + kills * 8,
      `${duplicates} duplicates for ${startedTotal - handledTotal} interrupted runs`,
    );
  },
};
