/**
 * Scenario 4, upstream faults: under a steady load, the upstream returns 500s, then hangs, then resets connections,
 * then recovers. The breaker must open within its window, answer with the fallback (503) in under 10 ms while
 * open, stay open through failed half-open probes, and close once a probe succeeds; no request may outlive its
 * timeout, the gateway must never answer a 500 of its own, and nothing may go unhandled.
 * 4b: an upstream answering 503 with an absurd `Retry-After` must not hold a retried request past its timeout.
 */
import { metricValue, setFault, startFixture, startGateway, upstreamHits } from '../lib/gateway';
import { delay, type Scenario } from '../lib/harness';
import { type CodedError, keepAliveAgent, type Reply, send } from '../lib/http';
import { bump, count, ms, percentile, tally } from '../lib/stats';

const TIMEOUT_MS = 300;
const BREAKER = {
  failureRateThreshold: 0.5,
  windowSize: 10,
  minimumCalls: 5,
  openDurationMs: 1_500,
  halfOpenMaxCalls: 1,
};
const PHASES = [
  { mode: 'ok', ms: 1_500 },
  { mode: '500', ms: 3_000 },
  { mode: 'hang', ms: 3_000 },
  { mode: 'reset', ms: 3_000 },
  { mode: 'ok', ms: 4_000 },
] as const;
const CONCURRENCY = 4;

type Kind = 'ok' | 'upstream-500' | 'fallback' | 'bad-gateway' | 'timeout' | 'other';

interface Sample {
  phase: number;
  /** The request was in flight when the phase (and the upstream's fault) changed: it belongs to neither. */
  straddles: boolean;
  /** ms since the phase began. */
  at: number;
  kind: Kind;
  status: number | string;
  ms: number;
}

function classify(reply: Reply): Kind {
  const text = reply.body.toString('utf8');
  if (reply.status === 200) return 'ok';
  if (reply.status === 500 && text.includes('"fixture":true')) return 'upstream-500';
  if (reply.status === 503 && text.includes('circuit breaker is open')) return 'fallback';
  if (reply.status === 502) return 'bad-gateway';
  if (reply.status === 504) return 'timeout';
  return 'other';
}

function kindsOf(samples: readonly Sample[]): string {
  const kinds = new Map<string, number>();
  for (const s of samples) bump(kinds, s.kind);
  return tally(kinds);
}

function statusesOf(samples: readonly Sample[]): Map<string, number> {
  const statuses = new Map<string, number>();
  for (const s of samples) bump(statuses, String(s.status));
  return statuses;
}

export const upstreamFaults: Scenario = {
  id: '4a',
  title: 'Upstream faults and the circuit breaker',
  load: `${CONCURRENCY} clients in a closed loop for ${PHASES.reduce((n, p) => n + p.ms, 0) / 1000} s`,
  faults: `upstream: ${PHASES.map((p) => `${p.mode} ${p.ms / 1000} s`).join(' → ')}; timeout ${TIMEOUT_MS} ms, breaker opens at 50% of ≥5 calls, open ${BREAKER.openDurationMs / 1000} s`,
  budgetMs: 60_000,
  async run(ctx) {
    const upstream = await startFixture(ctx, 'upstream.ts');
    const gateway = await startGateway(ctx, {
      loadShedding: false,
      rateLimit: { limit: 100_000, windowMs: 1_000 },
      upstreams: { flaky: { url: upstream.url, timeoutMs: TIMEOUT_MS, retry: false, breaker: BREAKER } },
      routes: [{ method: '*', path: '/api/*', proxy: { upstream: 'flaky', rewrite: { stripPrefix: '/api' } } }],
    });
    const agent = keepAliveAgent(CONCURRENCY);
    ctx.defer(() => agent.destroy());
    const samples: Sample[] = [];
    let phase = 0;
    let phaseStart = performance.now();
    let running = true;
    const worker = async () => {
      while (running && !ctx.signal.aborted) {
        const p = phase;
        const at = performance.now() - phaseStart;
        const started = performance.now();
        try {
          const reply = await send({ port: gateway.port, path: '/api/hello', agent, timeoutMs: 5_000 });
          const straddles = phase !== p;
          samples.push({ phase: p, straddles, at, kind: classify(reply), status: reply.status, ms: reply.ms });
        } catch (error) {
          const code = (error as CodedError).code ?? 'error';
          const straddles = phase !== p;
          samples.push({ phase: p, straddles, at, kind: 'other', status: code, ms: performance.now() - started });
        }
        await delay(5);
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, worker);
    for (let i = 0; i < PHASES.length; i++) {
      // The phase changes before the fault does; a request still in flight across the change may meet either
      // fault, so it is counted in the totals but in no phase (\`straddles\`).
      phase = i;
      phaseStart = performance.now();
      await setFault(upstream, PHASES[i]!.mode);
      await delay(PHASES[i]!.ms, ctx.signal);
    }
    running = false;
    await Promise.all(workers);
    const hits = (await upstreamHits(upstream)).byMode;
    const metrics = await gateway.metrics();

    const of = (p: number) => samples.filter((s) => s.phase === p && !s.straddles);
    const straddling = samples.filter((s) => s.straddles);
    ctx.figure(
      `${count(samples.length)} requests: ${kindsOf(samples)}; ${straddling.length} in flight across a phase change (${kindsOf(straddling)}), counted in no phase`,
    );

    ctx.check(
      'healthy upstream: every request 200',
      of(0).length > 0 && of(0).every((s) => s.kind === 'ok'),
      `${of(0).length} requests: ${kindsOf(of(0))}`,
    );

    // 500s: the breaker opens within its window of calls.
    const failing = of(1);
    const firstFallback = failing.findIndex((s) => s.kind === 'fallback');
    const failedBeforeOpen = failing
      .slice(0, firstFallback === -1 ? failing.length : firstFallback)
      .filter((s) => s.kind === 'upstream-500').length;
    ctx.figure(
      `breaker opened after ${failedBeforeOpen} failed calls, ${ms(failing[firstFallback]?.at ?? Number.NaN)} into the 500s`,
    );
    ctx.check(
      '500s: the breaker opens within its window',
      firstFallback !== -1 && failedBeforeOpen <= BREAKER.windowSize,
      `opened after ${failedBeforeOpen} upstream 500s (window ${BREAKER.windowSize}, minimum ${BREAKER.minimumCalls})`,
    );

    // While open: the fallback answers fast (timed by the gateway itself, in its latency histogram, and by the
    // client, whose figure includes this shared machine's scheduling) and the upstream is left alone.
    const fallbacks = samples.filter((s) => s.kind === 'fallback');
    const clientP50 = percentile(
      fallbacks.map((s) => s.ms),
      50,
    );
    const clientP99 = percentile(
      fallbacks.map((s) => s.ms),
      99,
    );
    const labels = { route: '/api/*', status: '503' };
    const under10 = metricValue(metrics, 'weft_http_request_duration_seconds_bucket', { ...labels, le: '0.01' }) ?? 0;
    const all503 = metricValue(metrics, 'weft_http_request_duration_seconds_count', labels) ?? 0;
    ctx.figure(
      `fallback: ${count(fallbacks.length)} answers, ${((100 * under10) / all503).toFixed(2)}% under 10 ms in the gateway; client-side p50 ${ms(clientP50)}, p99 ${ms(clientP99)}`,
    );
    ctx.check(
      'while open: the fallback answers in under 10 ms (≥ 99% of them, gateway histogram)',
      fallbacks.length > 0 && all503 >= fallbacks.length && under10 >= 0.99 * all503,
      `${count(under10)} of ${count(all503)} 503s took ≤ 10 ms in the gateway (client-side p50 ${ms(clientP50)}, p99 ${ms(clientP99)})`,
    );
    const reached = samples.filter(
      (s) => s.kind === 'upstream-500' || s.kind === 'timeout' || s.kind === 'bad-gateway',
    ).length;
    const faultHits = (hits['500'] ?? 0) + (hits.hang ?? 0) + (hits.reset ?? 0);
    ctx.check(
      'while open: fallback answers never reach the upstream',
      faultHits <= reached,
      `${faultHits} requests reached the failing upstream (${JSON.stringify(hits)}) for ${reached} answers that came from it; ${count(fallbacks.length)} fallbacks did not`,
    );

    // Half-open probes against a hanging and a resetting upstream fail and reopen the breaker.
    const hangProbes = of(2).filter((s) => s.kind === 'timeout');
    const resetProbes = of(3).filter((s) => s.kind === 'bad-gateway');
    ctx.check(
      'hang: probes time out (504) and the breaker stays open',
      hangProbes.length >= 1 &&
        of(2).every((s) => s.kind === 'timeout' || s.kind === 'fallback' || s.kind === 'upstream-500'),
      `${hangProbes.length} probes answered 504 after ${ms(Math.max(...hangProbes.map((s) => s.ms)))} at most; ${kindsOf(of(2))}`,
    );
    ctx.check(
      'reset: probes fail (502) and the breaker stays open',
      resetProbes.length >= 1 &&
        of(3).every((s) => s.kind === 'bad-gateway' || s.kind === 'fallback' || s.kind === 'timeout'),
      `${resetProbes.length} probes answered 502; ${kindsOf(of(3))}`,
    );

    // Recovery: a probe succeeds and the breaker closes.
    const recovery = of(4);
    const firstOk = recovery.find((s) => s.kind === 'ok');
    const tailOk = recovery.filter((s) => s.at > BREAKER.openDurationMs + 1_000);
    const state = metricValue(metrics, 'weft_breaker_state', { upstream: 'flaky' });
    ctx.figure(
      `recovered ${ms(firstOk?.at ?? Number.NaN)} after the upstream did (open for ${BREAKER.openDurationMs / 1000} s)`,
    );
    ctx.check(
      'recovery: a half-open probe closes the breaker',
      firstOk !== undefined && tailOk.length > 0 && tailOk.every((s) => s.kind === 'ok') && state === 0,
      `first 200 ${ms(firstOk?.at ?? Number.NaN)} after recovery; ${tailOk.length} requests after that all 200: ${tailOk.every((s) => s.kind === 'ok')}; weft_breaker_state ${state}`,
    );

    const slowest = Math.max(...samples.map((s) => s.ms));
    ctx.check(
      `no request outlives the ${TIMEOUT_MS} ms timeout (+ 700 ms slack)`,
      slowest <= TIMEOUT_MS + 700,
      `slowest answer ${ms(slowest)}`,
    );
    const other = samples.filter((s) => s.kind === 'other');
    ctx.check(
      'no other answers (no gateway 500, no dropped connection)',
      other.length === 0,
      other.length === 0 ? 'none' : tally(statusesOf(other)),
    );
    const log = gateway.proc.output();
    ctx.check(
      'no unhandled rejection, gateway still running',
      gateway.proc.exitInfo === undefined && !/unhandled|uncaught/i.test(log),
      gateway.proc.exitInfo === undefined ? 'alive, log clean' : 'exited',
    );
  },
};

export const retryAfterAbuse: Scenario = {
  id: '4b',
  title: 'Upstream 503 with an absurd Retry-After',
  load: '5 concurrent GETs through a route that retries (the default 3 attempts, backoff ≤ 200 ms)',
  faults: 'upstream answers 503 with `Retry-After: 3600`; per-attempt timeout 300 ms',
  budgetMs: 60_000,
  async run(ctx) {
    const upstream = await startFixture(ctx, 'upstream.ts');
    const gateway = await startGateway(ctx, {
      loadShedding: false,
      upstreams: {
        app: {
          url: upstream.url,
          timeoutMs: TIMEOUT_MS,
          breaker: false,
          retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 200 },
        },
      },
      routes: [{ method: '*', path: '/api/*', proxy: { upstream: 'app', rewrite: { stripPrefix: '/api' } } }],
    });
    await setFault(upstream, '503-retry-after');
    const bound = 3 * TIMEOUT_MS + 2 * 200 + 1_000;
    const results = await Promise.all(
      Array.from({ length: 5 }, async () => {
        try {
          const reply = await send({ port: gateway.port, path: '/api/hello', timeoutMs: 6_000 });
          return { status: String(reply.status), ms: reply.ms };
        } catch (error) {
          return { status: (error as CodedError).code ?? 'error', ms: 6_000 };
        }
      }),
    );
    const slowest = Math.max(...results.map((r) => r.ms));
    ctx.figure(`answers: ${results.map((r) => r.status).join(', ')}; slowest ${ms(slowest)}`);
    ctx.check(
      `each retried request is answered within its budget (${ms(bound)}: 3 attempts + 2 backoffs + slack)`,
      slowest <= bound,
      results.every((r) => r.status === 'ECLIENTTIMEOUT')
        ? "no answer within 6 s: the gateway waits out the upstream's Retry-After (3600 s) before retrying"
        : `slowest ${ms(slowest)}; statuses ${results.map((r) => r.status).join(', ')}`,
    );
    ctx.check(
      "answered 503 (the upstream's answer, passed on) rather than held",
      results.every((r) => r.status === '503'),
      `statuses ${results.map((r) => r.status).join(', ')}`,
    );
    ctx.check('gateway still running', gateway.proc.exitInfo === undefined, 'alive');
  },
};
