// Shared by the tests only (not exported from the package).
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
