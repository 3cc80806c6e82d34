// The cluster pattern with @weft/cluster: one process per core, supervised. The primary forks the workers, restarts
// a crashed one after a backoff, replaces them one by one on reload (never fewer ready workers than configured) and
// drains them on shutdown. Primary and workers are this same file; `isPrimary` tells them apart.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPrimary, supervise, worker } from '@weft/cluster';
import { retry } from '@weft/retry';

if (isPrimary) {
  const sup = supervise({
    workers: 2,
    signals: false, // this example drives reload and shutdown itself (by default: SIGHUP, SIGTERM, SIGINT)
    exitProcess: false,
    shutdownTimeoutMs: 5_000,
  });
  sup.on('restart', (w, delayMs) => console.log(`worker ${w.pid} crashed; respawning in ${Math.round(delayMs)} ms`));
  // Shared state lives in the primary: workers ask it over IPC.
  let hits = 0;
  sup.handle<{ type: 'hit' }>('hit', () => ++hits);
  let port = 0;
  sup.handle<{ type: 'port'; port: number }>('port', (message) => {
    port = message.port;
    return true;
  });

  await sup.whenReady();
  const pids = sup.workers().map((w) => w.pid);
  console.log(`2 workers ready: ${pids.join(', ')}; serving on 127.0.0.1:${port}`);

  const get = async () => (await fetch(`http://127.0.0.1:${port}/`)).text();
  const answers = await Promise.all(Array.from({ length: 6 }, get));
  console.log(answers[0]);
  assert.equal(hits, 6);

  // Zero-downtime reload: requests keep being answered while every worker is replaced. A request sent on a kept-alive
  // connection at the very moment a draining worker closes it sees a reset; HTTP clients retry idempotent requests
  // once for exactly this race, and so does this one.
  let failed = 0;
  let answered = 0;
  let reloading = true;
  const load = (async () => {
    while (reloading)
      await retry(get, { maxAttempts: 2 }).then(
        () => answered++,
        () => failed++,
      );
  })();
  await sup.reload();
  reloading = false;
  await load;
  const fresh = sup.workers().map((w) => w.pid);
  console.log(`reloaded: ${fresh.join(', ')}; ${answered} requests answered during the reload, ${failed} failed`);
  assert.ok(fresh.every((pid) => !pids.includes(pid)));
  assert.equal(failed, 0);

  await sup.shutdown(); // drains every worker (their onShutdown hooks), then they exit
  console.log('shut down');
} else {
  let draining = false;
  const server = createServer(async (_req, res) => {
    if (draining) res.setHeader('connection', 'close'); // tell keep-alive clients to go elsewhere
    const hits = await worker.request<number>({ type: 'hit' }, { timeoutMs: 1_000 });
    res.end(`hello from worker ${process.pid}, hit #${hits}\n`);
  });
  worker.onShutdown(
    () =>
      new Promise<void>((resolve) => {
        draining = true;
        server.close(() => resolve()); // stop accepting; resolves when in-flight requests are done
        server.closeIdleConnections();
      }),
  );
  // Port 0: node:cluster gives every worker the same free port, bound once by the primary.
  server.listen(0, '127.0.0.1', () => {
    void worker.request({ type: 'port', port: (server.address() as AddressInfo).port });
  });
}
