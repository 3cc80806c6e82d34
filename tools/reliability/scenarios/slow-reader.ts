/**
 * Scenario 3, slow reader: clients read a large streamed (proxied) response at a throttled rate. The gateway must
 * apply backpressure end to end, so its RSS grows by a bounded amount however large the body is: one client, then
 * 50 at once.
 */
import { connect } from 'node:net';
import { type Fixture, startFixture, startGateway } from '../lib/gateway';
import { delay, type Scenario, type ScenarioContext } from '../lib/harness';
import { HOST, send } from '../lib/http';
import { sampleRss } from '../lib/proc';
import { mb, ms } from '../lib/stats';

const MiB = 1024 * 1024;
/** Growth of the gateway's RSS allowed for the whole transfer (the issue's bound). */
const GROWTH_BOUND = 64e6;
const SINGLE = { clients: 1, mib: 160, mibPerSec: 20 };
const MANY = { clients: 50, mib: 8, mibPerSec: 1 };

interface Reading {
  /** The status line (or why there was none). */
  status: string;
  bytes: number;
  complete: boolean;
  ms: number;
}

/** GETs `path` on a raw socket and reads the body at `bytesPerSec` (pausing the socket between reads). */
function slowRead(
  port: number,
  path: string,
  expected: number,
  bytesPerSec: number,
  signal: AbortSignal,
): Promise<Reading> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ port, host: HOST });
    let received = 0;
    let headerDone = false;
    let head = Buffer.alloc(0);
    let resumeTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(resumeTimer);
      socket.destroy();
      signal.removeEventListener('abort', finish);
      resolve({
        status: head.toString('latin1').startsWith('HTTP/1.1 200')
          ? 'HTTP/1.1 200'
          : head.toString('latin1').replace(/^.*\r\n\r\n/s, (h) => `${h.split('\r\n')[0]} `) || 'no answer',
        bytes: received,
        complete: received === expected,
        ms: performance.now() - started,
      });
    };
    signal.addEventListener('abort', finish, { once: true });
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      if (!headerDone) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        headerDone = true;
        chunk = head.subarray(end + 4);
      }
      received += chunk.length;
      if (received >= expected) return finish();
      const allowed = ((performance.now() - started) / 1000) * bytesPerSec;
      if (received > allowed) {
        socket.pause();
        resumeTimer = setTimeout(() => socket.resume(), ((received - allowed) / bytesPerSec) * 1000);
      }
    });
    socket.on('close', finish);
    socket.on('error', finish);
  });
}

async function transfer(
  ctx: ScenarioContext,
  gatewayPort: number,
  gatewayPid: number,
  upstream: Fixture,
  plan: { clients: number; mib: number; mibPerSec: number },
): Promise<void> {
  void upstream;
  const expected = plan.mib * MiB;
  const rss = sampleRss(gatewayPid, 50);
  const started = performance.now();
  const readings = await Promise.all(
    Array.from({ length: plan.clients }, () =>
      slowRead(gatewayPort, `/api/stream?mb=${plan.mib}`, expected, plan.mibPerSec * MiB, ctx.signal),
    ),
  );
  const elapsed = performance.now() - started;
  const memory = rss.stop();
  const growth = memory.peak - memory.first;
  const total = plan.clients * expected;
  const label = plan.clients === 1 ? 'one client' : `${plan.clients} clients`;
  ctx.figure(
    `${label}: ${mb(total)} read at ${plan.mibPerSec} MiB/s each in ${ms(elapsed)}, RSS growth ${mb(growth)} (peak ${mb(memory.peak)})`,
  );
  const incomplete = readings.filter((r) => !r.complete);
  const statuses = new Map<string, number>();
  for (const r of incomplete) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  ctx.check(
    `${label}: every byte arrives`,
    incomplete.length === 0,
    `${plan.clients - incomplete.length}/${plan.clients} complete (${mb(readings.reduce((n, r) => n + r.bytes, 0))} of ${mb(total)})` +
      (incomplete.length > 0 ? `; incomplete: ${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}` : ''),
  );
  ctx.check(
    `${label}: the read really was throttled`,
    elapsed >= (plan.mib / plan.mibPerSec) * 1000 * 0.9,
    `${ms(elapsed)} for ${plan.mib} MiB at ${plan.mibPerSec} MiB/s`,
  );
  ctx.check(
    `${label}: gateway RSS growth under ${mb(GROWTH_BOUND)}`,
    growth < GROWTH_BOUND,
    `grew ${mb(growth)} from ${mb(memory.first)} while ${mb(total)} went through` +
      (plan.clients > 1 ? ` (${mb(growth / plan.clients)} per client)` : ''),
  );
}

export const slowReader: Scenario = {
  id: '3',
  title: 'Slow reader',
  load: `1 client reading ${SINGLE.mib} MiB at ${SINGLE.mibPerSec} MiB/s (issue: 256 MB at 1 MB/s), then ${MANY.clients} clients reading ${MANY.mib} MiB each at ${MANY.mibPerSec} MiB/s, through the proxy`,
  faults: 'clients read far slower than the upstream writes',
  budgetMs: 90_000,
  async run(ctx) {
    const upstream = await startFixture(ctx, 'upstream.ts');
    const gateway = await startGateway(ctx, {
      loadShedding: false,
      rateLimit: { limit: 10_000, windowMs: 1_000 },
      upstreams: { app: { url: upstream.url, timeoutMs: 10_000 } },
      routes: [{ method: '*', path: '/api/*', proxy: { upstream: 'app', rewrite: { stripPrefix: '/api' } } }],
    });
    // Warm up: the pool, the route and the stream path, so that the baseline RSS is not start-up growth.
    for (let i = 0; i < 3; i++) await send({ port: gateway.port, path: '/api/stream?mb=4', timeoutMs: 10_000 });
    await delay(500, ctx.signal);
    await transfer(ctx, gateway.port, gateway.proc.pid, upstream, SINGLE);
    await delay(500, ctx.signal);
    await transfer(ctx, gateway.port, gateway.proc.pid, upstream, MANY);
    ctx.check('gateway still running', gateway.proc.exitInfo === undefined, 'alive');
  },
};
