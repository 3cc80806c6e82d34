import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer, type ListenOptions } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, get, type Primary, startPrimary, steadyLoad, until } from './fixtures/harness';
import { supervise, type WorkerInfo } from './index';

// Decided here, independently of the implementation: `listen({ reusePort })` landed in Node 22.12 and 23.1.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const nodeHasReusePort = major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);

/** Binds and closes a socket on `port` with `reusePort`: only possible when every socket on it has SO_REUSEPORT. */
async function joinsWithReusePort(port: number): Promise<boolean> {
  const server = createServer();
  const joined = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', reusePort: true } as ListenOptions, () => resolve(true));
  });
  if (joined) await new Promise((resolve) => server.close(resolve));
  return joined;
}

/** `net.ipv4.tcp_migrate_req` (Linux ≥ 5.14): a closing listener's queued connections move to its group. */
function kernelMigratesRequests(): boolean {
  try {
    return readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

if (nodeHasReusePort) {
  describe(`reusePort mode on Node ${process.version} (real processes, real HTTP)`, () => {
    it('serves from workers that each bind the port, ready over IPC, and reloads without a failed request', async () => {
      const port = await freePort();
      const primary: Primary = startPrimary({
        workers: 2,
        reusePort: true,
        env: { FIXTURE_PORT: String(port) },
        shutdownTimeoutMs: 3_000,
        readyTimeoutMs: 5_000,
      });
      try {
        // The primary gets no 'listening' in this mode: whenReady() resolving means readiness came over IPC.
        await primary.command('whenReady');
        const workers = await primary.workers();
        expect(workers.map((w) => [w.slot, w.state])).toEqual([
          [0, 'ready'],
          [1, 'ready'],
        ]);
        expect(primary.events.filter((e) => e.event === 'ready')).toHaveLength(2);
        // Each worker bound its own socket with SO_REUSEPORT (a round-robin primary's socket would refuse this).
        expect(await joinsWithReusePort(port)).toBe(true);

        // The kernel spreads fresh connections over both workers' sockets.
        const answered = new Set<string>();
        for (let i = 0; i < 200 && answered.size < 2; i++) answered.add(await get(port));
        expect([...answered].sort()).toEqual(workers.map((w) => String(w.pid)).sort());

        const load = steadyLoad(port);
        await until(() => load.ok >= 5, 'requests before the reload');
        await primary.command('reload');
        const after = await primary.workers();
        await until(
          () => load.failed.length > 0 || after.every((w) => load.pids.has(String(w.pid))),
          'both new workers to answer',
        );
        await load.stop();
        if (kernelMigratesRequests()) expect(load.failed).toEqual([]);
        else {
          // Linux resets the connections queued on a listener as it closes, unless net.ipv4.tcp_migrate_req=1
          // hands them to the rest of the SO_REUSEPORT group. With one request in flight at a time that is at most
          // one reset per old worker; anything else (refused, timed out, HTTP errors) is a failed reload.
          expect(load.failed.length).toBeLessThanOrEqual(workers.length);
          for (const failure of load.failed) expect(failure).toMatch(/ECONNRESET/);
        }
        expect(load.ok).toBeGreaterThan(5);
        expect(after.map((w) => w.state)).toEqual(['ready', 'ready']);
        for (const old of workers) expect(after.map((w) => w.pid)).not.toContain(old.pid);
        expect(primary.events.filter((e) => e.event === 'ready')).toHaveLength(4);
        expect(primary.events.some((e) => e.event === 'reloaded')).toBe(true);

        await primary.command('shutdown');
        const exits = primary.events.filter((e) => e.event === 'exit').map((e) => (e.args[0] as WorkerInfo).pid);
        expect(exits.sort()).toEqual([...workers, ...after].map((w) => w.pid).sort());
        await expect(get(port)).rejects.toThrow();
      } finally {
        await primary.stop();
      }
    }, 20_000);
  });
} else {
  describe(`reusePort mode on Node ${process.version}`, () => {
    it('is refused before any fork, naming the option and the Node version it needs', () => {
      let forks = 0;
      const count = () => forks++;
      cluster.on('fork', count);
      try {
        expect(() => supervise({ workers: 2, reusePort: true, signals: false, exitProcess: false })).toThrow(
          new RangeError(
            `reusePort: needs Node ≥ 22.12 (or ≥ 23.1) for listen({ reusePort: true }), got Node ${process.version}; ` +
              'leave reusePort off to share the port through node:cluster',
          ),
        );
      } finally {
        cluster.off('fork', count);
      }
      expect(forks).toBe(0);
      expect(Object.keys(cluster.workers ?? {})).toEqual([]);
    });
  });
}
