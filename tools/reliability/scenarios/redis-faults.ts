/**
 * Scenario 5, Redis faults: two gateway processes share one rate limit in Redis. Under load the redis-server is
 * SIGKILLed and restarted: every request is answered under the configured policy meanwhile (fail open, within the
 * store timeout), neither process crashes, and shared limiting resumes once Redis is back.
 */
import { startGateway } from '../lib/gateway';
import { delay, type Scenario } from '../lib/harness';
import { type CodedError, keepAliveAgent, send } from '../lib/http';
import { RedisServer } from '../lib/redis';
import { bump, count, ms, percentile, tally } from '../lib/stats';

const LIMIT = 100;
const WINDOW_MS = 1_000;
const STORE_TIMEOUT_MS = 100;
/** Offered load, well above the shared limit: 4 clients per gateway, 10 ms apart. */
const CLIENTS = 4;
const PHASES = [
  { name: 'redis up', ms: 3_000 },
  { name: 'redis killed', ms: 3_000 },
  { name: 'redis restarted', ms: 5_000 },
] as const;

interface Sample {
  phase: number;
  at: number;
  status: number | string;
  ms: number;
}

export const redisFaults: Scenario = {
  id: '5',
  title: 'Redis faults under a shared rate limit',
  load: `2 gateways sharing a Redis limit of ${LIMIT}/s, ${CLIENTS} closed-loop clients each (≈ 10× the limit), ${PHASES.reduce((n, p) => n + p.ms, 0) / 1000} s`,
  faults: `redis-server SIGKILLed after ${PHASES[0].ms / 1000} s, restarted ${PHASES[1].ms / 1000} s later (empty)`,
  budgetMs: 60_000,
  async run(ctx) {
    const redis = await RedisServer.start(ctx);
    const config = {
      loadShedding: false,
      rateLimit: { limit: LIMIT, windowMs: WINDOW_MS, store: { redis: redis.url }, storeTimeoutMs: STORE_TIMEOUT_MS },
      routes: [{ path: '/', response: { body: { ok: true } } }],
    };
    const gateways = [
      await startGateway(ctx, config, { name: 'gateway-a' }),
      await startGateway(ctx, config, { name: 'gateway-b' }),
    ];
    const samples: Sample[] = [];
    let phase = 0;
    let phaseStart = performance.now();
    let running = true;
    const worker = async (port: number) => {
      const agent = keepAliveAgent(1);
      ctx.defer(() => agent.destroy());
      while (running && !ctx.signal.aborted) {
        const p = phase;
        const at = performance.now() - phaseStart;
        const started = performance.now();
        try {
          const reply = await send({ port, path: '/', agent, timeoutMs: 5_000 });
          samples.push({ phase: p, at, status: reply.status, ms: reply.ms });
        } catch (error) {
          samples.push({
            phase: p,
            at,
            status: (error as CodedError).code ?? 'error',
            ms: performance.now() - started,
          });
        }
        await delay(10);
      }
    };
    const workers = gateways.flatMap((g) => Array.from({ length: CLIENTS }, () => worker(g.port)));
    let resumedAfterMs = Number.NaN;
    for (let i = 0; i < PHASES.length; i++) {
      if (i === 1) await redis.kill();
      if (i === 2) await redis.restart();
      phase = i;
      phaseStart = performance.now();
      await delay(PHASES[i]!.ms, ctx.signal);
    }
    running = false;
    await Promise.all(workers);

    const of = (p: number) => samples.filter((s) => s.phase === p);
    const statuses = (list: readonly Sample[]) => {
      const map = new Map<string, number>();
      for (const s of list) bump(map, String(s.status));
      return map;
    };
    const allowedRate = (list: readonly Sample[], seconds: number) =>
      list.filter((s) => s.status === 200).length / seconds;
    for (let i = 0; i < PHASES.length; i++) ctx.figure(`${PHASES[i]!.name}: ${tally(statuses(of(i)))}`);

    // Up: one shared limit across both processes (two separate ones would let through twice as much).
    const upRate = allowedRate(of(0), PHASES[0].ms / 1000);
    const expectedUp = (LIMIT + (LIMIT * PHASES[0].ms) / WINDOW_MS) / (PHASES[0].ms / 1000);
    ctx.check(
      'Redis up: both gateways share one limit',
      of(0).some((s) => s.status === 429) && upRate <= expectedUp * 1.15,
      `${upRate.toFixed(0)} allowed/s across both (one shared bucket allows ≈ ${expectedUp.toFixed(0)}/s, two separate ones twice that)`,
    );

    // Killed: every request still answered (fail open), each within the store timeout plus slack.
    const down = of(1);
    const downLatency = percentile(
      down.map((s) => s.ms),
      99,
    );
    const downMax = Math.max(...down.map((s) => s.ms));
    const bad = down.filter((s) => s.status !== 200 && s.status !== 429);
    ctx.figure(`while Redis is down: p99 ${ms(downLatency)}, max ${ms(downMax)}`);
    ctx.check(
      'Redis down: every request answered under the policy (fail open: 200)',
      down.length > 0 && bad.length === 0 && down.filter((s) => s.at > 500).every((s) => s.status === 200),
      `${count(down.length)} requests: ${tally(statuses(down))}`,
    );
    ctx.check(
      `Redis down: answered within the store timeout (${STORE_TIMEOUT_MS} ms) + 400 ms`,
      downMax <= STORE_TIMEOUT_MS + 400,
      `p99 ${ms(downLatency)}, max ${ms(downMax)}`,
    );

    // Restarted: shared limiting resumes.
    const back = of(2);
    const first429 = back.find((s) => s.status === 429);
    resumedAfterMs = first429?.at ?? Number.NaN;
    const settled = back.filter((s) => s.at >= 2_000);
    const settledRate = allowedRate(settled, (PHASES[2].ms - 2_000) / 1000);
    const expectedBack = (LIMIT + (LIMIT * (PHASES[2].ms - 2_000)) / WINDOW_MS) / ((PHASES[2].ms - 2_000) / 1000);
    ctx.figure(`limiting resumed ${ms(resumedAfterMs)} after the restart; then ${settledRate.toFixed(0)} allowed/s`);
    ctx.check(
      'Redis back: shared limiting resumes',
      first429 !== undefined && settledRate <= expectedBack * 1.15,
      `first 429 ${ms(resumedAfterMs)} after the restart; from 2 s on ${settledRate.toFixed(0)} allowed/s (shared ≈ ${expectedBack.toFixed(0)}/s)`,
    );
    const errors = samples.filter((s) => typeof s.status === 'string' || (s.status as number) >= 500);
    ctx.check(
      'no errors and no 5xx in any phase',
      errors.length === 0,
      errors.length === 0 ? 'none' : tally(statuses(errors)),
    );
    ctx.check(
      'both gateways still running',
      gateways.every((g) => g.proc.exitInfo === undefined),
      gateways.map((g) => (g.proc.exitInfo === undefined ? 'alive' : 'exited')).join(', '),
    );
  },
};
