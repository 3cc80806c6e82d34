import { describe } from '@weft/reactor';
import { ASSIGNER, type Assigner } from './assign';
import type { EventObject } from './types';

// The config is compiled once, at createMachine time, into a tree of StateNodes whose transitions already
// point at their target nodes and carry their precomputed entry paths. Sending an event is then a map
// lookup, a few guard calls and two short loops, with no string parsing or tree search.

/** An action ready to run: `assigner` is set for context updates made with `assign`. @internal */
export interface CompiledAction {
  readonly fn: (context: unknown, event: EventObject) => void;
  readonly assigner: Assigner<unknown, EventObject> | null;
}

/** A delayed transition of a state's `after`. @internal */
export interface Delay {
  readonly ms: number;
  /** The event the timer sends; one frozen object per delay, so firing allocates nothing. */
  readonly event: EventObject;
  readonly transitions: Transition[];
}

/** A resolved transition. @internal */
export interface Transition {
  readonly source: StateNode;
  readonly target: StateNode | null;
  readonly guard: ((context: unknown, event: EventObject) => boolean) | null;
  readonly actions: readonly CompiledAction[] | null;
  readonly reenter: boolean;
  /** The label for diagrams: event type, `after 1000ms`, `always` or `onDone`. */
  readonly label: string;
  /** States are exited from the active leaf up to (excluding) this one; set after resolution. */
  domain: StateNode | null;
  /** States entered, outermost first, down to the leaf reached through `initial`s. */
  entry: readonly StateNode[];
  /** The active leaf after the transition. */
  leaf: StateNode | null;
}

/** A compiled state. @internal */
export class StateNode {
  readonly key: string;
  /** Dotted path from the root (`'halfOpen.probing'`); `''` for the root. */
  readonly path: string;
  readonly parent: StateNode | null;
  readonly final: boolean;
  children: Map<string, StateNode> | null = null;
  initial: StateNode | null = null;
  entry: readonly CompiledAction[] | null = null;
  exit: readonly CompiledAction[] | null = null;
  /** Own transitions by event type, in config order. */
  on: Map<string, Transition[]> | null = null;
  after: Delay[] | null = null;
  always: Transition[] | null = null;
  onDone: Transition[] | null = null;
  /** For leaves: every candidate transition by event type, own first, then the ancestors'. */
  table: Map<string, Transition[]> | null = null;
  /** For leaves: the eventless transitions to check while this leaf is active (onDone, then always). */
  eventless: Transition[] | null = null;
  /** A final state directly under the root: entering it makes the machine done. */
  readonly done: boolean;
  /** The machine's root, to tell this machine's snapshots from another's in O(1). */
  readonly root: StateNode;

  constructor(key: string, parent: StateNode | null, final: boolean) {
    this.key = key;
    this.parent = parent;
    this.path = parent === null || parent.parent === null ? key : `${parent.path}.${key}`;
    this.final = final;
    this.done = final && parent !== null && parent.parent === null;
    this.root = parent === null ? this : parent.root;
  }
}

const STATE_KEYS = new Set(['type', 'initial', 'states', 'on', 'entry', 'exit', 'after', 'always', 'onDone']);
const ROOT_KEYS = new Set([...STATE_KEYS, 'id', 'context']);
const TRANSITION_KEYS = new Set(['target', 'guard', 'actions', 'reenter']);
const ROOT_ONLY = new Set(['id', 'context']);

type Raw = Record<string, unknown>;

const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

const at = (prefix: string, key: string): string => (prefix === '' ? key : `${prefix}.${key}`);

/** The problem `where: expected <what>, got <value>`, the shape of most messages. */
const expected = (where: string, what: string, value: unknown): string =>
  `${where}: expected ${what}, got ${describe(value)}`;

/** Calls `each` for `value`, or for each of its items if it is an array, with the item's path. */
function eachItem(value: unknown, where: string, each: (item: unknown, where: string) => void): void {
  if (!Array.isArray(value)) each(value, where);
  else for (let i = 0; i < value.length; i++) each(value[i], `${where}[${i}]`);
}

/**
 * The entries of the object under `key` (`on`, `after`, `states`) with each one's path; a problem and no entries
 * if it is not an object (or is empty when `nonEmpty`).
 */
function entriesAt(
  config: Raw,
  key: string,
  where: string,
  what: string,
  problems: string[],
): [key: string, value: unknown, where: string][] | null {
  const value = config[key];
  if (value === undefined) return null;
  const path = at(where, key);
  if (!isObject(value) || (key === 'states' && Object.keys(value).length === 0)) {
    problems.push(expected(path, what, value));
    return null;
  }
  return Object.entries(value).map(([name, item]) => [name, item, at(path, name)]);
}

/** Compiles and validates a machine config; every problem found is pushed to `problems`. @internal */
export function compileMachine(config: Raw, problems: string[]): StateNode {
  const pending: Array<() => void> = [];
  const root = buildNode(config, '', null, '', problems, pending);
  // Transitions resolve only once every state exists, since targets may point anywhere in the tree.
  for (const resolve of pending) resolve();
  if (problems.length === 0) finishLeaves(root);
  return root;
}

function buildNode(
  config: Raw,
  key: string,
  parent: StateNode | null,
  where: string,
  problems: string[],
  pending: Array<() => void>,
): StateNode {
  const allowed = parent === null ? ROOT_KEYS : STATE_KEYS;
  for (const name of Object.keys(config)) {
    if (!allowed.has(name)) {
      const hint = ROOT_ONLY.has(name) ? ' (only allowed on the machine itself)' : '';
      problems.push(`${at(where, name)}: unknown property${hint}`);
    }
  }
  const type = config.type;
  if (type !== undefined && type !== 'final') problems.push(expected(at(where, 'type'), "'final' or nothing", type));
  const final = type === 'final';
  if (final && parent === null) problems.push(`${at(where, 'type')}: the machine itself cannot be final`);
  const node = new StateNode(key, parent, final);

  if (final) {
    for (const name of ['states', 'initial', 'on', 'after', 'always', 'onDone']) {
      if (config[name] !== undefined) problems.push(`${at(where, name)}: a final state cannot have '${name}'`);
    }
  }

  const states = config.states;
  const children = final ? null : entriesAt(config, 'states', where, 'an object with at least one state', problems);
  if (children !== null) {
    node.children = new Map();
    for (const [childKey, childConfig, childWhere] of children) {
      if (childKey === '' || /[.#]/.test(childKey)) {
        problems.push(`${childWhere}: a state name must be non-empty and contain no '.' or '#'`);
      } else if (!isObject(childConfig)) {
        problems.push(expected(childWhere, 'a state config object', childConfig));
      } else {
        node.children.set(childKey, buildNode(childConfig, childKey, node, childWhere, problems, pending));
      }
    }
  } else if (parent === null && states === undefined) {
    problems.push(`states: missing (a machine needs at least one state)`);
  }

  const initial = config.initial;
  if (node.children !== null) {
    if (initial === undefined) {
      problems.push(`${at(where, 'initial')}: missing (required with 'states')`);
    } else if (typeof initial !== 'string' || !node.children.has(initial)) {
      const known = [...node.children.keys()].map((k) => `"${k}"`).join(', ');
      problems.push(`${at(where, 'initial')}: unknown state ${describe(initial)} (expected one of ${known})`);
    } else {
      node.initial = node.children.get(initial) ?? null;
    }
  } else if (initial !== undefined && !final && states === undefined) {
    problems.push(`${at(where, 'initial')}: only allowed with 'states'`);
  }

  node.entry = compileActions(config.entry, at(where, 'entry'), problems);
  if (parent === null && config.exit !== undefined) {
    problems.push(`exit: the machine itself is never exited; use 'stop' on the actor instead`);
  } else {
    node.exit = compileActions(config.exit, at(where, 'exit'), problems);
  }

  if (config.onDone !== undefined && node.children === null && !final) {
    problems.push(`${at(where, 'onDone')}: only allowed on a state with child states`);
  }

  pending.push(() => resolveTransitions(node, config, where, problems));
  return node;
}

function resolveTransitions(node: StateNode, config: Raw, where: string, problems: string[]): void {
  const on = entriesAt(config, 'on', where, 'an object of event types', problems);
  if (on !== null) {
    node.on = new Map();
    for (const [type, value, onWhere] of on) {
      if (type === '' || type.startsWith('weft.')) {
        problems.push(`${onWhere}: event types must be non-empty and not start with 'weft.' (reserved)`);
      } else {
        node.on.set(type, compileTransitions(value, node, type, onWhere, problems));
      }
    }
  }

  const after: Delay[] = [];
  for (const [delayKey, value, afterWhere] of entriesAt(
    config,
    'after',
    where,
    'an object of delays in ms',
    problems,
  ) ?? []) {
    const ms = delayKey.trim() === '' ? Number.NaN : Number(delayKey);
    if (!Number.isFinite(ms) || ms < 0) {
      problems.push(`${afterWhere}: the delay must be a finite number of ms >= 0, got ${describe(delayKey)}`);
    } else {
      const event = Object.freeze({ type: `weft.after.${ms}.${node.path === '' ? '#' : node.path}` });
      after.push({ ms, event, transitions: compileTransitions(value, node, `after ${ms}ms`, afterWhere, problems) });
    }
  }
  if (after.length > 0) node.after = after;

  if (config.always !== undefined) {
    node.always = compileTransitions(config.always, node, 'always', at(where, 'always'), problems);
    if (node.always.some((t) => t.guard === null && t.target === null)) {
      problems.push(`${at(where, 'always')}: an eventless transition needs a target or a guard (it would loop)`);
    }
  }
  if (config.onDone !== undefined && node.children !== null) {
    node.onDone = compileTransitions(config.onDone, node, 'onDone', at(where, 'onDone'), problems);
  }
}

function compileTransitions(
  value: unknown,
  source: StateNode,
  label: string,
  where: string,
  problems: string[],
): Transition[] {
  const transitions: Transition[] = [];
  eachItem(value, where, (item, itemWhere) => {
    const transition = compileTransition(item, source, label, itemWhere, problems);
    if (transition !== null) transitions.push(transition);
  });
  return transitions;
}

function compileTransition(
  item: unknown,
  source: StateNode,
  label: string,
  where: string,
  problems: string[],
): Transition | null {
  const config: Raw | null = typeof item === 'string' ? { target: item } : isObject(item) ? item : null;
  if (config === null) {
    problems.push(expected(where, 'a target state name, a transition object or an array of those', item));
    return null;
  }
  let ok = true;
  for (const name of Object.keys(config)) {
    if (!TRANSITION_KEYS.has(name)) {
      problems.push(`${at(where, name)}: unknown property (expected target, guard, actions or reenter)`);
      ok = false;
    }
  }
  let target: StateNode | null = null;
  if (config.target !== undefined) {
    if (typeof config.target !== 'string') {
      problems.push(expected(at(where, 'target'), 'a state name', config.target));
      ok = false;
    } else {
      target = resolveTarget(source, config.target);
      if (target === null) {
        problems.push(`${at(where, 'target')}: unknown state "${config.target}"`);
        ok = false;
      }
    }
  }
  const guard = config.guard;
  if (guard !== undefined && typeof guard !== 'function') {
    problems.push(expected(at(where, 'guard'), 'a function (context, event) => boolean', guard));
    ok = false;
  }
  const reenter = config.reenter;
  if (reenter !== undefined && typeof reenter !== 'boolean') {
    problems.push(expected(at(where, 'reenter'), 'a boolean', reenter));
    ok = false;
  }
  const actions = compileActions(config.actions, at(where, 'actions'), problems);
  if (!ok) return null;
  return {
    source,
    target,
    guard: (guard as Transition['guard']) ?? null,
    actions,
    reenter: reenter === true,
    label,
    domain: null,
    entry: [],
    leaf: null,
  };
}

function compileActions(value: unknown, where: string, problems: string[]): CompiledAction[] | null {
  const actions: CompiledAction[] = [];
  if (value !== undefined) {
    eachItem(value, where, (fn, itemWhere) => {
      if (typeof fn !== 'function') {
        problems.push(expected(itemWhere, 'a function (context, event) => void or assign(...)', fn));
      } else {
        const assigner = (fn as { [ASSIGNER]?: Assigner<unknown, EventObject> })[ASSIGNER] ?? null;
        actions.push({ fn: fn as CompiledAction['fn'], assigner });
      }
    });
  }
  return actions.length === 0 ? null : actions;
}

/** Resolves `'sibling.child'`, `'.child'` or `'#absolute.path'` from `source`. @internal */
export function resolveTarget(source: StateNode, target: string): StateNode | null {
  let from: StateNode | null;
  let rest: string;
  if (target.startsWith('#')) {
    from = source;
    while (from.parent !== null) from = from.parent;
    rest = target.slice(1);
  } else if (target.startsWith('.')) {
    from = source;
    rest = target.slice(1);
  } else {
    from = source.parent ?? source;
    rest = target;
  }
  if (rest === '') return null;
  for (const segment of rest.split('.')) {
    from = from?.children?.get(segment) ?? null;
    if (from === null) return null;
  }
  return from;
}

function isDescendant(node: StateNode, ancestor: StateNode): boolean {
  for (let n = node.parent; n !== null; n = n.parent) if (n === ancestor) return true;
  return false;
}

/** The states entered when entering `node` from its parent: itself, then down its `initial`s. */
function descent(node: StateNode, into: StateNode[]): StateNode {
  let n: StateNode = node;
  into.push(n);
  while (n.initial !== null) {
    n = n.initial;
    into.push(n);
  }
  return n;
}

function finishTransition(t: Transition, root: StateNode): void {
  const source = t.source;
  const target = t.target;
  if (target === null) return;
  let domain: StateNode | null;
  if (target === source) domain = source.parent;
  else if (isDescendant(target, source)) domain = t.reenter ? source.parent : source;
  else if (isDescendant(source, target)) domain = target.parent;
  else {
    domain = source.parent;
    while (domain !== null && !isDescendant(target, domain)) domain = domain.parent;
  }
  if (domain === null) domain = root;
  const entry: StateNode[] = [];
  const chain: StateNode[] = [];
  for (let n = target.parent; n !== null && n !== domain; n = n.parent) chain.push(n);
  for (let i = chain.length - 1; i >= 0; i--) entry.push(chain[i] as StateNode);
  t.domain = domain;
  t.leaf = descent(target, entry);
  t.entry = entry;
}

function eachNode(node: StateNode, visit: (node: StateNode) => void): void {
  visit(node);
  if (node.children !== null) for (const child of node.children.values()) eachNode(child, visit);
}

function finishLeaves(root: StateNode): void {
  eachNode(root, (node) => {
    const all = [node.on ? [...node.on.values()].flat() : [], node.after?.flatMap((d) => d.transitions) ?? []];
    for (const t of [...all.flat(), ...(node.always ?? []), ...(node.onDone ?? [])]) finishTransition(t, root);
  });
  eachNode(root, (leaf) => {
    if (leaf.children !== null) return;
    const table = new Map<string, Transition[]>();
    const eventless: Transition[] = [];
    if (leaf.final && leaf.parent?.onDone) eventless.push(...leaf.parent.onDone);
    for (let n: StateNode | null = leaf; n !== null; n = n.parent) {
      if (n.on !== null) {
        for (const [type, list] of n.on)
          table.set(type, table.has(type) ? [...(table.get(type) ?? []), ...list] : list);
      }
      if (n.after !== null) for (const delay of n.after) table.set(delay.event.type, delay.transitions);
      if (n.always !== null) eventless.push(...n.always);
    }
    leaf.table = table;
    leaf.eventless = eventless.length === 0 ? null : eventless;
  });
}

/** The root's initial entry path: the root, then down the `initial`s. @internal */
export function initialEntry(root: StateNode): { entry: StateNode[]; leaf: StateNode } {
  const entry: StateNode[] = [];
  const leaf = descent(root, entry);
  return { entry, leaf };
}

/** Every state under the root, depth first. @internal */
export function allNodes(root: StateNode): StateNode[] {
  const nodes: StateNode[] = [];
  eachNode(root, (node) => {
    if (node !== root) nodes.push(node);
  });
  return nodes;
}
