export type { Clock, TimerHandle } from './clock';
export { systemClock } from './clock';
export type { SerializedError } from './errors';
export {
  CrashLoopError,
  deserializeError,
  IpcClosedError,
  IpcTimeoutError,
  isCrashLoopError,
  isIpcClosedError,
  isIpcTimeoutError,
  isReloadError,
  isRemoteError,
  isWorkerStartError,
  ReloadError,
  serializeError,
  WorkerStartError,
} from './errors';
export type { LifecycleEvent, WorkerState } from './lifecycle';
export { lifecycleMachine } from './lifecycle';
export type { IpcMessage, IpcMessageLiteral, RequestOptions } from './rpc';
export type { ReadyWhen, SuperviseOptions, SupervisorEvents, WorkerInfo } from './supervisor';
export { Supervisor, supervise } from './supervisor';
export type { FromPrimary, ShutdownHook, WorkerApi } from './worker';
export { isPrimary, worker } from './worker';
export type { ReadText } from './worker-count';
export { autoWorkerCount, cgroupCpuLimit } from './worker-count';
