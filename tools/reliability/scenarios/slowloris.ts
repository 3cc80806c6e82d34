/**
 * Scenario 2, slowloris: thousands of sockets that send their headers one byte per second. Each must be closed by
 * the gateway's headers timeout, and meanwhile a normal client's p99 must stay within 2x of its baseline.
 */
import { connect, type Socket } from 'node:net';
import { probe, startGateway } from '../lib/gateway';
import { delay, type Scenario, waitUntil } from '../lib/harness';
import { HOST } from '../lib/http';
import { count, ms, percentile } from '../lib/stats';

/** Sockets held open at once (the 2,000; the fd limit here allows it). */
const SOCKETS = 2_000;
/** The gateway's headers timeout (default 10 s; scaled down so that each socket lives ~3 s). */
const HEADERS_MS = 3_000;
/** How long the attack keeps its sockets open, replacing those the gateway closes. */
const ATTACK_MS = 9_000;
/** The normal client: a fixed rate over a few keep-alive connections. */
const PROBE = { rate: 400, connections: 8, seconds: 6 };

interface Slow {
  socket: Socket;
  openedAt: number;
  closedAt: number | undefined;
  bytes: number;
  reply: string;
  connected: boolean;
  error: string | undefined;
}

export const slowloris: Scenario = {
  id: '2',
  title: 'Slowloris',
  load: `${count(SOCKETS)} sockets held for ${ATTACK_MS / 1000} s, each sending a header byte per second; a normal client at ${PROBE.rate} req/s; sockets opened over ${HEADERS_MS / 1000} s`,
  faults: `headers never finish; headers timeout ${HEADERS_MS / 1000} s (default 10 s)`,
  budgetMs: 90_000,
  async run(ctx) {
    const gateway = await startGateway(ctx, {
      timeouts: { headersMs: HEADERS_MS },
      rateLimit: { limit: 100_000, windowMs: 1_000 },
      routes: [{ path: '/', response: { body: { ok: true } } }],
    });
    const before = await probe(ctx, { port: gateway.port, path: '/', ...PROBE });

    const all: Slow[] = [];
    const open = new Set<Slow>();
    let attacking = true;
    const openOne = () => {
      const slow: Slow = {
        socket: connect({ port: gateway.port, host: HOST }),
        openedAt: performance.now(),
        closedAt: undefined,
        bytes: 0,
        reply: '',
        connected: false,
        error: undefined,
      };
      slow.socket.setNoDelay(true);
      slow.socket.on('connect', () => {
        slow.connected = true;
        slow.openedAt = performance.now();
        slow.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        slow.bytes = 2;
      });
      slow.socket.on('data', (chunk: Buffer) => {
        slow.reply += chunk.toString('latin1');
      });
      slow.socket.on('error', (error: Error & { code?: string }) => {
        slow.error = error.code ?? error.message;
      });
      slow.socket.on('close', () => {
        slow.closedAt = performance.now();
        open.delete(slow);
        if (attacking && !ctx.signal.aborted) openOne();
      });
      all.push(slow);
      open.add(slow);
    };
    ctx.defer(() => {
      attacking = false;
      for (const slow of open) slow.socket.destroy();
    });
    // Opened over one headers timeout (as a slowloris tool ramps up), so that the gateway's timeouts, and the
    // replacements they cause, are spread out rather than all at once.
    const batches = 20;
    for (let i = 0; i < batches; i++) {
      for (let j = 0; j < SOCKETS / batches; j++) openOne();
      await delay(HEADERS_MS / batches, ctx.signal);
    }
    // One byte per second per socket, spread over ten ticks a second.
    let tick = 0;
    const dribble = setInterval(() => {
      tick++;
      let i = 0;
      for (const slow of open) {
        if (i++ % 10 === tick % 10 && slow.connected && !slow.socket.destroyed) {
          slow.socket.write('X');
          slow.bytes++;
        }
      }
    }, 100);
    ctx.defer(() => clearInterval(dribble));
    const heldDuringProbe = open.size;
    const during = await probe(ctx, { port: gateway.port, path: '/', ...PROBE });
    const remaining = Math.max(0, ATTACK_MS - (performance.now() - all[0]!.openedAt));
    await delay(remaining, ctx.signal);
    attacking = false;
    const drained = await waitUntil(() => open.size === 0, HEADERS_MS + 3_000, 100, ctx.signal);
    clearInterval(dribble);
    // The machine is shared: the baseline is the mean p99 of a window before and one after the attack.
    const after = await probe(ctx, { port: gateway.port, path: '/', ...PROBE });
    const baseline = { p99: (before.p99 + after.p99) / 2 };

    const closed = all.filter((s) => s.closedAt !== undefined && s.connected);
    const lifetimes = closed.map((s) => s.closedAt! - s.openedAt);
    const timedOut = closed.filter((s) => s.reply.startsWith('HTTP/1.1 408'));
    const refused = all.filter((s) => !s.connected).length;
    const early = lifetimes.filter((t) => t < HEADERS_MS - 100).length;
    const limit = HEADERS_MS + 1_500;
    const late = lifetimes.filter((t) => t > limit).length;
    ctx.figure(
      `${count(all.length)} slow sockets (${count(heldDuringProbe)} open at once), closed after p50 ${ms(percentile(lifetimes, 50))} / max ${ms(Math.max(...lifetimes))}`,
    );
    ctx.figure(
      `normal client p99 ${ms(during.p99)} under attack vs ${ms(before.p99)} before and ${ms(after.p99)} after`,
    );
    ctx.check(
      'every slow socket is closed by the gateway',
      drained && refused === 0,
      `${count(closed.length)} of ${count(all.length)} closed by the gateway, ${open.size} still open, ${refused} never connected`,
    );
    ctx.check(
      'each is closed by the headers timeout (408), not before it',
      timedOut.length === closed.length && early === 0,
      `${count(timedOut.length)} answered 408; ${early} closed before ${ms(HEADERS_MS - 100)}`,
    );
    ctx.check(
      `each within headersMs + 1.5 s (${ms(limit)})`,
      late === 0,
      `${late} later; the longest lived ${ms(Math.max(...lifetimes))}`,
    );
    ctx.check(
      "at least the issue's 2,000 sockets were held at once",
      heldDuringProbe >= SOCKETS * 0.95,
      `${count(heldDuringProbe)} open when the normal client started`,
    );
    ctx.check(
      'the normal client got every answer',
      during.errors === 0 &&
        during.unfinished === 0 &&
        during.count > 0 &&
        Object.keys(during.statuses).every((s) => s === '200'),
      `${count(during.count)} answers, statuses ${JSON.stringify(during.statuses)}, ${during.errors} errors`,
    );
    ctx.check(
      'its p99 stays within 2x of its baseline',
      during.p99 <= 2 * baseline.p99,
      `${ms(during.p99)} vs baseline ${ms(baseline.p99)} (mean of ${ms(before.p99)} before, ${ms(after.p99)} after): ${(during.p99 / baseline.p99).toFixed(2)}x`,
    );
    ctx.check('gateway still running', gateway.proc.exitInfo === undefined, 'alive');
  },
};
