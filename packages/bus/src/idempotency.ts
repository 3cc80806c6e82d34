import { type Clock, describe, systemClock } from '@weft/reactor';
import type { RedisClientLike } from './redis-client';
import { checkInteger, checkKnownOptions, checkOptionsObject } from './validate';

/** Options of {@link idempotencySet}. */
export interface IdempotencySetOptions {
  /** How long an id is remembered, in ms (longer than the longest redelivery delay you expect). */
  ttlMs: number;
  /** The most ids remembered at once; the oldest are forgotten first. 100,000 by default. */
  maxSize?: number;
  /** Where the TTL is timed; `systemClock` by default, a `Reactor` in tests. */
  clock?: Clock;
}

/**
 * Remembers event ids for a while, so that a handler can drop the duplicates at-least-once delivery allows. Made by
 * {@link idempotencySet}.
 */
export interface IdempotencySet {
  /** True if `id` was seen within the TTL; otherwise remembers it and returns false. */
  seen(id: string): boolean;
  /** Forgets `id` (call it when handling failed, so that the retry is not dropped as a duplicate). */
  forget(id: string): void;
  /** How many ids are remembered (expired ones may still count until the next call). */
  readonly size: number;
  /** Forgets everything. */
  clear(): void;
}

class MemoryIdempotencySet implements IdempotencySet {
  // Insertion order is expiry order (one TTL for all), so expired ids are always at the front.
  private readonly expiries = new Map<string, number>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxSize: number,
    private readonly clock: Clock,
  ) {}

  seen(id: string): boolean {
    const now = this.clock.now();
    this.sweep(now);
    if (this.expiries.has(id)) return true;
    this.expiries.set(id, now + this.ttlMs);
    if (this.expiries.size > this.maxSize) {
      const oldest = this.expiries.keys().next();
      if (!oldest.done) this.expiries.delete(oldest.value);
    }
    return false;
  }

  forget(id: string): void {
    this.expiries.delete(id);
  }

  get size(): number {
    return this.expiries.size;
  }

  clear(): void {
    this.expiries.clear();
  }

  private sweep(now: number): void {
    for (const [id, expiresAt] of this.expiries) {
      if (expiresAt > now) return;
      this.expiries.delete(id);
    }
  }
}

/**
 * An in-memory {@link IdempotencySet}: `seen(id)` is true for an id seen within `ttlMs`, timed on the injected clock.
 *
 * @example
 * ```ts
 * import { idempotencySet } from '@weft/bus';
 * const dedupe = idempotencySet({ ttlMs: 10 * 60_000 });
 * await bus.subscribe('order.created', async ({ id, payload }) => {
 *   if (dedupe.seen(id)) return; // a redelivery of an event already handled
 *   try {
 *     await charge(payload);
 *   } catch (error) {
 *     dedupe.forget(id); // let the retry through
 *     throw error;
 *   }
 * });
 * ```
 */
export function idempotencySet(options: IdempotencySetOptions): IdempotencySet {
  checkOptionsObject(options, 'idempotencySet');
  if (options === undefined)
    throw new TypeError('idempotencySet: expected an options object with ttlMs, got undefined');
  checkKnownOptions(options, ['ttlMs', 'maxSize', 'clock'], 'idempotencySet');
  checkTtl(options.ttlMs);
  checkInteger(options.maxSize, 'maxSize', 1);
  const clock = options.clock ?? systemClock;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
    throw new TypeError(`clock: expected a Clock, got ${describe(clock)}`);
  }
  return new MemoryIdempotencySet(options.ttlMs, options.maxSize ?? 100_000, clock);
}

/** Options of {@link redisIdempotencySet}. */
export interface RedisIdempotencySetOptions {
  /** Your Redis client (an ioredis `Redis` will do). */
  client: RedisClientLike;
  /** How long an id is remembered, in ms. */
  ttlMs: number;
  /** Prefix of the keys; `'weft:bus:seen:'` by default. */
  prefix?: string;
}

/** An {@link IdempotencySet} shared through Redis (one `SET NX PX` per check), made by {@link redisIdempotencySet}. */
export interface RedisIdempotencySet {
  /** True if `id` was seen within the TTL by any process; otherwise remembers it and resolves false. */
  seen(id: string): Promise<boolean>;
  /** Forgets `id`. */
  forget(id: string): Promise<void>;
}

/**
 * Like {@link idempotencySet}, shared by every process using the same Redis: `seen(id)` is one atomic
 * `SET key 1 NX PX ttlMs`, so two consumers racing on a duplicate cannot both see it as new.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { redisIdempotencySet } from '@weft/bus';
 * const dedupe = redisIdempotencySet({ client: new Redis(), ttlMs: 24 * 3_600_000 });
 * if (await dedupe.seen(envelope.id)) return;
 * ```
 */
export function redisIdempotencySet(options: RedisIdempotencySetOptions): RedisIdempotencySet {
  checkOptionsObject(options, 'redisIdempotencySet');
  if (options === undefined) throw new TypeError('redisIdempotencySet: expected an options object, got undefined');
  checkKnownOptions(options, ['client', 'ttlMs', 'prefix'], 'redisIdempotencySet');
  const { client, ttlMs, prefix = 'weft:bus:seen:' } = options;
  if (typeof client !== 'object' || client === null || typeof client.call !== 'function') {
    throw new TypeError(`client: expected a Redis client with call() (ioredis), got ${describe(client)}`);
  }
  checkTtl(ttlMs);
  if (typeof prefix !== 'string') throw new TypeError(`prefix: expected a string, got ${describe(prefix)}`);
  const ttl = Math.ceil(ttlMs);
  return {
    async seen(id: string): Promise<boolean> {
      const reply = await client.call('SET', prefix + id, '1', 'NX', 'PX', ttl);
      return reply === null;
    },
    async forget(id: string): Promise<void> {
      await client.call('DEL', prefix + id);
    },
  };
}

function checkTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number')
    throw new TypeError(`ttlMs: expected a number of milliseconds > 0, got ${describe(ttlMs)}`);
  if (!(ttlMs > 0) || ttlMs === Number.POSITIVE_INFINITY) {
    throw new RangeError(`ttlMs: expected a finite number of milliseconds > 0, got ${describe(ttlMs)}`);
  }
}
