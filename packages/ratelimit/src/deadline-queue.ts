import type { Clock, TimerHandle } from '@weft/reactor';

/** One call waiting on a store; `settled` once it answered or timed out. */
export interface Deadline {
  settled: boolean;
  expiresAt: number;
  next: Deadline | undefined;
  onTimeout: () => void;
}

/**
 * Deadlines that all have the same length expire in the order they were set, so one FIFO and one timer serve
 * every pending store call of a limiter (instead of a timer per call).
 */
export class DeadlineQueue {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** Calls `onTimeout` after the timeout unless the returned deadline is marked settled first. */
  add(onTimeout: () => void): Deadline {
    const deadline: Deadline = {
      settled: false,
      expiresAt: this.#clock.now() + this.#timeoutMs,
      next: undefined,
      onTimeout,
    };
    if (this.#tail === undefined) this.#head = deadline;
    else this.#tail.next = deadline;
    this.#tail = deadline;
    if (this.#timer === undefined) this.#arm(this.#timeoutMs);
    return deadline;
  }

  /**
   * Marks a call answered. Stores answer mostly in order (Redis answers each connection in order), so answered
   * calls are dropped from the head at once and the queue stays short even with long timeouts.
   */
  settle(deadline: Deadline): void {
    deadline.settled = true;
    let head = this.#head;
    while (head?.settled) {
      head = head.next;
    }
    this.#head = head;
    if (head === undefined) this.#tail = undefined;
  }

  #arm(ms: number): void {
    const timer = this.#clock.setTimeout(this.#fire, ms);
    timer.unref?.();
    this.#timer = timer;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = this.#clock.now();
    let head = this.#head;
    while (head !== undefined && (head.settled || head.expiresAt <= now)) {
      this.#head = head.next;
      if (!head.settled) {
        head.settled = true;
        head.onTimeout();
      }
      head = this.#head;
    }
    if (head === undefined) this.#tail = undefined;
    else this.#arm(head.expiresAt - now);
  };
}
