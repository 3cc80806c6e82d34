export { AbortError, isAbortError } from './abort';
export type { Clock, TimerCallback, TimerHandle } from './clock';
export { assertCallback, describe, normalizeDelay, systemClock, TIMEOUT_MAX } from './clock';
export type { SleepOptions } from './sleep';
export { sleep } from './sleep';
