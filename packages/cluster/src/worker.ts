import cluster from 'node:cluster';
import { describe, systemClock } from './clock';
import {
  type Handler,
  type IpcMessage,
  type IpcMessageLiteral,
  type RequestOptions,
  RpcPeer,
  TAG,
  type WireMessage,
} from './rpc';

/** What a worker's handler receives as its second argument: nothing to tell, the primary asked. */
export type FromPrimary = 'primary';

/** A shutdown hook: stop accepting work, finish what is in flight. The worker exits 0 once every hook settles. */
export type ShutdownHook = () => unknown;

const handlers = new Map<string, Handler<FromPrimary>>();
const hooks: ShutdownHook[] = [];
let peer: RpcPeer<FromPrimary> | undefined;
let shuttingDown = false;

interface IpcProcess {
  send?:
    | ((message: unknown, handle?: undefined, options?: undefined, cb?: (e: Error | null) => void) => boolean)
    | undefined;
  connected?: boolean;
}

function peerOf(): RpcPeer<FromPrimary> {
  if (peer !== undefined) return peer;
  const proc = process as unknown as IpcProcess;
  if (typeof proc.send !== 'function') {
    throw new Error(
      'no IPC channel: this process was not started by a supervisor (cluster.fork or child_process.fork)',
    );
  }
  const send = proc.send.bind(process);
  peer = new RpcPeer<FromPrimary>(
    (message, onError) => {
      if (proc.connected === false) throw new Error('the IPC channel to the primary is closed');
      send(message, undefined, undefined, onError);
    },
    systemClock,
    handlers,
    'primary',
  );
  const created = peer;
  process.on('message', (message: unknown) => {
    if (created.receive(message)) return;
    if ((message as Record<string, unknown> | null)?.[TAG] === 'shutdown') void runShutdown();
  });
  process.once('disconnect', () => created.close('the IPC channel to the primary closed'));
  return peer;
}

function control(kind: 'ready' | 'hooked'): void {
  const proc = process as unknown as IpcProcess;
  if (proc.connected === false || typeof proc.send !== 'function') return;
  peerOf();
  const message: WireMessage = { [TAG]: kind };
  proc.send(message, undefined, undefined, () => {});
}

async function runShutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (hooks.length === 0) {
    // No hook: Node's own graceful path closes this worker's servers, waits for their connections, disconnects.
    if (cluster.isWorker && cluster.worker !== undefined) cluster.worker.disconnect();
    else process.exit(0);
    return;
  }
  const results = await Promise.allSettled(hooks.map(async (hook) => hook()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) console.error('@weft/cluster: a shutdown hook failed:', failed.reason);
  const code = failed === undefined ? 0 : 1;
  if (cluster.isWorker && cluster.worker !== undefined && process.connected) {
    // Not process.exit() yet: the primary may have handed this worker a connection just before it learnt that the
    // server closed, and it waits for this worker to refuse it (then gives it to another worker). A worker that
    // exits with such a message unread leaves that client hanging. disconnect() is a round trip with the primary,
    // so every earlier message has been read when it completes.
    process.once('disconnect', () => process.exit(code));
    cluster.worker.disconnect();
    return;
  }
  process.exit(code);
}

/** The worker-side API: see {@link worker}. */
export interface WorkerApi {
  /** `true` in a process forked by node:cluster. */
  readonly isWorker: boolean;
  /** The node:cluster worker id (unique for the primary's lifetime), or `undefined` outside a worker. */
  readonly id: number | undefined;
  /** Which of the supervisor's worker slots (0 … workers − 1) this worker fills, or `undefined`. */
  readonly slot: number | undefined;
  /** `true` when the supervisor runs in `reusePort` mode: listen with `{ reusePort: true }` and call `ready()`. */
  readonly reusePort: boolean;
  /**
   * Tells the primary this worker is ready to serve. Needed with `readyWhen: 'ready'` or `reusePort`; otherwise
   * the first `'listening'` does it, and calling it too is harmless.
   */
  ready(): void;
  /**
   * Registers what to do when the supervisor stops this worker (shutdown, reload): stop accepting work and finish
   * what is in flight. Hooks run together; the worker exits 0 when all settle (1 if one throws), or is killed after
   * the supervisor's `shutdownTimeoutMs`. Without hooks, Node closes the worker's servers and it exits on its own.
   * Returns a function that removes the hook.
   */
  onShutdown(hook: ShutdownHook): () => void;
  /**
   * Sends `message` to the primary and resolves with what its `sup.handle(message.type, fn)` returns. Rejects
   * with the handler's error (same `name`, `message`, `code`), an `IpcTimeoutError` after `timeoutMs` (10 s by
   * default), or an `IpcClosedError` if the channel closes first.
   */
  request<R = unknown>(message: IpcMessageLiteral, options?: RequestOptions): Promise<R>;
  request<R = unknown>(message: IpcMessage, options?: RequestOptions): Promise<R>;
  /**
   * Answers the primary's `sup.request(worker, { type, … })` with `fn(message)` (its value or its promise's).
   * A thrown error goes back with its `name`, `message` and `code`. Returns a function that removes the handler.
   */
  handle<M extends IpcMessage>(type: M['type'], fn: (message: M, from: FromPrimary) => unknown): () => void;
}

/**
 * The worker side of a supervised cluster: report readiness, drain on shutdown, and talk to the primary.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { worker } from '@weft/cluster';
 *
 * const server = createServer((req, res) => res.end('hello'));
 * worker.onShutdown(() => new Promise((resolve) => server.close(resolve))); // finish in-flight requests
 * server.listen(3000, () => worker.ready());
 * const { remaining } = await worker.request<{ remaining: number }>({ type: 'quota', user: 'ann' }, { timeoutMs: 500 });
 * ```
 */
export const worker: WorkerApi = Object.freeze({
  get isWorker(): boolean {
    return cluster.isWorker;
  },
  get id(): number | undefined {
    return cluster.worker?.id;
  },
  get slot(): number | undefined {
    const slot = process.env.WEFT_CLUSTER_SLOT;
    return slot === undefined ? undefined : Number(slot);
  },
  get reusePort(): boolean {
    return process.env.WEFT_CLUSTER_REUSE_PORT === '1';
  },

  ready(): void {
    control('ready');
  },

  onShutdown(hook: ShutdownHook): () => void {
    if (typeof hook !== 'function') throw new TypeError(`hook: expected a function, got ${describe(hook)}`);
    hooks.push(hook);
    if (hooks.length === 1) control('hooked');
    return () => {
      const at = hooks.indexOf(hook);
      if (at !== -1) hooks.splice(at, 1);
    };
  },

  request<R = unknown>(message: IpcMessage, options?: RequestOptions): Promise<R> {
    let rpc: RpcPeer<FromPrimary>;
    try {
      rpc = peerOf();
    } catch (error) {
      return Promise.reject(error);
    }
    return rpc.request<R>(message, options);
  },

  handle<M extends IpcMessage>(type: M['type'], fn: (message: M, from: FromPrimary) => unknown): () => void {
    if (typeof type !== 'string') throw new TypeError(`type: expected a string, got ${describe(type)}`);
    if (typeof fn !== 'function') throw new TypeError(`fn: expected a function, got ${describe(fn)}`);
    if (handlers.has(type)) throw new Error(`handle: a handler for ${JSON.stringify(type)} is registered already`);
    peerOf();
    handlers.set(type, fn as Handler<FromPrimary>);
    return () => {
      if (handlers.get(type) === fn) handlers.delete(type);
    };
  },
});

/** `true` in the primary (any process not forked by node:cluster): `if (isPrimary) supervise(…) else serve()`. */
export const isPrimary: boolean = cluster.isPrimary;
