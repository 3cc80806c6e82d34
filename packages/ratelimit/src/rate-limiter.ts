import { type Clock, describe, sleep, systemClock } from '@weft/reactor';
import { DeadlineQueue } from './deadline-queue';
import { RateLimitExceededError, RateLimitStoreError, type StoreOperation } from './errors';
import { MemoryStore } from './memory-store';
import {
  type Algorithm,
  checkAlgorithm,
  checkCost,
  checkKey,
  checkLimit,
  checkPositiveInteger,
  checkPositiveNumber,
  type LimitSpec,
  type RatePolicy,
} from './policy';
import { ceilMs, type RateLimitResult } from './result';
import type { Store } from './store';

/** What a limiter does when its store fails or misses `storeTimeoutMs`. */
export type StoreErrorPolicy = 'allow' | 'deny' | RateLimiter;

/** Options of {@link RateLimiter}. Give either `limit` and `windowMs`, or `limits`. */
export interface RateLimiterOptions {
  /** The algorithm; `'token-bucket'` by default. See the README for the accuracy of each. */
  algorithm?: Algorithm | undefined;
  /** Requests per window, and the burst a fresh key may make. A positive integer. */
  limit?: number | undefined;
  /** The window in milliseconds. */
  windowMs?: number | undefined;
  /** Several limits checked and consumed together, e.g. 10 per second and 1,000 per day. */
  limits?: readonly LimitSpec[] | undefined;
  /** Where counts live; a {@link MemoryStore} on `clock` by default. */
  store?: Store | undefined;
  /** The time source for deadlines, `take()` waits and the default store; `systemClock` by default. */
  clock?: Clock | undefined;
  /** Prepended to every key in the store, so limiters with different policies can share one store. */
  keyPrefix?: string | undefined;
  /** The deadline of every store call in ms (default 100); `Infinity` for none. */
  storeTimeoutMs?: number | undefined;
  /** When the store fails: allow, deny, or ask a fallback limiter (say, a memory one). Default `'allow'`. */
  onStoreError?: StoreErrorPolicy | undefined;
  /** Compute and report (`limited`) but never deny: for rolling out a limit. */
  dryRun?: boolean | undefined;
}

/** Options of {@link RateLimiter.take}. */
export interface TakeOptions {
  /** Requests' worth to take; 1 by default. */
  cost?: number | undefined;
  /** Aborts the wait; `take()` then rejects with an `AbortError`. */
  signal?: AbortSignal | undefined;
  /** Rejects with {@link RateLimitExceededError} instead of waiting longer than this in total. Default: no bound. */
  maxWaitMs?: number | undefined;
}

/** Receives store failures (the limiter has already applied `onStoreError`). */
export type RateLimitErrorListener = (error: RateLimitStoreError) => void;

/**
 * A rate limiter: `consume(key)` says whether a request may proceed, counting it if so. Denial is a result, not an
 * exception. Every limit is burst = `limit`, sustained `limit` per `windowMs`.
 *
 * @example
 * ```ts
 * import { RateLimiter } from '@weft/ratelimit';
 * const limiter = new RateLimiter({ algorithm: 'sliding-window', limit: 100, windowMs: 60_000 });
 * const result = await limiter.consume('client-42');
 * if (!result.allowed) console.log(`retry in ${result.retryAfterMs} ms`);
 * ```
 */
export class RateLimiter {
  /** The policy handed to the store. */
  readonly policy: RatePolicy;
  /** The store counts live in. */
  readonly store: Store;
  /** Whether this limiter never denies. */
  readonly dryRun: boolean;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #deadlines: DeadlineQueue | undefined;
  readonly #onStoreError: StoreErrorPolicy;
  readonly #smallestLimit: number;
  #listeners: RateLimitErrorListener[] = [];

  constructor(options: RateLimiterOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, got ${describe(options)}`);
    }
    const algorithm = checkAlgorithm(options.algorithm ?? 'token-bucket');
    let limits: readonly LimitSpec[];
    if (options.limits !== undefined) {
      if (options.limit !== undefined || options.windowMs !== undefined) {
        throw new TypeError('limits: expected either limits or limit and windowMs, got both');
      }
      if (!Array.isArray(options.limits) || options.limits.length === 0) {
        throw new TypeError(
          `limits: expected a non-empty array of { limit, windowMs }, got ${describe(options.limits)}`,
        );
      }
      limits = Object.freeze(options.limits.map((spec, i) => checkLimit(spec, `limits[${i}]`)));
    } else {
      limits = Object.freeze([
        Object.freeze({
          limit: checkPositiveInteger(options.limit, 'limit'),
          windowMs: checkPositiveNumber(options.windowMs, 'windowMs'),
        }),
      ]);
    }
    this.policy = Object.freeze({ algorithm, limits });
    this.#smallestLimit = Math.min(...limits.map((spec) => spec.limit));

    const clock = options.clock ?? systemClock;
    if (typeof clock !== 'object' || typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function') {
      throw new TypeError(`clock: expected a Clock, got ${describe(clock)}`);
    }
    this.#clock = clock;
    const store = options.store ?? new MemoryStore({ clock });
    if (
      typeof store !== 'object' ||
      store === null ||
      typeof store.consume !== 'function' ||
      typeof store.peek !== 'function' ||
      typeof store.reset !== 'function'
    ) {
      throw new TypeError(`store: expected a Store (consume, peek and reset methods), got ${describe(store)}`);
    }
    this.store = store;
    const prefix = options.keyPrefix ?? '';
    if (typeof prefix !== 'string') throw new TypeError(`keyPrefix: expected a string, got ${describe(prefix)}`);
    this.#prefix = prefix;
    const timeoutMs = options.storeTimeoutMs ?? 100;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs <= 0) {
      throw new (typeof timeoutMs === 'number' ? RangeError : TypeError)(
        `storeTimeoutMs: expected a positive number of milliseconds (or Infinity), got ${describe(timeoutMs)}`,
      );
    }
    this.#timeoutMs = timeoutMs;
    this.#deadlines = timeoutMs === Number.POSITIVE_INFINITY ? undefined : new DeadlineQueue(clock, timeoutMs);
    const onStoreError = options.onStoreError ?? 'allow';
    if (onStoreError !== 'allow' && onStoreError !== 'deny' && !(onStoreError instanceof RateLimiter)) {
      throw new TypeError(
        `onStoreError: expected 'allow', 'deny' or a fallback RateLimiter, got ${describe(onStoreError)}`,
      );
    }
    if (onStoreError === this) throw new TypeError('onStoreError: a limiter cannot be its own fallback');
    this.#onStoreError = onStoreError;
    const dryRun = options.dryRun ?? false;
    if (typeof dryRun !== 'boolean') throw new TypeError(`dryRun: expected a boolean, got ${describe(dryRun)}`);
    this.dryRun = dryRun;
  }

  /**
   * Counts `cost` requests for `key` if every limit allows them; otherwise counts nothing. Never rejects for a
   * store failure (`onStoreError` decides); rejects only for bad arguments.
   */
  consume(key: string, cost = 1): Promise<RateLimitResult> {
    if (typeof key !== 'string' || key.length === 0) return rejectWith(() => checkKey(key));
    if (cost !== 1 && !(Number.isSafeInteger(cost) && cost > 0 && cost <= this.#smallestLimit)) {
      return rejectWith(() => checkCost(cost, this.policy));
    }
    const fullKey = this.#prefix + key;
    let answer: RateLimitResult | Promise<RateLimitResult>;
    try {
      answer = this.store.consume(fullKey, this.policy, cost);
    } catch (error) {
      return Promise.resolve(this.#failed(error, fullKey, 'consume', key, cost));
    }
    if (isThenable(answer)) return this.#bounded(answer, fullKey, 'consume', key, cost);
    return Promise.resolve(this.#finish(answer));
  }

  /** What `consume(key)` would decide now, consuming nothing; `remaining` is the standing before it. */
  peek(key: string): Promise<RateLimitResult> {
    if (typeof key !== 'string' || key.length === 0) return rejectWith(() => checkKey(key));
    const fullKey = this.#prefix + key;
    let answer: RateLimitResult | Promise<RateLimitResult>;
    try {
      answer = this.store.peek(fullKey, this.policy);
    } catch (error) {
      return Promise.resolve(this.#failed(error, fullKey, 'peek', key, 1));
    }
    if (isThenable(answer)) return this.#bounded(answer, fullKey, 'peek', key, 1);
    return Promise.resolve(this.#finish(answer));
  }

  /** Forgets `key` (it starts afresh). Rejects with {@link RateLimitStoreError} if the store fails. */
  async reset(key: string): Promise<void> {
    checkKey(key);
    const fullKey = this.#prefix + key;
    try {
      const answer = this.store.reset(fullKey, this.policy);
      if (isThenable(answer)) await this.#deadline(answer, fullKey, 'reset');
    } catch (error) {
      const wrapped = this.#wrap(error, fullKey, 'reset');
      this.#notify(wrapped);
      throw wrapped;
    }
  }

  /**
   * Waits until `key` may make `cost` requests and takes them: client-side throttling of outgoing calls.
   * Rejects with {@link RateLimitExceededError} when the wait would exceed `maxWaitMs`, and with an `AbortError`
   * when `signal` aborts. Waiters are not queued in order; under contention one may wait more than once.
   *
   * @example
   * ```ts
   * const api = new RateLimiter({ algorithm: 'gcra', limit: 5, windowMs: 1_000 });
   * for (const id of ids) {
   *   await api.take('upstream', { maxWaitMs: 10_000 });
   *   await fetch(`https://api.example.com/items/${id}`);
   * }
   * ```
   */
  async take(key: string, options: TakeOptions = {}): Promise<RateLimitResult> {
    const { cost = 1, signal, maxWaitMs = Number.POSITIVE_INFINITY } = options;
    if (typeof maxWaitMs !== 'number' || Number.isNaN(maxWaitMs) || maxWaitMs < 0) {
      throw new (typeof maxWaitMs === 'number' ? RangeError : TypeError)(
        `maxWaitMs: expected a non-negative number of milliseconds, got ${describe(maxWaitMs)}`,
      );
    }
    const started = this.#clock.now();
    for (;;) {
      signal?.throwIfAborted();
      const result = await this.consume(key, cost);
      if (result.allowed) return result;
      const waited = this.#clock.now() - started;
      if (waited + result.retryAfterMs > maxWaitMs) throw new RateLimitExceededError(result, maxWaitMs);
      await sleep(Math.max(1, result.retryAfterMs), { signal, clock: this.#clock });
    }
  }

  /** Adds a listener for store failures. Listener exceptions are swallowed: a listener cannot break a request. */
  on(event: 'error', listener: RateLimitErrorListener): this {
    if (event !== 'error') throw new TypeError(`event: expected 'error', got ${describe(event)}`);
    if (typeof listener !== 'function') throw new TypeError(`listener: expected a function, got ${describe(listener)}`);
    this.#listeners = [...this.#listeners, listener];
    return this;
  }

  /** Removes a listener added with {@link RateLimiter.on}. */
  off(event: 'error', listener: RateLimitErrorListener): this {
    if (event === 'error') this.#listeners = this.#listeners.filter((l) => l !== listener);
    return this;
  }

  #finish(result: RateLimitResult): RateLimitResult {
    if (this.dryRun && !result.allowed) {
      result.allowed = true;
      result.retryAfterMs = 0;
    }
    return result;
  }

  #bounded(
    answer: Promise<RateLimitResult>,
    fullKey: string,
    operation: StoreOperation,
    key: string,
    cost: number,
  ): Promise<RateLimitResult> {
    const deadlines = this.#deadlines;
    if (deadlines === undefined) {
      return answer.then(
        (result) => this.#finish(result),
        (error: unknown) => this.#failed(error, fullKey, operation, key, cost),
      );
    }
    return new Promise<RateLimitResult>((resolve) => {
      const deadline = deadlines.add(() =>
        resolve(this.#failed(this.#timeoutError(fullKey, operation), fullKey, operation, key, cost)),
      );
      answer.then(
        (result) => {
          if (deadline.settled) return;
          deadlines.settle(deadline);
          resolve(this.#finish(result));
        },
        (error: unknown) => {
          if (deadline.settled) return;
          deadlines.settle(deadline);
          resolve(this.#failed(error, fullKey, operation, key, cost));
        },
      );
    });
  }

  /** Settles like `answer`, or rejects with a timeout error after `storeTimeoutMs`. */
  #deadline<T>(answer: PromiseLike<T>, fullKey: string, operation: StoreOperation): Promise<T> {
    const deadlines = this.#deadlines;
    if (deadlines === undefined) return Promise.resolve(answer);
    return new Promise<T>((resolve, reject) => {
      const deadline = deadlines.add(() => reject(this.#timeoutError(fullKey, operation)));
      answer.then(
        (value) => {
          if (!deadline.settled) deadlines.settle(deadline);
          resolve(value);
        },
        (error: unknown) => {
          if (!deadline.settled) deadlines.settle(deadline);
          reject(error);
        },
      );
    });
  }

  #timeoutError(fullKey: string, operation: StoreOperation): RateLimitStoreError {
    return new RateLimitStoreError(`Rate-limit store did not answer ${operation} within ${this.#timeoutMs} ms`, {
      key: fullKey,
      operation,
      timedOut: true,
    });
  }

  #wrap(error: unknown, fullKey: string, operation: StoreOperation): RateLimitStoreError {
    if (error instanceof RateLimitStoreError) return error;
    const reason = error instanceof Error ? error.message : describe(error);
    return new RateLimitStoreError(
      `Rate-limit store failed on ${operation}: ${reason}`,
      { key: fullKey, operation },
      {
        cause: error,
      },
    );
  }

  #notify(error: RateLimitStoreError): void {
    for (const listener of this.#listeners) {
      try {
        listener(error);
      } catch {
        // A listener must not turn a store failure into a failed request.
      }
    }
  }

  #failed(
    error: unknown,
    fullKey: string,
    operation: StoreOperation,
    key: string,
    cost: number,
  ): RateLimitResult | Promise<RateLimitResult> {
    this.#notify(this.#wrap(error, fullKey, operation));
    const policy = this.#onStoreError;
    if (policy instanceof RateLimiter) {
      // The fallback answers with its own store and policy; should even that fail, the request goes through.
      return (operation === 'peek' ? policy.peek(key) : policy.consume(key, cost)).then(
        (result) => this.#finish(result),
        () => this.#fallbackResult(true),
      );
    }
    return this.#fallbackResult(policy === 'allow');
  }

  #fallbackResult(allowed: boolean): RateLimitResult {
    const spec = this.policy.limits[0]!;
    const retryAfterMs = allowed ? 0 : ceilMs(spec.windowMs / spec.limit);
    return this.#finish({
      allowed,
      limited: !allowed,
      limit: spec.limit,
      windowMs: spec.windowMs,
      remaining: allowed ? spec.limit : 0,
      resetMs: retryAfterMs,
      retryAfterMs,
    });
  }
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function rejectWith(check: () => void): Promise<never> {
  try {
    check();
  } catch (error) {
    return Promise.reject(error);
  }
  return Promise.reject(new TypeError('invalid argument'));
}
