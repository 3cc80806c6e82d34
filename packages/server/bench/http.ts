/**
 * Hello-world JSON throughput: raw node:http, weft (bare and with its default protection), Fastify, Koa, Express 5 and
 * Hono, each in its own process pinned to CPU 0, loaded by autocannon in another process pinned to CPU 1.
 *
 *   node --conditions=source --import tsx packages/server/bench/http.ts [seconds] [server names…]
 *
 * Prints req/s, p99 latency, the server's CPU seconds, req/s per server CPU-second and the ratio to node:http.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createNodeServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const servers = ['node:http', 'weft', 'weft+protection', 'fastify', 'koa', 'express', 'hono'] as const;
type Name = (typeof servers)[number];
const payload = { hello: 'world' };

async function serve(name: Name, port: number): Promise<void> {
  if (name === 'node:http') {
    createNodeServer((_req, res) => {
      const body = JSON.stringify(payload);
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    }).listen(port, '127.0.0.1');
  } else if (name === 'weft' || name === 'weft+protection') {
    const { createServer } = await import('../src/index');
    const protectedApp = name === 'weft+protection';
    const app = createServer(
      protectedApp
        ? { rateLimit: { limit: 1_000_000_000, windowMs: 1_000 } }
        : { rateLimit: false, loadShedding: false, operations: false },
    );
    if (protectedApp) {
      for (let i = 0; i < 3; i++) app.use((_ctx, next) => next());
    }
    app.get('/', () => payload);
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

async function measure(name: Name, seconds: number, port: number) {
  const self = fileURLToPath(import.meta.url);
  const server = spawn(
    'taskset',
    ['-c', '0', process.execPath, '--conditions=source', '--import', 'tsx', self, 'serve', name, String(port)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  await once(server, 'message');
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
    non2xx: result.non2xx,
  };
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Name, Number(process.argv[4]));
} else {
  const seconds = Number(process.argv[2] ?? 5);
  const rows = [];
  let port = 4100;
  const only = process.argv.slice(3);
  for (const name of servers) {
    if (name === 'node:http' || only.length === 0 || only.includes(name))
      rows.push(await measure(name, seconds, port++));
  }
  const base = rows[0]!;
  console.log(
    '| server | req/s | p99 ms | server CPU s | req per CPU-s | req/s vs node:http | per CPU-s vs node:http |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${Math.round(r.rps)} | ${r.p99} | ${r.cpu.toFixed(2)} | ${Math.round(r.perCpu)} | ${(r.rps / base.rps).toFixed(2)} | ${(r.perCpu / base.perCpu).toFixed(2)} |${r.non2xx ? ` non-2xx: ${r.non2xx}` : ''}`,
    );
  }
}
