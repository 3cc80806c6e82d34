import { describe } from '@weft/reactor';
import { at, DELAY, delayOf, targetPath, unknownState } from './compile';

// The exhaustive check of a machine config, run by `createMachine` in development only (bundlers drop it from
// production builds): every problem, each with its path, so one run of the program shows them all. The
// compiler then trusts what passed.

type Raw = Record<string, unknown>;

const STATE_KEYS = ['type', 'initial', 'states', 'on', 'entry', 'exit', 'after', 'always', 'onDone'];
const TRANSITION_KEYS = ['target', 'guard', 'actions', 'reenter'];
/** Allowed on the machine only; `types` exists for the type checker alone. */
const ROOT_KEYS = ['id', 'context', 'types'];
const FINAL_FORBIDS = ['states', 'initial', 'on', 'after', 'always', 'onDone'];

const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The problem `where: expected <what>, got <value>`, the shape of most messages. */
const expected = (where: string, what: string, value: unknown): string =>
  `${where}: expected ${what}, got ${describe(value)}`;

/** Calls `each` for `value`, or for each of its items if it is an array, with the item's path. */
function eachItem(value: unknown, where: string, each: (item: unknown, where: string) => void): void {
  if (!Array.isArray(value)) each(value, where);
  else for (let i = 0; i < value.length; i++) each(value[i], `${where}[${i}]`);
}

/** A state as the validator sees it: its path and its parent's, to resolve targets. */
interface Place {
  readonly config: Raw;
  readonly path: string;
  readonly parentPath: string;
  readonly where: string;
  readonly compound: boolean;
}

/**
 * Every problem of a machine config, each prefixed by its path (`states.open.on.RESET.target: unknown state
 * "opne"`): the structure first, then the transitions, in the order the compiler meets them. @internal
 */
export function validateConfig(config: Raw): string[] {
  const problems: string[] = [];
  const paths = new Set<string>();
  const places: Place[] = [];

  /** The entries of the object under `key` (`on`, `after`, `states`) with their paths, or a problem. */
  const entriesAt = (state: Raw, key: string, where: string, what: string): [string, unknown, string][] => {
    const value = state[key];
    if (value === undefined) return [];
    const path = at(where, key);
    if (!isObject(value) || (key === 'states' && Object.keys(value).length === 0)) {
      problems.push(expected(path, what, value));
      return [];
    }
    return Object.entries(value).map(([name, item]) => [name, item, at(path, name)]);
  };

  const checkActions = (value: unknown, where: string): void => {
    if (value === undefined) return;
    eachItem(value, where, (fn, itemWhere) => {
      if (typeof fn !== 'function') {
        problems.push(expected(itemWhere, 'a function (context, event) => void or assign(...)', fn));
      }
    });
  };

  const checkState = (state: Raw, path: string, parentPath: string, where: string, isRoot: boolean): void => {
    for (const name of Object.keys(state)) {
      if (!STATE_KEYS.includes(name) && !(isRoot && ROOT_KEYS.includes(name))) {
        const hint = ROOT_KEYS.includes(name) ? ' (only allowed on the machine itself)' : '';
        problems.push(`${at(where, name)}: unknown property${hint}`);
      }
    }
    const type = state.type;
    if (type !== undefined && type !== 'final') problems.push(expected(at(where, 'type'), "'final' or nothing", type));
    const final = type === 'final';
    if (final && isRoot) problems.push(`${at(where, 'type')}: the machine itself cannot be final`);
    if (final) {
      for (const name of FINAL_FORBIDS) {
        if (state[name] !== undefined) problems.push(`${at(where, name)}: a final state cannot have '${name}'`);
      }
    }

    const children: string[] = [];
    const states = final ? [] : entriesAt(state, 'states', where, 'an object with at least one state');
    for (const [key, child, childWhere] of states) {
      if (key === '' || /[.#]/.test(key)) {
        problems.push(`${childWhere}: a state name must be non-empty and contain no '.' or '#'`);
      } else if (!isObject(child)) {
        problems.push(expected(childWhere, 'a state config object', child));
      } else {
        children.push(key);
        const childPath = at(path, key);
        paths.add(childPath);
        checkState(child, childPath, path, childWhere, false);
      }
    }
    if (isRoot && state.states === undefined) problems.push('states: missing (a machine needs at least one state)');

    const initial = state.initial;
    if (states.length > 0) {
      if (initial === undefined) {
        problems.push(`${at(where, 'initial')}: missing (required with 'states')`);
      } else if (typeof initial !== 'string' || !children.includes(initial)) {
        const known = children.map((k) => `"${k}"`).join(', ');
        problems.push(`${at(where, 'initial')}: ${unknownState(initial)} (expected one of ${known})`);
      }
    } else if (initial !== undefined && !final && state.states === undefined) {
      problems.push(`${at(where, 'initial')}: only allowed with 'states'`);
    }

    checkActions(state.entry, at(where, 'entry'));
    if (isRoot && state.exit !== undefined) {
      problems.push(`exit: the machine itself is never exited; use 'stop' on the actor instead`);
    } else {
      checkActions(state.exit, at(where, 'exit'));
    }
    const compound = states.length > 0;
    if (state.onDone !== undefined && !compound && !final) {
      problems.push(`${at(where, 'onDone')}: only allowed on a state with child states`);
    }
    places.push({ config: state, path, parentPath, where, compound });
  };

  const checkTransitions = (value: unknown, place: Place, where: string): boolean => {
    let bare = false;
    eachItem(value, where, (item, itemWhere) => {
      const t: Raw | null = typeof item === 'string' ? { target: item } : isObject(item) ? item : null;
      if (t === null) {
        problems.push(expected(itemWhere, 'a target state name, a transition object or an array of those', item));
        return;
      }
      const before = problems.length;
      for (const name of Object.keys(t)) {
        if (!TRANSITION_KEYS.includes(name)) {
          problems.push(`${at(itemWhere, name)}: unknown property (expected target, guard, actions or reenter)`);
        }
      }
      const target = t.target;
      if (target !== undefined) {
        if (typeof target !== 'string') {
          problems.push(expected(at(itemWhere, 'target'), 'a state name', target));
        } else if (!paths.has(targetPath(place.path, place.parentPath, target))) {
          problems.push(`${at(itemWhere, 'target')}: ${unknownState(target)}`);
        }
      }
      if (t.guard !== undefined && typeof t.guard !== 'function') {
        problems.push(expected(at(itemWhere, 'guard'), 'a function (context, event) => boolean', t.guard));
      }
      if (t.reenter !== undefined && typeof t.reenter !== 'boolean') {
        problems.push(expected(at(itemWhere, 'reenter'), 'a boolean', t.reenter));
      }
      // Like the compiler, only a transition without other problems counts as one that would loop.
      if (problems.length === before && target === undefined && t.guard === undefined) bare = true;
      checkActions(t.actions, at(itemWhere, 'actions'));
    });
    return bare;
  };

  if (config.id !== undefined && (typeof config.id !== 'string' || config.id === '')) {
    problems.push(expected('id', 'a non-empty string', config.id));
  }
  checkState(config, '', '', '', true);
  for (const place of places) {
    const { config: state, where } = place;
    for (const [type, value, onWhere] of entriesAt(state, 'on', where, 'an object of event types')) {
      if (type === '' || type.startsWith('weft.')) {
        problems.push(`${onWhere}: event types must be non-empty and not start with 'weft.' (reserved)`);
      } else {
        checkTransitions(value, place, onWhere);
      }
    }
    for (const [key, value, afterWhere] of entriesAt(state, 'after', where, 'an object of delays in ms')) {
      if (delayOf(key) === undefined) problems.push(expected(afterWhere, DELAY, key));
      else checkTransitions(value, place, afterWhere);
    }
    if (state.always !== undefined && checkTransitions(state.always, place, at(where, 'always'))) {
      problems.push(`${at(where, 'always')}: an eventless transition needs a target or a guard (it would loop)`);
    }
    if (state.onDone !== undefined && place.compound) checkTransitions(state.onDone, place, at(where, 'onDone'));
  }
  return problems;
}
