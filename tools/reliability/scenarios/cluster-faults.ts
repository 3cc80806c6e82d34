/**
 * Scenario 6, cluster faults: `weft serve --workers 2` under a steady load. 6a: a worker is SIGKILLed every 2 s;
 * each is respawned, the crash-loop guard does not trip, and the failed requests are counted (at most those in
 * flight on the killed worker). 6b: a rolling reload (SIGHUP) under load, with zero failed requests.
 */
import { startGateway } from '../lib/gateway';
import { delay, type Scenario, type ScenarioContext, waitUntil } from '../lib/harness';
import { type CodedError, keepAliveAgent, send } from '../lib/http';
import { childPids } from '../lib/proc';
import { bump, count, ms, tally } from '../lib/stats';

const WORKERS = 2;
const CLIENTS = 16;
const KILL_EVERY_MS = 2_000;
const KILL_FOR_MS = 10_000;

interface Traffic {
  ok: number;
  failed: Map<string, number>;
  stop(): Promise<void>;
}

/** A steady closed-loop load on keep-alive connections, counting 2xx answers and everything else. */
function traffic(ctx: ScenarioContext, port: number, keepAlive = true): Traffic {
  const agent = keepAlive ? keepAliveAgent(CLIENTS) : false;
  if (agent) ctx.defer(() => agent.destroy());
  let running = true;
  const state: Traffic = {
    ok: 0,
    failed: new Map(),
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
  const worker = async () => {
    while (running && !ctx.signal.aborted) {
      try {
        const reply = await send({ port, path: '/', agent, timeoutMs: 5_000 });
        if (reply.status >= 200 && reply.status < 300) state.ok++;
        else bump(state.failed, String(reply.status));
      } catch (error) {
        bump(state.failed, (error as CodedError).code ?? 'error');
      }
      await delay(2);
    }
  };
  const workers = Array.from({ length: CLIENTS }, worker);
  return state;
}

function failedCount(t: Traffic): number {
  return [...t.failed.values()].reduce((a, b) => a + b, 0);
}

const config = {
  loadShedding: false,
  rateLimit: { limit: 1_000_000, windowMs: 1_000 },
  routes: [{ path: '/', response: { body: { ok: true } } }],
};

export const clusterKills: Scenario = {
  id: '6a',
  title: 'Cluster: a worker SIGKILLed every 2 s',
  load: `${CLIENTS} closed-loop keep-alive clients; ${WORKERS} workers; kills for ${KILL_FOR_MS / 1000} s (issue: 20 s)`,
  faults: `SIGKILL of the oldest worker every ${KILL_EVERY_MS / 1000} s`,
  budgetMs: 60_000,
  async run(ctx) {
    const gateway = await startGateway(ctx, config, { workers: WORKERS });
    const primary = gateway.proc.pid;
    const ready = await waitUntil(() => childPids(primary).length === WORKERS, 10_000, 100, ctx.signal);
    if (!ready) throw new Error(`expected ${WORKERS} workers, found ${childPids(primary).length}`);
    const firstSeen = new Map<number, number>();
    const watch = setInterval(() => {
      for (const pid of childPids(primary)) if (!firstSeen.has(pid)) firstSeen.set(pid, performance.now());
    }, 50);
    ctx.defer(() => clearInterval(watch));
    for (const pid of childPids(primary)) firstSeen.set(pid, performance.now());
    const load = traffic(ctx, gateway.port);
    await delay(1_000, ctx.signal);
    const killed: number[] = [];
    const until = performance.now() + KILL_FOR_MS;
    while (performance.now() < until) {
      const alive = childPids(primary).sort((a, b) => firstSeen.get(a)! - firstSeen.get(b)!);
      const victim = alive[0];
      if (victim !== undefined) {
        process.kill(victim, 'SIGKILL');
        killed.push(victim);
      }
      await delay(KILL_EVERY_MS, ctx.signal);
    }
    const respawned = await waitUntil(
      () => {
        const now = childPids(primary);
        return now.length === WORKERS && now.every((pid) => !killed.includes(pid));
      },
      10_000,
      100,
      ctx.signal,
    );
    await delay(1_000, ctx.signal);
    await load.stop();
    clearInterval(watch);
    const healthy = await send({ port: gateway.port, path: '/', timeoutMs: 2_000 }).catch(() => undefined);
    const failed = failedCount(load);
    const spawned = firstSeen.size - WORKERS;
    ctx.figure(
      `${killed.length} kills, ${spawned} respawns; ${count(load.ok)} ok, ${failed} failed (${tally(load.failed)})`,
    );
    ctx.check(
      'every killed worker is respawned',
      respawned && spawned >= killed.length,
      `${killed.length} killed, ${spawned} new workers, ${childPids(primary).length} running now`,
    );
    ctx.check(
      'the crash-loop guard does not trip (the primary keeps serving)',
      gateway.proc.exitInfo === undefined && healthy?.status === 200,
      gateway.proc.exitInfo === undefined ? `primary alive, answers ${healthy?.status}` : 'the primary exited',
    );
    ctx.check(
      `failed requests at most those in flight on the killed workers (≤ ${CLIENTS} per kill)`,
      failed <= killed.length * CLIENTS,
      `${failed} failed over ${killed.length} kills (${(failed / Math.max(1, killed.length)).toFixed(1)} per kill): ${tally(load.failed)}`,
    );
  },
};

/** SIGHUPs the primary under a steady load and waits until every worker has been replaced. */
async function reloadUnderLoad(
  ctx: ScenarioContext,
  port: number,
  primary: number,
  signal: () => void,
  keepAlive: boolean,
): Promise<void> {
  const before = childPids(primary);
  const load = traffic(ctx, port, keepAlive);
  await delay(1_000, ctx.signal);
  const started = performance.now();
  signal();
  const replaced = await waitUntil(
    () => {
      const now = childPids(primary);
      return now.length === WORKERS && now.every((pid) => !before.includes(pid));
    },
    30_000,
    50,
    ctx.signal,
  );
  const reloadMs = performance.now() - started;
  await delay(1_000, ctx.signal);
  await load.stop();
  const failed = failedCount(load);
  const clients = keepAlive ? 'keep-alive clients' : 'a connection per request';
  ctx.figure(`${clients}: reload took ${ms(reloadMs)}; ${count(load.ok)} ok, ${failed} failed (${tally(load.failed)})`);
  ctx.check(
    `${clients}: every worker replaced`,
    replaced,
    `before ${before.join(', ')}; after ${childPids(primary).join(', ')}`,
  );
  ctx.check(
    `${clients}: zero failed requests during the reload`,
    failed === 0 && load.ok > 0,
    `${count(load.ok)} ok, failed: ${tally(load.failed)}`,
  );
}

export const clusterReload: Scenario = {
  id: '6b',
  title: 'Cluster: rolling reload under load',
  load: `${CLIENTS} closed-loop clients, first with a connection per request, then on keep-alive connections; ${WORKERS} workers`,
  faults: 'SIGHUP to the primary (twice): every worker replaced one by one',
  budgetMs: 90_000,
  async run(ctx) {
    const gateway = await startGateway(ctx, config, { workers: WORKERS });
    const primary = gateway.proc.pid;
    await waitUntil(() => childPids(primary).length === WORKERS, 10_000, 100, ctx.signal);
    const hangUp = () => gateway.proc.signal('SIGHUP');
    await reloadUnderLoad(ctx, gateway.port, primary, hangUp, false);
    await reloadUnderLoad(ctx, gateway.port, primary, hangUp, true);
    ctx.check('the primary still running', gateway.proc.exitInfo === undefined, 'alive');
  },
};
