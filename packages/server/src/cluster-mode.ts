import nodeCluster from 'node:cluster';
import { type Supervisor, supervise, worker } from '@weft/cluster';
import {
  ClusterStore,
  type ClusterStoreReply,
  type ClusterStoreRequest,
  clusterStoreHandler,
  MemoryStore,
  type Store,
} from '@weft/ratelimit';
import type { Clock } from '@weft/reactor';
import type { Logger } from 'pino';

/** How a process runs an app that has `workers` set. */
export type ClusterRole = 'single' | 'primary' | 'worker';

/** The IPC message type the workers' rate limiters send to the primary. */
const rateLimitMessage = 'weft:server:ratelimit';

/**
 * The role of this process: without `workers`, `single`; with it, `primary` in the process that supervises and
 * `worker` in a process the supervisor forked (the same script, run again).
 */
export function clusterRole(workers: number | 'auto' | undefined): ClusterRole {
  if (workers === undefined) return 'single';
  if (nodeCluster.isWorker) return worker.slot === undefined ? 'single' : 'worker';
  return 'primary';
}

/**
 * A worker's rate-limit store: every count lives in the primary, so all workers share one limit. Each call is a
 * request over `@weft/cluster`'s IPC, bounded like any store call by the limiter's `storeTimeoutMs`.
 */
export function workerRateLimitStore(timeoutMs: number): Store {
  return new ClusterStore({
    request: (message: ClusterStoreRequest) =>
      worker.request<ClusterStoreReply>({ type: rateLimitMessage, ...message }, { timeoutMs }),
  });
}

/** Options of {@link superviseApp}. */
export interface SuperviseAppOptions {
  workers: number | 'auto';
  /** The app's grace period; a worker still running after it plus a margin is killed. */
  shutdownTimeoutMs: number;
  clock: Clock;
  logger: Logger | undefined;
}

/**
 * In the primary: forks the workers (which run the same script and listen), holds the rate-limit counts they share,
 * reloads them one by one on SIGHUP and drains them on SIGTERM/SIGINT. Resolves with the supervisor and the address
 * the workers listen on, once every worker is ready.
 */
export async function superviseApp(
  options: SuperviseAppOptions,
): Promise<{ supervisor: Supervisor; address: { address: string; port: number; family: string } }> {
  const listening = new Promise<{ address: string; port: number; family: string }>((resolve) => {
    const onListening = (_worker: unknown, address: { address: string; port: number; addressType: unknown }) => {
      nodeCluster.off('listening', onListening);
      const family = address.addressType === 6 || address.addressType === 'udp6' ? 'IPv6' : 'IPv4';
      resolve({ address: address.address, port: address.port, family });
    };
    nodeCluster.on('listening', onListening);
  });
  const supervisor = supervise({
    workers: options.workers,
    shutdownTimeoutMs: options.shutdownTimeoutMs + 5_000,
    serialization: 'advanced',
  });
  const answer = clusterStoreHandler(new MemoryStore({ clock: options.clock }));
  supervisor.handle(rateLimitMessage, (message) => answer(message));
  const log = options.logger;
  if (log !== undefined) {
    supervisor.on('ready', (w) => log.info({ pid: w.pid, slot: w.slot }, 'worker ready'));
    supervisor.on('exit', (w, code, signal, expected) => {
      if (expected) log.info({ pid: w.pid, slot: w.slot, code, signal }, 'worker exited');
      else log.error({ pid: w.pid, slot: w.slot, code, signal }, 'worker crashed');
    });
    supervisor.on('restart', (w, delayMs) => log.warn({ slot: w.slot, delayMs }, 'respawning worker'));
    supervisor.on('reloaded', () => log.info('workers reloaded'));
    supervisor.on('crashLoop', (error) => log.fatal({ err: error }, 'crash loop; shutting down'));
  }
  await supervisor.whenReady();
  return { supervisor, address: await listening };
}

/**
 * In a worker: drain when the supervisor says so (shutdown, reload) or the primary disappears. SIGINT and SIGHUP
 * are the primary's to act on: a terminal's Ctrl-C or hang-up reaches the whole process group, and the primary then
 * drains or reloads the workers itself.
 */
export function attachWorker(close: () => Promise<void>): void {
  const exit = (code: number) => () => process.exit(code);
  worker.onShutdown(close);
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.once('SIGTERM', () => {
    close().then(exit(0), exit(1));
  });
  process.once('disconnect', () => {
    close().then(exit(0), exit(1));
  });
}
