import { describe } from '@weft/reactor';

/** Options of {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** The bucket's size and starting level, in (0, 1000]; 10 by default. */
  maxTokens?: number;
  /** What each success puts back, in [0.001, maxTokens] (kept to three decimals, as gRPC does); 0.1 by default. */
  tokenRatio?: number;
}

// Tokens are counted in thousandths, as gRPC does, so that adding 0.1 ten times makes exactly 1.
const SCALE = 1000;

/**
 * A retry budget with gRPC's retry-throttling semantics: a bucket that starts full at `maxTokens`; every failed
 * attempt that would be retried costs one token, every success puts back `tokenRatio`, and retries are skipped
 * while the level is at or below half of `maxTokens` (first attempts always run). Share one budget between all the
 * {@link retry} calls to a dependency so that an outage cannot multiply its load by `maxAttempts`.
 *
 * @example
 * ```ts
 * import { retry, RetryBudget } from '@weft/retry';
 * const upstream = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
 * await retry(() => fetch('https://upstream.example/a'), { budget: upstream });
 * await retry(() => fetch('https://upstream.example/b'), { budget: upstream });
 * ```
 */
export class RetryBudget {
  /** The bucket's size. */
  readonly maxTokens: number;
  /** What each success puts back. */
  readonly tokenRatio: number;
  #milliTokens: number;
  readonly #maxMilliTokens: number;
  readonly #ratioMilliTokens: number;
  readonly #thresholdMilliTokens: number;

  constructor(options: RetryBudgetOptions = {}) {
    const maxTokens = options.maxTokens ?? 10;
    if (typeof maxTokens !== 'number') {
      throw new TypeError(`maxTokens: expected a number in (0, 1000], got ${describe(maxTokens)}`);
    }
    if (!(maxTokens > 0 && maxTokens <= 1000)) {
      throw new RangeError(`maxTokens: expected a number in (0, 1000], got ${describe(maxTokens)}`);
    }
    const tokenRatio = options.tokenRatio ?? 0.1;
    if (typeof tokenRatio !== 'number') {
      throw new TypeError(`tokenRatio: expected a number in [0.001, maxTokens], got ${describe(tokenRatio)}`);
    }
    if (!(tokenRatio >= 0.001 && tokenRatio <= maxTokens)) {
      throw new RangeError(`tokenRatio: expected a number in [0.001, ${maxTokens}], got ${describe(tokenRatio)}`);
    }
    this.maxTokens = maxTokens;
    this.tokenRatio = tokenRatio;
    this.#maxMilliTokens = Math.round(maxTokens * SCALE);
    this.#ratioMilliTokens = Math.round(tokenRatio * SCALE);
    this.#thresholdMilliTokens = this.#maxMilliTokens / 2;
    this.#milliTokens = this.#maxMilliTokens;
  }

  /** The current level, between 0 and `maxTokens`. */
  get tokens(): number {
    return this.#milliTokens / SCALE;
  }

  /** Whether a retry may be made now: the level is above half of `maxTokens`. */
  get canRetry(): boolean {
    return this.#milliTokens > this.#thresholdMilliTokens;
  }

  /** Records a failed attempt: takes one token (never below 0). */
  recordFailure(): void {
    this.#milliTokens = Math.max(0, this.#milliTokens - SCALE);
  }

  /** Records a success: puts back `tokenRatio` (never above `maxTokens`). */
  recordSuccess(): void {
    this.#milliTokens = Math.min(this.#maxMilliTokens, this.#milliTokens + this.#ratioMilliTokens);
  }
}
