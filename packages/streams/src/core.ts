import { StreamDestroyedError } from './errors';

/** The emitter a core reports to (a `Readable`, `Writable` or `Transform`), without its typed overloads. */
export interface Host {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

/** A side (readable or writable) of a stream, driven by the core's one deferred tick. */
export interface Side {
  /** Runs the side's deferred work; called from the core's tick. */
  tick(): void;
  /** The stream was destroyed: drop buffers, fail pending callbacks with `error`. */
  onDestroy(error: unknown): void;
  /** True once the side is done (readable: `'end'` emitted; writable: `'finish'` emitted). */
  readonly done: boolean;
}

/** The `destroy` hook of every stream's options. */
export type DestroyHook = (error: unknown) => unknown;

// Long synchronous pipelines yield to the event loop now and then so one stream cannot starve the process.
const yieldToLoop: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/**
 * The lifecycle every stream shares: destroy, `'error'` then `'close'`, the abort signal handed to hooks, and the
 * single deferred tick. A stream has at most one tick scheduled at any time, however many chunks go through it:
 * every deferred piece of work sets a flag on its side and asks for the tick, which does all of it.
 */
export class Core {
  readonly host: Host;
  readable: Side | undefined = undefined;
  writable: Side | undefined = undefined;
  destroyed = false;
  closed = false;
  /** The error the stream was destroyed with; meaningful when `hasError`. */
  error: unknown = undefined;
  hasError = false;
  #errorEmitted = false;
  #closePending = false;
  #scheduled = false;
  #controller: AbortController | undefined = undefined;
  #destroyHook: DestroyHook | undefined;
  #onClose: (() => void) | undefined = undefined;
  readonly #tick: () => void;

  constructor(host: Host, destroyHook: DestroyHook | undefined) {
    this.host = host;
    this.#destroyHook = destroyHook;
    this.#tick = () => {
      this.#scheduled = false;
      this.writable?.tick();
      this.readable?.tick();
      if (this.#closePending) this.#emitClose();
    };
  }

  /** Aborted when the stream is destroyed, so hooks can cancel in-flight work. Created on first use. */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.destroyed && !this.#controller.signal.aborted) this.#controller.abort(this.#abortReason());
    return this.#controller.signal;
  }

  /** Replaces the destroy hook (for sources built after the stream, as `Readable.from`). */
  setDestroyHook(hook: DestroyHook): void {
    this.#destroyHook = hook;
  }

  /** Runs `cleanup` right before `'close'` is emitted (one per stream: releasing the `signal` option). */
  onClose(cleanup: () => void): void {
    this.#onClose = cleanup;
  }

  /** Asks for the deferred tick (a microtask); a no-op if one is already scheduled. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#tick);
  }

  /** Asks for the tick after pending I/O has run (used by long synchronous loops). */
  scheduleYield(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    yieldToLoop(this.#tick);
  }

  /** Destroys the stream: once; later calls are ignored. `'error'` (if any) then `'close'` follow on the tick. */
  destroy(error?: unknown): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (error !== undefined && error !== null) {
      this.error = error;
      this.hasError = true;
    }
    this.#controller?.abort(this.#abortReason());
    const failure = this.hasError ? this.error : undefined;
    this.writable?.onDestroy(failure);
    this.readable?.onDestroy(failure);
    const hook = this.#destroyHook;
    this.#destroyHook = undefined;
    if (hook === undefined) {
      this.#afterDestroy();
      return;
    }
    let result: unknown;
    try {
      result = hook(failure);
    } catch (hookError) {
      this.#recordHookError(hookError);
      this.#afterDestroy();
      return;
    }
    if (isThenable(result)) {
      result.then(
        () => this.#afterDestroy(),
        (hookError: unknown) => {
          this.#recordHookError(hookError);
          this.#afterDestroy();
        },
      );
    } else {
      this.#afterDestroy();
    }
  }

  /** Destroys the stream once both of its sides are done (auto-destroy after `'end'`/`'finish'`). */
  maybeAutoDestroy(): void {
    if (this.destroyed) return;
    if ((this.readable === undefined || this.readable.done) && (this.writable === undefined || this.writable.done)) {
      this.destroy();
    }
  }

  #recordHookError(hookError: unknown): void {
    if (!this.hasError) {
      this.error = hookError;
      this.hasError = true;
    }
  }

  #abortReason(): unknown {
    return this.hasError ? this.error : new StreamDestroyedError('continue');
  }

  #afterDestroy(): void {
    this.#closePending = true;
    this.schedule();
  }

  #emitClose(): void {
    this.#closePending = false;
    this.closed = true;
    const cleanup = this.#onClose;
    this.#onClose = undefined;
    cleanup?.();
    if (this.hasError && !this.#errorEmitted) {
      this.#errorEmitted = true;
      this.host.emit('error', this.error);
    }
    this.host.emit('close');
  }
}

/**
 * The signal arguments of a stream's hooks: for each hook, a function giving `core.signal` (made on the first call,
 * then reused) if the hook declares it (`hook.length > index`), or undefined if it does not (or there is no hook), so
 * a stream whose hooks ignore it never makes (nor aborts) a signal. Decided once per hook, not per call. @internal
 */
export function hookSignals(
  core: Core,
): (hook: ((...args: never[]) => unknown) | undefined, index: number) => () => AbortSignal {
  let signal: AbortSignal | undefined;
  const made = (): AbortSignal => {
    signal ??= core.signal;
    return signal;
  };
  return (hook, index) => (hook !== undefined && hook.length > index ? made : none);
}

const none = (): AbortSignal => undefined as never;

/** True for a promise or any object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== undefined &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function' &&
    (typeof value === 'object' || typeof value === 'function')
  );
}
