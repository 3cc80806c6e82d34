import { AbortError } from './abort';
import { type Clock, describe, systemClock } from './clock';

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Rejects the sleep with an `AbortError` (and clears its timer) when aborted, also if already aborted. */
  signal?: AbortSignal | undefined;
  /** The clock to wait on; {@link systemClock} by default, a `Reactor` for virtual time. */
  clock?: Clock | undefined;
}

/**
 * Resolves after `ms` milliseconds on the given clock.
 *
 * @example
 * ```ts
 * import { Reactor, sleep } from '@weft/reactor';
 * const reactor = new Reactor();
 * const done = sleep(1_000, { clock: reactor });
 * await reactor.advanceAsync(1_000); // `done` resolves without any real waiting
 * ```
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    return Promise.reject(new TypeError(`ms: expected a number of milliseconds, got ${describe(ms)}`));
  }
  const { signal, clock = systemClock } = options;
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
