export { AbortError, isAbortError } from './abort';
export type { Clock, TimerCallback, TimerHandle } from './clock';
export { assertCallback, describe, normalizeDelay, systemClock, TIMEOUT_MAX } from './clock';
export type { ReactorErrorCode } from './errors';
export { isReactorError, ReactorError } from './errors';
export type {
  LoopMonitorListener,
  LoopMonitorOptions,
  LoopProbe,
  LoopReading,
  LoopSnapshot,
} from './loop-monitor';
export { LoopMonitor } from './loop-monitor';
export type { PollSource, ReactorHandle, ReactorOptions, ReactorPhase } from './reactor';
export { Reactor, VirtualImmediate, VirtualTimeout } from './reactor';
export type { SleepOptions } from './sleep';
export { sleep } from './sleep';
export type { TimerWheelOptions, WheelCallback, WheelTimeout } from './timer-wheel';
export { TimerWheel } from './timer-wheel';
