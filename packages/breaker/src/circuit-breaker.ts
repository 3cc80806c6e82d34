import { setMaxListeners } from 'node:events';
import { Emitter } from '@weft/emitter';
import { toMermaid } from '@weft/fsm';
import { AbortError, type Clock, describe, type TimerHandle } from '@weft/reactor';
import { BrokenCircuitError, BulkheadFullError, TimeoutError } from './errors';
import { type BreakerEvent, type BreakerSnapshot, breakerMachine } from './machine';
import { type CircuitBreakerOptions, type ResolvedOptions, resolveOptions } from './options';
import { CountWindow, FAILURE, type OutcomeWindow, SLOW, TIMEOUT, TimeWindow, type WindowJSON } from './window';

/** The public state of a circuit: `'open'` includes isolated (see `breaker.isolated`). */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Why the circuit opened. */
export type OpenReason =
  | 'failureRate'
  | 'slowCallRate'
  | 'consecutiveFailures'
  | 'probeFailure'
  | 'manual'
  | 'isolate'
  | 'restore';

/**
 * The events of `breaker.events`, with their arguments. Per call: `success` or `failure` (a timed-out call
 * emits `timeout` first), then any state change (`stateChange`, then `open`, `halfOpen` or `close`), then
 * `fallback` if a fallback serves the call. A rejected call emits `reject`, then `fallback` if any.
 */
export type CircuitBreakerEvents = {
  /** A call counted as a success (including an error `isFailure` said is not a failure). */
  success: [durationMs: number];
  /** A call counted as a failure (a timeout included). */
  failure: [error: unknown, durationMs: number];
  /** A call ran out of `timeoutMs`; its signal was aborted. Followed by `failure`. */
  timeout: [timeoutMs: number];
  /** A call was rejected without running: open circuit, no probe slot, or full bulkhead. */
  reject: [error: BrokenCircuitError | BulkheadFullError];
  /** The fallback serves a call; `error` says why (a failure, `TimeoutError`, `BrokenCircuitError`, …). */
  fallback: [error: unknown];
  /** The circuit opened (also `open()` and `isolate()`). */
  open: [reason: OpenReason];
  /** The circuit went half-open after being open for `openForMs`. */
  halfOpen: [openForMs: number];
  /** The circuit closed after `notClosedForMs` open or half-open. */
  close: [notClosedForMs: number];
  /** Any change of `breaker.state`, emitted before the event of the new state. */
  stateChange: [from: CircuitState, to: CircuitState];
};

/** What `breaker.stats()` returns: the window's counts and the current state. */
export interface CircuitBreakerStats {
  readonly state: CircuitState;
  /** True while isolated (`state` is then `'open'`). */
  readonly isolated: boolean;
  /** Calls in the window (completed, not rejected). */
  readonly calls: number;
  /** Of those, the failures (timeouts included). */
  readonly failures: number;
  /** Of those, the slow ones (`slowCallDurationMs`), failed or not. */
  readonly slowCalls: number;
  /** `failures / calls`, 0 without calls. */
  readonly failureRate: number;
  /** `slowCalls / calls`, 0 without calls. */
  readonly slowCallRate: number;
  /** Calls rejected (open circuit, no probe slot, full bulkhead) in the window. */
  readonly rejected: number;
  /** Of the failures, the timeouts. */
  readonly timeouts: number;
  /** Calls running now. */
  readonly inFlight: number;
  /** The clock time the counts cover from: the window's start, or when it was last reset. */
  readonly since: number;
}

/** A breaker's state as plain JSON, from `breaker.toJSON()`; give it to `CircuitBreaker.restore`. */
export interface CircuitBreakerJSON {
  readonly version: 1;
  readonly name: string;
  readonly state: CircuitState;
  readonly isolated: boolean;
  /** When open (not isolated): what was left of `openDurationMs`. */
  readonly openRemainingMs: number;
  /** The current run of failures, for `consecutiveFailures`. */
  readonly consecutiveFailures: number;
  readonly window: WindowJSON;
}

/** Options of `breaker.executeWith`. */
export interface ExecuteOptions {
  /**
   * The caller's signal: handed to `fn` (combined with the timeout, if any). A call whose caller aborted counts
   * neither as a success nor as a failure; an already aborted signal rejects with `AbortError` before `fn` runs.
   */
  signal?: AbortSignal | undefined;
}

/** A function run through a breaker: it gets the call's signal first, then the arguments. */
export type Guarded<A extends unknown[], R> = (signal: AbortSignal, ...args: A) => R | PromiseLike<R>;

type AnyFn = (signal: AbortSignal, ...args: unknown[]) => unknown;
type Fallback = (error: unknown, ...args: unknown[]) => unknown;

// One never-aborted signal for every call that needs no AbortController. Many concurrent calls may each add an
// abort listener to it (fetch does), so it must not warn about listener counts.
const NEVER_ABORTED: AbortSignal = new AbortController().signal;
setMaxListeners(0, NEVER_ABORTED);

const TRIP: BreakerEvent = Object.freeze({ type: 'TRIP' });
const HALF_OPEN: BreakerEvent = Object.freeze({ type: 'HALF_OPEN' });
const CLOSE: BreakerEvent = Object.freeze({ type: 'CLOSE' });
const ISOLATE: BreakerEvent = Object.freeze({ type: 'ISOLATE' });

/** Marks the `TimeoutError`s a breaker made itself, so a nested breaker's timeout is not taken for its own. */
const OWNER = Symbol('owner');

function publicState(value: string): CircuitState {
  return value === 'closed' ? 'closed' : value === 'half-open' ? 'half-open' : 'open';
}

function invoke(fn: AnyFn, signal: AbortSignal, argc: number, a: unknown, b: unknown, c: unknown, rest?: unknown[]) {
  if (argc === 0) return fn(signal);
  if (argc === 1) return fn(signal, a);
  if (argc === 2) return fn(signal, a, b);
  if (argc === 3) return fn(signal, a, b, c);
  return fn(signal, ...(rest as unknown[]));
}

function callFallback(
  fallback: Fallback,
  error: unknown,
  argc: number,
  a: unknown,
  b: unknown,
  c: unknown,
  rest?: unknown[],
) {
  if (argc === 0) return fallback(error);
  if (argc === 1) return fallback(error, a);
  if (argc === 2) return fallback(error, a, b);
  if (argc === 3) return fallback(error, a, b, c);
  return fallback(error, ...(rest as unknown[]));
}

function restOf(args: IArguments, from: number): unknown[] {
  const rest: unknown[] = [];
  for (let i = from; i < args.length; i++) rest.push(args[i]);
  return rest;
}

/**
 * A circuit breaker: stops calling a failing dependency, serves a fallback meanwhile, and probes it back to
 * health. Outcomes go into a sliding window (the last N calls, or the last N ms in buckets) at O(1) cost and
 * fixed memory; the circuit opens when the failure rate or slow-call rate of the window reaches its threshold
 * (once it holds `minimumCalls`), or after `consecutiveFailures` in a row. After `openDurationMs` it goes
 * half-open and lets `halfOpenMaxCalls` probes through: if they all succeed it closes, one failure re-opens it.
 * The states are those of an `@weft/fsm` machine (`breaker.toMermaid()` draws it).
 *
 * @example
 * ```ts
 * import { CircuitBreaker, isBrokenCircuitError } from '@weft/breaker';
 *
 * const breaker = new CircuitBreaker({
 *   window: { type: 'time', durationMs: 10_000, buckets: 10 },
 *   failureRateThreshold: 0.5,
 *   minimumCalls: 20,
 *   openDurationMs: 5_000,
 *   timeoutMs: 2_000,
 * });
 * breaker.events.on('stateChange', (from, to) => console.log(`circuit ${from} → ${to}`));
 *
 * const getUser = breaker.wrap((signal, id: string) => fetch(`https://api.example.com/users/${id}`, { signal }));
 * try {
 *   const res = await getUser('42');
 * } catch (error) {
 *   if (isBrokenCircuitError(error)) console.log(`try again in ${error.retryAfterMs} ms`);
 * }
 * ```
 */
export class CircuitBreaker<TFallback = never> {
  /** Made on first use: a breaker nobody listens to does not carry an emitter. */
  #events: Emitter<CircuitBreakerEvents> | undefined = undefined;
  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #window: OutcomeWindow;
  /** No timeout and no slow-call rule: a closed circuit needs nothing per call but two settle handlers. */
  readonly #lean: boolean;
  readonly #fallback: Fallback | undefined;
  #snapshot: BreakerSnapshot = breakerMachine.initialSnapshot;
  #state: CircuitState = 'closed';
  #isolated = false;
  /** Bumped on every state change: outcomes of calls admitted before it are not counted. */
  #generation = 0;
  #inFlight = 0;
  #consecutive = 0;
  #probes = 0;
  #probeSuccesses = 0;
  /** When the circuit last left `closed`, and last entered `open`. */
  #leftClosedAt = 0;
  #openedAt = 0;
  /** When an open (not isolated) circuit goes half-open. */
  #halfOpenAt = 0;
  #timer: TimerHandle | undefined = undefined;
  #waiters: (() => void)[] | undefined = undefined;
  /** The settle handlers of lean calls, made once per state (they only need the state's generation). */
  #onFulfilled: ((value: unknown) => unknown) | undefined = undefined;
  #onRejected: ((error: unknown) => unknown) | undefined = undefined;
  #onOpenElapsed: (() => void) | undefined = undefined;

  /**
   * @param options - see {@link CircuitBreakerOptions}; bad values throw a `RangeError`/`TypeError` naming the
   * option.
   */
  constructor(options?: CircuitBreakerOptions<TFallback>) {
    const o = resolveOptions(options);
    this.#options = o;
    this.#clock = o.clock;
    const now = o.clock.now();
    this.#window =
      o.window.type === 'count'
        ? new CountWindow(o.window.size, now)
        : new TimeWindow(o.window.durationMs, o.window.buckets, o.clock);
    this.#lean = o.timeoutMs === 0 && o.slowCallDurationMs === Infinity;
    this.#fallback = o.fallback;
  }

  /** The breaker's events (a typed `@weft/emitter`); listeners run synchronously, as with `node:events`. */
  get events(): Emitter<CircuitBreakerEvents> {
    if (this.#events === undefined) this.#events = new Emitter<CircuitBreakerEvents>();
    return this.#events;
  }

  /** The breaker's `name` option (`'breaker'` by default). */
  get name(): string {
    return this.#options.name;
  }

  /** `'closed'`, `'open'` (isolated included) or `'half-open'`. */
  get state(): CircuitState {
    return this.#state;
  }

  /** True while isolated by `isolate()`: open until `close()` or `open()`. */
  get isolated(): boolean {
    return this.#isolated;
  }

  /**
   * Runs `fn(signal, ...args)` through the breaker. Rejects with `BrokenCircuitError` without calling `fn` while
   * open, `BulkheadFullError` beyond `maxConcurrent`, and `TimeoutError` after `timeoutMs` (the signal is then
   * aborted); with a `fallback`, its result is returned instead of those errors and of counted failures.
   *
   * @example
   * ```ts
   * const body = await breaker.execute(async (signal, url: string) => (await fetch(url, { signal })).text(), url);
   * ```
   */
  // The implementation names three arguments instead of taking a rest array, so that a call allocates nothing
  // but its promise; the overload is the public type.
  execute<A extends unknown[], R>(fn: Guarded<A, R>, ...args: A): Promise<R | TFallback>;
  execute(fn: AnyFn, a?: unknown, b?: unknown, c?: unknown): Promise<unknown> {
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`fn: expected a function, got ${describe(fn)}`));
    // biome-ignore lint/complexity/noArguments: counting arguments without a rest array keeps execute allocation-free
    const argc = arguments.length - 1;
    // biome-ignore lint/complexity/noArguments: see above
    return this.#call(fn, argc, a, b, c, argc > 3 ? restOf(arguments, 1) : undefined);
  }

  /**
   * The lean path: a closed circuit, no timeout, no slow-call rule, nobody timing calls, room in the bulkhead
   * and no arguments a fallback would need. The call's promise is chained to the handlers of the current state:
   * no closure, no signal, no clock reading. Anything else takes `#run`.
   */
  #call(fn: AnyFn, argc: number, a: unknown, b: unknown, c: unknown, rest: unknown[] | undefined): Promise<unknown> {
    if (
      this.#state !== 'closed' ||
      !this.#lean ||
      this.#inFlight >= this.#options.maxConcurrent ||
      (argc !== 0 && this.#fallback !== undefined) ||
      this.#timed()
    ) {
      return this.#run(fn, undefined, argc, a, b, c, rest);
    }
    if (this.#onFulfilled === undefined) this.#bindHandlers();
    this.#inFlight++;
    let result: unknown;
    try {
      result = invoke(fn, NEVER_ABORTED, argc, a, b, c, rest);
    } catch (error) {
      return Promise.reject(error).then(undefined, this.#onRejected);
    }
    return (result instanceof Promise ? result : Promise.resolve(result)).then(this.#onFulfilled, this.#onRejected);
  }

  /** True if someone listens for call durations. */
  #timed(): boolean {
    const events = this.#events;
    return events !== undefined && (events.listenerCount('success') !== 0 || events.listenerCount('failure') !== 0);
  }

  /** Makes the settle handlers of lean calls for the current state (dropped at every state change). */
  #bindHandlers(): void {
    const generation = this.#generation;
    this.#onFulfilled = (value) => {
      this.#inFlight--;
      this.#succeeded(generation, false, Number.NaN);
      return value;
    };
    this.#onRejected = (error) => {
      this.#inFlight--;
      return this.#failed(
        error,
        generation,
        false,
        Number.NaN,
        undefined,
        0,
        undefined,
        undefined,
        undefined,
        undefined,
      );
    };
  }

  /**
   * {@link execute} with the caller's `signal`: `fn` gets it (combined with the timeout, if any); a call whose
   * caller aborted is not counted, and an already aborted signal rejects with `AbortError` before `fn` runs.
   *
   * @example
   * ```ts
   * const res = await breaker.executeWith({ signal: request.signal }, (signal) => fetch(upstream, { signal }));
   * ```
   */
  executeWith<A extends unknown[], R>(options: ExecuteOptions, fn: Guarded<A, R>, ...args: A): Promise<R | TFallback> {
    if (typeof options !== 'object' || options === null) {
      return Promise.reject(new TypeError(`options: expected an object, got ${describe(options)}`));
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return Promise.reject(new TypeError(`options.signal: expected an AbortSignal, got ${describe(signal)}`));
    }
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`fn: expected a function, got ${describe(fn)}`));
    const argc = args.length;
    return this.#run(fn as AnyFn, signal, argc, args[0], args[1], args[2], args) as Promise<R | TFallback>;
  }

  /**
   * Returns `fn` guarded by this breaker: `wrapped(...args)` is `breaker.execute(fn, ...args)`.
   *
   * @example
   * ```ts
   * const getUser = breaker.wrap((signal, id: string) => db.users.find(id, { signal }));
   * await getUser('42');
   * ```
   */
  wrap<A extends unknown[], R>(fn: Guarded<A, R>): (...args: A) => Promise<R | TFallback> {
    if (typeof fn !== 'function') throw new TypeError(`fn: expected a function, got ${describe(fn)}`);
    const run = (argc: number, a: unknown, b: unknown, c: unknown, rest: unknown[] | undefined) =>
      this.#call(fn as AnyFn, argc, a, b, c, rest);
    return function guarded(a?: unknown, b?: unknown, c?: unknown) {
      // biome-ignore lint/complexity/noArguments: see execute
      const argc = arguments.length;
      // biome-ignore lint/complexity/noArguments: see execute
      return run(argc, a, b, c, argc > 3 ? restOf(arguments, 0) : undefined);
    } as unknown as (...args: A) => Promise<R | TFallback>;
  }

  /** Opens the circuit now; it goes half-open after `openDurationMs` as usual. Ends an isolation. */
  open(): void {
    this.#transition(TRIP, 'manual');
  }

  /** Closes the circuit now, with an empty window (also ends an isolation). */
  close(): void {
    this.#transition(CLOSE, 'manual');
  }

  /** Opens the circuit and keeps it open, with no probes, until `close()` or `open()`. */
  isolate(): void {
    this.#transition(ISOLATE, 'isolate');
  }

  /** The window's counts and the state. O(1) (O(buckets) for a time window that has to roll). */
  stats(): CircuitBreakerStats {
    const now = this.#clock.now();
    const w = this.#window;
    w.roll(now);
    return {
      state: this.#state,
      isolated: this.#isolated,
      calls: w.calls,
      failures: w.failures,
      slowCalls: w.slowCalls,
      failureRate: w.calls === 0 ? 0 : w.failures / w.calls,
      slowCallRate: w.calls === 0 ? 0 : w.slowCalls / w.calls,
      rejected: w.rejected,
      timeouts: w.timeouts,
      inFlight: this.#inFlight,
      since: w.since(now),
    };
  }

  /** The state machine the breaker runs, as a Mermaid `stateDiagram-v2`. */
  toMermaid(): string {
    return toMermaid(breakerMachine);
  }

  /** The state and the window as plain JSON, to persist across restarts with {@link CircuitBreaker.restore}. */
  toJSON(): CircuitBreakerJSON {
    const now = this.#clock.now();
    const cooling = this.#state === 'open' && !this.#isolated;
    return {
      version: 1,
      name: this.#options.name,
      state: this.#state,
      isolated: this.#isolated,
      openRemainingMs: cooling ? Math.max(0, this.#halfOpenAt - now) : 0,
      consecutiveFailures: this.#consecutive,
      window: this.#window.toJSON(now),
    };
  }

  /**
   * A breaker made with `options` that resumes from `json` (from `toJSON()`): the state, what was left of the
   * open duration (time spent persisted does not count, as for a paused timer), the failure streak and what fits
   * of the window. No events are emitted for the restored state. Half-open resumes with every probe slot free.
   *
   * @example
   * ```ts
   * await writeFile('breaker.json', JSON.stringify(breaker));
   * const again = CircuitBreaker.restore(JSON.parse(await readFile('breaker.json', 'utf8')), options);
   * ```
   */
  static restore<TFallback = never>(
    json: CircuitBreakerJSON,
    options?: CircuitBreakerOptions<TFallback>,
  ): CircuitBreaker<TFallback> {
    checkJSON(json);
    const breaker = new CircuitBreaker<TFallback>(options);
    breaker.#load(json);
    return breaker;
  }

  #load(json: CircuitBreakerJSON): void {
    const now = this.#clock.now();
    const value = json.state === 'open' ? (json.isolated ? 'open.isolated' : 'open.cooling') : json.state;
    this.#snapshot = breakerMachine.resolveSnapshot({ value, context: undefined, status: 'active', delayed: [] });
    this.#state = json.state;
    this.#isolated = value === 'open.isolated';
    this.#window.load(json.window, now);
    this.#consecutive = json.consecutiveFailures;
    this.#openedAt = this.#leftClosedAt = now;
    if (value === 'open.cooling') this.#schedule(Math.min(json.openRemainingMs, this.#options.openDurationMs), now);
  }

  #schedule(delayMs: number, now: number): void {
    this.#halfOpenAt = now + delayMs;
    if (this.#onOpenElapsed === undefined) {
      this.#onOpenElapsed = () => {
        this.#timer = undefined;
        this.#transition(HALF_OPEN, 'manual');
      };
    }
    const timer = this.#clock.setTimeout(this.#onOpenElapsed, delayMs);
    // A waiting breaker must not keep the process alive.
    timer.unref?.();
    this.#timer = timer;
  }

  /** Runs the machine; on a change, updates the bookkeeping first and emits the events last. */
  #transition(event: BreakerEvent, reason: OpenReason): boolean {
    const next = breakerMachine.transition(this.#snapshot, event).snapshot;
    if (next === this.#snapshot) return false;
    const clock = this.#clock;
    const now = clock.now();
    const from = this.#state;
    const to = publicState(next.value);
    this.#snapshot = next;
    this.#state = to;
    this.#isolated = next.value === 'open.isolated';
    this.#generation++;
    this.#onFulfilled = this.#onRejected = undefined;
    if (this.#timer !== undefined) {
      clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (next.value === 'open.cooling') this.#schedule(this.#options.openDurationMs, now);
    if (to !== 'open') {
      // Closed and half-open start over: the window of an open circuit stays, to show what opened it.
      this.#window.reset(now);
      this.#consecutive = 0;
      this.#probes = 0;
      this.#probeSuccesses = 0;
    }
    const openedAt = this.#openedAt;
    const leftClosedAt = this.#leftClosedAt;
    if (from === 'closed') this.#leftClosedAt = now;
    if (to === 'open') this.#openedAt = now;
    if (to !== 'half-open') this.#wakeAll();
    if (from !== to) {
      const events = this.#events;
      if (events === undefined) return true;
      events.emit('stateChange', from, to);
      if (to === 'open') events.emit('open', reason);
      else if (to === 'half-open') events.emit('halfOpen', now - openedAt);
      else events.emit('close', now - leftClosedAt);
    } else if (this.#isolated) {
      this.#events?.emit('open', reason);
    }
    return true;
  }

  async #run(
    fn: AnyFn,
    callerSignal: AbortSignal | undefined,
    argc: number,
    a: unknown,
    b: unknown,
    c: unknown,
    rest: unknown[] | undefined,
  ): Promise<unknown> {
    const o = this.#options;
    let probe = false;
    for (;;) {
      if (callerSignal?.aborted) throw new AbortError(undefined, { cause: callerSignal.reason });
      const state = this.#state;
      if (state === 'closed') break;
      if (state === 'half-open') {
        if (this.#probes < o.halfOpenMaxCalls) {
          probe = true;
          break;
        }
        if (o.halfOpenOverflow === 'wait') {
          await this.#waitForVerdict(callerSignal);
          continue;
        }
        return this.#reject(new BrokenCircuitError(o.name, 'half-open', 0), argc, a, b, c, rest);
      }
      const retryAfterMs = this.#isolated ? Infinity : Math.max(0, this.#halfOpenAt - this.#clock.now());
      return this.#reject(
        new BrokenCircuitError(o.name, this.#isolated ? 'isolated' : 'open', retryAfterMs),
        argc,
        a,
        b,
        c,
        rest,
      );
    }
    if (this.#inFlight >= o.maxConcurrent) {
      return this.#reject(new BulkheadFullError(o.name, o.maxConcurrent), argc, a, b, c, rest);
    }
    if (probe) this.#probes++;
    const generation = this.#generation;
    const start = this.#clock.now();
    this.#inFlight++;
    let result: unknown;
    try {
      result =
        o.timeoutMs === 0
          ? await invoke(fn, callerSignal ?? NEVER_ABORTED, argc, a, b, c, rest)
          : await this.#invokeWithTimeout(fn, callerSignal, argc, a, b, c, rest);
    } catch (error) {
      this.#inFlight--;
      return this.#failed(error, generation, probe, this.#clock.now() - start, callerSignal, argc, a, b, c, rest);
    }
    this.#inFlight--;
    this.#succeeded(generation, probe, this.#clock.now() - start);
    return result;
  }

  /** Counts a success (if the call's state still holds) and emits it; `durationMs` is NaN when not measured. */
  #succeeded(generation: number, probe: boolean, durationMs: number): void {
    const o = this.#options;
    const slow = durationMs >= o.slowCallDurationMs;
    let reason: OpenReason | null = null;
    let closing = false;
    if (generation === this.#generation) {
      this.#window.record(slow ? SLOW : 0);
      if (probe) {
        if (slow) reason = 'probeFailure';
        else closing = ++this.#probeSuccesses >= o.halfOpenMaxCalls;
      } else {
        this.#consecutive = 0;
        reason = this.#rateExceeded();
      }
    }
    try {
      this.#events?.emit('success', durationMs);
    } finally {
      if (reason !== null) this.#transition(TRIP, reason);
      else if (closing) this.#transition(CLOSE, 'manual');
    }
  }

  #failed(
    error: unknown,
    generation: number,
    probe: boolean,
    durationMs: number,
    callerSignal: AbortSignal | undefined,
    argc: number,
    a: unknown,
    b: unknown,
    c: unknown,
    rest: unknown[] | undefined,
  ): unknown {
    if (callerSignal?.aborted) {
      // The caller gave up: that says nothing about the dependency, so the call is not counted.
      if (probe && generation === this.#generation) this.#releaseProbe();
      throw error;
    }
    const timedOut = (error as { [OWNER]?: unknown } | null)?.[OWNER] === this;
    if (!timedOut && !this.#countsAsFailure(error)) {
      this.#succeeded(generation, probe, durationMs);
      throw error;
    }
    const o = this.#options;
    let reason: OpenReason | null = null;
    if (generation === this.#generation) {
      let outcome = FAILURE;
      if (durationMs >= o.slowCallDurationMs) outcome |= SLOW;
      if (timedOut) outcome |= TIMEOUT;
      this.#window.record(outcome);
      if (probe) reason = 'probeFailure';
      else if (++this.#consecutive >= o.consecutiveFailures) reason = 'consecutiveFailures';
      else reason = this.#rateExceeded();
    }
    try {
      this.#events?.emit('failure', error, durationMs);
    } finally {
      if (reason !== null) this.#transition(TRIP, reason);
    }
    const fallback = this.#fallback;
    if (fallback === undefined) throw error;
    this.#events?.emit('fallback', error);
    return callFallback(fallback, error, argc, a, b, c, rest);
  }

  #countsAsFailure(error: unknown): boolean {
    const isFailure = this.#options.isFailure;
    if (isFailure === undefined) return true;
    try {
      return isFailure(error) !== false;
    } catch {
      // A predicate that throws cannot vouch for the call: count it as failed.
      return true;
    }
  }

  /** The trip reason if a rate of the window reached its threshold, else null. */
  #rateExceeded(): OpenReason | null {
    const w = this.#window;
    const o = this.#options;
    if (w.calls < o.minimumCalls) return null;
    // Divisions rather than `failures >= calls * threshold`: 3 / 30 >= 0.1 holds, 3 >= 30 * 0.1 does not.
    if (w.failures / w.calls >= o.failureRateThreshold) return 'failureRate';
    if (w.slowCalls !== 0 && w.slowCalls / w.calls >= o.slowCallRateThreshold) return 'slowCallRate';
    return null;
  }

  #reject(
    error: BrokenCircuitError | BulkheadFullError,
    argc: number,
    a: unknown,
    b: unknown,
    c: unknown,
    rest: unknown[] | undefined,
  ): unknown {
    this.#window.reject();
    const events = this.#events;
    events?.emit('reject', error);
    const fallback = this.#fallback;
    if (fallback === undefined) throw error;
    events?.emit('fallback', error);
    return callFallback(fallback, error, argc, a, b, c, rest);
  }

  #invokeWithTimeout(
    fn: AnyFn,
    callerSignal: AbortSignal | undefined,
    argc: number,
    a: unknown,
    b: unknown,
    c: unknown,
    rest: unknown[] | undefined,
  ): Promise<unknown> {
    const clock = this.#clock;
    const { timeoutMs, name } = this.#options;
    // Building an AbortSignal is most of a timed call's cost (an EventTarget per call). A function that declares no
    // parameter (`async () => …`, `fn.length === 0`) cannot see the signal, so it gets the caller's signal or the
    // shared never-aborted one; the call still rejects at the deadline.
    const controller = fn.length === 0 ? undefined : new AbortController();
    return new Promise((resolve, reject) => {
      const onCallerAbort =
        controller === undefined || callerSignal === undefined
          ? undefined
          : (): void => controller.abort(callerSignal.reason);
      if (onCallerAbort !== undefined) callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
      const timer = clock.setTimeout(() => {
        if (onCallerAbort !== undefined) callerSignal?.removeEventListener('abort', onCallerAbort);
        const error = new TimeoutError(name, timeoutMs);
        Object.defineProperty(error, OWNER, { value: this });
        controller?.abort(error);
        reject(error);
        this.#events?.emit('timeout', timeoutMs);
      }, timeoutMs);
      const settle = (): void => {
        clock.clearTimeout(timer);
        if (onCallerAbort !== undefined) callerSignal?.removeEventListener('abort', onCallerAbort);
      };
      let pending: unknown;
      try {
        pending = invoke(
          fn,
          controller === undefined ? (callerSignal ?? NEVER_ABORTED) : controller.signal,
          argc,
          a,
          b,
          c,
          rest,
        );
      } catch (error) {
        settle();
        reject(error);
        return;
      }
      Promise.resolve(pending).then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  #waitForVerdict(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#waiters === undefined) this.#waiters = [];
      const waiters = this.#waiters;
      if (signal === undefined) {
        waiters.push(resolve);
        return;
      }
      const onAbort = (): void => {
        const list = this.#waiters;
        const index = list === undefined ? -1 : list.indexOf(wake);
        if (index !== -1) list?.splice(index, 1);
        reject(new AbortError(undefined, { cause: signal.reason }));
      };
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.push(wake);
    });
  }

  /** A probe that will not report frees its slot, and a waiting caller may take it. */
  #releaseProbe(): void {
    this.#probes--;
    const waiters = this.#waiters;
    if (waiters !== undefined && waiters.length > 0) (waiters.shift() as () => void)();
  }

  #wakeAll(): void {
    const waiters = this.#waiters;
    if (waiters === undefined || waiters.length === 0) return;
    this.#waiters = undefined;
    for (const wake of waiters) wake();
  }
}

function checkJSON(json: unknown): asserts json is CircuitBreakerJSON {
  if (typeof json !== 'object' || json === null) {
    throw new TypeError(`json: expected the object of breaker.toJSON(), got ${describe(json)}`);
  }
  const j = json as Record<string, unknown>;
  if (j.version !== 1) throw new TypeError(`json.version: expected 1, got ${describe(j.version)}`);
  if (j.state !== 'closed' && j.state !== 'open' && j.state !== 'half-open') {
    throw new TypeError(`json.state: expected 'closed', 'open' or 'half-open', got ${describe(j.state)}`);
  }
  if (typeof j.isolated !== 'boolean')
    throw new TypeError(`json.isolated: expected a boolean, got ${describe(j.isolated)}`);
  const nonNegative = (name: string, value: unknown): void => {
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
      throw new TypeError(`json.${name}: expected a finite number ≥ 0, got ${describe(value)}`);
    }
  };
  nonNegative('openRemainingMs', j.openRemainingMs);
  nonNegative('consecutiveFailures', j.consecutiveFailures);
  const w = j.window as Record<string, unknown> | null;
  if (typeof w !== 'object' || w === null) throw new TypeError(`json.window: expected an object, got ${describe(w)}`);
  if (w.type === 'count') {
    if (!Array.isArray(w.outcomes))
      throw new TypeError(`json.window.outcomes: expected an array, got ${describe(w.outcomes)}`);
    w.outcomes.forEach((outcome, i) => {
      if (!Number.isInteger(outcome) || outcome < 0 || outcome > 7) {
        throw new TypeError(`json.window.outcomes[${i}]: expected an integer in [0, 7], got ${describe(outcome)}`);
      }
    });
    nonNegative('window.rejected', w.rejected);
  } else if (w.type === 'time') {
    nonNegative('window.bucketMs', w.bucketMs);
    if (!Array.isArray(w.buckets))
      throw new TypeError(`json.window.buckets: expected an array, got ${describe(w.buckets)}`);
    w.buckets.forEach((bucket: unknown, i) => {
      if (!Array.isArray(bucket) || bucket.length !== 5) {
        throw new TypeError(`json.window.buckets[${i}]: expected an array of 5 counts, got ${describe(bucket)}`);
      }
      for (let f = 0; f < 5; f++) nonNegative(`window.buckets[${i}][${f}]`, bucket[f]);
    });
  } else {
    throw new TypeError(`json.window.type: expected 'count' or 'time', got ${describe(w.type)}`);
  }
}
