/**
 * The contract every algorithm implements, once in JavaScript (for the memory store) and once in Lua (for
 * Redis). Each limit of a key keeps three numbers of state; a fresh key is `initial`.
 */

/** What evaluating one limit decided; `next*` is the state to keep if every limit allowed. */
export interface Outcome {
  allowed: boolean;
  /** Whole requests left after this one (or before it, when denied). */
  remaining: number;
  /** Exact milliseconds until the limit is fully restored (the state then equals a fresh one). */
  resetMs: number;
  /** Exact milliseconds until the same cost would be allowed; 0 when allowed. */
  retryAfterMs: number;
  next0: number;
  next1: number;
  next2: number;
}

/** One algorithm: a pure step function over three numbers of state, and the same step in Lua. */
export interface AlgorithmStep {
  /** The state of a key never seen (or expired). */
  readonly initial: readonly [number, number, number];
  /** Evaluates `cost` at time `now` against one limit whose state starts at `state[offset]`; writes `out`. */
  evaluate(
    state: ArrayLike<number>,
    offset: number,
    now: number,
    limit: number,
    windowMs: number,
    cost: number,
    out: Outcome,
  ): void;
  /**
   * Lua defining `evaluate(key, L, W, cost, now)` → `allowed, remaining, resetMs, retryAfterMs, a, b, c` and
   * `save(key, resetMs, now, a, b, c)`, used by the shared script body of the Redis store.
   */
  readonly lua: string;
  /** The algorithm's fast path in Redis, when it has one. */
  readonly redisFast?: RedisFastPath | undefined;
}

/**
 * A script of its own for the common case in Redis: one limit, `consume`, Redis's own time. It keeps the same
 * state as the shared body's Redis-time path, so the two may take turns on one key, and replies
 * `{ remaining, resetMs }` when it allows, `{ -1 - remaining, resetMs, retryAfterMs }` when it denies, and the
 * integer 0 when it allows from a full quota (the common case, whose answer the client knows in advance). Every
 * argument and reply element costs time (an argument about 60 ns of Redis's, formatting a Lua number more), so
 * it takes a few precomputed strings and answers with as few integers as it can.
 */
export interface RedisFastPath {
  /** The whole script: KEYS[1] is the key, ARGV what {@link RedisFastPath.args} returns. */
  readonly lua: string;
  /** The ARGV of a consume of `cost`, or undefined where the fast path does not apply to this limit. */
  args(limit: number, windowMs: number, cost: number): string[] | undefined;
  /** The answer behind reply 0. */
  fresh(limit: number, windowMs: number, cost: number): FreshAnswer;
}

/** An allowed consume from a full quota. */
export interface FreshAnswer {
  readonly remaining: number;
  readonly resetMs: number;
}

/** A fresh scratch outcome (one per store, reused for every call). */
export function newOutcome(): Outcome {
  return { allowed: false, remaining: 0, resetMs: 0, retryAfterMs: 0, next0: 0, next1: 0, next2: 0 };
}
