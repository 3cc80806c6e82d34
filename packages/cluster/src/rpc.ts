import { type Clock, describe } from './clock';
import { deserializeError, IpcClosedError, IpcTimeoutError, type SerializedError, serializeError } from './errors';

/** A message sent with `request()`: any plain data with a string `type`, which picks the handler. */
export interface IpcMessage {
  readonly type: string;
}

/** A request message written inline: a `type` and any other fields (`{ type: 'consume', key, cost }`). */
export type IpcMessageLiteral = IpcMessage & { readonly [field: string]: unknown };

/** Options of `request()`. */
export interface RequestOptions {
  /** Reject with an `IpcTimeoutError` when no answer came within this many ms; 10 s by default (`Infinity`: never). */
  timeoutMs?: number | undefined;
  /** Rejects with the signal's reason when aborted (the answer, if it comes later, is dropped). */
  signal?: AbortSignal | undefined;
}

/** The key that tags this package's IPC messages, so they share a channel with anything else. */
export const TAG = '@weft/cluster';

/** The wire shapes, all tagged with {@link TAG}: a request, an answer, an error answer, and control messages. */
export type WireMessage =
  | { [TAG]: 'q'; id: number; message: IpcMessage }
  | { [TAG]: 'a'; id: number; value: unknown }
  | { [TAG]: 'e'; id: number; error: SerializedError }
  | { [TAG]: 'ready' | 'hooked' | 'shutdown' };

/** A handler registered with `handle()`; `from` says who asked (the worker, in the primary). */
export type Handler<From> = (message: never, from: From) => unknown;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: unknown;
  type: string;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Sends one tagged message; `onError` is called if it cannot be delivered. */
export type Send = (message: WireMessage, onError: (error: Error | null) => void) => void;

/**
 * One end of a request/response conversation over an IPC channel: correlation ids, timeouts on the given clock,
 * and errors thrown by the remote handler sent back as data. Used by both the worker and the primary.
 */
export class RpcPeer<From> {
  readonly #send: Send;
  readonly #clock: Clock;
  readonly #handlers: Map<string, Handler<From>>;
  readonly #from: From;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: Error | null = null;

  constructor(send: Send, clock: Clock, handlers: Map<string, Handler<From>>, from: From) {
    this.#send = send;
    this.#clock = clock;
    this.#handlers = handlers;
    this.#from = from;
  }

  /** How many requests are waiting for an answer. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Sends `message` and resolves with the remote handler's answer. */
  request<R>(message: IpcMessage | IpcMessageLiteral, options?: RequestOptions): Promise<R> {
    const type = (message as IpcMessage | null)?.type;
    if (typeof type !== 'string') {
      return Promise.reject(new TypeError(`message.type: expected a string, got ${describe(type)}`));
    }
    const timeoutMs = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      return Promise.reject(
        new RangeError(`timeoutMs: expected a number of milliseconds > 0 or Infinity, got ${describe(timeoutMs)}`),
      );
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed !== null) return Promise.reject(new IpcClosedError(this.#closed.message));
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      const pending: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: timeoutMs === Number.POSITIVE_INFINITY ? undefined : this.#clock.setTimeout(this.#expire, timeoutMs, id),
        type,
        timeoutMs,
        signal,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        pending.onAbort = () => this.#settle(id)?.reject(signal.reason);
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#pending.set(id, pending);
      try {
        // No per-request callback: a send fails asynchronously only when the channel is closed, and then the owner
        // of this peer calls close(), which rejects every pending request.
        this.#send({ [TAG]: 'q', id, message }, ignore);
      } catch (error) {
        this.#settle(id)?.reject(
          new IpcClosedError(error instanceof Error ? error.message : String(error), { cause: error }),
        );
      }
    });
  }

  readonly #expire = (id: number): void => {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    pending.timer = undefined;
    this.#settle(id)?.reject(new IpcTimeoutError(pending.type, pending.timeoutMs));
  };

  /** Removes a pending request and its timer and abort listener; `undefined` if it was settled already. */
  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    if (pending.timer !== undefined) this.#clock.clearTimeout(pending.timer);
    if (pending.onAbort !== undefined) pending.signal?.removeEventListener('abort', pending.onAbort);
    return pending;
  }

  /**
   * Handles one incoming IPC message; returns `false` if it is not a request or an answer of this package (so the
   * caller may handle it).
   */
  receive(raw: unknown): boolean {
    if (typeof raw !== 'object' || raw === null) return false;
    const kind = (raw as Record<string, unknown>)[TAG];
    if (kind === 'a') {
      const { id, value } = raw as { id: number; value: unknown };
      this.#settle(id)?.resolve(value);
      return true;
    }
    if (kind === 'e') {
      const { id, error } = raw as { id: number; error: SerializedError };
      this.#settle(id)?.reject(deserializeError(error));
      return true;
    }
    if (kind === 'q') {
      const { id, message } = raw as { id: number; message: IpcMessage };
      this.#answer(id, message);
      return true;
    }
    return false;
  }

  #answer(id: number, message: IpcMessage): void {
    const handler = this.#handlers.get(message?.type);
    if (handler === undefined) {
      const error = new Error(`no handler for IPC request type ${describe(message?.type)}`);
      (error as Error & { code: string }).code = 'ERR_WEFT_CLUSTER_NO_HANDLER';
      this.#reply({ [TAG]: 'e', id, error: serializeError(error) });
      return;
    }
    let result: unknown;
    try {
      result = handler(message as never, this.#from);
    } catch (error) {
      this.#reply({ [TAG]: 'e', id, error: serializeError(error) });
      return;
    }
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      (result as PromiseLike<unknown>).then(
        (value) => this.#reply({ [TAG]: 'a', id, value }),
        (error: unknown) => this.#reply({ [TAG]: 'e', id, error: serializeError(error) }),
      );
    } else {
      this.#reply({ [TAG]: 'a', id, value: result });
    }
  }

  #reply(message: WireMessage): void {
    if (this.#closed !== null) return;
    try {
      this.#send(message, ignore);
    } catch {
      // The requester is gone; it rejects its own request when its channel closes.
    }
  }

  /** Rejects every pending request with an `IpcClosedError` and refuses new ones. */
  close(reason = 'the IPC channel closed before an answer came'): void {
    if (this.#closed !== null) return;
    this.#closed = new IpcClosedError(reason);
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new IpcClosedError(reason));
  }
}

function ignore(): void {}
