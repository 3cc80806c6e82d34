/**
 * Test support shared by the packages' tests and benchmarks (never built or published): a real `redis-server` on a
 * free port of 127.0.0.1 that can be stopped, crashed and started again on the same port. The packages wrap it with
 * the client they test (ioredis, node-redis) themselves.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A redis-server child process on 127.0.0.1. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Starts it again on the same port (empty unless durable: then with the same data directory). */
  start(): Promise<void>;
  /** Stops it (SIGTERM, SIGKILL after 3 s), waits for it to exit and deletes its data directory, if any. */
  stop(): Promise<void>;
  /** SIGKILLs it, as a crash, and waits for it to exit; `start()` brings it back. */
  crash(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Persist every write before replying (`--appendonly yes --appendfsync always` in a temporary directory). */
  durable?: boolean;
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1 and resolves once that very process answers there (another
 * job's server may take a port between finding it free and binding it: then another port is tried, 5 at most).
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = options.durable ? mkdtempSync(join(tmpdir(), 'weft-redis-')) : undefined;
  const argsFor = (port: number) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
    if (dir === undefined) args.push('--appendonly', 'no');
    else args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir);
    return args;
  };
  let child: ChildProcess | undefined;
  const spawnOn = async (port: number): Promise<boolean> => {
    const c = spawn('redis-server', argsFor(port), { stdio: 'ignore' });
    child = c;
    const ours = await waitForServer(port, c);
    if (!ours) await stopChild(c, 'SIGKILL');
    return ours;
  };
  let port = await freePort();
  for (let attempt = 1; !(await spawnOn(port)); attempt++) {
    if (attempt === 5) throw new Error('redis-server: no free port after 5 attempts');
    port = await freePort();
  }
  const halt = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (c !== undefined) await stopChild(c, signal);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (!(await spawnOn(port))) throw new Error(`redis-server: port ${port} was taken while it was down`);
    },
    async stop() {
      await halt('SIGTERM');
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
    crash: () => halt('SIGKILL'),
  };
}

async function stopChild(c: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill(signal);
  const timer = setTimeout(() => c.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves `true` once the server on `port` reports `child`'s pid, `false` if `child` exits first (5 s at most). */
async function waitForServer(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const pid = await serverPid(port);
    if (pid !== undefined) return pid === child.pid;
    await delay(25);
  }
  throw new Error(`redis-server on port ${port} did not answer within 5 s`);
}

/** The `process_id` that the Redis server on `port` reports, or `undefined` if none answers. */
function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (pid: number | undefined) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(500, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      const match = /process_id:(\d+)\r\n/.exec(reply);
      if (match !== null) finish(Number(match[1]));
      else if (reply.startsWith('-')) finish(undefined); // LOADING and the like: not ready yet
    });
  });
}
