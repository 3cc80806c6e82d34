import { type Clock, describe, systemClock, type TimerHandle } from '@weft/reactor';
import type { Delay, StateNode } from './compile';
import { checkEvent, type ExecutableAction, MachineSnapshot, StateMachine } from './machine';
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

interface TimerRecord {
  readonly node: StateNode;
  readonly delay: Delay;
  readonly deadline: number;
  handle: TimerHandle | null;
}

interface PausedDelay {
  readonly node: StateNode;
  readonly delay: Delay;
  readonly remainingMs: number;
}

/**
 * A running instance of a machine: it holds the current snapshot, runs actions, schedules delayed transitions
 * on its clock and notifies subscribers. Events sent while it handles one (from an action or a subscriber)
 * are queued and handled in order afterwards; events sent before `start()` wait for it.
 */
export class Actor<TContext, TEvent extends EventObject, TValue extends string> {
  /** The machine this actor runs. */
  readonly machine: StateMachine<TContext, TEvent, TValue>;
  readonly #clock: Clock;
  #snapshot: MachineSnapshot<TContext, TValue>;
  #started = false;
  /** True while an event is being handled, and before start: sends are queued meanwhile. */
  #busy = true;
  #queue: EventObject[] | null = null;
  #listeners: SnapshotListener<TContext, TValue>[] | null = null;
  #timers: TimerRecord[] | null = null;
  /** Delays to schedule on start (restored), or what remained of them when stopped. */
  #paused: PausedDelay[] | null = null;
  #restored: boolean;

  /** @internal */
  constructor(machine: StateMachine<TContext, TEvent, TValue>, options: ActorOptions<TContext, TValue>) {
    this.machine = machine;
    this.#clock = options.clock ?? systemClock;
    if (options.snapshot === undefined) {
      this.#snapshot = machine.initialSnapshot;
      this.#restored = false;
    } else {
      this.#snapshot = machine.resolveSnapshot(options.snapshot);
      this.#restored = true;
      this.#paused = restoreDelays(
        machine as unknown as StateMachine<TContext, EventObject, TValue>,
        this.#snapshot,
        options.snapshot,
        options.elapsedMs ?? 0,
      );
      if (this.#snapshot.status === 'stopped') {
        this.#snapshot = new MachineSnapshot(machine.nodeOf(this.#snapshot), this.#snapshot.context, 'active');
      }
    }
  }

  /**
   * Starts the actor: runs the initial entry actions (not for a restored snapshot), schedules the delayed
   * transitions of the active states and handles the events sent before. Returns the actor; idempotent.
   */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    if (this.#snapshot.status === 'active') {
      if (this.#restored) {
        const paused = this.#paused;
        this.#paused = null;
        if (paused !== null) for (const p of paused) this.#schedule(p.node, p.delay, p.remainingMs);
      } else {
        const actions = this.machine.initialActions;
        this.#scheduleActive();
        this.#run(actions as readonly ExecutableAction<unknown, EventObject>[]);
      }
    }
    this.#busy = false;
    const queue = this.#queue;
    if (queue !== null && queue.length > 0) this.#process(queue.shift() as EventObject);
    return this;
  }

  /**
   * Sends an event. Throws a `TypeError` for anything that is not an object with a string `type`. Ignored once
   * the actor is done or stopped.
   */
  send(event: TEvent): void {
    checkEvent(event);
    if (this.#busy) {
      if (this.#queue === null) this.#queue = [event];
      else this.#queue.push(event);
      return;
    }
    if (this.#snapshot.status !== 'active') return;
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
    if (typeof listener !== 'function') {
      throw new TypeError(`listener: expected a function, got ${describe(listener)}`);
    }
    // Copy on write: a listener that unsubscribes (or subscribes) while being notified is safe.
    this.#listeners = this.#listeners === null ? [listener] : [...this.#listeners, listener];
    return () => {
      const listeners = this.#listeners;
      if (listeners === null) return;
      const rest = listeners.filter((l) => l !== listener);
      this.#listeners = rest.length === 0 ? null : rest;
    };
  }

  /**
   * Stops the actor: cancels its timers (remembering what remained of them for `getPersistedSnapshot()`),
   * drops queued events, notifies subscribers of the `'stopped'` snapshot and removes them.
   */
  stop(): void {
    const snapshot = this.#snapshot;
    if (snapshot.status === 'stopped') return;
    this.#paused = this.#pending();
    this.#cancelAll();
    this.#started = true;
    this.#busy = false;
    this.#queue = null;
    this.#snapshot = new MachineSnapshot(this.machine.nodeOf(snapshot), snapshot.context, 'stopped');
    const listeners = this.#listeners;
    this.#listeners = null;
    if (listeners !== null) for (const l of listeners) l(this.#snapshot);
  }

  /** True if the active state is `path` or inside it (`matches('halfOpen')` in `'halfOpen.probing'`). */
  matches(path: TValue): boolean {
    return this.#snapshot.matches(path);
  }

  /** True if `event` would take a transition now (guards are evaluated; nothing runs). */
  can(event: TEvent): boolean {
    checkEvent(event);
    return this.machine.select(this.#snapshot, event) !== null;
  }

  /**
   * The snapshot as plain JSON: `{ value, context, status, delayed }`, where `delayed` lists the pending
   * delayed transitions with their remaining time. Restore it with `createActor(machine, { snapshot })`.
   */
  getPersistedSnapshot(): PersistedSnapshot<TContext, TValue> {
    const snapshot = this.#snapshot;
    const delayed = this.#pending().map(
      (p): PersistedDelay => ({
        state: p.node.path === '' ? '#' : p.node.path,
        delayMs: p.delay.ms,
        remainingMs: p.remainingMs,
      }),
    );
    return { value: snapshot.value, context: snapshot.context, status: snapshot.status, delayed };
  }

  /** The pending delayed transitions with their remaining time: running, paused, or not started yet. */
  #pending(): PausedDelay[] {
    if (this.#timers !== null) {
      const now = this.#clock.now();
      return this.#timers.map((t) => ({ node: t.node, delay: t.delay, remainingMs: Math.max(0, t.deadline - now) }));
    }
    if (this.#paused !== null) return this.#paused;
    if (!this.#started && !this.#restored && this.#snapshot.status === 'active') {
      return activeDelays(this.machine.nodeOf(this.#snapshot));
    }
    return [];
  }

  #process(first: EventObject): void {
    this.#busy = true;
    try {
      let event: EventObject | undefined = first;
      while (event !== undefined) {
        this.#handle(event);
        if (this.#snapshot.status !== 'active') {
          this.#queue = null;
          break;
        }
        event = this.#queue?.shift();
      }
    } catch (error) {
      this.#queue = null;
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  #handle(event: EventObject): void {
    const machine = this.machine;
    const previous = this.#snapshot;
    const next = machine.step(previous, event);
    const step = machine.last;
    const actions = step.actions;
    if (machine.timed) {
      for (const node of step.exited) this.#cancel(node);
      for (const node of step.entered) this.#scheduleNode(node);
    }
    this.#snapshot = next;
    if (next.status === 'done') this.#cancelAll();
    if (actions !== null) this.#run(actions);
    if (next !== previous) {
      const listeners = this.#listeners;
      if (listeners !== null)
        for (let i = 0; i < listeners.length; i++) (listeners[i] as SnapshotListener<TContext, TValue>)(next);
    }
  }

  #run(actions: readonly ExecutableAction<unknown, EventObject>[]): void {
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i] as ExecutableAction<unknown, EventObject>;
      a.action(a.context, a.event);
    }
  }

  #scheduleActive(): void {
    for (const p of activeDelays(this.machine.nodeOf(this.#snapshot))) this.#schedule(p.node, p.delay, p.remainingMs);
  }

  #scheduleNode(node: StateNode): void {
    for (const delay of node.after as Delay[]) this.#schedule(node, delay, delay.ms);
  }

  #schedule(node: StateNode, delay: Delay, ms: number): void {
    const record: TimerRecord = { node, delay, deadline: this.#clock.now() + ms, handle: null };
    record.handle = this.#clock.setTimeout(() => this.#fire(record), ms);
    if (this.#timers === null) this.#timers = [record];
    else this.#timers.push(record);
  }

  #fire(record: TimerRecord): void {
    const timers = this.#timers;
    const index = timers === null ? -1 : timers.indexOf(record);
    if (index === -1) return;
    (timers as TimerRecord[]).splice(index, 1);
    if (this.#busy) {
      if (this.#queue === null) this.#queue = [record.delay.event];
      else this.#queue.push(record.delay.event);
    } else if (this.#snapshot.status === 'active') {
      this.#process(record.delay.event);
    }
  }

  #cancel(node: StateNode): void {
    const timers = this.#timers;
    if (timers === null) return;
    for (let i = timers.length - 1; i >= 0; i--) {
      const t = timers[i] as TimerRecord;
      if (t.node === node) {
        this.#clock.clearTimeout(t.handle);
        timers.splice(i, 1);
      }
    }
  }

  #cancelAll(): void {
    if (this.#timers === null) return;
    for (const t of this.#timers) this.#clock.clearTimeout(t.handle);
    this.#timers = null;
  }
}

/** Every delay of the active states, outermost first, at its full length. */
function activeDelays(leaf: StateNode): PausedDelay[] {
  const delays: PausedDelay[] = [];
  for (let n: StateNode | null = leaf; n !== null; n = n.parent) {
    if (n.after !== null) for (const delay of n.after) delays.unshift({ node: n, delay, remainingMs: delay.ms });
  }
  return delays;
}

function restoreDelays<TContext, TValue extends string>(
  machine: StateMachine<TContext, EventObject, TValue>,
  snapshot: MachineSnapshot<TContext, TValue>,
  given: PersistedSnapshot<TContext, TValue> | MachineSnapshot<TContext, TValue>,
  elapsedMs: number,
): PausedDelay[] | null {
  if (typeof elapsedMs !== 'number' || !Number.isFinite(elapsedMs) || elapsedMs < 0) {
    throw new RangeError(`options.elapsedMs: expected a finite number of ms >= 0, got ${describe(elapsedMs)}`);
  }
  const leaf = machine.nodeOf(snapshot);
  if (given instanceof MachineSnapshot) return activeDelays(leaf);
  const list: unknown = (given as { delayed?: unknown }).delayed;
  if (list === undefined) return activeDelays(leaf);
  if (!Array.isArray(list)) {
    throw new TypeError(`options.snapshot.delayed: expected an array, got ${describe(list)}`);
  }
  const delays: PausedDelay[] = [];
  list.forEach((entry: unknown, i) => {
    const where = `options.snapshot.delayed[${i}]`;
    const { state, delayMs, remainingMs } = (entry ?? {}) as Partial<PersistedDelay>;
    let node: StateNode | null = leaf;
    while (node !== null && (node.path === '' ? '#' : node.path) !== state) node = node.parent;
    const delay = node?.after?.find((d) => d.ms === delayMs);
    if (node === null || delay === undefined) {
      throw new TypeError(`${where}: no delay of ${describe(delayMs)} ms on active state ${describe(state)}`);
    }
    if (typeof remainingMs !== 'number' || !Number.isFinite(remainingMs) || remainingMs < 0) {
      throw new TypeError(`${where}.remainingMs: expected a finite number >= 0, got ${describe(remainingMs)}`);
    }
    delays.push({ node, delay, remainingMs: Math.max(0, remainingMs - elapsedMs) });
  });
  // Timers with equal delays fire in scheduling order, so scheduling by remaining time keeps deadline order.
  return delays.sort((a, b) => a.remainingMs - b.remainingMs);
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
  if (!(machine instanceof StateMachine)) {
    throw new TypeError(`machine: expected a machine made by createMachine, got ${describe(machine)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options: expected an object, got ${describe(options)}`);
  }
  const clock = options.clock;
  if (
    clock !== undefined &&
    (typeof clock !== 'object' ||
      clock === null ||
      typeof clock.setTimeout !== 'function' ||
      typeof clock.now !== 'function')
  ) {
    throw new TypeError(`options.clock: expected a Clock (now, setTimeout, clearTimeout), got ${describe(clock)}`);
  }
  return new Actor(machine, options);
}
