// Shared by the tests only (not exported from the package).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterEach } from 'vitest';
import type { ServerOptions } from './options';
import { type App, createServer } from './server';

const open: App[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

/** An app closed after the test, with protection that would get in a test's way turned off unless asked for. */
export function testApp(options: ServerOptions = {}): App {
  const app = createServer({ rateLimit: false, loadShedding: false, ...options });
  open.push(app as App);
  return app as App;
}

/** Starts `app` on a free port of 127.0.0.1 and returns its base URL. */
export async function start(app: App): Promise<string> {
  const { url } = await app.listen({ port: 0, host: '127.0.0.1' });
  return url;
}

/** A free TCP port of 127.0.0.1 (free when asked; a test binds it right after). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A real redis-server on a free port of 127.0.0.1, without persistence. */
export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `redis-server` and resolves once it accepts connections (within 10 s). */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port} within 10 s`)), 10_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited before accepting connections: ${output}`));
    });
  });
  child.stdout.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
