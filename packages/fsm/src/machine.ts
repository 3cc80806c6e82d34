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
    // Whole segments: 'a.b' matches 'a' and 'a.b', not 'a.' or 'a.bc' (shorter than comparing characters).
    return `${this.value}.`.startsWith(`${path}.`);
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

/** The state and result of one step that took a transition. @internal */
export interface Step {
  leaf_: StateNode;
  context_: unknown;
  /** The snapshot the step ends in. */
  next_: MachineSnapshot<unknown, string> | null;
  actions_: ExecutableAction<unknown, EventObject>[] | null;
  /**
   * The outermost state that stayed active through the step (null if no transition had a target): the states
   * below it on the chain of the previous leaf were exited, those below it on the chain of the new leaf entered.
   * The actor cancels and schedules the delays of those (a state entered and left within the step gets none).
   */
  domain_: StateNode | null;
}

const newStep = (leaf: StateNode, context: unknown): Step => ({
  leaf_: leaf,
  context_: context,
  actions_: null,
  domain_: null,
  next_: null,
});

/**
 * @internal One macrostep: the enabled transition for `event`, then eventless transitions until none is
 * enabled. Returns null when no transition is enabled (nothing is allocated then), else the step: the next
 * snapshot (the same one when nothing changed) and the actions to run. The event must already be checked.
 */
export function step<TContext, TValue extends string>(
  snapshot: MachineSnapshot<TContext, TValue>,
  event: EventObject,
): (Step & { next_: MachineSnapshot<TContext, TValue> }) | null {
  const t = selectFor(snapshot, event);
  if (!t) return null;
  const s = newStep(nodeOf(snapshot), snapshot.context);
  take(t, event, s);
  settle(s, event);
  s.next_ = s.domain_ || s.context_ !== snapshot.context ? snapshotOf(s) : snapshot;
  return s as Step & { next_: MachineSnapshot<TContext, TValue> };
}

/** Throws the `TypeError` for a malformed event. @internal */
export function checkEvent(event: unknown): asserts event is EventObject {
  // Also rejects primitives: a string has no `type`. Functions are objects here.
  if (typeof (event as EventObject | null)?.type !== 'string') {
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
  readonly #nodes = new Map<string, StateNode>();

  /** @internal */
  constructor(id: string, config: Record<string, unknown>) {
    this.id = id;
    const root = compileMachine(config, id, this.#nodes);
    this.root_ = root;
    const s = newStep(root, config.context);
    // The initial entry: the root, then down the `initial`s.
    for (let node: StateNode | null = root; node; node = node.initial_) {
      runActions(node.entry_, INIT_EVENT, s);
      s.leaf_ = node;
    }
    settle(s, INIT_EVENT);
    this.initialSnapshot = snapshotOf(s);
    // Not the frozen NONE: `for…of` is slower on frozen arrays.
    this.initialActions = (s.actions_ ?? []) as this['initialActions'];
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
    const from = this.resolveSnapshot(snapshot);
    const s = step(from, event);
    return {
      snapshot: s?.next_ ?? from,
      actions: (s?.actions_ ?? []) as TransitionResult<TContext, TValue, TEvent>['actions'],
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
    if (node?.initial_ !== null) throw expected('snapshot.value', `a state of machine "${this.id}"`, snapshot?.value);
    const status = snapshot.status;
    if (!['active', 'done', 'stopped'].includes(status))
      throw expected('snapshot.status', 'active, done or stopped', status);
    return new MachineSnapshot(node, snapshot.context, status);
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

/** The first enabled transition for `event` in `snapshot`, or null. @internal */
export const selectFor = (snapshot: MachineSnapshot<unknown, string>, event: EventObject): Transition | null =>
  snapshot.status === 'active' ? select(nodeOf(snapshot), snapshot.context, event, event.type) : null;

/** The first transition for `type` (null: eventless) whose guard passes, in the leaf's `on_` first, then its ancestors'. */
function select(leaf: StateNode, context: unknown, event: EventObject, type: string | null): Transition | null {
  for (let n: StateNode | null = leaf; n; n = n.parent_) {
    const candidates = type === null ? n.always_ : n.on_.get(type);
    if (candidates)
      for (let i = 0; i < candidates.length; i++) {
        const t = candidates[i] as Transition;
        if (!t.guard_ || t.guard_(context, event) === true) return t;
      }
  }
  return null;
}

function runActions(actions: readonly CompiledAction[], event: EventObject, s: Step): void {
  // Indexed: a for…of costs a few percent per step here, mostly on the many empty lists.
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i] as CompiledAction;
    const assigner = action[ASSIGNER];
    if (assigner) {
      s.context_ = Object.assign({}, s.context_, assigner(s.context_, event));
    } else {
      s.actions_ ??= [];
      s.actions_.push(new ExecutableAction(action, s.context_, event));
    }
  }
}

function take(t: Transition, event: EventObject, s: Step): void {
  const leaf = t.leaf_;
  // A targetless transition exits and enters nothing.
  if (leaf) {
    const domain = t.domain_;
    for (let n = s.leaf_ as StateNode; n !== domain; n = n.parent_ as StateNode) runActions(n.exit_, event, s);
    // Both domains are ancestors of the current leaf: the shorter path is the outer one.
    // (False for a null `s.domain_` too: `undefined <= n`.)
    if (!((s.domain_?.path_.length as number) <= domain.path_.length)) s.domain_ = domain;
    s.leaf_ = leaf;
  }
  // The transition's actions and the entry actions (compiled into one list).
  runActions(t.actions_, event, s);
}

function settle(s: Step, event: EventObject): void {
  for (let steps = 0; ; steps++) {
    const leaf = s.leaf_ as StateNode;
    const t = leaf.done_ || !leaf.root_.eventless_ ? null : select(leaf, s.context_, event, null);
    if (!t) return;
    // 100 in a row: the machine would loop forever (a literal: minifiers do not inline module constants).
    if (steps === 100) throw new EventlessLoopError(leaf.path_, steps);
    take(t, event, s);
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
  // (An array gets no further here: it has no `states`.)
  if (typeof config !== 'object' || !config) {
    throw expected('config', 'a machine config object', config);
  }
  // The id's type is checked in development, like the rest of the config's shape.
  const name = ((config as { id?: string }).id as string) || 'machine';
  // Development only (bundlers drop this block from production builds): report every problem at once. In
  // production the compiler still throws for the first cheap-to-catch problem. The `typeof process` test keeps
  // this safe where there is no `process` (a browser without a bundler), which then runs the production path;
  // written as a conditional (not `typeof process !== 'undefined' && …`), bundlers drop the guard with the
  // block instead of leaving the `typeof` test behind. Every developer check in this package is guarded so.
  if (typeof process === 'undefined' ? false : process.env.NODE_ENV !== 'production') {
    const problems = validateConfig(config as Record<string, unknown>);
    if (problems.length > 0) throw new MachineConfigError(name, problems);
  }
  return new StateMachine(name, config as Record<string, unknown>);
}
