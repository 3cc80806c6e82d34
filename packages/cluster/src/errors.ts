const brand = Symbol.for('@weft/cluster.error');

function branded<T extends Error>(error: T): T {
  Object.defineProperty(error, brand, { value: true });
  return error;
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && brand in error && (error as { code?: unknown }).code === code;
}

/** A worker slot restarted more than `restart.maxRestarts` times within `restart.withinMs`. */
export class CrashLoopError extends Error {
  override readonly name = 'CrashLoopError';
  readonly code = 'ERR_WEFT_CLUSTER_CRASH_LOOP';
  /** The slot (0-based index of the worker) that kept crashing. */
  readonly slot: number;
  /** How many unexpected exits the slot had within the window. */
  readonly exits: number;

  constructor(slot: number, exits: number, withinMs: number) {
    super(`worker slot ${slot} exited ${exits} times within ${withinMs} ms: crash loop, not respawning`);
    this.slot = slot;
    this.exits = exits;
    branded(this);
  }
}

/** Whether `error` is a {@link CrashLoopError} (also across copies of this package). */
export function isCrashLoopError(error: unknown): error is CrashLoopError {
  return hasCode(error, 'ERR_WEFT_CLUSTER_CRASH_LOOP');
}

/** A worker did not become ready: it exited first, or `readyTimeoutMs` passed. */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
  readonly code = 'ERR_WEFT_CLUSTER_WORKER_START';
  /** The worker's process id, if it got one. */
  readonly pid: number | undefined;
  /** Why: `'timeout'` (killed after `readyTimeoutMs`), `'exit'` (it exited) or `'shutdown'` (the supervisor stopped). */
  readonly reason: 'timeout' | 'exit' | 'shutdown';

  constructor(pid: number | undefined, reason: 'timeout' | 'exit' | 'shutdown', detail: string) {
    super(`worker ${pid ?? '(no pid)'} did not become ready: ${detail}`);
    this.pid = pid;
    this.reason = reason;
    branded(this);
  }
}

/** Whether `error` is a {@link WorkerStartError}. */
export function isWorkerStartError(error: unknown): error is WorkerStartError {
  return hasCode(error, 'ERR_WEFT_CLUSTER_WORKER_START');
}

/** `sup.reload()` failed; the workers that were running before it keep running. `cause` says why. */
export class ReloadError extends Error {
  override readonly name = 'ReloadError';
  readonly code = 'ERR_WEFT_CLUSTER_RELOAD';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    branded(this);
  }
}

/** Whether `error` is a {@link ReloadError}. */
export function isReloadError(error: unknown): error is ReloadError {
  return hasCode(error, 'ERR_WEFT_CLUSTER_RELOAD');
}

/** An IPC request got no answer within its `timeoutMs`. */
export class IpcTimeoutError extends Error {
  override readonly name = 'IpcTimeoutError';
  readonly code = 'ERR_WEFT_CLUSTER_IPC_TIMEOUT';
  /** The `type` of the request. */
  readonly type: string;
  readonly timeoutMs: number;

  constructor(type: string, timeoutMs: number) {
    super(`IPC request ${JSON.stringify(type)} got no answer within ${timeoutMs} ms`);
    this.type = type;
    this.timeoutMs = timeoutMs;
    branded(this);
  }
}

/** Whether `error` is an {@link IpcTimeoutError}. */
export function isIpcTimeoutError(error: unknown): error is IpcTimeoutError {
  return hasCode(error, 'ERR_WEFT_CLUSTER_IPC_TIMEOUT');
}

/** The IPC channel closed (the other process exited or disconnected) before an answer came. */
export class IpcClosedError extends Error {
  override readonly name = 'IpcClosedError';
  readonly code = 'ERR_WEFT_CLUSTER_IPC_CLOSED';

  constructor(message = 'the IPC channel closed before an answer came', options?: { cause?: unknown }) {
    super(message, options);
    branded(this);
  }
}

/** Whether `error` is an {@link IpcClosedError}. */
export function isIpcClosedError(error: unknown): error is IpcClosedError {
  return hasCode(error, 'ERR_WEFT_CLUSTER_IPC_CLOSED');
}

/** The error a remote handler threw, as it is sent over IPC. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string | number | undefined;
  stack?: string | undefined;
}

const remote = Symbol.for('@weft/cluster.remote');

/** Turns anything thrown into plain data that crosses IPC. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
      stack: error.stack,
    };
  }
  return { name: 'Error', message: typeof error === 'string' ? error : describeThrown(error) };
}

function describeThrown(value: unknown): string {
  try {
    return `non-error thrown: ${JSON.stringify(value)}`;
  } catch {
    return `non-error thrown: ${String(value)}`;
  }
}

/**
 * Rebuilds an `Error` from a {@link SerializedError}: same `name`, `message` and `code`; the remote stack is kept
 * in `remoteStack`. {@link isRemoteError} recognises it.
 */
export function deserializeError(data: SerializedError): Error & { code?: string | number; remoteStack?: string } {
  const error = new Error(String(data.message)) as Error & { code?: string | number; remoteStack?: string };
  error.name = String(data.name);
  if (data.code !== undefined) error.code = data.code;
  if (data.stack !== undefined) error.remoteStack = data.stack;
  Object.defineProperty(error, remote, { value: true });
  return error;
}

/** Whether `error` was thrown by a handler in the other process and sent back over IPC. */
export function isRemoteError(error: unknown): error is Error & { code?: string | number; remoteStack?: string } {
  return typeof error === 'object' && error !== null && remote in error;
}
