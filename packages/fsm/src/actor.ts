import { type Clock, systemClock, type TimerHandle } from '@weft/reactor';
import { DELAY, type Delay, isDelay, type StateNode } from './compile';
import { expected } from './errors';
import { checkEvent, type MachineSnapshot, nodeOf, StateMachine, selectFor, step, withStatus } from './machine';
import type { EventObject, PersistedDelay, PersistedSnapshot } from './types';

/** Options of {@link createActor}. */
export interface ActorOptions<TContext, TValue extends string> {
  /** The clock delayed transitions (`after`) are scheduled on: `systemClock` by default, a `Reactor` in tests. */
  clock?: Clock | undefined;
  /**
   * A snapshot to resume from, typically `actor.getPersistedSnapshot()` parsed back from JSON. Entry actions
   * are not run again; pending delayed transitions are rescheduled with their remaining time.
   */
  snapshot?: PersistedSnapshot<TContext, TValue> | MachineSnapshot<TContext, TValue> | undefined;
  /**
   * How long the snapshot was stored, if the caller knows (e.g. from wall-clock timestamps). It is taken off
   * every pending delay; delays that ran out fire at once after `start()`, in deadline order. Default 0:
   * time spent persisted does not count, the delays resume where they were.
   */
  elapsedMs?: number | undefined;
}

/** A listener of {@link Actor.subscribe}. */
export type SnapshotListener<TContext, TValue extends string> = (snapshot: MachineSnapshot<TContext, TValue>) => void;

/**
 * A delayed transition: scheduled (`at_` is its deadline on the clock), or pending without a timer (`at_` is the
 * time left; before `start()` and after `stop()`).
 */
interface Timer {
  readonly delay_: Delay;
  readonly at_: number;
  handle_?: TimerHandle;
}

/**
 * An empty list, shared: the listeners when there is none, the timers when none is pending. Never added to
 * (both lists are copied on write); not frozen, as `for…of` is slower on frozen arrays.
 */
const NONE: never[] = [];

/**
 * A running instance of a machine: it holds the current snapshot, runs actions, schedules delayed transitions
 * on its clock and notifies subscribers. Events sent while it handles one (from an action or a subscriber)
 * are queued and handled in order afterwards; events sent before `start()` wait for it.
 */
export class Actor<TContext, TEvent extends EventObject, TValue extends string> {
  /** The machine this actor runs. */
  declare readonly machine: StateMachine<TContext, TEvent, TValue>;
  readonly #clock: Clock;
  #snapshot: MachineSnapshot<TContext, TValue>;
  #started = false;
  /** True while an event is being handled, and before start: sends are queued meanwhile. */
  #busy = true;
  #queue: EventObject[] | null = null;
  /** Replaced, never mutated (copy on write); shared and empty when there is none. */
  #listeners: readonly SnapshotListener<TContext, TValue>[] = NONE;
  /**
   * The delayed transitions: scheduled while running; before `start()` those of a restored snapshot, after
   * `stop()` what remained of them. Undefined for a fresh actor before start: it schedules the delays of its
   * initial states and runs the initial entry actions on start.
   */
  #timers: readonly Timer[] | undefined;

  /** @internal */
  constructor(machine: StateMachine<TContext, TEvent, TValue>, options: ActorOptions<TContext, TValue>) {
    this.machine = machine;
    this.#clock = options.clock ?? systemClock;
    const given = options.snapshot;
    let snapshot = machine.initialSnapshot;
    if (given) {
      snapshot = machine.resolveSnapshot(given);
      this.#timers = restoreDelays(nodeOf(snapshot), given, options.elapsedMs ?? 0);
      if (snapshot.status === 'stopped') snapshot = withStatus(snapshot, 'active');
    }
    this.#snapshot = snapshot;
  }

  /**
   * Starts the actor: runs the initial entry actions (not for a restored snapshot), schedules the delayed
   * transitions of the active states and handles the events sent before. Returns the actor; idempotent.
   */
  start(): this {
    if (this.#started) return this;
    const paused = this.#timers;
    this.#started = true;
    this.#timers = NONE;
    if (this.#snapshot.status === 'active') {
      for (const t of paused ?? full(nodeOf(this.#snapshot).delays_)) this.#schedule(t.delay_, t.at_);
      if (!paused) for (const a of this.machine.initialActions) a.exec();
    }
    this.#busy = false;
    // The events sent before (none: the call just clears the queue).
    this.#process(this.#queue?.shift());
    return this;
  }

  /**
   * Sends an event. Throws a `TypeError` for anything that is not an object with a string `type`. Ignored once
   * the actor is done or stopped.
   */
  send(event: TEvent): void {
    checkEvent(event);
    this.#process(event);
  }

  /** The current snapshot (the same object until something changes). */
  getSnapshot(): MachineSnapshot<TContext, TValue> {
    return this.#snapshot;
  }

  /**
   * Calls `listener` with every new snapshot (not with the current one). Returns a function that unsubscribes.
   */
  subscribe(listener: SnapshotListener<TContext, TValue>): () => void {
    // Development only, like every developer check; the cheap test comes first, as reading `process.env` is slow.
    if (
      typeof listener !== 'function' &&
      (typeof process === 'undefined' ? false : process.env.NODE_ENV !== 'production')
    ) {
      throw expected('listener', 'a function', listener);
    }
    // Copy on write: a listener that unsubscribes (or subscribes) while being notified is safe.
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Stops the actor: cancels its timers (remembering what remained of them for `getPersistedSnapshot()`),
   * drops queued events, notifies subscribers of the `'stopped'` snapshot and removes them.
   */
  stop(): void {
    const snapshot = this.#snapshot;
    if (snapshot.status === 'stopped') return;
    const pending = this.#pending();
    this.#cancel(-1);
    this.#timers = pending;
    this.#started = true;
    this.#busy = false;
    this.#queue = null;
    const listeners = this.#listeners;
    this.#listeners = NONE;
    this.#snapshot = withStatus(snapshot, 'stopped');
    for (const listener of listeners) listener(this.#snapshot);
  }

  /** True if the active state is `path` or inside it (`matches('halfOpen')` in `'halfOpen.probing'`). */
  matches(path: TValue): boolean {
    return this.#snapshot.matches(path);
  }

  /** True if `event` would take a transition now (guards are evaluated; nothing runs). */
  can(event: TEvent): boolean {
    checkEvent(event);
    return !!selectFor(this.#snapshot, event);
  }

  /**
   * The snapshot as plain JSON: `{ value, context, status, delayed }`, where `delayed` lists the pending
   * delayed transitions with their remaining time. Restore it with `createActor(machine, { snapshot })`.
   */
  getPersistedSnapshot(): PersistedSnapshot<TContext, TValue> {
    // The snapshot's own fields are value, context and status (its state node is private).
    return {
      ...this.#snapshot,
      delayed: this.#pending().map(
        ({ delay_: d, at_: remainingMs }): PersistedDelay => ({ state: d.state_, delayMs: d.ms_, remainingMs }),
      ),
    };
  }

  /** The pending delayed transitions with their remaining time: scheduled, paused, or not started yet. */
  #pending(): Timer[] {
    const running = this.#started && this.#snapshot.status === 'active';
    const now = running ? this.#clock.now() : 0;
    return (this.#timers ?? full(nodeOf(this.#snapshot).delays_)).map((t) => ({
      delay_: t.delay_,
      at_: Math.max(0, t.at_ - now),
    }));
  }

  /** Handles `first` and then what was queued meanwhile; queues it if busy, ignores it unless active. */
  #process(first: EventObject | undefined): void {
    if (this.#busy) {
      this.#queue ??= [];
      this.#queue.push(first as EventObject);
      return;
    }
    this.#busy = true;
    try {
      for (let e: EventObject | undefined = first; e && this.#snapshot.status === 'active'; ) {
        const previous = this.#snapshot;
        const taken = step(previous, e);
        if (taken) {
          const { next_: next, actions_: actions, domain_: domain } = taken;
          this.#snapshot = next;
          if (domain) {
            // Cancel the delays of the states exited, schedule those of the states entered.
            const depth = domain.path_.length;
            if ((this.#timers as Timer[]).length) this.#cancel(depth);
            for (const d of nodeOf(next).delays_) if (d.node_.path_.length > depth) this.#schedule(d, d.ms_);
          }
          if (next.status === 'done') this.#cancel(-1);
          if (actions) for (const a of actions) a.exec();
          if (next !== previous) for (const listener of this.#listeners) listener(next);
        }
        e = this.#queue?.shift();
      }
    } finally {
      // Drained, or dropped: once done or stopped, and after an error.
      this.#queue = null;
      this.#busy = false;
    }
  }

  #schedule(delay: Delay, ms: number): void {
    const timer: Timer = {
      delay_: delay,
      at_: this.#clock.now() + ms,
      // Cancelled timers are cleared, so a timer that fires is pending.
      handle_: this.#clock.setTimeout(() => {
        this.#timers = (this.#timers as Timer[]).filter((t) => t !== timer);
        this.#process(delay.event_);
      }, ms),
    };
    this.#timers = [...(this.#timers as Timer[]), timer];
  }

  /** Cancels the timers of the active states deeper than `depth` (a path length; -1 for every state). */
  #cancel(depth: number): void {
    // (No timers before start: nothing to cancel.)
    this.#timers = this.#timers?.filter(
      (t) => t.delay_.node_.path_.length <= depth || void this.#clock.clearTimeout(t.handle_),
    );
  }
}

/** `delays` at their full length. */
const full = (delays: readonly Delay[]): Timer[] => delays.map((d) => ({ delay_: d, at_: d.ms_ }));

/** The delays of a persisted snapshot, checked against the machine (the snapshot may come from storage). */
function restoreDelays<TContext, TValue extends string>(
  leaf: StateNode,
  given: PersistedSnapshot<TContext, TValue> | MachineSnapshot<TContext, TValue>,
  elapsedMs: number,
): Timer[] {
  if (!isDelay(elapsedMs)) throw expected('options.elapsedMs', DELAY, elapsedMs, RangeError);
  const active = leaf.delays_;
  const list: unknown = (given as { delayed?: unknown }).delayed;
  // Without `delayed` (a snapshot from `getSnapshot()`), the delays of the active states at their full length.
  if (list === undefined) return full(active);
  if (!Array.isArray(list)) throw expected('options.snapshot.delayed', 'an array', list);
  return list
    .map((entry: unknown, i): Timer => {
      const { state, delayMs, remainingMs: left } = (entry ?? {}) as PersistedDelay;
      const delay = active.find((d) => d.ms_ === delayMs && d.state_ === state);
      // Also false without `remainingMs` (`undefined >= 0`) or without a delay (`left <= undefined`).
      if (!(left >= 0 && left <= (delay?.ms_ as number))) {
        throw new TypeError(`options.snapshot.delayed[${i}]: not a delay of an active state: ${JSON.stringify(entry)}`);
      }
      // Not clamped yet: sorting on it schedules the delays in deadline order, overdue ones too.
      return { delay_: delay as Delay, at_: left - elapsedMs };
    })
    .sort((a, b) => a.at_ - b.at_); // timers of equal delay fire in scheduling order
}
/**
 * Creates an actor running `machine`. Call `start()` to enter the initial state (or resume `options.snapshot`).
 *
 * @example
 * ```ts
 * import { createActor, createMachine } from '@weft/fsm';
 * import { Reactor } from '@weft/reactor';
 *
 * const machine = createMachine({
 *   initial: 'idle',
 *   states: { idle: { on: { PING: 'busy' } }, busy: { after: { 100: 'idle' } } },
 * });
 * const clock = new Reactor();
 * const actor = createActor(machine, { clock }).start();
 * actor.send({ type: 'PING' });
 * clock.advance(100);
 * actor.getSnapshot().value; // 'idle'
 * ```
 */
export function createActor<TContext, TEvent extends EventObject, TValue extends string>(
  machine: StateMachine<TContext, TEvent, TValue>,
  options: ActorOptions<TContext, TValue> = {},
): Actor<TContext, TEvent, TValue> {
  // Development only (bundlers drop these checks from production builds), like the config validation. The
  // cheap test comes first, so a correct call never reads `process.env` (slow in Node: it is not a plain object);
  // it is a pure-annotated call of an inline function, so that production bundles drop it with the rest.
  if (
    !(
      /* @__PURE__ */ ((m: unknown, o: ActorOptions<TContext, TValue> | null) =>
        m instanceof StateMachine &&
        typeof o === 'object' &&
        o !== null &&
        (o.clock === undefined || (typeof o.clock?.setTimeout === 'function' && typeof o.clock.now === 'function')))(
        machine,
        options,
      )
    ) &&
    (typeof process === 'undefined' ? false : process.env.NODE_ENV !== 'production')
  ) {
    if (!(machine instanceof StateMachine)) throw expected('machine', 'a machine made by createMachine', machine);
    if (typeof options !== 'object' || options === null) throw expected('options', 'an object', options);
    throw expected('options.clock', 'a Clock (now, setTimeout, clearTimeout)', options.clock);
  }
  return new Actor(machine, options);
}
