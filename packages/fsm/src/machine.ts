import { ASSIGNER } from './assign';
import { type CompiledAction, compileMachine, type StateNode, type Transition } from './compile';
import { EventlessLoopError, expected, MachineConfigError } from './errors';
import type {
  EventFor,
  EventObject,
  MachineConfig,
  MachineContext,
  MachineTypes,
  PersistedSnapshot,
  SnapshotStatus,
  StateTree,
  StateValueOf,
  SystemEvent,
} from './types';
import { validateConfig } from './validate';

/** Eventless transitions taken in a row before the machine gives up with {@link EventlessLoopError}. */
const MAX_EVENTLESS_STEPS = 100;

const STATUSES: readonly SnapshotStatus[] = ['active', 'done', 'stopped'];
const NO_ACTIONS: readonly never[] = Object.freeze([]);
const INIT_EVENT: SystemEvent = Object.freeze({ type: 'weft.init' });

/** The state node of a snapshot (`undefined` for anything else). @internal */
export let nodeOf: (snapshot: MachineSnapshot<unknown, string>) => StateNode;

/**
 * An immutable state of a machine: the active state's dotted path (`value`), the `context` and the `status`.
 * Snapshots serialise to `{ value, context, status }` with `JSON.stringify`.
 */
export class MachineSnapshot<TContext, TValue extends string> {
  /** The active (innermost) state's dotted path, e.g. `'halfOpen.probing'`. */
  declare readonly value: TValue;
  /** The context; replaced, never mutated, by `assign`. */
  declare readonly context: TContext;
  /** `'done'` once a top-level final state is reached; `'stopped'` once the actor was stopped. */
  declare readonly status: SnapshotStatus;
  readonly #node: StateNode;

  /** @internal */
  constructor(node: StateNode, context: TContext, status: SnapshotStatus) {
    this.value = node.path_ as TValue;
    this.context = context;
    this.status = status;
    this.#node = node;
  }

  static {
    nodeOf = (snapshot) => snapshot.#node;
  }

  /**
   * True if `path` is the active state or one of its ancestors: in `'halfOpen.probing'`,
   * `matches('halfOpen')` and `matches('halfOpen.probing')` are both true.
   */
  matches(path: TValue): boolean {
    const value: string = this.value;
    return value === path || (value.charCodeAt(path.length) === 46 && value.startsWith(path));
  }
}

/** A side-effect action of a transition, with the context and event it is to be called with. */
export class ExecutableAction<TContext = unknown, TEvent = unknown> {
  /** The configured action (declared as a method so machines stay assignable to `StateMachine<unknown, …>`). */
  declare readonly action: { run(context: TContext, event: TEvent): void }['run'];
  /** The context at this point of the transition (after the `assign`s that came before it). */
  declare readonly context: TContext;
  /** The event that caused the transition. */
  declare readonly event: TEvent;
  /** @internal */
  constructor(action: ExecutableAction<TContext, TEvent>['action'], context: TContext, event: TEvent) {
    this.action = action;
    this.context = context;
    this.event = event;
  }
  /** Runs the action: `action(context, event)`. */
  exec(): void {
    this.action(this.context, this.event);
  }
}

/** What `machine.transition` returns: the next snapshot and the side effects to run, in order. */
export interface TransitionResult<TContext, TValue extends string, TEvent> {
  /** The next snapshot: the very same object when no transition was enabled or nothing changed. */
  readonly snapshot: MachineSnapshot<TContext, TValue>;
  /** Exit actions (innermost state first), transition actions, then entry actions (outermost first). */
  readonly actions: readonly ExecutableAction<TContext, TEvent | SystemEvent>[];
}

/**
 * The scratch state of one step. The machine reuses one (a step never yields), so sending an event that
 * changes nothing allocates nothing; a re-entrant step (a guard that sends) gets its own.
 * @internal
 */
export class Step {
  leaf_: StateNode | null = null;
  context_: unknown = undefined;
  actions_: ExecutableAction<unknown, EventObject>[] | null = null;
  /** States with `after` exited and entered during the step, for the actor's timers. */
  readonly exited_: StateNode[] = [];
  readonly entered_: StateNode[] = [];
}

/** Throws the `TypeError` for a malformed event. @internal */
export function checkEvent(event: unknown): asserts event is EventObject {
  if (typeof event !== 'object' || event === null || typeof (event as EventObject).type !== 'string') {
    throw expected('event', 'an object with a string "type"', event);
  }
}

/**
 * A compiled state machine: a pure function from (snapshot, event) to the next snapshot and its actions.
 * Make one with {@link createMachine}; run it with `createActor`.
 */
export class StateMachine<TContext, TEvent extends EventObject, TValue extends string> {
  /** The machine's id (from the config; `'machine'` by default). */
  declare readonly id: string;
  /** The snapshot a fresh actor starts in (after the initial entry actions and eventless transitions). */
  declare readonly initialSnapshot: MachineSnapshot<TContext, TValue>;
  /** The side effects of entering the initial state; a fresh actor runs them on `start()`. */
  declare readonly initialActions: readonly ExecutableAction<TContext, TEvent | SystemEvent>[];
  /** @internal */
  declare readonly root_: StateNode;
  /** @internal The step scratch of the last `step`, read by the actor right after the call. */
  last_: Step = new Step();
  readonly #nodes = new Map<string, StateNode>();
  #scratch: Step = this.last_;
  #busy = false;

  /** @internal */
  constructor(id: string, config: Record<string, unknown>) {
    this.id = id;
    const root = compileMachine(config, id, this.#nodes);
    this.root_ = root;
    const step = this.#scratch;
    step.context_ = config.context;
    // The initial entry: the root, then down the `initial`s.
    for (let node: StateNode | null = root; node !== null; node = node.initial_) {
      runActions(node.entry_, INIT_EVENT, step);
      step.leaf_ = node;
    }
    settle(step, INIT_EVENT);
    this.initialSnapshot = snapshotOf(step);
    this.initialActions = (step.actions_ ?? NO_ACTIONS) as this['initialActions'];
    step.actions_ = null;
  }

  /**
   * Computes the next snapshot and the actions to run, without running them (pure, apart from what guards and
   * `assign` functions do). With no enabled transition the same snapshot object is returned.
   *
   * @example
   * ```ts
   * const { snapshot, actions } = machine.transition(machine.initialSnapshot, { type: 'FAIL' });
   * for (const action of actions) action.exec();
   * ```
   */
  transition(
    snapshot: MachineSnapshot<TContext, TValue> | PersistedSnapshot<TContext, TValue>,
    event: TEvent | SystemEvent,
  ): TransitionResult<TContext, TValue, TEvent> {
    checkEvent(event);
    const next = this.step_(this.resolveSnapshot(snapshot), event);
    return {
      snapshot: next,
      actions: (this.last_.actions_ ?? NO_ACTIONS) as TransitionResult<TContext, TValue, TEvent>['actions'],
    };
  }

  /**
   * Turns a persisted snapshot (plain JSON) back into a snapshot of this machine, checking its state.
   * Snapshots made by this machine are returned as they are.
   */
  resolveSnapshot(
    snapshot: MachineSnapshot<TContext, TValue> | PersistedSnapshot<TContext, TValue>,
  ): MachineSnapshot<TContext, TValue> {
    if (snapshot instanceof MachineSnapshot && nodeOf(snapshot).root_ === this.root_) return snapshot;
    const node = this.#nodes.get(snapshot?.value);
    if (node?.children_ !== null) throw expected('snapshot.value', `a state of machine "${this.id}"`, snapshot?.value);
    const status = snapshot.status;
    if (!STATUSES.includes(status)) throw expected('snapshot.status', STATUSES.join(', '), status);
    return new MachineSnapshot(node, snapshot.context, status);
  }

  /** @internal The first enabled transition for `event`, or null. */
  select_(snapshot: MachineSnapshot<TContext, TValue>, event: EventObject): Transition | null {
    if (snapshot.status !== 'active') return null;
    // The leaf's transitions first, then its ancestors'.
    for (let n = nodeOf(snapshot) as StateNode | null; n !== null; n = n.parent_) {
      const t = enabled(n.on_?.get(event.type), snapshot.context, event);
      if (t !== null) return t;
    }
    return null;
  }

  /**
   * @internal One macrostep: the enabled transition for `event`, then eventless transitions until none is
   * enabled. Side effects land in `this.last.actions`. The event must already be checked.
   */
  step_(snapshot: MachineSnapshot<TContext, TValue>, event: EventObject): MachineSnapshot<TContext, TValue> {
    const reentrant = this.#busy;
    const step = reentrant ? new Step() : this.#scratch;
    this.#busy = true;
    try {
      step.actions_ = null;
      if (step.exited_.length !== 0) step.exited_.length = 0;
      if (step.entered_.length !== 0) step.entered_.length = 0;
      const transition = this.select_(snapshot, event);
      if (transition === null) return snapshot;
      const leaf = nodeOf(snapshot);
      step.leaf_ = leaf;
      step.context_ = snapshot.context;
      take(transition, event, step);
      settle(step, event);
      return step.leaf_ === leaf && step.context_ === snapshot.context && transition.target_ === null
        ? snapshot
        : snapshotOf(step);
    } finally {
      this.#busy = reentrant;
      this.last_ = step;
    }
  }
}

/** The same state and context with another status. @internal */
export const withStatus = <TContext, TValue extends string>(
  snapshot: MachineSnapshot<TContext, TValue>,
  status: SnapshotStatus,
): MachineSnapshot<TContext, TValue> => new MachineSnapshot(nodeOf(snapshot), snapshot.context, status);

function snapshotOf<TContext, TValue extends string>(step: Step): MachineSnapshot<TContext, TValue> {
  const leaf = step.leaf_ as StateNode;
  return new MachineSnapshot(leaf, step.context_ as TContext, leaf.done_ ? 'done' : 'active');
}

/** The first of `candidates` whose guard passes, or null. */
function enabled(
  candidates: readonly Transition[] | null | undefined,
  context: unknown,
  event: EventObject,
): Transition | null {
  if (candidates)
    for (let i = 0; i < candidates.length; i++) {
      const t = candidates[i] as Transition;
      if (t.guard_ === undefined || t.guard_(context, event) === true) return t;
    }
  return null;
}

function runActions(actions: readonly CompiledAction[] | null, event: EventObject, step: Step): void {
  if (actions === null) return;
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i] as CompiledAction;
    const assigner = action[ASSIGNER];
    if (assigner !== undefined) {
      step.context_ = { ...(step.context_ as object), ...assigner(step.context_, event) };
    } else {
      const bound = new ExecutableAction(action, step.context_, event);
      if (step.actions_ === null) step.actions_ = [bound];
      else step.actions_.push(bound);
    }
  }
}

function take(t: Transition, event: EventObject, step: Step): void {
  // A targetless transition exits and enters nothing.
  if (t.leaf_ === null) {
    runActions(t.actions_, event, step);
    return;
  }
  for (let n = step.leaf_ as StateNode; n !== t.domain_; n = n.parent_ as StateNode) {
    runActions(n.exit_, event, step);
    if (n.after_ !== null) {
      // A state entered and left within one macrostep never gets its timers.
      const index = step.entered_.indexOf(n);
      if (index === -1) step.exited_.push(n);
      else step.entered_.splice(index, 1);
    }
  }
  runActions(t.actions_, event, step);
  const entry = t.entry_;
  for (let i = 0; i < entry.length; i++) {
    const n = entry[i] as StateNode;
    runActions(n.entry_, event, step);
    if (n.after_ !== null) step.entered_.push(n);
  }
  step.leaf_ = t.leaf_;
}

function settle(step: Step, event: EventObject): void {
  for (let steps = 0; ; steps++) {
    const leaf = step.leaf_ as StateNode;
    if (leaf.done_) return;
    let t: Transition | null = null;
    for (let n: StateNode | null = leaf; t === null && n !== null; n = n.parent_) {
      t = enabled(n.eventless_, step.context_, event);
    }
    if (t === null) return;
    if (steps === MAX_EVENTLESS_STEPS) throw new EventlessLoopError(leaf.path_, steps);
    take(t, event, step);
  }
}

/**
 * Compiles and validates a machine config, declaring its events with `types`: guards, actions and `assign` see
 * the declared event of each `on` key, payload included, and `send` accepts only the declared events.
 *
 * @example
 * ```ts
 * import { assign, createMachine } from '@weft/fsm';
 *
 * type BreakerEvent = { type: 'FAIL'; error: Error } | { type: 'RESET' };
 * const breaker = createMachine({
 *   types: {} as { events: BreakerEvent; context: { lastError: Error | null } },
 *   initial: 'closed',
 *   context: { lastError: null },
 *   states: {
 *     closed: { on: { FAIL: { target: 'open', actions: assign((_ctx, event) => ({ lastError: event.error })) } } },
 *     open: { on: { RESET: 'closed' } },
 *   },
 * });
 * ```
 */
export function createMachine<
  TContext extends MachineContext,
  TEvent extends EventObject,
  TType extends string,
  const TTree,
>(
  config: MachineConfig<TContext, TType, TEvent> & {
    readonly types: MachineTypes<TContext, TEvent>;
    readonly states: StateTree<TTree>;
  },
): StateMachine<TContext, TEvent, StateValueOf<TTree>>;
/**
 * Compiles and validates a machine config. State names, event types and the context type are inferred from
 * the config, so `actor.send({ type: 'NOPE' })` does not compile when no state handles `NOPE` (declare the events
 * with `types` to type their payloads too).
 *
 * In development every problem of the config is reported at once, each with its path, in one
 * {@link MachineConfigError}; in production only the first of the problems that are cheap to catch.
 *
 * @example
 * ```ts
 * import { assign, createActor, createMachine } from '@weft/fsm';
 *
 * const light = createMachine({
 *   id: 'light',
 *   initial: 'green',
 *   context: { cycles: 0 },
 *   states: {
 *     green: { after: { 30_000: 'yellow' } },
 *     yellow: { after: { 5_000: 'red' } },
 *     red: { on: { NEXT: { target: 'green', actions: assign((ctx) => ({ cycles: ctx.cycles + 1 })) } } },
 *   },
 * });
 * const actor = createActor(light).start();
 * actor.getSnapshot().value; // 'green'
 * ```
 */
export function createMachine<
  TContext extends MachineContext = undefined,
  TType extends string = never,
  const TTree = unknown,
>(
  config: MachineConfig<TContext, TType> & { readonly states: StateTree<TTree> },
): StateMachine<TContext, EventFor<TType>, StateValueOf<TTree>>;
// biome-ignore lint/suspicious/noExplicitAny: the implementation signature is not public; the overloads type it.
export function createMachine(config: unknown): StateMachine<any, EventObject, string> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw expected('config', 'a machine config object', config);
  }
  const raw = config as unknown as Record<string, unknown>;
  // The id's type is checked in development, like the rest of the config's shape.
  const name = (raw.id as string) || 'machine';
  // Development only (bundlers drop this block from production builds): report every problem at once. In
  // production the compiler still throws for the first cheap-to-catch problem. The `typeof process` test keeps
  // this safe where there is no `process` (a browser without a bundler), which then runs the production path;
  // written as a conditional (not `typeof process !== 'undefined' && …`), bundlers drop the guard with the
  // block instead of leaving the `typeof` test behind. Every developer check in this package is guarded so.
  if (typeof process === 'undefined' ? false : process.env.NODE_ENV !== 'production') {
    const problems = validateConfig(raw);
    if (problems.length > 0) throw new MachineConfigError(name, problems);
  }
  return new StateMachine(name, raw);
}
