export type {
  AnyListener,
  BuiltinEvents,
  EmitterOptions,
  EventArgs,
  EventArgsOf,
  EventKey,
  EventMapOf,
  EventNameOf,
  EventsOf,
  Listener,
  ListenerOptions,
} from './emitter';
export { Emitter } from './emitter';
export { errorMonitor } from './error-monitor';
export type { MaxListenersExceededWarning } from './errors';
export {
  AbortError,
  isAbortError,
  isOverflowError,
  isUnhandledError,
  OverflowError,
  UnhandledError,
} from './errors';
export type { OnOptions, OverflowPolicy } from './on';
export { on } from './on';
export type { OnceOptions } from './once';
export { once } from './once';
export type { EventEmitterLike, EventSource, EventTargetLike } from './source';
