import type { ActionFunction, MachineContext } from './types';

/** Marks the functions made by {@link assign}; the machine applies them instead of calling them. */
export const ASSIGNER: unique symbol = Symbol();

/** The function an {@link assign} action computes the context update with. */
export type Assigner<TContext, TEvent> = (context: TContext, event: TEvent) => Partial<TContext>;

/** An action made by {@link assign}. */
export interface AssignAction<TContext, TEvent> extends ActionFunction<TContext, TEvent> {
  readonly [ASSIGNER]?: Assigner<TContext, TEvent>;
}

/**
 * An action that updates the context: the machine merges the returned partial object into a new context
 * (shallowly), so snapshots stay immutable. Later actions of the same transition see the new context.
 *
 * @example
 * ```ts
 * import { assign, createMachine } from '@weft/fsm';
 * const counter = createMachine({
 *   initial: 'on',
 *   context: { count: 0 },
 *   states: { on: { on: { INC: { actions: assign((ctx) => ({ count: ctx.count + 1 })) } } } },
 * });
 * ```
 */
export function assign<TContext extends MachineContext, TEvent>(
  // `& {}` lowers the inference priority of these positions, so the context and event types come from
  // the machine config around the call rather than from this function's own parameters.
  assigner: (context: TContext & {}, event: TEvent & {}) => Partial<TContext>,
): ActionFunction<TContext, TEvent> {
  // Development only, like the config validation (the validator would not see a bad assigner inside assign).
  if (
    typeof assigner !== 'function' &&
    (typeof process === 'undefined' ? false : process.env.NODE_ENV !== 'production')
  ) {
    throw new TypeError(`assign: expected a function (context, event) => partial context, got ${typeof assigner}`);
  }
  const action = (() => {}) as AssignAction<TContext, TEvent>;
  (action as { [ASSIGNER]?: unknown })[ASSIGNER] = assigner;
  return action;
}
