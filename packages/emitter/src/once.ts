import type { EventArgsOf, EventNameOf } from './emitter';
import { errorMonitor } from './error-monitor';
import { AbortError } from './errors';
import { assertEventName, assertSignal, type EventSource, isEmitterLike, listen } from './source';

/** Options of {@link once}. */
export interface OnceOptions {
  /** Rejects the wait with an `AbortError` (and stops listening) when aborted, also if already aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * Waits for the next `eventName` and resolves with its arguments as a tuple. Rejects with the error if the emitter
 * emits `'error'` first (unless `'error'` or {@link errorMonitor} is what is awaited: waiting for the monitor
 * resolves with the error's arguments and leaves the error unhandled), and with an `AbortError` if the signal aborts. Works
 * with `@weft/emitter`, `node:events` emitters (streams, sockets, …) and `EventTarget`s (resolving with `[event]`).
 *
 * @example
 * ```ts
 * import { Emitter, once } from '@weft/emitter';
 *
 * const server = new Emitter<{ listening: [port: number] }>();
 * setTimeout(() => server.emit('listening', 8080), 10);
 * const [port] = await once(server, 'listening', { signal: AbortSignal.timeout(5_000) });
 * ```
 */
export function once<S extends EventSource, K extends EventNameOf<S>>(
  emitter: S,
  eventName: K,
  options?: OnceOptions,
): Promise<EventArgsOf<S, K>>;
export function once(emitter: EventSource, eventName: string | symbol, options: OnceOptions = {}): Promise<unknown[]> {
  try {
    assertEventName(eventName);
    assertSignal(options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  return new Promise<unknown[]>((resolve, reject) => {
    let stopError: (() => void) | undefined;
    const stop = () => {
      stopEvent();
      stopError?.();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      stop();
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const stopEvent = listen(emitter, eventName, (...args: unknown[]) => {
      stop();
      resolve(args);
    });
    // Waiting for errorMonitor does not listen for 'error' either: a monitor sees every error first, and the wait
    // must not make an error count as handled.
    if (eventName !== 'error' && eventName !== errorMonitor && isEmitterLike(emitter)) {
      stopError = listen(emitter, 'error', (error: unknown) => {
        stop();
        reject(error);
      });
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
