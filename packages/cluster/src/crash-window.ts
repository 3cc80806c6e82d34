/**
 * Counts a worker slot's unexpected exits in a sliding window: more than `maxRestarts` within `withinMs` is a
 * crash loop. Times come from the caller (the supervisor's clock), so the rule is a pure function of them.
 */
export class CrashWindow {
  readonly #maxRestarts: number;
  readonly #withinMs: number;
  readonly #exits: number[] = [];

  constructor(maxRestarts: number, withinMs: number) {
    this.#maxRestarts = maxRestarts;
    this.#withinMs = withinMs;
  }

  /** Records an exit at `now`; returns `true` if that makes a crash loop. */
  record(now: number): boolean {
    const exits = this.#exits;
    exits.push(now);
    while (exits.length > 0 && (exits[0] as number) <= now - this.#withinMs) exits.shift();
    return exits.length > this.#maxRestarts;
  }

  /** Exits counted in the window ending at the last {@link record}. */
  get count(): number {
    return this.#exits.length;
  }
}
