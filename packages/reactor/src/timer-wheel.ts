import { assertCallback, type Clock, describe, systemClock, type TimerHandle } from './clock';
import { ReactorError } from './errors';

declare const timeoutBrand: unique symbol;

/**
 * The handle {@link TimerWheel.schedule} returns: a plain number (no allocation per timeout), branded so that it
 * is not mistaken for anything else. It stays valid for {@link TimerWheel.cancel} after the timeout fired or was
 * cancelled (cancel then returns false), even once the wheel reuses its storage.
 */
export type WheelTimeout = number & { readonly [timeoutBrand]: true };

/** A callback scheduled on a {@link TimerWheel}. */
export type WheelCallback = () => void;

/** Options of {@link TimerWheel}. */
export interface TimerWheelOptions {
  /** The wheel's resolution in ms: a timeout fires no earlier than its delay and at most one tick late. */
  tickMs: number;
  /**
   * Buckets per revolution, rounded up to a power of two; default 1024. Timeouts longer than `slots * tickMs`
   * still work (they wait whole revolutions), but cost a look each revolution.
   */
  slots?: number;
  /** The clock to run on: {@link systemClock} (default) or a `Reactor` for virtual time. */
  clock?: Clock;
  /** Whether the wheel's one underlying timer is unref'd, so it does not keep the process alive. Default true. */
  unref?: boolean;
}

const INDEX_SPAN = 2 ** 22; // at most 4,194,304 pending timeouts per wheel; the rest of the handle is a generation
const NONE = -1;
const FIRING = -1; // expiry of an entry taken off its bucket to be fired in the current tick

/**
 * A hashed timing wheel (Varghese & Lauck) for very many timeouts, such as per-connection and per-request
 * deadlines: O(1) `schedule` and `cancel`, no allocation per timeout (handles are numbers, entries live in typed
 * arrays, about 28 bytes each), and a single underlying timer, armed only while the wheel holds timeouts.
 *
 * Precision is traded for speed: a timeout fires no earlier than its delay and at most one tick late (plus
 * whatever the event loop itself is late). Timeouts due in the same tick fire in scheduling order. A callback
 * that throws does not stop the others of its tick; the first error is rethrown from the tick afterwards.
 *
 * @example
 * ```ts
 * import { TimerWheel } from '@weft/reactor';
 *
 * const deadlines = new TimerWheel({ tickMs: 100 });
 * const handle = deadlines.schedule(() => socket.destroy(), 30_000);
 * socket.once('close', () => deadlines.cancel(handle));
 * ```
 */
export class TimerWheel {
  /** The resolution in ms. */
  readonly tickMs: number;
  /** Buckets per revolution (a power of two). */
  readonly slots: number;
  readonly #clock: Clock;
  readonly #unref: boolean;
  readonly #mask: number;
  readonly #origin: number;
  /** The last tick processed. */
  #cursor: number;
  readonly #heads: Int32Array;
  readonly #tails: Int32Array;
  #next: Int32Array;
  #prev: Int32Array;
  #expiry: Float64Array;
  #generation: Uint32Array;
  #callbacks: (WheelCallback | undefined)[];
  #capacity: number;
  #used = 0;
  #freeList = NONE;
  #size = 0;
  #timer: TimerHandle | undefined;
  #ticking = false;
  #closed = false;
  // Reused between ticks: the entries (and their generations) due in the tick being fired.
  readonly #dueIndex: number[] = [];
  readonly #dueGeneration: number[] = [];

  constructor(options: TimerWheelOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object with tickMs, got ${describe(options)}`);
    }
    const { tickMs, slots = 1024, clock = systemClock, unref = true } = options;
    if (typeof tickMs !== 'number' || !(tickMs > 0) || !Number.isFinite(tickMs)) {
      throw new RangeError(`tickMs: expected a finite number of milliseconds > 0, got ${describe(tickMs)}`);
    }
    if (typeof slots !== 'number' || !Number.isInteger(slots) || slots < 1 || slots > 2 ** 24) {
      throw new RangeError(`slots: expected an integer from 1 to 16777216, got ${describe(slots)}`);
    }
    if (typeof clock !== 'object' || clock === null || typeof clock.setTimeout !== 'function') {
      throw new TypeError(`clock: expected a Clock, got ${describe(clock)}`);
    }
    this.tickMs = tickMs;
    this.slots = 2 ** Math.ceil(Math.log2(slots));
    this.#mask = this.slots - 1;
    this.#clock = clock;
    this.#unref = unref;
    this.#origin = clock.now();
    this.#cursor = 0;
    this.#heads = new Int32Array(this.slots).fill(NONE);
    this.#tails = new Int32Array(this.slots).fill(NONE);
    this.#capacity = 1024;
    this.#next = new Int32Array(this.#capacity);
    this.#prev = new Int32Array(this.#capacity);
    this.#expiry = new Float64Array(this.#capacity);
    this.#generation = new Uint32Array(this.#capacity);
    this.#callbacks = [];
  }

  /** How many timeouts are pending. */
  get size(): number {
    return this.#size;
  }

  /** Whether {@link TimerWheel.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Calls `fn` once, no earlier than `delayMs` from now and at most one tick later. Throws a `ReactorError`
   * (`'ERR_WEFT_TIMER_WHEEL_CLOSED'`) once the wheel is closed.
   */
  schedule(fn: WheelCallback, delayMs: number): WheelTimeout {
    assertCallback(fn, 'fn');
    if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs === Number.POSITIVE_INFINITY) {
      throw new RangeError(`delayMs: expected a finite number of milliseconds >= 0, got ${describe(delayMs)}`);
    }
    if (this.#closed) {
      throw new ReactorError('ERR_WEFT_TIMER_WHEEL_CLOSED', 'TimerWheel.schedule: the wheel is closed');
    }
    const now = this.#clock.now();
    if (this.#timer === undefined && !this.#ticking) {
      // Idle: nothing is pending, so the wheel may jump to the present without visiting the ticks in between.
      const current = Math.floor((now - this.#origin) / this.tickMs);
      if (current > this.#cursor) this.#cursor = current;
    }
    let expiry = Math.ceil((now + delayMs - this.#origin) / this.tickMs);
    if (expiry <= this.#cursor) expiry = this.#cursor + 1;

    const index = this.#allocate();
    this.#callbacks[index] = fn;
    this.#expiry[index] = expiry;
    const slot = expiry & this.#mask;
    const tail = this.#tails[slot]!;
    this.#prev[index] = tail;
    this.#next[index] = NONE;
    if (tail === NONE) this.#heads[slot] = index;
    else this.#next[tail] = index;
    this.#tails[slot] = index;
    this.#size++;
    if (this.#timer === undefined && !this.#ticking) this.#arm();
    return (this.#generation[index]! * INDEX_SPAN + index) as WheelTimeout;
  }

  /** Cancels a pending timeout. Returns true if it was pending, false otherwise (fired, cancelled, not ours). */
  cancel(handle: WheelTimeout): boolean {
    if (typeof handle !== 'number') return false;
    const index = handle % INDEX_SPAN;
    if (!(index >= 0 && index < this.#used) || !Number.isInteger(index)) return false;
    if (this.#generation[index] !== (handle - index) / INDEX_SPAN || this.#callbacks[index] === undefined) return false;
    if (this.#expiry[index] !== FIRING) this.#unlink(index);
    this.#release(index);
    this.#size--;
    return true;
  }

  /** Drops every pending timeout and stops the underlying timer; `schedule` throws afterwards. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#callbacks = [];
    this.#heads.fill(NONE);
    this.#tails.fill(NONE);
    this.#used = 0;
    this.#freeList = NONE;
    this.#size = 0;
    this.#dueIndex.length = 0;
    this.#dueGeneration.length = 0;
  }

  #allocate(): number {
    if (this.#freeList !== NONE) {
      const index = this.#freeList;
      this.#freeList = this.#next[index]!;
      return index;
    }
    if (this.#used === this.#capacity) this.#grow();
    return this.#used++;
  }

  #release(index: number): void {
    this.#callbacks[index] = undefined;
    this.#generation[index] = (this.#generation[index]! + 1) & 0x7fffffff;
    this.#next[index] = this.#freeList;
    this.#freeList = index;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    if (capacity > INDEX_SPAN) {
      throw new RangeError(`TimerWheel: more than ${INDEX_SPAN} pending timeouts in one wheel`);
    }
    const next = new Int32Array(capacity);
    next.set(this.#next);
    this.#next = next;
    const prev = new Int32Array(capacity);
    prev.set(this.#prev);
    this.#prev = prev;
    const expiry = new Float64Array(capacity);
    expiry.set(this.#expiry);
    this.#expiry = expiry;
    const generation = new Uint32Array(capacity);
    generation.set(this.#generation);
    this.#generation = generation;
    this.#capacity = capacity;
  }

  #unlink(index: number): void {
    const slot = this.#expiry[index]! & this.#mask;
    const prev = this.#prev[index]!;
    const next = this.#next[index]!;
    if (prev === NONE) this.#heads[slot] = next;
    else this.#next[prev] = next;
    if (next === NONE) this.#tails[slot] = prev;
    else this.#prev[next] = prev;
  }

  #arm(): void {
    const nextBoundary = this.#origin + (this.#cursor + 1) * this.tickMs;
    const delay = Math.max(1, Math.ceil(nextBoundary - this.#clock.now()));
    const timer = this.#clock.setTimeout(this.#onTick, delay);
    if (this.#unref) timer.unref?.();
    this.#timer = timer;
  }

  readonly #onTick = (): void => {
    this.#timer = undefined;
    if (this.#closed) return;
    const target = Math.floor((this.#clock.now() - this.#origin) / this.tickMs);
    let failed = false;
    let firstError: unknown;
    this.#ticking = true;
    try {
      while (this.#cursor < target && this.#size > 0) {
        const tick = ++this.#cursor;
        this.#collect(tick);
        const due = this.#dueIndex;
        const generations = this.#dueGeneration;
        for (let i = 0; i < due.length; i++) {
          const index = due[i]!;
          // An earlier callback of this tick may have cancelled it.
          if (this.#generation[index] !== generations[i] || this.#closed) continue;
          const fn = this.#callbacks[index]!;
          this.#release(index);
          this.#size--;
          try {
            fn();
          } catch (error) {
            if (!failed) {
              failed = true;
              firstError = error;
            }
          }
        }
        due.length = 0;
        generations.length = 0;
      }
      // With nothing pending the ticks in between need no visit; schedule() catches the cursor up.
      if (this.#size === 0 && this.#cursor < target) this.#cursor = target;
    } finally {
      this.#ticking = false;
      if (this.#size > 0 && !this.#closed) this.#arm();
    }
    if (failed) throw firstError;
  };

  /** Takes the entries due at `tick` off their bucket (in scheduling order) into the due list. */
  #collect(tick: number): void {
    const slot = tick & this.#mask;
    const expiry = this.#expiry;
    const next = this.#next;
    let index = this.#heads[slot]!;
    while (index !== NONE) {
      const following = next[index]!;
      if (expiry[index]! <= tick) {
        this.#unlink(index);
        expiry[index] = FIRING;
        this.#dueIndex.push(index);
        this.#dueGeneration.push(this.#generation[index]!);
      }
      index = following;
    }
  }
}
