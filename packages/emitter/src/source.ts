import { describe } from './errors';

/**
 * An emitter in the `node:events` style: `@weft/emitter`'s `Emitter`, Node's `EventEmitter` and its subclasses
 * (streams, sockets, child processes), or anything else with `on` and `removeListener` (or `off`).
 */
export interface EventEmitterLike {
  on(eventName: string | symbol, listener: (...args: unknown[]) => void): unknown;
  removeListener?(eventName: string | symbol, listener: (...args: unknown[]) => void): unknown;
  off?(eventName: string | symbol, listener: (...args: unknown[]) => void): unknown;
}

/** A DOM-style event target (`EventTarget`, `AbortSignal`, `MessagePort`, …); its listeners get one event. */
export interface EventTargetLike {
  addEventListener(type: string, listener: (event: Event) => void): unknown;
  removeEventListener(type: string, listener: (event: Event) => void): unknown;
}

/** Anything `once()` and `on()` can listen to. */
export type EventSource = EventEmitterLike | EventTargetLike;

type Handler = (...args: unknown[]) => void;

/** Subscribes `handler` to `eventName` on any supported source; returns the function that unsubscribes it. */
export function listen(source: EventSource, eventName: string | symbol, handler: Handler): () => void {
  const emitter = source as Partial<EventEmitterLike>;
  if (typeof emitter.on === 'function') {
    const remove = emitter.removeListener ?? emitter.off;
    if (typeof remove !== 'function') {
      throw new TypeError('emitter: expected removeListener() or off() beside on(), got neither');
    }
    emitter.on(eventName, handler);
    return () => remove.call(emitter, eventName, handler);
  }
  const target = source as Partial<EventTargetLike>;
  if (typeof target.addEventListener === 'function' && typeof target.removeEventListener === 'function') {
    if (typeof eventName !== 'string') {
      throw new TypeError(`eventName: an EventTarget takes string event names, got ${describe(eventName)}`);
    }
    target.addEventListener(eventName, handler);
    return () => target.removeEventListener!(eventName, handler);
  }
  throw new TypeError(`emitter: expected an event emitter or an EventTarget, got ${describe(source)}`);
}

/** Whether errors arrive as an `'error'` event (emitters) rather than as events like any other (EventTarget). */
export function isEmitterLike(source: EventSource): source is EventEmitterLike {
  return typeof (source as Partial<EventEmitterLike>).on === 'function';
}

/** Validates an optional `signal` option. */
export function assertSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (
    signal !== undefined &&
    (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).addEventListener !== 'function')
  ) {
    throw new TypeError(`options.signal: expected an AbortSignal, got ${describe(signal)}`);
  }
}

/** Validates an event name. */
export function assertEventName(eventName: unknown): asserts eventName is string | symbol {
  if (typeof eventName !== 'string' && typeof eventName !== 'symbol') {
    throw new TypeError(`eventName: expected a string or a symbol, got ${describe(eventName)}`);
  }
}
