export type {
  AnyListener,
  BuiltinEvents,
  EmitterOptions,
  EventArgs,
  EventKey,
  EventMapOf,
  Listener,
  ListenerOptions,
} from './emitter';
export { Emitter } from './emitter';
export type { MaxListenersExceededWarning } from './errors';
export { AbortError, isAbortError, isUnhandledError, UnhandledError } from './errors';
