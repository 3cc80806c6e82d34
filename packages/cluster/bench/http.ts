// Hello-world HTTP with 1 vs 2 workers under the same autocannon load (autocannon runs in its own process), and the
// time from a worker's crash to its replacement being ready.
// Run: pnpm exec tsx --conditions=source packages/cluster/bench/http.ts [seconds] [connections]
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const seconds = process.argv[2] ?? '5';
const connections = process.argv[3] ?? '50';
const autocannon = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function startPrimary(workers: number, port: number): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./http-primary.ts', import.meta.url)), [String(workers), String(port)], {
    execArgv: ['--import', 'tsx', '--conditions', 'source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await once(child, 'message');
  return child;
}

function load(port: number): Promise<{ requests: number; p99: number; errors: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [autocannon, '-j', '-c', connections, '-d', seconds, `http://127.0.0.1:${port}/`],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error) return reject(error);
        const result = JSON.parse(stdout) as {
          requests: { average: number };
          latency: { p99: number };
          errors: number;
          non2xx: number;
        };
        resolve({ requests: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx });
      },
    );
  });
}

async function stop(child: ChildProcess): Promise<void> {
  child.send({ stop: true });
  await once(child, 'exit');
}

const rates: Record<number, { requests: number; p99: number; errors: number }> = {};
for (const workers of [1, 2]) {
  const port = await freePort();
  const primary = await startPrimary(workers, port);
  await load(port); // warm-up
  rates[workers] = await load(port);
  if (workers === 2) {
    primary.send({ crash: 7 });
    const [reply] = (await once(primary, 'message')) as [{ crashMs: number[] }];
    const sorted = [...reply.crashMs].sort((a, b) => a - b);
    console.log(
      `crash → replacement ready (zero backoff): median ${sorted[3]?.toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted[6]?.toFixed(0)} ms (7 samples)`,
    );
  }
  await stop(primary);
}
const one = rates[1] as { requests: number; p99: number; errors: number };
const two = rates[2] as { requests: number; p99: number; errors: number };
console.log(`1 worker:  ${one.requests.toFixed(0)} req/s, p99 ${one.p99} ms, errors ${one.errors}`);
console.log(`2 workers: ${two.requests.toFixed(0)} req/s, p99 ${two.p99} ms, errors ${two.errors}`);
console.log(`ratio 2/1: ${(two.requests / one.requests).toFixed(2)}x (autocannon -c ${connections} -d ${seconds})`);
