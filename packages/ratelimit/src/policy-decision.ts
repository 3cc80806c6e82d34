import type { AlgorithmStep, Outcome } from './algorithm';
import { newOutcome } from './algorithm';
import type { LimitSpec, RatePolicy } from './policy';
import { ceilMs, type RateLimitResult } from './result';

/**
 * Runs one algorithm over every limit of a policy against a state array (three numbers per limit), the
 * in-process twin of the Redis script body. Reuses its scratch space, so a decision allocates only its result.
 */
export class PolicyDecider {
  readonly #out: Outcome = newOutcome();
  #next: number[] = [];
  /** After `decide`: the latest moment any limit still differs from a fresh key (when allowed and committed). */
  expiresAt = 0;

  /**
   * Decides `cost` for `policy` at `now`. With `commit`, writes the new state into `state` when every limit
   * allowed. `cost` 0 reports the current standing (a peek); it is always allowed.
   */
  decide(
    step: AlgorithmStep,
    state: number[],
    policy: RatePolicy,
    now: number,
    cost: number,
    commit: boolean,
  ): RateLimitResult {
    const limits = policy.limits;
    const out = this.#out;
    const count = limits.length;
    if (count === 1) return this.#decideOne(step, state, limits[0]!, now, cost, commit);
    let allAllowed = true;
    let pick = 0;
    let remaining = 0;
    let resetMs = 0;
    let retryAfterMs = 0;
    let latestReset = 0;
    if (count > 1 && this.#next.length < count * 3) this.#next = new Array<number>(count * 3).fill(0);
    const next = this.#next;
    for (let i = 0; i < count; i++) {
      const spec = limits[i]!;
      step.evaluate(state, i * 3, now, spec.limit, spec.windowMs, cost, out);
      // Compared in whole ms, as reported, so ties go to the first limit (the same in the Lua script).
      if (!out.allowed) {
        const retry = ceilMs(out.retryAfterMs);
        if (allAllowed || retry > retryAfterMs) {
          pick = i;
          remaining = out.remaining;
          resetMs = ceilMs(out.resetMs);
          retryAfterMs = retry;
        }
        allAllowed = false;
        continue;
      }
      if (!allAllowed) continue;
      const reset = ceilMs(out.resetMs);
      if (i === 0 || out.remaining < remaining || (out.remaining === remaining && reset > resetMs)) {
        pick = i;
        remaining = out.remaining;
        resetMs = reset;
      }
      if (out.resetMs > latestReset) latestReset = out.resetMs;
      if (count > 1) {
        next[i * 3] = out.next0;
        next[i * 3 + 1] = out.next1;
        next[i * 3 + 2] = out.next2;
      }
    }
    if (allAllowed && commit) {
      if (count === 1) {
        state[0] = out.next0;
        state[1] = out.next1;
        state[2] = out.next2;
      } else {
        for (let j = 0; j < count * 3; j++) state[j] = next[j]!;
      }
      this.expiresAt = now + latestReset;
    }
    const spec = limits[pick]!;
    return {
      allowed: allAllowed,
      limited: !allAllowed,
      limit: spec.limit,
      windowMs: spec.windowMs,
      remaining,
      resetMs,
      retryAfterMs,
    };
  }

  /** The common case, one limit: no scratch state, no selection. */
  #decideOne(
    step: AlgorithmStep,
    state: number[],
    spec: LimitSpec,
    now: number,
    cost: number,
    commit: boolean,
  ): RateLimitResult {
    const out = this.#out;
    step.evaluate(state, 0, now, spec.limit, spec.windowMs, cost, out);
    const allowed = out.allowed;
    if (allowed && commit) {
      state[0] = out.next0;
      state[1] = out.next1;
      state[2] = out.next2;
      this.expiresAt = now + out.resetMs;
    }
    return {
      allowed,
      limited: !allowed,
      limit: spec.limit,
      windowMs: spec.windowMs,
      remaining: out.remaining,
      resetMs: ceilMs(out.resetMs),
      retryAfterMs: allowed ? 0 : ceilMs(out.retryAfterMs),
    };
  }

  /** What `consume(key, policy, 1)` would decide, without consuming: the standing before it. */
  peek(step: AlgorithmStep, state: number[], policy: RatePolicy, now: number): RateLimitResult {
    const standing = this.decide(step, state, policy, now, 0, false);
    if (standing.remaining >= 1) return standing;
    const denied = this.decide(step, state, policy, now, 1, false);
    standing.allowed = false;
    standing.limited = true;
    standing.retryAfterMs = denied.retryAfterMs;
    return standing;
  }
}
