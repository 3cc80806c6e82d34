/**
 * Scenario 1, load: 100 and then 1,000 concurrent keep-alive connections (autocannon, a separate process) against a
 * gateway proxying to an upstream, with a rate limit that the load exceeds on purpose. Zero errors, zero non-2xx
 * other than the configured 429s, and the gateway's RSS under a stated bound.
 */
import { autocannon, statusCounts } from '../lib/autocannon';
import { startFixture, startGateway } from '../lib/gateway';
import type { Scenario, ScenarioContext } from '../lib/harness';
import { sampleRss } from '../lib/proc';
import { count, mb, ms, tally } from '../lib/stats';

const DURATION_SEC = 8;
/** Requests per second the gateway lets through (all load comes from one client address). */
const LIMIT_PER_SEC = 3_000;
/** The RSS the gateway must stay under, per connection count. */
const RSS_BOUND: Record<number, number> = { 100: 256e6, 1000: 384e6 };

async function run(ctx: ScenarioContext, connections: number, shedding: boolean): Promise<void> {
  const upstream = await startFixture(ctx, 'upstream.ts');
  const gateway = await startGateway(ctx, {
    ...(shedding ? {} : { loadShedding: false }),
    rateLimit: { limit: LIMIT_PER_SEC, windowMs: 1_000 },
    upstreams: { app: { url: upstream.url, timeoutMs: 5_000 } },
    routes: [
      { path: '/', response: { body: { ok: true } } },
      { method: '*', path: '/api/*', proxy: { upstream: 'app', rewrite: { stripPrefix: '/api' } } },
    ],
  });
  const rss = sampleRss(gateway.proc.pid);
  const { result } = autocannon({
    url: `http://127.0.0.1:${gateway.port}/api/hello`,
    connections,
    durationSec: DURATION_SEC,
  });
  const r = await result;
  const memory = rss.stop();
  const statuses = statusCounts(r);
  const ok = [...statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, k]) => n + k, 0);
  const limited = statuses.get(429) ?? 0;
  const other = [...statuses].filter(([s]) => (s < 200 || s >= 300) && s !== 429).reduce((n, [, k]) => n + k, 0);
  ctx.figure(
    `${connections} conns: ${count(r.requests.average)} req/s, p99 ${ms(r.latency.p99)}, ${count(ok)} 2xx + ${count(limited)} 429${other > 0 ? ` + ${count(other)} other (${tally(new Map([...statuses].filter(([st]) => st < 200 || (st >= 300 && st !== 429))))})` : ''}, peak RSS ${mb(memory.peak)}`,
  );
  ctx.check(
    `${connections} connections: no errors or timeouts`,
    r.errors === 0 && r.timeouts === 0 && r.resets === 0,
    `errors ${r.errors}, timeouts ${r.timeouts}, resets ${r.resets}`,
  );
  ctx.check(
    `${connections} connections: only 2xx and the configured 429s`,
    other === 0 && ok > 0,
    `statuses ${tally(statuses)}`,
  );
  ctx.check(
    `${connections} connections: 429s only beyond the limit`,
    ok <= LIMIT_PER_SEC * (DURATION_SEC + 2),
    `${count(ok)} let through in ${DURATION_SEC} s at a limit of ${count(LIMIT_PER_SEC)}/s`,
  );
  ctx.check(
    `${connections} connections: gateway RSS under ${mb(RSS_BOUND[connections]!)}`,
    memory.peak < RSS_BOUND[connections]!,
    `peak ${mb(memory.peak)} (at start ${mb(memory.first)})`,
  );
  ctx.check(`${connections} connections: gateway still running`, gateway.proc.exitInfo === undefined, 'alive');
  await gateway.proc.kill();
  await upstream.proc.kill();
}

export const load100: Scenario = {
  id: '1a',
  title: 'Load, 100 connections',
  load: `100 keep-alive connections, ${DURATION_SEC} s (issue: 20 s), autocannon → gateway → upstream`,
  faults: `rate limit ${LIMIT_PER_SEC}/s below the offered load (429s expected)`,
  budgetMs: 60_000,
  run: (ctx) => run(ctx, 100, true),
};

export const load1000: Scenario = {
  id: '1b',
  title: 'Load, 1,000 connections',
  load: `1,000 keep-alive connections, ${DURATION_SEC} s (issue: 20 s), autocannon → gateway → upstream`,
  faults: `rate limit ${LIMIT_PER_SEC}/s below the offered load (429s expected)`,
  budgetMs: 60_000,
  run: (ctx) => run(ctx, 1_000, true),
};

export const loadUnshed: Scenario = {
  id: '1c',
  title: 'Load without load shedding (control)',
  load: `100, then 1,000 keep-alive connections, ${DURATION_SEC} s each, autocannon → gateway → upstream`,
  faults: `rate limit ${LIMIT_PER_SEC}/s below the offered load; \`loadShedding: false\``,
  budgetMs: 90_000,
  async run(ctx) {
    await run(ctx, 100, false);
    await run(ctx, 1_000, false);
  },
};
