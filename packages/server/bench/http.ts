/**
 * Hello-world JSON throughput: raw node:http, weft (bare and with its default protection), Fastify, Koa, Express 5 and
 * Hono, and raw node:http sending the two RateLimit headers of weft's default protection (what Node itself charges
 * for them, the ceiling of weft+protection), each in its own process pinned to CPU 0, loaded by autocannon in another
 * process pinned to CPU 1. Then the gateway case: weft's `proxy()` and `@fastify/http-proxy` in front of the same node:http upstream (pinned to CPU 1
 * beside autocannon, so the proxy under test has CPU 0 to itself).
 *
 *   node --conditions=source --import tsx packages/server/bench/http.ts [seconds] [server names…]
 *
 * Prints req/s, p99 latency, the server's CPU seconds, req/s per server CPU-second and the ratio to node:http (to
 * fastify-proxy for the proxies). With `--rate N` autocannon offers a fixed N req/s instead of as many as it can, so
 * the CPU cost per request (µs) compares servers under the same load. With `--rounds N` every server is measured N
 * times, the servers taking turns, and the median of each column is printed: on a shared machine a single run is at
 * the mercy of whatever else runs at that moment. With `--json <file>` the medians are also written as weft's bench
 * results (`pnpm bench:record server-http`), which the charts of docs/benchmarks.md are drawn from.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createNodeServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type BenchGroup, recordResults, withoutJson } from '../../../tools/bench/results';

const servers = [
  'node:http',
  'node:http+ratelimit-headers',
  'weft',
  'weft+protection',
  'weft+protection-noheaders',
  'fastify',
  'koa',
  'express',
  'hono',
] as const;
const proxies = ['fastify-proxy', 'weft-proxy'] as const;
type Name = (typeof servers)[number] | (typeof proxies)[number] | 'upstream';
const payload = { hello: 'world' };

async function serve(name: Name, port: number): Promise<void> {
  const upstream = process.env.BENCH_UPSTREAM ?? '';
  if (name === 'node:http' || name === 'upstream') {
    createNodeServer((_req, res) => {
      const body = JSON.stringify(payload);
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    }).listen(port, '127.0.0.1');
  } else if (name === 'node:http+ratelimit-headers') {
    // What Node itself charges for the two RateLimit headers weft's default protection sends on every response
    // (the same names and values, counted down per request): the ceiling for weft+protection.
    const windowMs = 1_000;
    let remaining = 1_000_000_000;
    createNodeServer((_req, res) => {
      const body = JSON.stringify(payload);
      remaining--;
      const reset = Math.ceil((windowMs - (Date.now() % windowMs)) / 1_000);
      res.writeHead(200, [
        'RateLimit-Policy',
        `"default";q=1000000000;w=1`,
        'RateLimit',
        `"default";r=${remaining};t=${reset}`,
        'content-type',
        'application/json; charset=utf-8',
        'content-length',
        Buffer.byteLength(body),
      ]);
      res.end(body);
    }).listen(port, '127.0.0.1');
  } else if (name === 'weft' || name === 'weft+protection' || name === 'weft+protection-noheaders') {
    const { createServer } = await import('../src/index');
    const protectedApp = name !== 'weft';
    // The default protection; `-noheaders` with `rateLimit.headers: false` (no RateLimit headers on allowed requests).
    const app = createServer(
      protectedApp
        ? {
            rateLimit: {
              limit: 1_000_000_000,
              windowMs: 1_000,
              headers: name === 'weft+protection' ? 'draft-8' : false,
            },
          }
        : { rateLimit: false, loadShedding: false, operations: false },
    );
    if (protectedApp) {
      for (let i = 0; i < 3; i++) app.use((_ctx, next) => next());
    }
    app.get('/', () => payload);
    await app.listen({ port, host: '127.0.0.1' });
  } else if (name === 'weft-proxy') {
    // The gateway as users get it: the upstream behind its circuit breaker, retries on for idempotent requests.
    const { createServer, proxy } = await import('../src/index');
    const app = createServer({ rateLimit: false, loadShedding: false, operations: false, upstreams: { up: upstream } });
    app.get('/', proxy('up'));
    await app.listen({ port, host: '127.0.0.1' });
  } else if (name === 'fastify-proxy') {
    const { default: Fastify } = await import('fastify');
    const { default: httpProxy } = await import('@fastify/http-proxy');
    const app = Fastify();
    await app.register(httpProxy, { upstream });
    await app.listen({ port, host: '127.0.0.1' });
  } else if (name === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    app.get('/', async () => payload);
    await app.listen({ port, host: '127.0.0.1' });
  } else if (name === 'koa') {
    const { default: Koa } = await import('koa');
    const app = new Koa();
    app.use((ctx) => {
      ctx.body = payload;
    });
    app.listen(port, '127.0.0.1');
  } else if (name === 'express') {
    const { default: express } = await import('express');
    const app = express();
    app.get('/', (_req, res) => {
      res.json(payload);
    });
    app.listen(port, '127.0.0.1');
  } else {
    const { Hono } = await import('hono');
    const { serve: honoServe } = await import('@hono/node-server');
    const app = new Hono();
    app.get('/', (c) => c.json(payload));
    honoServe({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  }
  process.send?.('ready');
}

function cpuSeconds(pid: number): number {
  // utime + stime in clock ticks (fields 14 and 15 of /proc/<pid>/stat).
  const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const self = fileURLToPath(import.meta.url);

/** Starts one server process pinned to `cpu`; resolves once it listens. */
async function launch(name: Name, port: number, cpu: string, env: Record<string, string> = {}) {
  const server = spawn(
    'taskset',
    ['-c', cpu, process.execPath, '--conditions=source', '--import', 'tsx', self, 'serve', name, String(port)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } },
  );
  await once(server, 'message');
  return server;
}

async function measure(name: Name, seconds: number, port: number, rate: number, env: Record<string, string> = {}) {
  const server = await launch(name, port, '0', env);
  // taskset execs node in place, so the child's pid is the server's.
  const pid = server.pid!;
  const autocannon = fileURLToPath(import.meta.resolve('autocannon/autocannon.js'));
  // Warm-up, then the measured run.
  execFileSync(
    'taskset',
    ['-c', '1', process.execPath, autocannon, '-c', '50', '-d', '2', '--json', `http://127.0.0.1:${port}/`],
    { stdio: 'pipe' },
  );
  const cpuBefore = cpuSeconds(pid);
  const out = execFileSync(
    'taskset',
    [
      '-c',
      '1',
      process.execPath,
      autocannon,
      '-c',
      '50',
      '-p',
      '1',
      '-d',
      String(seconds),
      ...(rate > 0 ? ['-R', String(rate)] : []),
      '--json',
      `http://127.0.0.1:${port}/`,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const cpu = cpuSeconds(pid) - cpuBefore;
  server.kill('SIGKILL');
  const result = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p99: number };
    non2xx: number;
  };
  return {
    name,
    rps: result.requests.average,
    p99: result.latency.p99,
    cpu,
    perCpu: result.requests.total / cpu,
    usPerRequest: (cpu * 1e6) / result.requests.total,
    non2xx: result.non2xx,
  };
}

type Row = Awaited<ReturnType<typeof measure>>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The median of each column over the rounds of one server. */
function medianRow(rows: Row[]): Row {
  const first = rows[0] as Row;
  return {
    name: first.name,
    rps: median(rows.map((r) => r.rps)),
    p99: median(rows.map((r) => r.p99)),
    cpu: median(rows.map((r) => r.cpu)),
    perCpu: median(rows.map((r) => r.perCpu)),
    usPerRequest: median(rows.map((r) => r.usPerRequest)),
    non2xx: rows.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

/** Measures each server `rounds` times, taking turns, and returns the median rows in the given order. */
async function rounds(
  names: readonly Name[],
  count: number,
  seconds: number,
  nextPort: () => number,
  rate: number,
  env: Record<string, string> = {},
): Promise<Row[]> {
  const all = new Map<Name, Row[]>(names.map((name) => [name, []]));
  for (let round = 0; round < count; round++) {
    for (const name of names) all.get(name)?.push(await measure(name, seconds, nextPort(), rate, env));
  }
  return names.map((name) => medianRow(all.get(name) as Row[]));
}

function print(rows: Row[], base: Row, baseName: string): void {
  console.log(
    `| server | req/s | p99 ms | server CPU s | req per CPU-s | CPU µs/req | req/s vs ${baseName} | per CPU-s vs ${baseName} |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${Math.round(r.rps)} | ${r.p99} | ${r.cpu.toFixed(2)} | ${Math.round(r.perCpu)} | ${r.usPerRequest.toFixed(1)} | ${(r.rps / base.rps).toFixed(2)} | ${(r.perCpu / base.perCpu).toFixed(2)} |${r.non2xx ? ` non-2xx: ${r.non2xx}` : ''}`,
    );
  }
}

/** A row as bench results: the figures, and the ratios to the group's first server. */
function entry(r: Row, base: Row): BenchGroup['benchmarks'][number] {
  return {
    name: r.name,
    requestsPerSecond: r.rps,
    p99Ms: r.p99,
    cpuSeconds: r.cpu,
    requestsPerCpuSecond: r.perCpu,
    cpuUsPerRequest: r.usPerRequest,
    non2xx: r.non2xx,
    requestsPerSecondRatio: r.rps / base.rps,
    perCpuSecondRatio: r.perCpu / base.perCpu,
  };
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Name, Number(process.argv[4]));
} else {
  const args = withoutJson(process.argv.slice(2));
  const command = `node --conditions=source --import tsx packages/server/bench/http.ts ${args.join(' ')}`.trim();
  const option = (flag: string) => {
    const at = args.indexOf(flag);
    return at === -1 ? 0 : Number(args.splice(at, 2)[1]);
  };
  const rate = option('--rate');
  const roundCount = Math.max(1, option('--rounds'));
  const seconds = Number(args[0] ?? 5);
  const only = args.slice(1);
  const wanted = (name: string) => only.length === 0 || only.includes(name);
  let port = 4100;
  const nextPort = () => port++;
  const names = servers.filter((name) => name === 'node:http' || wanted(name));
  const rows = await rounds(names, roundCount, seconds, nextPort, rate);
  print(rows, rows[0] as Row, 'node:http');
  const groups: BenchGroup[] = [{ name: 'hello-world JSON', benchmarks: rows.map((r) => entry(r, rows[0] as Row)) }];
  if (proxies.some(wanted)) {
    const upstreamPort = nextPort();
    const upstream = await launch('upstream', upstreamPort, '1');
    const env = { BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}` };
    const proxyNames = proxies.filter((name) => name === 'fastify-proxy' || wanted(name));
    const proxied = await rounds(proxyNames, roundCount, seconds, nextPort, rate, env);
    upstream.kill('SIGKILL');
    console.log('');
    print(proxied, proxied[0] as Row, 'fastify-proxy');
    groups.push({ name: 'proxy', benchmarks: proxied.map((r) => entry(r, proxied[0] as Row)) });
  }
  const how = `${roundCount} round(s) of ${seconds} s${rate > 0 ? ` at ${rate} req/s` : ''}, medians`;
  recordResults(`${command} (${how})`, groups);
  console.log(
    `\n${roundCount} round(s) of ${seconds} s each${rate > 0 ? ` at ${rate} req/s offered` : ''}; medians; node ${process.version}`,
  );
}
