import { describe } from '@weft/reactor';
import { MemoryStore } from './memory-store';
import { checkCost, checkKey, checkPolicy, type RatePolicy } from './policy';
import type { RateLimitResult } from './result';
import type { Store } from './store';

/** What a worker asks the primary. Plain data, so it crosses any IPC channel. */
export type ClusterStoreRequest =
  | { op: 'consume'; key: string; policy: RatePolicy; cost: number }
  | { op: 'peek'; key: string; policy: RatePolicy }
  | { op: 'reset'; key: string; policy: RatePolicy };

/** What the primary answers: a result (none for `reset`), or the message of the error it met. */
export type ClusterStoreReply = { ok: true; result?: RateLimitResult } | { ok: false; error: string };

/**
 * How a worker reaches the primary: one request, one reply. `@weft/cluster` provides one; {@link ipcChannel}
 * makes one from a process's IPC channel. The limiter bounds each call with its `storeTimeoutMs`.
 */
export interface ClusterStoreChannel {
  /** Sends one request to the primary and resolves with its reply. */
  request(message: ClusterStoreRequest): Promise<ClusterStoreReply>;
}

/**
 * The worker side of counts shared by the workers of one machine: every call goes to the primary, which holds the
 * counts (in a {@link MemoryStore}) and answers through {@link clusterStoreHandler}. No Redis needed.
 *
 * @example
 * ```ts
 * // in a worker
 * const limiter = new RateLimiter({ limit: 100, windowMs: 60_000, store: new ClusterStore(ipcChannel()) });
 * // in the primary, for each worker
 * serveClusterStore(worker, clusterStoreHandler(new MemoryStore()));
 * ```
 */
export class ClusterStore implements Store {
  readonly #channel: ClusterStoreChannel;

  constructor(channel: ClusterStoreChannel) {
    if (typeof (channel as ClusterStoreChannel | null)?.request !== 'function') {
      throw new TypeError(`channel: expected { request(message) }, got ${describe(channel)}`);
    }
    this.#channel = channel;
  }

  /** Asks the primary to apply `cost` to `key`. */
  consume(key: string, policy: RatePolicy, cost: number): Promise<RateLimitResult> {
    return this.#channel.request({ op: 'consume', key, policy, cost }).then(resultOf);
  }

  /** Asks the primary what a consume would decide. */
  peek(key: string, policy: RatePolicy): Promise<RateLimitResult> {
    return this.#channel.request({ op: 'peek', key, policy }).then(resultOf);
  }

  /** Asks the primary to forget `key`. */
  async reset(key: string, policy: RatePolicy): Promise<void> {
    const reply = await this.#channel.request({ op: 'reset', key, policy });
    if (!reply.ok) throw new Error(`cluster primary: ${reply.error}`);
  }
}

function resultOf(reply: ClusterStoreReply): RateLimitResult {
  if (!reply.ok) throw new Error(`cluster primary: ${reply.error}`);
  if (typeof reply.result !== 'object' || reply.result === null) {
    throw new TypeError(`cluster primary: expected a result, got ${describe(reply.result)}`);
  }
  return reply.result;
}

/**
 * The primary side: answers {@link ClusterStoreRequest}s from workers with `store` (a {@link MemoryStore} by
 * default). Malformed requests get an error reply; it never throws or rejects, so a bad message cannot take the
 * primary down.
 *
 * @example
 * ```ts
 * const handle = clusterStoreHandler(new MemoryStore({ maxKeys: 200_000 }));
 * cluster.on('fork', (worker) => serveClusterStore(worker, handle));
 * ```
 */
export function clusterStoreHandler(
  store: Store = new MemoryStore(),
): (request: unknown) => Promise<ClusterStoreReply> {
  if (typeof (store as Store | null)?.consume !== 'function') {
    throw new TypeError(`store: expected a Store, got ${describe(store)}`);
  }
  // Workers send the same few policies over and over; validate each shape once.
  const policies = new Map<string, RatePolicy>();
  const policyOf = (raw: unknown): RatePolicy => {
    const id = JSON.stringify(raw);
    let policy = policies.get(id);
    if (policy === undefined) {
      policy = checkPolicy(raw);
      if (policies.size < 1_000) policies.set(id, policy);
    }
    return policy;
  };
  return async (request) => {
    try {
      if (typeof request !== 'object' || request === null) {
        throw new TypeError(`request: expected an object, got ${describe(request)}`);
      }
      const { op, key, policy: raw, cost } = request as Partial<Record<string, unknown>>;
      checkKey(key);
      const policy = policyOf(raw);
      if (op === 'consume') return { ok: true, result: await store.consume(key, policy, checkCost(cost, policy)) };
      if (op === 'peek') return { ok: true, result: await store.peek(key, policy) };
      if (op === 'reset') {
        await store.reset(key, policy);
        return { ok: true };
      }
      throw new TypeError(`op: expected 'consume', 'peek' or 'reset', got ${describe(op)}`);
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : describe(error) };
    }
  };
}

/** Tags this package's IPC messages, so they share a channel with anything else. */
const TAG = '@weft/ratelimit';

/** A process end of an IPC channel: `process` in a worker, a `ChildProcess` or cluster `Worker` in the primary. */
export interface IpcEndpoint {
  /** Sends a message over the channel (absent in a process without one). */
  send?: ((message: object, callback?: (error: Error | null) => void) => unknown) | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
}

/** A {@link ClusterStoreChannel} over IPC, with `close()` to stop listening. */
export interface IpcChannel extends ClusterStoreChannel {
  /** Stops listening on the endpoint; pending requests reject. */
  close(): void;
}

/**
 * A worker's {@link ClusterStoreChannel} over Node's IPC (`process.send`), answered in the primary by
 * {@link serveClusterStore}. Pending requests reject when the channel disconnects.
 */
export function ipcChannel(endpoint: IpcEndpoint = process as unknown as IpcEndpoint): IpcChannel {
  if (typeof endpoint?.on !== 'function') {
    throw new TypeError(`endpoint: expected a process with an IPC channel, got ${describe(endpoint)}`);
  }
  const pending = new Map<number, { resolve(reply: ClusterStoreReply): void; reject(error: Error): void }>();
  let nextId = 0;
  const onMessage = (message: unknown) => {
    const id = (message as Record<string, unknown> | null)?.[TAG];
    if (typeof id !== 'number') return;
    const waiter = pending.get(id);
    if (waiter === undefined) return;
    pending.delete(id);
    waiter.resolve((message as { reply: ClusterStoreReply }).reply);
  };
  const onDisconnect = () => {
    for (const waiter of pending.values()) waiter.reject(new Error('IPC channel to the cluster primary closed'));
    pending.clear();
  };
  endpoint.on('message', onMessage);
  endpoint.on('disconnect', onDisconnect);
  return {
    request(message) {
      return new Promise<ClusterStoreReply>((resolve, reject) => {
        if (typeof endpoint.send !== 'function') {
          reject(new Error('no IPC channel: this process was not started with one (cluster.fork or fork)'));
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve, reject });
        try {
          // With a callback, a failed send is reported here instead of as an 'error' event nobody handles.
          endpoint.send({ [TAG]: id, ...message }, (error) => {
            if (error === null || error === undefined || !pending.delete(id)) return;
            reject(error);
          });
        } catch (error) {
          pending.delete(id);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    close() {
      endpoint.off('message', onMessage);
      endpoint.off('disconnect', onDisconnect);
      onDisconnect();
    },
  };
}

/**
 * Answers a worker's {@link ipcChannel} requests in the primary with `handler` (from {@link clusterStoreHandler}).
 * Returns a function that stops answering.
 */
export function serveClusterStore(
  worker: IpcEndpoint,
  handler: (request: unknown) => Promise<ClusterStoreReply>,
): () => void {
  if (typeof worker?.on !== 'function')
    throw new TypeError(`worker: expected a worker or child process, got ${describe(worker)}`);
  if (typeof handler !== 'function') throw new TypeError(`handler: expected a function, got ${describe(handler)}`);
  const onMessage = (message: unknown) => {
    const id = (message as Record<string, unknown> | null)?.[TAG];
    if (typeof id !== 'number') return;
    void handler(message).then((reply) => {
      try {
        worker.send?.({ [TAG]: id, reply }, () => {});
      } catch {
        // The worker is gone; its limiter has applied onStoreError already.
      }
    });
  };
  worker.on('message', onMessage);
  return () => worker.off('message', onMessage);
}
