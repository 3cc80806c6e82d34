// Test support (not exported, not built, not published): a real redis-server for the tests and the benchmark.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A real redis-server on 127.0.0.1 and a free port, for the tests and the benchmark. */
export interface RedisServer {
  readonly port: number;
  /** Disconnects the clients made by {@link RedisServer.client}, stops the server and deletes its data. */
  stop(): Promise<void>;
  /** SIGKILLs the server (the clients stay, reconnecting) and waits for it to exit. */
  crash(): Promise<void>;
  /** Starts it again on the same port (and the same data directory). */
  start(): Promise<void>;
  /** A new ioredis client that reconnects quickly. */
  client(): Redis;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Persist every write before replying (`--appendonly yes --appendfsync always` in a temporary directory). */
  durable?: boolean;
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const dir = options.durable ? mkdtempSync(join(tmpdir(), 'weft-bus-redis-')) : undefined;
  const argsFor = (port: number) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
    if (dir === undefined) args.push('--appendonly', 'no');
    else args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir);
    return args;
  };
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];

  // Spawns redis-server on `port` and resolves once that very process answers there (another job's server may
  // have taken the port since it was found free: then `false`, and this one has exited).
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
  const stop = async (crash = false) => {
    const c = child;
    child = undefined;
    if (c !== undefined) await stopChild(c, crash ? 'SIGKILL' : 'SIGTERM');
  };
  return {
    port,
    async start() {
      if (!(await spawnOn(port))) throw new Error(`redis-server: port ${port} was taken while it was down`);
    },
    async stop() {
      for (const client of clients.splice(0)) client.disconnect();
      await stop();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
    crash: () => stop(true),
    client() {
      const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 50, maxRetriesPerRequest: null });
      // Connection errors while the server is down are expected (the client reconnects); commands still reject.
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
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

/** Resolves `true` once the server on `port` reports `child`'s pid, `false` if `child` exits first. */
async function waitForServer(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const pid = await serverPid(port);
    if (pid !== undefined) return pid === child.pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
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

/** Resolves once `condition()` is true, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
