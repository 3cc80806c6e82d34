import { type Clock, describe, systemClock } from '@weft/reactor';
import type { AlgorithmStep } from './algorithm';
import { steps } from './algorithms';
import { checkPositiveInteger, type RatePolicy } from './policy';
import { PolicyDecider } from './policy-decision';
import type { RateLimitResult } from './result';
import type { Store } from './store';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** The time source; `systemClock` by default, a `Reactor` in tests. */
  clock?: Clock | undefined;
  /**
   * The most keys kept; beyond it the least recently used key is evicted (it starts afresh if it comes back),
   * so a flood of distinct keys cannot grow memory without bound. Default 100,000 (about 20 MB).
   */
  maxKeys?: number | undefined;
}

interface Entry {
  key: string;
  state: number[];
  /** When the state becomes equal to a fresh key's; from then on the entry is dead weight. */
  expiresAt: number;
  older: Entry | undefined;
  newer: Entry | undefined;
}

/**
 * The in-process store (the default): counts in a `Map`, least-recently-used order in an intrusive list, no
 * timers. Idle keys expire lazily (each new key drops up to two expired least-recently-used keys; `prune()` drops
 * them all), and `maxKeys` bounds memory under key floods. Answers synchronously.
 *
 * @example
 * ```ts
 * import { MemoryStore, RateLimiter } from '@weft/ratelimit';
 * const limiter = new RateLimiter({ algorithm: 'gcra', limit: 10, windowMs: 1_000, store: new MemoryStore({ maxKeys: 50_000 }) });
 * ```
 */
export class MemoryStore implements Store {
  readonly #clock: Clock;
  readonly #maxKeys: number;
  readonly #entries = new Map<string, Entry>();
  readonly #decider = new PolicyDecider();
  #lastPolicy: RatePolicy | undefined;
  #lastStep: AlgorithmStep = steps['token-bucket'];
  #oldest: Entry | undefined;
  #newest: Entry | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, got ${describe(options)}`);
    }
    const { clock = systemClock, maxKeys = 100_000 } = options;
    if (typeof clock?.now !== 'function') {
      throw new TypeError(`clock: expected a Clock (an object with now()), got ${describe(clock)}`);
    }
    this.#clock = clock;
    this.#maxKeys = checkPositiveInteger(maxKeys, 'maxKeys');
  }

  /** How many keys are held (expired ones included until they are dropped). */
  get size(): number {
    return this.#entries.size;
  }

  /** Applies `cost` to every limit of `policy` for `key` if all allow it. */
  consume(key: string, policy: RatePolicy, cost: number): RateLimitResult {
    const step = this.#stepOf(policy);
    const now = this.#clock.now();
    const slots = policy.limits.length * 3;
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      const state = new Array<number>(slots);
      fill(state, step.initial);
      const result = this.#decider.decide(step, state, policy, now, cost, true);
      if (result.allowed) this.#insert(key, state, this.#decider.expiresAt, now);
      return result;
    }
    if (entry.expiresAt <= now || entry.state.length !== slots) {
      if (entry.state.length !== slots) entry.state = new Array<number>(slots);
      fill(entry.state, step.initial);
    }
    const result = this.#decider.decide(step, entry.state, policy, now, cost, true);
    if (result.allowed) entry.expiresAt = this.#decider.expiresAt;
    this.#touch(entry);
    return result;
  }

  /** What `consume(key, policy, 1)` would decide, consuming nothing. */
  peek(key: string, policy: RatePolicy): RateLimitResult {
    const step = this.#stepOf(policy);
    const now = this.#clock.now();
    const slots = policy.limits.length * 3;
    const entry = this.#entries.get(key);
    let state: number[];
    if (entry === undefined || entry.expiresAt <= now || entry.state.length !== slots) {
      state = new Array<number>(slots);
      fill(state, step.initial);
    } else {
      state = entry.state;
    }
    return this.#decider.peek(step, state, policy, now);
  }

  /** Forgets `key`. */
  reset(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#remove(entry);
  }

  /** Drops every expired key now; returns how many. */
  prune(): number {
    const now = this.#clock.now();
    let dropped = 0;
    for (let entry = this.#oldest; entry !== undefined; ) {
      const newer: Entry | undefined = entry.newer;
      if (entry.expiresAt <= now) {
        this.#remove(entry);
        dropped++;
      }
      entry = newer;
    }
    return dropped;
  }

  /** Forgets every key. */
  clear(): void {
    this.#entries.clear();
    this.#oldest = undefined;
    this.#newest = undefined;
  }

  #stepOf(policy: RatePolicy): AlgorithmStep {
    if (policy !== this.#lastPolicy) {
      this.#lastStep = steps[policy.algorithm];
      this.#lastPolicy = policy;
    }
    return this.#lastStep;
  }

  #insert(key: string, state: number[], expiresAt: number, now: number): void {
    // Lazy expiry: idle keys sit at the old end, so checking there keeps the map free of them at O(1) a call.
    for (let i = 0; i < 2; i++) {
      const oldest = this.#oldest;
      if (oldest === undefined || oldest.expiresAt > now) break;
      this.#remove(oldest);
    }
    const entry: Entry = { key, state, expiresAt, older: this.#newest, newer: undefined };
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxKeys) this.#remove(this.#oldest!);
  }

  #touch(entry: Entry): void {
    if (entry === this.#newest) return;
    const { older, newer } = entry;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    newer!.older = older;
    entry.older = this.#newest;
    entry.newer = undefined;
    this.#newest!.newer = entry;
    this.#newest = entry;
  }

  #remove(entry: Entry): void {
    const { older, newer } = entry;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    entry.older = undefined;
    entry.newer = undefined;
    this.#entries.delete(entry.key);
  }
}

function fill(state: number[], initial: readonly [number, number, number]): void {
  for (let i = 0; i < state.length; i += 3) {
    state[i] = initial[0];
    state[i + 1] = initial[1];
    state[i + 2] = initial[2];
  }
}
