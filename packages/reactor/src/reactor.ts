import { assertCallback, type Clock, describe, normalizeDelay, type TimerCallback, type TimerHandle } from './clock';
import { ReactorError } from './errors';

/** The phases of one loop iteration, in libuv's order. */
export type ReactorPhase = 'timers' | 'pending' | 'prepare' | 'poll' | 'check' | 'close';

/**
 * A simulated I/O source, polled in the poll phase of every iteration (see {@link Reactor.addSource}).
 *
 * @example
 * ```ts
 * // a "socket" that becomes readable at t = 50 ms
 * let readyAt: number | undefined = 50;
 * const source = reactor.addSource({
 *   nextEventAt: () => readyAt,
 *   poll(now) {
 *     if (readyAt === undefined || now < readyAt) return undefined;
 *     readyAt = undefined;
 *     return [() => console.log('readable at', reactor.now())];
 *   },
 * });
 * ```
 */
export interface PollSource {
  /**
   * Called once in each poll phase with the loop's time; returns the I/O callbacks that are ready now (each runs
   * as its own callback: `nextTick`s are drained after each), or nothing.
   */
  poll(now: number): readonly (() => void)[] | undefined;
  /**
   * When the source will next have something ready, or `undefined` if it does not know. The poll phase waits
   * (advances virtual time) at most until then, as libuv's poll waits for the next I/O event.
   */
  nextEventAt?(now: number): number | undefined;
}

/** The handle {@link Reactor.addSource} and {@link Reactor.addPrepare} return. */
export interface ReactorHandle {
  /** Removes the source or hook; idempotent. */
  close(): void;
  /** Lets the loop stay alive for this handle (the default for sources). */
  ref(): this;
  /** Lets `run()` finish while this handle is still registered. */
  unref(): this;
  /** Whether the handle keeps the loop alive. */
  hasRef(): boolean;
}

/** Options of {@link Reactor}. */
export interface ReactorOptions {
  /** The virtual time `now()` starts at, in ms. Default 0. */
  now?: number;
  /**
   * How many loop iterations `run()`/`runAsync()` may take, and how many `advance()` may take without virtual
   * time moving, before throwing a `ReactorError` with code `'ERR_WEFT_REACTOR_LOOP_LIMIT'`. Default 100,000.
   */
  loopLimit?: number;
}

type Task = { fn: (...args: never[]) => unknown; args: unknown[] | undefined };

// Captured at load time so that fake timers installed later cannot turn the async drivers into a deadlock.
const realSetImmediate = globalThis.setImmediate;
const macrotask = (): Promise<void> => new Promise<void>((resolve) => realSetImmediate(resolve));

function call(fn: (...args: never[]) => unknown, args: unknown[] | undefined): void {
  if (args === undefined) (fn as () => unknown)();
  else Reflect.apply(fn, undefined, args);
}

/** A FIFO with O(1) push and shift that reuses its array. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * A timeout or interval scheduled on a {@link Reactor}. Like Node's `Timeout`: `ref()`/`unref()`/`hasRef()`,
 * `refresh()`, and `close()` to cancel.
 */
export class VirtualTimeout implements TimerHandle {
  /** @internal position in the owner's heap, -1 when not scheduled */
  heapIndex = -1;
  /** @internal insertion order, the tie-breaker between equal deadlines */
  seq = 0;
  /** @internal */
  refed = true;
  /** @internal */
  cleared = false;
  /** The virtual time at which it fires next (the last one it fired at, once fired). */
  deadline: number;
  /** @internal */
  readonly owner: TimerHeap;
  /** @internal */
  readonly fn: (...args: never[]) => unknown;
  /** @internal */
  readonly args: unknown[] | undefined;
  /** The normalised delay in ms (the period, for an interval). */
  readonly delay: number;
  /** Whether this is an interval. */
  readonly repeat: boolean;

  /** @internal */
  constructor(
    owner: TimerHeap,
    fn: (...args: never[]) => unknown,
    args: unknown[] | undefined,
    delay: number,
    repeat: boolean,
    deadline: number,
  ) {
    this.owner = owner;
    this.fn = fn;
    this.args = args;
    this.delay = delay;
    this.repeat = repeat;
    this.deadline = deadline;
  }

  /** Makes the timer keep `run()` going again (the default). */
  ref(): this {
    if (!this.refed) {
      this.refed = true;
      if (this.heapIndex >= 0) this.owner.refed++;
    }
    return this;
  }

  /** Lets `run()` finish while this timer is pending (it still fires if the loop reaches its deadline). */
  unref(): this {
    if (this.refed) {
      this.refed = false;
      if (this.heapIndex >= 0) this.owner.refed--;
    }
    return this;
  }

  /** Whether the timer keeps the loop alive. */
  hasRef(): boolean {
    return this.refed;
  }

  /** Re-arms the timer for `delay` ms from now, as Node's `timeout.refresh()` (also after it fired, not after a clear). */
  refresh(): this {
    if (!this.cleared) this.owner.reschedule(this);
    return this;
  }

  /** Cancels the timer, as `clearTimeout(timer)`. */
  close(): this {
    this.owner.cancel(this);
    return this;
  }

  /** Whether the timer is scheduled to fire. */
  get active(): boolean {
    return this.heapIndex >= 0;
  }
}

/** @internal A binary min-heap of timeouts ordered by (deadline, seq), with index tracking for O(log n) removal. */
class TimerHeap {
  readonly items: VirtualTimeout[] = [];
  refed = 0;
  private seq = 0;
  constructor(private readonly clockNow: () => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): VirtualTimeout | undefined {
    return this.items[0];
  }

  insert(timer: VirtualTimeout): void {
    timer.seq = this.seq++;
    this.items.push(timer);
    this.siftUp(this.items.length - 1);
    if (timer.refed) this.refed++;
  }

  remove(timer: VirtualTimeout): void {
    const i = timer.heapIndex;
    if (i < 0) return;
    const items = this.items;
    const last = items.pop()!;
    timer.heapIndex = -1;
    if (timer.refed) this.refed--;
    if (last === timer) return;
    items[i] = last;
    last.heapIndex = i;
    if (i > 0 && before(last, items[(i - 1) >> 1]!)) this.siftUp(i);
    else this.siftDown(i);
  }

  cancel(timer: VirtualTimeout): void {
    timer.cleared = true;
    this.remove(timer);
  }

  reschedule(timer: VirtualTimeout): void {
    this.remove(timer);
    timer.deadline = this.clockNow() + timer.delay;
    this.insert(timer);
  }

  private siftUp(start: number): void {
    const items = this.items;
    const timer = items[start]!;
    let i = start;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = items[parentIndex]!;
      if (!before(timer, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = parentIndex;
    }
    items[i] = timer;
    timer.heapIndex = i;
  }

  private siftDown(start: number): void {
    const items = this.items;
    const n = items.length;
    const timer = items[start]!;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let childTimer = items[left]!;
      if (right < n && before(items[right]!, childTimer)) {
        child = right;
        childTimer = items[right]!;
      }
      if (!before(childTimer, timer)) break;
      items[i] = childTimer;
      childTimer.heapIndex = i;
      i = child;
    }
    items[i] = timer;
    timer.heapIndex = i;
  }
}

function before(a: VirtualTimeout, b: VirtualTimeout): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/** A callback queued with {@link Reactor.setImmediate}; `ref()`/`unref()` as Node's `Immediate`. */
export class VirtualImmediate implements TimerHandle {
  /** @internal */
  refed = true;
  /** @internal */
  queued = true;
  /** @internal */
  constructor(
    private readonly reactor: { immediateRefChanged(delta: number): void },
    /** @internal */ readonly fn: (...args: never[]) => unknown,
    /** @internal */ readonly args: unknown[] | undefined,
  ) {}
  /** Makes the immediate keep the loop alive (the default). */
  ref(): this {
    if (!this.refed) {
      this.refed = true;
      if (this.queued) this.reactor.immediateRefChanged(1);
    }
    return this;
  }
  /** Lets `run()` finish without running it. */
  unref(): this {
    if (this.refed) {
      this.refed = false;
      if (this.queued) this.reactor.immediateRefChanged(-1);
    }
    return this;
  }
  /** Whether the immediate keeps the loop alive. */
  hasRef(): boolean {
    return this.refed;
  }
}

class Hook implements ReactorHandle {
  refed: boolean;
  closed = false;
  constructor(
    private readonly owner: Set<Hook>,
    readonly source: PollSource | undefined,
    readonly prepare: (() => void) | undefined,
    refed: boolean,
  ) {
    this.refed = refed;
  }
  close(): void {
    this.closed = true;
    this.owner.delete(this);
  }
  ref(): this {
    this.refed = true;
    return this;
  }
  unref(): this {
    this.refed = false;
    return this;
  }
  hasRef(): boolean {
    return this.refed;
  }
}

/**
 * A deterministic event loop in virtual time that runs libuv's phases in libuv's order — timers → pending →
 * idle/prepare → poll → check → close — and implements {@link Clock}, so anything in weft that waits can be tested
 * without sleeping. Timers fire in deadline order (FIFO for equal deadlines) with `now()` equal to their deadline;
 * `setImmediate` runs in the check phase; `nextTick` callbacks are drained after every callback, before the next
 * one, as in Node. Nothing runs until a driver is called: `advance(ms)`, `advanceAsync(ms)`, `runOnce()`, `run()`,
 * `runAsync()`.
 *
 * Callbacks run synchronously inside the drivers; the `…Async` drivers also let promise continuations (and real
 * macrotasks) run between callbacks, which code that awaits `sleep(…, { clock: reactor })` needs. A callback that
 * throws stops the driver with that error; the loop stays consistent and can be driven again.
 *
 * Delays follow Node's rules (see `normalizeDelay`: NaN, negative, zero or too large → 1 ms).
 *
 * @example
 * ```ts
 * import { Reactor, sleep } from '@weft/reactor';
 *
 * const reactor = new Reactor();
 * const seen: string[] = [];
 * reactor.setTimeout(() => seen.push(`timeout at ${reactor.now()}`), 100);
 * reactor.setImmediate(() => seen.push('immediate'));
 * reactor.advance(100);
 * // seen: ['immediate', 'timeout at 100']
 *
 * const slept = sleep(1_000, { clock: reactor }).then(() => seen.push('slept'));
 * await reactor.advanceAsync(1_000);
 * await slept;
 * ```
 */
export class Reactor implements Clock {
  #now: number;
  readonly #loopLimit: number;
  readonly #timers: TimerHeap;
  readonly #ticks = new Fifo<Task>();
  readonly #pendingQueue = new Fifo<Task>();
  readonly #closeQueue = new Fifo<Task>();
  readonly #immediates = new Fifo<VirtualImmediate>();
  #liveImmediates = 0;
  #refImmediates = 0;
  readonly #hooks = new Set<Hook>();
  #phase: ReactorPhase | undefined;
  #driving = false;
  /** Whether the generators yield after every callback (only the async drivers need it). */
  #stepwise = false;
  #callbacksRun = 0;
  readonly #immediateOwner = {
    immediateRefChanged: (delta: number) => {
      this.#refImmediates += delta;
    },
  };

  constructor(options: ReactorOptions = {}) {
    const { now = 0, loopLimit = 100_000 } = options;
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new RangeError(`now: expected a finite number of milliseconds, got ${describe(now)}`);
    }
    if (typeof loopLimit !== 'number' || !Number.isInteger(loopLimit) || loopLimit < 1) {
      throw new RangeError(`loopLimit: expected an integer >= 1, got ${describe(loopLimit)}`);
    }
    this.#now = now;
    this.#loopLimit = loopLimit;
    this.#timers = new TimerHeap(() => this.#now);
  }

  /** The virtual time in ms. Inside a timer callback it equals that timer's deadline. */
  now(): number {
    return this.#now;
  }

  /** The phase being run, or `undefined` outside the drivers (or between phases). */
  get phase(): ReactorPhase | undefined {
    return this.#phase;
  }

  /**
   * How many things are scheduled: timers (ref'd or not), immediates, pending and close callbacks, `nextTick`s and
   * registered poll sources. 0 means nothing is left behind.
   */
  get pending(): number {
    let sources = 0;
    for (const hook of this.#hooks) if (hook.source) sources++;
    return (
      this.#timers.size +
      this.#liveImmediates +
      this.#pendingQueue.size +
      this.#closeQueue.size +
      this.#ticks.size +
      sources
    );
  }

  /** libuv's loop-alive rule: true while a ref'd timer, immediate or source, or a queued callback, remains. */
  get alive(): boolean {
    if (
      this.#timers.refed > 0 ||
      this.#refImmediates > 0 ||
      this.#pendingQueue.size > 0 ||
      this.#closeQueue.size > 0 ||
      this.#ticks.size > 0
    ) {
      return true;
    }
    for (const hook of this.#hooks) if (hook.source && hook.refed) return true;
    return false;
  }

  /** The deadline of the next timer (ref'd or not), or `undefined` if none is scheduled. */
  get nextTimerAt(): number | undefined {
    return this.#timers.peek()?.deadline;
  }

  /** Schedules `fn(...args)` in the timers phase once `ms` ms of virtual time have passed. */
  setTimeout<A extends unknown[]>(fn: TimerCallback<A>, ms?: number, ...args: A): VirtualTimeout {
    assertCallback(fn);
    return this.#schedule(fn, ms, args, false);
  }

  /** Schedules `fn(...args)` every `ms` ms of virtual time until cleared. */
  setInterval<A extends unknown[]>(fn: TimerCallback<A>, ms?: number, ...args: A): VirtualTimeout {
    assertCallback(fn);
    return this.#schedule(fn, ms, args, true);
  }

  /** Cancels a timeout or interval of this reactor; anything else is ignored, as Node does. */
  clearTimeout(handle: TimerHandle | undefined | null): void {
    if (handle instanceof VirtualTimeout && handle.owner === this.#timers) this.#timers.cancel(handle);
  }

  /** The same as {@link Reactor.clearTimeout}, as in Node. */
  clearInterval(handle: TimerHandle | undefined | null): void {
    this.clearTimeout(handle);
  }

  /** Queues `fn(...args)` for the check phase (after poll), as Node's `setImmediate`. */
  setImmediate<A extends unknown[]>(fn: TimerCallback<A>, ...args: A): VirtualImmediate {
    assertCallback(fn);
    const immediate = new VirtualImmediate(
      this.#immediateOwner,
      fn as (...args: never[]) => unknown,
      args.length === 0 ? undefined : args,
    );
    this.#immediates.push(immediate);
    this.#liveImmediates++;
    this.#refImmediates++;
    return immediate;
  }

  /** Cancels an immediate that has not run yet; anything else is ignored. */
  clearImmediate(handle: TimerHandle | undefined | null): void {
    if (!(handle instanceof VirtualImmediate) || !handle.queued) return;
    handle.queued = false;
    this.#liveImmediates--;
    if (handle.refed) this.#refImmediates--;
  }

  /** Queues `fn(...args)` to run right after the current callback, before the next one (Node's `process.nextTick`). */
  nextTick<A extends unknown[]>(fn: TimerCallback<A>, ...args: A): void {
    assertCallback(fn);
    this.#ticks.push({ fn: fn as (...args: never[]) => unknown, args: args.length === 0 ? undefined : args });
  }

  /** Queues `fn(...args)` for the next pending phase, where libuv runs I/O callbacks it deferred. */
  queuePending<A extends unknown[]>(fn: TimerCallback<A>, ...args: A): void {
    assertCallback(fn);
    this.#pendingQueue.push({ fn: fn as (...args: never[]) => unknown, args: args.length === 0 ? undefined : args });
  }

  /** Queues `fn(...args)` for the close phase, where libuv runs the close callbacks of handles. */
  onClose<A extends unknown[]>(fn: TimerCallback<A>, ...args: A): void {
    assertCallback(fn);
    this.#closeQueue.push({ fn: fn as (...args: never[]) => unknown, args: args.length === 0 ? undefined : args });
  }

  /**
   * Runs `fn` in the idle/prepare phase of every iteration, right before poll, until the returned handle is
   * closed. Like a libuv prepare handle it is unref'd here: it does not keep `run()` going.
   */
  addPrepare(fn: () => void): ReactorHandle {
    assertCallback(fn);
    const hook = new Hook(this.#hooks, undefined, fn, false);
    this.#hooks.add(hook);
    return hook;
  }

  /**
   * Registers a simulated I/O source for the poll phase. It keeps the loop alive until closed (or unref'd), as an
   * open socket does; `run()` throws a `ReactorError` (`'ERR_WEFT_REACTOR_STALLED'`) when only such sources are
   * left and none of them says when it will next be ready.
   */
  addSource(source: PollSource): ReactorHandle {
    if (typeof source !== 'object' || source === null || typeof source.poll !== 'function') {
      throw new TypeError(`source: expected an object with a poll(now) method, got ${describe(source)}`);
    }
    const hook = new Hook(this.#hooks, source, undefined, true);
    this.#hooks.add(hook);
    return hook;
  }

  /**
   * Runs, in loop order, everything due up to `now() + ms` — including what those callbacks schedule within the
   * window — and leaves `now()` at the end of the window. Promise continuations do not run until it returns; use
   * {@link Reactor.advanceAsync} for code that awaits.
   */
  advance(ms: number): void {
    this.#driveSync(this.#advance(this.#target(ms)));
  }

  /** As {@link Reactor.advance}, but lets promise continuations run between callbacks, as Node does. */
  advanceAsync(ms: number): Promise<void> {
    try {
      return this.#driveAsync(this.#advance(this.#target(ms)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs one loop iteration, like `uv_run(UV_RUN_ONCE)`: when nothing is ready, the poll phase waits (virtual time
   * jumps) until the next timer or source event. Does nothing when the loop is not alive. Returns whether it still is.
   */
  runOnce(): boolean {
    this.#driveSync(this.#once());
    return this.alive;
  }

  /**
   * Runs the loop until no ref'd handle is left (libuv's loop-alive rule), jumping virtual time from event to event.
   * Throws a `ReactorError` past the loop limit (a runaway interval) or when it can make no progress.
   */
  run(): void {
    this.#driveSync(this.#run());
  }

  /** As {@link Reactor.run}, but lets promise continuations run between callbacks. */
  runAsync(): Promise<void> {
    try {
      return this.#driveAsync(this.#run());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #schedule(fn: (...args: never[]) => unknown, ms: unknown, args: unknown[], repeat: boolean): VirtualTimeout {
    const delay = normalizeDelay(ms);
    const timer = new VirtualTimeout(
      this.#timers,
      fn,
      args.length === 0 ? undefined : args,
      delay,
      repeat,
      this.#now + delay,
    );
    this.#timers.insert(timer);
    return timer;
  }

  #target(ms: unknown): number {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`ms: expected a finite number of milliseconds >= 0, got ${describe(ms)}`);
    }
    return this.#now + ms;
  }

  #driveSync(steps: Generator<boolean, void, void>): void {
    this.#enter();
    this.#stepwise = false;
    try {
      while (!steps.next().done) {
        // Nothing to wait for between callbacks in the synchronous drivers.
      }
    } finally {
      this.#leave();
    }
  }

  async #driveAsync(steps: Generator<boolean, void, void>): Promise<void> {
    this.#enter();
    this.#stepwise = true;
    try {
      // Whatever the caller queued runs first, as after Node's main script: nextTicks, then promise continuations.
      this.#drainTicks();
      do await macrotask();
      while (this.#drainTicks());
      while (!steps.next().done) {
        // Let promise continuations run, then the nextTicks they queued, until both are empty (as Node's
        // processTicksAndRejections does after each callback).
        do await macrotask();
        while (this.#drainTicks());
      }
    } finally {
      this.#leave();
    }
  }

  #enter(): void {
    if (this.#driving) {
      throw new ReactorError(
        'ERR_WEFT_REACTOR_REENTRANT',
        'Reactor: cannot drive the loop (advance/run) from inside one of its own callbacks, ' +
          'nor while advanceAsync/runAsync is still running (await it first)',
      );
    }
    this.#driving = true;
  }

  #leave(): void {
    this.#driving = false;
    this.#phase = undefined;
  }

  /** Runs the nextTick queue to empty; returns whether it ran any. */
  #drainTicks(): boolean {
    let ran = false;
    for (let task = this.#ticks.shift(); task !== undefined; task = this.#ticks.shift()) {
      ran = true;
      this.#callbacksRun++;
      call(task.fn, task.args);
    }
    return ran;
  }

  #invoke(fn: (...args: never[]) => unknown, args: unknown[] | undefined): void {
    this.#callbacksRun++;
    call(fn, args);
    this.#drainTicks();
  }

  #hasWorkNow(): boolean {
    return this.#liveImmediates > 0 || this.#pendingQueue.size > 0 || this.#closeQueue.size > 0;
  }

  #nextEventAt(): number {
    let at = this.#timers.peek()?.deadline ?? Number.POSITIVE_INFINITY;
    for (const hook of this.#hooks) {
      const next = hook.source?.nextEventAt?.(this.#now);
      if (next !== undefined && next < at) at = next;
    }
    return at;
  }

  /** The timers phase: every timer due at the loop's time, in (deadline, insertion) order. */
  *#runTimers(): Generator<boolean, void, void> {
    const timers = this.#timers;
    this.#phase = 'timers';
    for (let timer = timers.peek(); timer !== undefined && timer.deadline <= this.#now; timer = timers.peek()) {
      timers.remove(timer);
      if (timer.repeat) {
        try {
          this.#invoke(timer.fn, timer.args);
        } finally {
          // Rescheduled after the callback, as Node does, unless the callback cleared or refreshed it.
          if (!timer.cleared && timer.heapIndex < 0) {
            timer.deadline += timer.delay;
            timers.insert(timer);
          }
        }
      } else {
        this.#invoke(timer.fn, timer.args);
      }
      if (this.#stepwise) yield true;
    }
    this.#phase = undefined;
  }

  /**
   * One loop iteration as libuv ≥ 1.45 runs it — pending, idle/prepare, poll, check, close, then timers — so the
   * loop-alive check falls right after the timers phase. Yields after every callback. The poll phase moves time to
   * the next event, but not past `limit`, and only when `wait` (or the loop is alive, as libuv blocks only then).
   */
  *#iteration(limit: number, wait: boolean): Generator<boolean, void, void> {
    this.#phase = 'pending';
    for (let n = this.#pendingQueue.size; n > 0; n--) {
      const task = this.#pendingQueue.shift()!;
      this.#invoke(task.fn, task.args);
      if (this.#stepwise) yield true;
    }

    this.#phase = 'prepare';
    if (this.#hooks.size > 0) {
      for (const hook of [...this.#hooks]) {
        if (hook.prepare && !hook.closed) {
          this.#invoke(hook.prepare, undefined);
          if (this.#stepwise) yield true;
        }
      }
    }

    this.#phase = 'poll';
    if (!this.#hasWorkNow() && (wait || this.alive)) {
      const wake = Math.min(this.#nextEventAt(), limit);
      if (wake > this.#now && wake !== Number.POSITIVE_INFINITY) this.#now = wake;
    }
    if (this.#hooks.size > 0) {
      for (const hook of [...this.#hooks]) {
        if (!hook.source || hook.closed) continue;
        const ready = hook.source.poll(this.#now);
        if (!ready) continue;
        for (const callback of ready) {
          this.#invoke(callback, undefined);
          if (this.#stepwise) yield true;
        }
      }
    }

    this.#phase = 'check';
    for (let n = this.#immediates.size; n > 0; n--) {
      const immediate = this.#immediates.shift()!;
      if (!immediate.queued) continue;
      immediate.queued = false;
      this.#liveImmediates--;
      if (immediate.refed) this.#refImmediates--;
      this.#invoke(immediate.fn, immediate.args);
      if (this.#stepwise) yield true;
    }

    this.#phase = 'close';
    for (let n = this.#closeQueue.size; n > 0; n--) {
      const task = this.#closeQueue.shift()!;
      this.#invoke(task.fn, task.args);
      if (this.#stepwise) yield true;
    }

    yield* this.#runTimers();
  }

  #hasWorkBy(target: number): boolean {
    return this.#hasWorkNow() || this.#nextEventAt() <= target;
  }

  *#advance(target: number): Generator<boolean, void, void> {
    this.#drainTicks();
    yield* this.#runTimers();
    let stuck = 0;
    let last = this.#now;
    while (this.#hasWorkBy(target)) {
      yield* this.#iteration(target, true);
      if (this.#now !== last) {
        last = this.#now;
        stuck = 0;
      } else if (++stuck > this.#loopLimit) {
        throw new ReactorError(
          'ERR_WEFT_REACTOR_LOOP_LIMIT',
          `Reactor.advance: ${this.#loopLimit} loop iterations at t=${this.#now} without time moving ` +
            '(immediates or pending callbacks that keep re-queueing themselves?); raise loopLimit if this is intended',
        );
      }
    }
    this.#now = target;
  }

  *#once(): Generator<boolean, void, void> {
    this.#drainTicks();
    if (this.alive) yield* this.#iteration(Number.POSITIVE_INFINITY, false);
  }

  *#run(): Generator<boolean, void, void> {
    this.#drainTicks();
    // As uv_run(UV_RUN_DEFAULT): timers already due run before the first iteration.
    if (this.alive) yield* this.#runTimers();
    let iterations = 0;
    while (this.alive) {
      if (++iterations > this.#loopLimit) {
        throw new ReactorError(
          'ERR_WEFT_REACTOR_LOOP_LIMIT',
          `Reactor.run: the loop is still alive after ${this.#loopLimit} iterations (t=${this.#now}, ` +
            `${this.pending} pending; a runaway interval?); clear it, unref it, or raise loopLimit`,
        );
      }
      const before = this.#callbacksRun;
      const startedAt = this.#now;
      yield* this.#iteration(Number.POSITIVE_INFINITY, false);
      if (this.#callbacksRun === before && this.#now === startedAt && this.alive) {
        // Give the async driver's promise continuations a chance to schedule something before giving up.
        yield false;
        if (this.#callbacksRun === before && !this.#hasWorkNow() && this.#nextEventAt() === Number.POSITIVE_INFINITY) {
          throw new ReactorError(
            'ERR_WEFT_REACTOR_STALLED',
            `Reactor.run: the loop is alive but nothing can happen at t=${this.#now}: ` +
              "a ref'd poll source has no next event; close or unref it",
          );
        }
      }
    }
  }
}
