import type { Clock, TimerHandle } from '@weft/reactor';

/** Outcome bits of one call, as the windows store them. @internal */
export const FAILURE = 1;
/** @internal */
export const SLOW = 2;
/** @internal */
export const TIMEOUT = 4;

/** The window's contents as plain JSON (see `CircuitBreaker.toJSON`). */
export type WindowJSON =
  | {
      readonly type: 'count';
      /** Outcome bits of the calls in the window, oldest first (1 failure, 2 slow, 4 timeout). */
      readonly outcomes: readonly number[];
      /** Calls rejected since the window started. */
      readonly rejected: number;
    }
  | {
      readonly type: 'time';
      /** The width of one bucket, so a breaker with other buckets can tell that they do not fit. */
      readonly bucketMs: number;
      /** `[calls, failures, slowCalls, timeouts, rejected]` per bucket, newest (the current one) first. */
      readonly buckets: readonly (readonly number[])[];
    };

/**
 * A sliding window of call outcomes with running totals: `record` and `reject` are O(1) and allocate nothing,
 * memory is fixed at construction. @internal
 */
export interface OutcomeWindow {
  calls: number;
  failures: number;
  slowCalls: number;
  timeouts: number;
  rejected: number;
  /** Records one completed call's outcome bits (in the current bucket of a time window). */
  record(outcome: number): void;
  /** Counts one rejected call. */
  reject(): void;
  /** Drops what has aged out by `now` (time windows); the totals are then current. */
  roll(now: number): void;
  /** Empties the window; it starts again at `now`. */
  reset(now: number): void;
  /** The clock time the totals cover from (after `roll(now)`). */
  since(now: number): number;
  toJSON(now: number): WindowJSON;
  /** Loads what fits of a persisted window (as if it had been recorded up to `now`). */
  load(json: WindowJSON, now: number): void;
}

/** The last `size` calls, in a ring of outcome bytes. @internal */
export class CountWindow implements OutcomeWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  timeouts = 0;
  rejected = 0;
  readonly #ring: Uint8Array;
  readonly #size: number;
  #next = 0;
  #since = 0;

  constructor(size: number, now: number) {
    this.#size = size;
    this.#ring = new Uint8Array(size);
    this.#since = now;
  }

  record(outcome: number): void {
    const ring = this.#ring;
    const next = this.#next;
    if (this.calls === this.#size) {
      // Full: the slot about to be overwritten holds the oldest outcome, which leaves the window.
      const old = ring[next] as number;
      this.failures -= old & FAILURE;
      this.slowCalls -= (old & SLOW) >> 1;
      this.timeouts -= (old & TIMEOUT) >> 2;
    } else {
      this.calls++;
    }
    ring[next] = outcome;
    this.failures += outcome & FAILURE;
    this.slowCalls += (outcome & SLOW) >> 1;
    this.timeouts += (outcome & TIMEOUT) >> 2;
    this.#next = next + 1 === this.#size ? 0 : next + 1;
  }

  reject(): void {
    this.rejected++;
  }

  roll(_now: number): void {}

  reset(now: number): void {
    // Slots beyond `calls` are never read before being written again, so the ring need not be cleared.
    this.calls = this.failures = this.slowCalls = this.timeouts = this.rejected = 0;
    this.#next = 0;
    this.#since = now;
  }

  since(_now: number): number {
    return this.#since;
  }

  toJSON(): WindowJSON {
    const outcomes: number[] = [];
    const start = this.calls === this.#size ? this.#next : 0;
    for (let i = 0; i < this.calls; i++) outcomes.push(this.#ring[(start + i) % this.#size] as number);
    return { type: 'count', outcomes, rejected: this.rejected };
  }

  load(json: WindowJSON, now: number): void {
    this.reset(now);
    if (json.type !== 'count') return;
    const outcomes = json.outcomes;
    for (let i = Math.max(0, outcomes.length - this.#size); i < outcomes.length; i++) {
      this.record((outcomes[i] as number) & (FAILURE | SLOW | TIMEOUT));
    }
    this.rejected = json.rejected;
  }
}

const CALLS = 0;
const FAILURES = 1;
const SLOW_CALLS = 2;
const TIMEOUTS = 3;
const REJECTED = 4;
const FIELDS = 5;

/**
 * The calls of the last `durationMs`, in `buckets` buckets of `durationMs / buckets` each. Bucket `n` holds the
 * calls completed in `[n × bucketMs, (n + 1) × bucketMs)` of clock time; the window is the current bucket and
 * the `buckets - 1` before it, so a call leaves it between `durationMs - bucketMs` and `durationMs` later.
 *
 * Recording does not read the clock: the first record after a quiet spell rolls the window to the clock's time
 * and arms a timer for the end of the current bucket, which moves the window on (and is not re-armed until
 * something is recorded again). So a busy window reads the clock once per bucket, an idle one never.
 * @internal
 */
export class TimeWindow implements OutcomeWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  timeouts = 0;
  rejected = 0;
  readonly #bucketMs: number;
  readonly #buckets: number;
  /** Counts per bucket and field; 2^32 calls in one bucket is beyond any real rate. */
  readonly #counts: Uint32Array;
  /** The number of the current bucket (clock time / bucketMs, rounded down). */
  #head: number;
  #since: number;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined = undefined;
  /** The bucket the armed timer starts. */
  #nextEpoch = 0;
  #onBoundary: (() => void) | undefined = undefined;

  constructor(durationMs: number, buckets: number, clock: Clock) {
    const now = clock.now();
    this.#clock = clock;
    this.#bucketMs = durationMs / buckets;
    this.#buckets = buckets;
    this.#counts = new Uint32Array(buckets * FIELDS);
    this.#head = Math.floor(now / this.#bucketMs);
    this.#since = now;
  }

  roll(now: number): void {
    this.#rollTo(Math.floor(now / this.#bucketMs));
  }

  #rollTo(epoch: number): void {
    const steps = epoch - this.#head;
    if (steps <= 0) return;
    const counts = this.#counts;
    if (steps >= this.#buckets) {
      counts.fill(0);
      this.calls = this.failures = this.slowCalls = this.timeouts = this.rejected = 0;
    } else {
      // At most `buckets - 1` buckets expire: O(buckets) in the worst case, a constant per breaker.
      for (let n = this.#head + 1; n <= epoch; n++) {
        const at = (n % this.#buckets) * FIELDS;
        this.calls -= counts[at + CALLS] as number;
        this.failures -= counts[at + FAILURES] as number;
        this.slowCalls -= counts[at + SLOW_CALLS] as number;
        this.timeouts -= counts[at + TIMEOUTS] as number;
        this.rejected -= counts[at + REJECTED] as number;
        counts.fill(0, at, at + FIELDS);
      }
    }
    this.#head = epoch;
  }

  /** Makes `#head` the clock's current bucket until the timer at its end fires. */
  #current(): void {
    if (this.#timer !== undefined) return;
    const now = this.#clock.now();
    this.roll(now);
    if (this.#onBoundary === undefined) {
      this.#onBoundary = () => {
        this.#timer = undefined;
        // The bucket the timer was set for has begun, whatever rounding of the clock's time says.
        this.#rollTo(Math.max(Math.floor(this.#clock.now() / this.#bucketMs), this.#nextEpoch));
      };
    }
    this.#nextEpoch = this.#head + 1;
    const timer = this.#clock.setTimeout(this.#onBoundary, this.#nextEpoch * this.#bucketMs - now);
    timer.unref?.();
    this.#timer = timer;
  }

  record(outcome: number): void {
    this.#current();
    const counts = this.#counts;
    const at = (this.#head % this.#buckets) * FIELDS;
    counts[at + CALLS] = (counts[at + CALLS] as number) + 1;
    this.calls++;
    if (outcome !== 0) {
      const failure = outcome & FAILURE;
      const slow = (outcome & SLOW) >> 1;
      const timeout = (outcome & TIMEOUT) >> 2;
      counts[at + FAILURES] = (counts[at + FAILURES] as number) + failure;
      counts[at + SLOW_CALLS] = (counts[at + SLOW_CALLS] as number) + slow;
      counts[at + TIMEOUTS] = (counts[at + TIMEOUTS] as number) + timeout;
      this.failures += failure;
      this.slowCalls += slow;
      this.timeouts += timeout;
    }
  }

  reject(): void {
    this.#current();
    const at = (this.#head % this.#buckets) * FIELDS + REJECTED;
    this.#counts[at] = (this.#counts[at] as number) + 1;
    this.rejected++;
  }

  reset(now: number): void {
    this.#counts.fill(0);
    this.calls = this.failures = this.slowCalls = this.timeouts = this.rejected = 0;
    this.#head = Math.floor(now / this.#bucketMs);
    this.#since = now;
  }

  since(now: number): number {
    this.roll(now);
    return Math.max(this.#since, (this.#head - this.#buckets + 1) * this.#bucketMs);
  }

  toJSON(now: number): WindowJSON {
    this.roll(now);
    const buckets: number[][] = [];
    for (let age = 0; age < this.#buckets; age++) {
      const at = (((this.#head - age) % this.#buckets) + this.#buckets) % this.#buckets;
      buckets.push(Array.from(this.#counts.subarray(at * FIELDS, at * FIELDS + FIELDS)));
    }
    return { type: 'time', bucketMs: this.#bucketMs, buckets };
  }

  load(json: WindowJSON, now: number): void {
    this.reset(now);
    if (json.type !== 'time' || json.bucketMs !== this.#bucketMs) return;
    const counts = this.#counts;
    const limit = Math.min(json.buckets.length, this.#buckets);
    for (let age = 0; age < limit; age++) {
      const bucket = json.buckets[age] as readonly number[];
      const at = ((((this.#head - age) % this.#buckets) + this.#buckets) % this.#buckets) * FIELDS;
      for (let f = 0; f < FIELDS; f++) counts[at + f] = bucket[f] ?? 0;
      this.calls += counts[at + CALLS] as number;
      this.failures += counts[at + FAILURES] as number;
      this.slowCalls += counts[at + SLOW_CALLS] as number;
      this.timeouts += counts[at + TIMEOUTS] as number;
      this.rejected += counts[at + REJECTED] as number;
    }
    // The restored buckets are older than this process: the totals cover the whole window again.
    this.#since = -Infinity;
  }
}
