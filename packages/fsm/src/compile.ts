import { describe } from '@weft/reactor';
import { ASSIGNER, type Assigner } from './assign';
import { MachineConfigError } from './errors';
import type { EventObject } from './types';

// The config is compiled once, at createMachine time, into a tree of StateNodes whose transitions already
// point at their target nodes and carry their precomputed entry paths. Sending an event is then a map
// lookup, a few guard calls and two short loops, with no string parsing or tree search.
//
// This compiler trusts the config's shape: in development `createMachine` runs the exhaustive validator
// (validate.ts) first. In production only the mistakes that are cheap to catch here throw (missing states,
// an unknown initial state or target, a bad delay), with the first one's path.

/** A configured action; one made by `assign` carries its assigner, which the machine applies instead. @internal */
export interface CompiledAction {
  (context: unknown, event: EventObject): void;
  readonly [ASSIGNER]?: Assigner<unknown, EventObject>;
}

/** A delayed transition of a state's `after`. @internal */
export interface Delay {
  /** The state whose `after` this is. */
  readonly node_: StateNode;
  /** The state's path as persisted snapshots write it (`'#'` for the root). */
  readonly state_: string;
  readonly ms_: number;
  /** The event the timer sends; one frozen object per delay, so firing allocates nothing. */
  readonly event_: EventObject;
}

/** A resolved transition. @internal */
export interface Transition {
  readonly target_: StateNode | null;
  readonly guard_: ((context: unknown, event: EventObject) => boolean) | undefined;
  /**
   * The transition's actions, then the entry actions of the states it enters (outermost first, down to the leaf
   * reached through `initial`s): one list, compiled once.
   */
  readonly actions_: readonly CompiledAction[];
  /** States are exited from the active leaf up to (excluding) this one. */
  readonly domain_: StateNode;
  /** The active leaf after the transition (`undefined` without a target: the leaf stays). */
  readonly leaf_: StateNode | undefined;
}

/** A compiled state. @internal */
export interface StateNode {
  /** Dotted path from the root (`'halfOpen.probing'`); `''` for the root. */
  readonly path_: string;
  /** Its path in the config (`'states.a.states.b'`), for error messages. */
  readonly where_: string;
  readonly parent_: StateNode | null;
  /** The machine's root, to tell this machine's snapshots from another's in O(1). */
  root_: StateNode;
  readonly final_: boolean;
  /** A final state directly under the root: entering it makes the machine done. */
  readonly done_: boolean;
  readonly entry_: readonly CompiledAction[];
  readonly exit_: readonly CompiledAction[];
  /** Empty for an atomic state (whose `initial_` is null). */
  children_: StateNode[];
  initial_: StateNode | null;
  /** Own transitions by event type, in config order, and by the event type of each of its delays. */
  on_: Map<string, Transition[]>;
  /** `always`; for a final state, its parent's `onDone` (null when none: checked after every transition). */
  always_: Transition[] | null;
  /**
   * On the root: whether any state has eventless transitions (`always`, or `onDone` on final children). Without,
   * a step does not walk the active chain looking for them after each transition.
   */
  eventless_?: true;
  /** The delays of this state and its ancestors, outermost first (the order their timers are scheduled in). */
  delays_: readonly Delay[];
}

// biome-ignore lint/suspicious/noExplicitAny: the config's shape is checked by the validator (in development).
type Raw = Record<string, any>;

/** `where.key`, or `key` at the top. @internal */
export const at = (where: string, key: string): string => (where ? `${where}.${key}` : key);

/** A value, or each item of an array, as an array (nothing for `undefined`). @internal */
export const list = (value: unknown): unknown[] => [value ?? []].flat();

/** The path of the state `target` names, written in the state at `source` under `parent`. @internal */
export const targetPath = (source: string, parent: string, target: string): string =>
  target[0] === '#' ? target.slice(1) : target[0] === '.' ? at(source, target.slice(1)) : at(parent, target);

/** The problem of a name that is not a state. @internal */
export const unknownState = (name: unknown): string => `unknown state ${describe(name)}`;

/** The delay an `after` key stands for, or `undefined` if it is not a finite number of ms >= 0. @internal */
export const delayOf = (key: string): number | undefined => {
  const ms = key.trim() && Number(key); // '' (not 0) for a blank key
  return isDelay(ms) ? ms : undefined;
};

/** True for a finite number >= 0. @internal */
export const isDelay = (ms: unknown): ms is number => Number.isFinite(ms) && (ms as number) >= 0;

/** What an `after` key or another delay must be. @internal */
export const DELAY = 'a finite number of ms >= 0';

const isDescendant = (node: StateNode, ancestor: StateNode): boolean =>
  !!node.parent_ && (node.parent_ === ancestor || isDescendant(node.parent_, ancestor));

/**
 * Compiles a machine config (see the note at the top on what it checks) into its root; every other state goes
 * into `nodes` by path. @internal
 */
export function compileMachine(config: Raw, id: string, nodes: Map<string, StateNode>): StateNode {
  // Every state with its config, parents first.
  const built: [StateNode, Raw][] = [];
  // `where` is relative to the state; its own path in the config is `states.a.states.b` for `a.b`.
  const fail = (node: StateNode, where: string, problem: string): never => {
    throw new MachineConfigError(id, [`${at(node.where_, where)}: ${problem}`]);
  };

  const transitions = (value: unknown, source: StateNode, where: string): Transition[] =>
    (list(value) as Raw[]).map((t): Transition => {
      // A string is a target (and has no `guard`, `actions` or `reenter`).
      const name = typeof t === 'string' ? t : t.target;
      let domain = source;
      let target: StateNode | null = null;
      const entry: StateNode[] = [];
      if (name !== undefined) {
        target =
          nodes.get(targetPath(source.path_, source.parent_?.path_ ?? '', name)) ??
          fail(source, `${where}.target`, unknownState(name));
        // Exit up to the nearest ancestor of the source that contains the target (the source itself for a
        // target inside it, unless `reenter`); enter from below it down to the target and its initial leaf.
        // The root contains every state, so the loop ends there at the latest.
        if (t.reenter || !isDescendant(target, source)) {
          do domain = domain.parent_ ?? root;
          while (!isDescendant(target, domain));
        }
        // The domain is a strict ancestor of the target.
        for (let n = target; n !== domain; n = n.parent_ as StateNode) entry.unshift(n);
        for (let n = target.initial_; n; n = n.initial_) entry.push(n);
      }
      return {
        target_: target,
        guard_: t.guard,
        actions_: [...(list(t.actions) as CompiledAction[]), ...entry.flatMap((n) => n.entry_)],
        domain_: domain,
        leaf_: entry.at(-1),
      };
    });

  const build = (config: Raw, key: string, parent: StateNode | null): StateNode => {
    const final = config.type === 'final';
    const node: StateNode = {
      path_: parent ? at(parent.path_, key) : '',
      where_: parent ? at(parent.where_, `states.${key}`) : '',
      parent_: parent,
      root_: parent?.root_ as StateNode,
      final_: final,
      done_: final && !parent?.parent_, // (a final root is never a leaf)
      entry_: list(config.entry) as CompiledAction[],
      exit_: list(config.exit) as CompiledAction[],
      children_: [],
      initial_: null,
      on_: new Map(),
      always_: null,
      delays_: [],
    };
    built.push([node, config]);
    if (parent) nodes.set(node.path_, node);
    else node.root_ = node;
    const states: Raw | undefined = config.states;
    if (states) {
      node.children_ = Object.keys(states).map((k) => build(states[k], k, node));
      const initial = nodes.get(at(node.path_, config.initial));
      node.initial_ = initial?.parent_ === node ? initial : fail(node, 'initial', unknownState(config.initial));
    } else if (!parent) {
      fail(node, 'states', 'missing');
    }
    return node;
  };

  const root = build(config, '', null);
  // Transitions resolve once every state exists: targets may point anywhere in the tree.
  for (const [node, config] of built) {
    const { on = {}, after = {}, always, onDone } = config;
    const add = (type: string, value: unknown, where: string): unknown =>
      node.on_.set(type, transitions(value, node, where));
    for (const type of Object.keys(on)) add(type, on[type], `on.${type}`);
    const own = Object.keys(after).map((k): Delay => {
      const ms = delayOf(k) ?? fail(node, `after.${k}`, `expected ${DELAY}, got ${describe(k)}`);
      const state = node.path_ || '#';
      const event = Object.freeze({ type: `weft.after.${ms}.${state}` });
      add(event.type, after[k], `after.${k}`);
      return { node_: node, state_: state, ms_: ms, event_: event };
    });
    node.delays_ = [...(node.parent_?.delays_ ?? []), ...own];
    // Final children take the `onDone` as their eventless transitions (their own `always`, invalid, would win).
    if (onDone !== undefined) {
      const done = transitions(onDone, node, 'onDone');
      for (const child of node.children_) if (child.final_) child.always_ = done;
      root.eventless_ = true;
    }
    if (always !== undefined) {
      node.always_ = transitions(always, node, 'always');
      root.eventless_ = true;
    }
  }
  return root;
}
