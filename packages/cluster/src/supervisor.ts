import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Emitter } from '@weft/emitter';
import { type Backoff, exponential } from '@weft/retry';
import { type Clock, describe, systemClock, type TimerHandle } from './clock';
import { CrashWindow } from './crash-window';
import { CrashLoopError, ReloadError, WorkerStartError } from './errors';
import { type LifecycleActor, startLifecycle, type WorkerState } from './lifecycle';
import {
  type Handler,
  type IpcMessage,
  type IpcMessageLiteral,
  type RequestOptions,
  RpcPeer,
  TAG,
  type WireMessage,
} from './rpc';
import { autoWorkerCount } from './worker-count';

/** What `sup.workers()` and the events tell about one worker. A snapshot: it does not change afterwards. */
export interface WorkerInfo {
  /** The node:cluster worker id, unique for the primary's lifetime. */
  readonly id: number;
  /** The slot it fills, `0 … workers − 1`; a replacement takes over its predecessor's slot. */
  readonly slot: number;
  /** Its process id (`undefined` only if the fork failed at once). */
  readonly pid: number | undefined;
  /** Where it is in its lifecycle. */
  readonly state: WorkerState;
  /** How many times its slot was respawned after an unexpected exit. */
  readonly restarts: number;
}

/** The events of a {@link Supervisor}. */
export type SupervisorEvents = {
  /** A worker process was forked. */
  fork: [worker: WorkerInfo];
  /** The worker's process is running and connected. */
  online: [worker: WorkerInfo];
  /** The worker listens (or called `worker.ready()`): it serves. */
  ready: [worker: WorkerInfo];
  /** The supervisor asked the worker to finish its work and exit. */
  draining: [worker: WorkerInfo];
  /** The worker's process exited. `expected` is false for a crash (or a kill the supervisor did not ask for). */
  exit: [worker: WorkerInfo, code: number | null, signal: NodeJS.Signals | null, expected: boolean];
  /** The slot of a worker that exited unexpectedly will be respawned after `delayMs`. */
  restart: [worker: WorkerInfo, delayMs: number];
  /** A slot crashed more than `restart.maxRestarts` times within `restart.withinMs`: shutting down. */
  crashLoop: [error: CrashLoopError];
  /** A `reload()` replaced every worker. */
  reloaded: [];
  /** `shutdown()` finished: every worker has exited. */
  stopped: [];
};

/** When a worker counts as ready. */
export type ReadyWhen = 'listening' | 'ready';

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  /** How many workers: an integer ≥ 1, or `'auto'` (the default): see {@link autoWorkerCount}. */
  workers?: number | 'auto' | undefined;
  /** The worker module; by default the primary's own entry script (`process.argv[1]`), for `if (isPrimary) …`. */
  exec?: string | undefined;
  /** Arguments for the workers (`process.argv.slice(2)` in them). */
  args?: readonly string[] | undefined;
  /** Node flags for the workers; `process.execArgv` by default (e.g. `['--import', 'tsx']`). */
  execArgv?: readonly string[] | undefined;
  /** Extra environment variables for the workers, on top of the primary's. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Respawning after unexpected exits. */
  restart?:
    | {
        /** Delays before respawning a slot; `exponential({ initialMs: 100, maxMs: 10_000, jitter: 'equal' })`. */
        backoff?: Backoff | undefined;
        /** How many respawns of one slot are allowed within `withinMs`; one more is a crash loop. 5 by default. */
        maxRestarts?: number | undefined;
        /** The crash-loop window; 60 s by default. A worker up for this long also resets its slot's backoff. */
        withinMs?: number | undefined;
      }
    | undefined;
  /** How long a stopping worker may take to finish before it is SIGKILLed; 10 s by default. */
  shutdownTimeoutMs?: number | undefined;
  /** How long a new worker may take to become ready before it is SIGKILLed (a failed start); 30 s by default. */
  readyTimeoutMs?: number | undefined;
  /**
   * What makes a worker ready: its first `'listening'` (default) or an explicit `worker.ready()` (`'ready'`, the
   * default with `reusePort`). With `'listening'`, `worker.ready()` also counts.
   */
  readyWhen?: ReadyWhen | undefined;
  /**
   * Handle signals: SIGTERM and SIGINT → `shutdown()` (a second one kills the workers at once), SIGHUP →
   * `reload()`. `true` by default; `false` to wire signals yourself.
   */
  signals?: boolean | undefined;
  /**
   * After a crash loop, exit the primary with code 1 once the other workers are down; after a signal-triggered
   * shutdown, exit with 0. `true` by default; `false` leaves the process alone (listen to the events instead).
   */
  exitProcess?: boolean | undefined;
  /**
   * Node ≥ 22.12: each worker binds its own socket with `listen({ reusePort: true })` and the kernel balances
   * connections; readiness is then reported with `worker.ready()`, since the primary gets no `'listening'`.
   */
  reusePort?: boolean | undefined;
  /** `'json'` (default) or `'advanced'` (structured clone) IPC serialization. */
  serialization?: 'json' | 'advanced' | undefined;
  /** Time for restart delays, deadlines and the crash-loop window; a real clock by default. */
  clock?: Clock | undefined;
}

interface Managed {
  readonly worker: ClusterWorker;
  readonly slot: Slot;
  readonly actor: LifecycleActor;
  readonly rpc: RpcPeer<WorkerInfo>;
  /** The slot's restart count when it was forked. */
  readonly restarts: number;
  readyAt: number | undefined;
  hooked: boolean;
  /** True once the supervisor asked it to go (drain, kill after a failed start): its exit is not a crash. */
  expected: boolean;
  timer: TimerHandle | undefined;
  readonly started: Deferred<void>;
  readonly exited: Deferred<void>;
}

interface Slot {
  readonly index: number;
  restarts: number;
  backoff: Iterator<number, unknown, undefined>;
  readonly crashes: CrashWindow;
  current: Managed | undefined;
  respawn: TimerHandle | undefined;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  const d = { settled: false } as Deferred<T>;
  d.promise = new Promise<T>((resolve, reject) => {
    d.resolve = (value) => {
      d.settled = true;
      resolve(value);
    };
    d.reject = (error) => {
      d.settled = true;
      reject(error);
    };
  });
  d.promise.catch(() => {});
  return d;
}

let active: Supervisor | undefined;

/**
 * A running cluster: its workers, their respawning, reloads and shutdown. Made by {@link supervise}; its events
 * are those of {@link SupervisorEvents}.
 */
export class Supervisor extends Emitter<SupervisorEvents> {
  /** How many workers it keeps ready. */
  readonly size: number;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #shutdownTimeoutMs: number;
  readonly #readyTimeoutMs: number;
  readonly #readyWhen: ReadyWhen;
  readonly #withinMs: number;
  readonly #env: Record<string, string>;
  readonly #exitProcess: boolean;
  readonly #slots: Slot[] = [];
  readonly #all = new Set<Managed>();
  readonly #handlers = new Map<string, Handler<WorkerInfo>>();
  readonly #started = deferred<void>();
  #stopping: Promise<void> | undefined;
  #reloading: Promise<void> | undefined;
  #reloadAgain: Promise<void> | undefined;
  #removeSignals: (() => void) | undefined;

  /** @internal use {@link supervise} */
  constructor(size: number, options: ValidatedOptions) {
    super();
    this.size = size;
    this.#clock = options.clock;
    this.#backoff = options.backoff;
    this.#shutdownTimeoutMs = options.shutdownTimeoutMs;
    this.#readyTimeoutMs = options.readyTimeoutMs;
    this.#readyWhen = options.readyWhen;
    this.#withinMs = options.withinMs;
    this.#exitProcess = options.exitProcess;
    this.#env = { ...options.env };
    if (options.reusePort) this.#env.WEFT_CLUSTER_REUSE_PORT = '1';
    for (let index = 0; index < size; index++) {
      this.#slots.push({
        index,
        restarts: 0,
        backoff: this.#backoff(),
        crashes: new CrashWindow(options.maxRestarts, options.withinMs),
        current: undefined,
        respawn: undefined,
      });
    }
    if (options.signals) this.#removeSignals = this.#listenToSignals();
  }

  /** @internal forks the first workers; called by {@link supervise} after the caller could add listeners. */
  start(): void {
    for (const slot of this.#slots) slot.current = this.#fork(slot);
  }

  /** A snapshot of every live worker: pid, state and restarts, ordered by slot. */
  workers(): WorkerInfo[] {
    return [...this.#all].sort((a, b) => a.slot.index - b.slot.index || a.worker.id - b.worker.id).map(infoOf);
  }

  /**
   * Resolves once every slot has had a ready worker; rejects with a `CrashLoopError` if a slot crash-loops first,
   * or a `WorkerStartError` if `shutdown()` comes first.
   */
  whenReady(): Promise<void> {
    return this.#started.promise;
  }

  /**
   * Registers the answer to workers' `worker.request({ type, … })`: `fn(message, worker)`'s value (or its promise's).
   * A thrown error goes back to the worker with its `name`, `message` and `code`. Returns a function removing it.
   */
  handle<M extends IpcMessage>(type: M['type'], fn: (message: M, worker: WorkerInfo) => unknown): () => void {
    if (typeof type !== 'string') throw new TypeError(`type: expected a string, got ${describe(type)}`);
    if (typeof fn !== 'function') throw new TypeError(`fn: expected a function, got ${describe(fn)}`);
    if (this.#handlers.has(type))
      throw new Error(`handle: a handler for ${JSON.stringify(type)} is registered already`);
    this.#handlers.set(type, fn as Handler<WorkerInfo>);
    return () => {
      if (this.#handlers.get(type) === fn) this.#handlers.delete(type);
    };
  }

  /**
   * Sends `message` to one worker (its id, pid or `WorkerInfo`) and resolves with what its
   * `worker.handle(message.type, fn)` returns. Rejects like `worker.request`.
   */
  request<R = unknown>(target: number | WorkerInfo, message: IpcMessageLiteral, options?: RequestOptions): Promise<R>;
  request<R = unknown>(target: number | WorkerInfo, message: IpcMessage, options?: RequestOptions): Promise<R>;
  request<R = unknown>(target: number | WorkerInfo, message: IpcMessage, options?: RequestOptions): Promise<R> {
    const id = typeof target === 'number' ? target : target?.id;
    for (const managed of this.#all) {
      if (managed.worker.id === id || (typeof target === 'number' && managed.worker.process.pid === target)) {
        return managed.rpc.request<R>(message, options);
      }
    }
    return Promise.reject(new RangeError(`target: expected the id or pid of a live worker, got ${describe(target)}`));
  }

  /**
   * Zero-downtime rolling reload: for each slot in turn, forks a replacement, waits until it is ready, then drains
   * the old worker; the configured number of ready workers is never undercut. Resolves once every old worker has
   * exited. If a replacement fails to start, rejects with a `ReloadError` and the remaining old workers stay. A
   * call during a reload schedules one more reload after it (calls meanwhile share it).
   */
  reload(): Promise<void> {
    if (this.#stopping !== undefined) {
      return Promise.reject(new ReloadError('cannot reload: the supervisor is shutting down'));
    }
    if (this.#reloading === undefined) {
      this.#reloading = this.#reload().finally(() => {
        this.#reloading = undefined;
      });
      return this.#reloading;
    }
    this.#reloadAgain ??= this.#reloading
      .catch(() => {})
      .then(() => {
        this.#reloadAgain = undefined;
        return this.reload();
      });
    return this.#reloadAgain;
  }

  async #reload(): Promise<void> {
    const draining: Promise<void>[] = [];
    for (const slot of this.#slots) {
      if (this.#stopping !== undefined) throw new ReloadError('reload interrupted: the supervisor is shutting down');
      const old = slot.current;
      const fresh = this.#fork(slot);
      try {
        await fresh.started.promise;
      } catch (error) {
        throw new ReloadError(`reload stopped at slot ${slot.index}: the replacement failed to start`, {
          cause: error,
        });
      }
      if (slot.respawn !== undefined) {
        this.#clock.clearTimeout(slot.respawn);
        slot.respawn = undefined;
      }
      const previous = slot.current;
      slot.current = fresh;
      if (previous !== undefined) draining.push(this.#drain(previous));
      if (old !== undefined && old !== previous) draining.push(this.#drain(old));
    }
    await Promise.all(draining);
    this.emit('reloaded');
  }

  /**
   * Stops everything: no more respawns; every worker is asked to drain (its `onShutdown` hooks run, or Node
   * closes its servers) and is SIGKILLed if still there after `shutdownTimeoutMs`. Resolves once all exited.
   * Calling it again returns the same promise.
   */
  shutdown(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async #shutdown(): Promise<void> {
    for (const slot of this.#slots) {
      if (slot.respawn !== undefined) this.#clock.clearTimeout(slot.respawn);
      slot.respawn = undefined;
    }
    if (!this.#started.settled) this.#started.reject(new WorkerStartError(undefined, 'shutdown', 'shut down'));
    await Promise.all([...this.#all].map((managed) => this.#drain(managed)));
    this.#removeSignals?.();
    if (active === this) active = undefined;
    this.emit('stopped');
  }

  #fork(slot: Slot): Managed {
    const env = { ...this.#env, WEFT_CLUSTER_SLOT: String(slot.index) };
    const worker = cluster.fork(env);
    const managed: Managed = {
      worker,
      slot,
      actor: startLifecycle(),
      rpc: undefined as unknown as RpcPeer<WorkerInfo>,
      restarts: slot.restarts,
      readyAt: undefined,
      hooked: false,
      expected: false,
      timer: undefined,
      started: deferred<void>(),
      exited: deferred<void>(),
    };
    const send = (message: WireMessage, onError: (error: Error | null) => void) => {
      if (!worker.isConnected()) throw new Error(`worker ${worker.process.pid} is disconnected`);
      worker.send(message, undefined, onError);
    };
    (managed as { rpc: RpcPeer<WorkerInfo> }).rpc = new RpcPeer(send, this.#clock, this.#handlers, infoOf(managed));
    this.#all.add(managed);
    managed.timer = this.#clock.setTimeout(() => this.#readyTimedOut(managed), this.#readyTimeoutMs);

    worker.on('online', () => this.emit('online', infoOf(managed)));
    if (this.#readyWhen === 'listening') worker.once('listening', () => this.#ready(managed));
    worker.on('message', (message: unknown) => {
      if (managed.rpc.receive(message)) return;
      const kind = (message as Record<string, unknown> | null)?.[TAG];
      if (kind === 'ready') this.#ready(managed);
      else if (kind === 'hooked') managed.hooked = true;
    });
    // A failed send or a dead channel surfaces here; the exit handler does the bookkeeping.
    worker.on('error', () => {});
    worker.once('disconnect', () => managed.rpc.close(`worker ${worker.process.pid} disconnected before answering`));
    worker.once('exit', (code: number | null, signal: NodeJS.Signals | null) => this.#exited(managed, code, signal));
    this.emit('fork', infoOf(managed));
    return managed;
  }

  #ready(managed: Managed): void {
    if (!managed.actor.getSnapshot().matches('starting')) return;
    managed.actor.send({ type: 'READY' });
    managed.readyAt = this.#clock.now();
    this.#clearTimer(managed);
    managed.started.resolve();
    this.emit('ready', infoOf(managed));
    if (!this.#started.settled && this.#slots.every((slot) => slot.current?.readyAt !== undefined)) {
      this.#started.resolve();
    }
  }

  #readyTimedOut(managed: Managed): void {
    managed.timer = undefined;
    if (!managed.actor.getSnapshot().matches('starting')) return;
    managed.started.reject(
      new WorkerStartError(managed.worker.process.pid, 'timeout', `not ready within ${this.#readyTimeoutMs} ms`),
    );
    managed.worker.process.kill('SIGKILL');
  }

  #clearTimer(managed: Managed): void {
    if (managed.timer !== undefined) this.#clock.clearTimeout(managed.timer);
    managed.timer = undefined;
  }

  /** Asks a worker to finish and exit; SIGKILL after `shutdownTimeoutMs`. Resolves when it has exited. */
  #drain(managed: Managed): Promise<void> {
    const state = managed.actor.getSnapshot();
    if (state.matches('stopped') || state.matches('draining')) return managed.exited.promise;
    managed.expected = true;
    this.#clearTimer(managed);
    if (!managed.started.settled) {
      managed.started.reject(new WorkerStartError(managed.worker.process.pid, 'shutdown', 'stopped while starting'));
    }
    managed.actor.send({ type: 'DRAIN' });
    this.emit('draining', infoOf(managed));
    managed.timer = this.#clock.setTimeout(() => {
      managed.timer = undefined;
      managed.worker.process.kill('SIGKILL');
    }, this.#shutdownTimeoutMs);
    try {
      if (!managed.worker.isConnected()) managed.worker.process.kill('SIGTERM');
      else if (managed.hooked) managed.worker.send({ [TAG]: 'shutdown' } satisfies WireMessage, undefined, () => {});
      else managed.worker.disconnect();
    } catch {
      // The process is already going; its exit settles everything.
    }
    return managed.exited.promise;
  }

  #exited(managed: Managed, code: number | null, signal: NodeJS.Signals | null): void {
    const { slot } = managed;
    this.#clearTimer(managed);
    const wasReady = managed.readyAt !== undefined;
    const expected = managed.expected;
    managed.actor.send({ type: 'EXIT' });
    managed.rpc.close(`worker ${managed.worker.process.pid} exited before answering`);
    this.#all.delete(managed);
    if (!managed.started.settled) {
      managed.started.reject(
        new WorkerStartError(managed.worker.process.pid, 'exit', `exited with ${signal ?? `code ${code}`}`),
      );
    }
    managed.exited.resolve();
    this.emit('exit', infoOf(managed), code, signal, expected);
    if (expected || this.#stopping !== undefined || slot.current !== managed) return;

    slot.current = undefined;
    const now = this.#clock.now();
    if (wasReady && now - (managed.readyAt as number) >= this.#withinMs) slot.backoff = this.#backoff();
    if (slot.crashes.record(now)) {
      const error = new CrashLoopError(slot.index, slot.crashes.count, this.#withinMs);
      if (!this.#started.settled) this.#started.reject(error);
      this.emit('crashLoop', error);
      void this.shutdown().then(() => {
        if (this.#exitProcess) process.exit(1);
      });
      return;
    }
    const next = slot.backoff.next();
    if (next.done === true) {
      slot.backoff = this.#backoff();
    }
    const delayMs = next.done === true ? 0 : Math.max(0, next.value);
    slot.restarts++;
    this.emit('restart', infoOf(managed), delayMs);
    slot.respawn = this.#clock.setTimeout(() => {
      slot.respawn = undefined;
      if (this.#stopping === undefined && slot.current === undefined) slot.current = this.#fork(slot);
    }, delayMs);
  }

  #listenToSignals(): () => void {
    let signalled = false;
    const stop = () => {
      if (signalled) {
        for (const managed of this.#all) managed.worker.process.kill('SIGKILL');
        return;
      }
      signalled = true;
      void this.shutdown().then(() => {
        if (this.#exitProcess) process.exit(0);
      });
    };
    const reload = () => {
      this.reload().catch(() => {
        // Reported through the events; the old workers keep serving.
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reload);
    return () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', reload);
    };
  }
}

function infoOf(managed: Managed): WorkerInfo {
  return {
    id: managed.worker.id,
    slot: managed.slot.index,
    pid: managed.worker.process.pid,
    state: managed.actor.getSnapshot().value,
    restarts: managed.restarts,
  };
}

interface ValidatedOptions {
  clock: Clock;
  backoff: Backoff;
  maxRestarts: number;
  withinMs: number;
  shutdownTimeoutMs: number;
  readyTimeoutMs: number;
  readyWhen: ReadyWhen;
  env: Readonly<Record<string, string>>;
  signals: boolean;
  exitProcess: boolean;
  reusePort: boolean;
}

function positiveMs(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number')
    throw new TypeError(`${name}: expected a number of milliseconds > 0, got ${describe(value)}`);
  if (!(value > 0 && value < 2 ** 31)) {
    throw new RangeError(`${name}: expected a number of milliseconds > 0 and < 2^31, got ${describe(value)}`);
  }
  return value;
}

function optionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name}: expected a boolean, got ${describe(value)}`);
  return value;
}

function stringArray(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TypeError(`${name}: expected an array of strings, got ${describe(value)}`);
  }
  return [...value];
}

/** Node ≥ 22.12 (and ≥ 23.1 on the 23 line) has `listen({ reusePort })`. */
function supportsReusePort(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * Starts a supervised cluster in the primary: forks `workers` workers (node:cluster, sharing listening ports),
 * respawns crashed ones after a jittered backoff, detects crash loops, reloads without downtime and shuts down
 * gracefully. Options are validated before anything is forked. One supervisor per process.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { isPrimary, supervise, worker } from '@weft/cluster';
 *
 * if (isPrimary) {
 *   const sup = supervise({ workers: 'auto', shutdownTimeoutMs: 10_000 });
 *   sup.on('restart', (w, delayMs) => console.log(`worker ${w.pid} crashed; respawn in ${delayMs} ms`));
 *   sup.handle('ping', () => 'pong');
 * } else {
 *   const server = createServer((req, res) => res.end(`hello from ${process.pid}`));
 *   worker.onShutdown(() => new Promise((done) => server.close(done)));
 *   server.listen(3000);
 * }
 * ```
 */
export function supervise(options: SuperviseOptions = {}): Supervisor {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options: expected an object, got ${describe(options)}`);
  }
  if (!cluster.isPrimary) throw new Error('supervise: call it in the primary process (check isPrimary first)');
  if (active !== undefined) {
    throw new Error('supervise: this process already runs a supervisor (node:cluster has one primary per process)');
  }
  const workersOption = options.workers ?? 'auto';
  let size: number;
  if (workersOption === 'auto') size = autoWorkerCount();
  else if (typeof workersOption !== 'number') {
    throw new TypeError(`workers: expected an integer ≥ 1 or 'auto', got ${describe(workersOption)}`);
  } else if (!Number.isInteger(workersOption) || workersOption < 1) {
    throw new RangeError(`workers: expected an integer ≥ 1 or 'auto', got ${describe(workersOption)}`);
  } else size = workersOption;

  let exec: string | undefined;
  if (options.exec !== undefined) {
    if (typeof options.exec !== 'string' || options.exec === '') {
      throw new TypeError(`exec: expected the path of the worker module, got ${describe(options.exec)}`);
    }
    exec = resolvePath(options.exec);
    if (!existsSync(exec) || !statSync(exec).isFile()) {
      throw new RangeError(`exec: expected the path of an existing file, got ${describe(options.exec)} (${exec})`);
    }
  }
  const args = stringArray(options.args, 'args');
  const execArgv = stringArray(options.execArgv, 'execArgv');
  const env = options.env ?? {};
  if (typeof env !== 'object' || env === null || Object.values(env).some((v) => typeof v !== 'string')) {
    throw new TypeError(`env: expected an object of strings, got ${describe(env)}`);
  }
  const restart = options.restart ?? {};
  if (typeof restart !== 'object' || restart === null) {
    throw new TypeError(`restart: expected an object, got ${describe(restart)}`);
  }
  const backoff = restart.backoff ?? exponential({ initialMs: 100, maxMs: 10_000, jitter: 'equal' });
  if (typeof backoff !== 'function') {
    throw new TypeError(`restart.backoff: expected a Backoff (e.g. exponential()), got ${describe(backoff)}`);
  }
  const maxRestarts = restart.maxRestarts ?? 5;
  if (typeof maxRestarts !== 'number' || !Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new RangeError(`restart.maxRestarts: expected an integer ≥ 0, got ${describe(maxRestarts)}`);
  }
  const withinMs = positiveMs(restart.withinMs, 'restart.withinMs', 60_000);
  const shutdownTimeoutMs = positiveMs(options.shutdownTimeoutMs, 'shutdownTimeoutMs', 10_000);
  const readyTimeoutMs = positiveMs(options.readyTimeoutMs, 'readyTimeoutMs', 30_000);
  const reusePort = optionalBoolean(options.reusePort, 'reusePort', false);
  if (reusePort && !supportsReusePort()) {
    throw new RangeError(
      `reusePort: needs Node ≥ 22.12 (or ≥ 23.1) for listen({ reusePort: true }), got Node ${process.version}; ` +
        'leave reusePort off to share the port through node:cluster',
    );
  }
  const readyWhen = options.readyWhen ?? (reusePort ? 'ready' : 'listening');
  if (readyWhen !== 'listening' && readyWhen !== 'ready') {
    throw new RangeError(`readyWhen: expected 'listening' or 'ready', got ${describe(readyWhen)}`);
  }
  if (reusePort && readyWhen === 'listening') {
    throw new RangeError(`readyWhen: with reusePort the primary gets no 'listening'; expected 'ready'`);
  }
  const serialization = options.serialization;
  if (serialization !== undefined && serialization !== 'json' && serialization !== 'advanced') {
    throw new RangeError(`serialization: expected 'json' or 'advanced', got ${describe(serialization)}`);
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock?.setTimeout !== 'function' || typeof clock.now !== 'function') {
    throw new TypeError(`clock: expected a Clock ({ now, setTimeout, clearTimeout }), got ${describe(clock)}`);
  }

  cluster.setupPrimary({
    ...(exec !== undefined ? { exec } : {}),
    ...(args !== undefined ? { args } : {}),
    ...(execArgv !== undefined ? { execArgv } : {}),
    ...(serialization !== undefined ? { serialization } : {}),
  });
  const supervisor = new Supervisor(size, {
    clock,
    backoff,
    maxRestarts,
    withinMs,
    shutdownTimeoutMs,
    readyTimeoutMs,
    readyWhen,
    env,
    signals: optionalBoolean(options.signals, 'signals', true),
    exitProcess: optionalBoolean(options.exitProcess, 'exitProcess', true),
    reusePort,
  });
  active = supervisor;
  // Fork on the next tick, so listeners added right after supervise() see the first 'fork' events.
  process.nextTick(() => supervisor.start());
  return supervisor;
}
