import { describe } from '@weft/reactor';

/**
 * Thrown by `createMachine` for an invalid config: `problems` lists every problem found, each prefixed by
 * its path in the config (`states.open.on.RESET.target: unknown state "opne"`), and so does the message.
 */
export class MachineConfigError extends TypeError {
  /** Stable code. */
  readonly code = 'ERR_WEFT_FSM_CONFIG';
  override readonly name = 'MachineConfigError';
  /** Every problem, one per entry, each starting with its path in the config. */
  declare readonly problems: readonly string[];
  constructor(machineId: string, problems: readonly string[]) {
    super(`invalid machine config "${machineId}":\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** True for a {@link MachineConfigError} (also across copies of this package). */
export function isMachineConfigError(error: unknown): error is MachineConfigError {
  return (error as { code?: unknown } | null)?.code === 'ERR_WEFT_FSM_CONFIG';
}

/**
 * Thrown when eventless transitions (`always`, `onDone`) keep firing without settling: the machine would
 * otherwise loop forever. The snapshot is left as it was before the event.
 */
export class EventlessLoopError extends Error {
  /** Stable code. */
  readonly code = 'ERR_WEFT_FSM_EVENTLESS_LOOP';
  override readonly name = 'EventlessLoopError';
  constructor(state: string, steps: number) {
    super(`eventless transitions looped ${steps} times (last state "${state}")`);
  }
}

/** True for an {@link EventlessLoopError}. */
export function isEventlessLoopError(error: unknown): error is EventlessLoopError {
  return (error as { code?: unknown } | null)?.code === 'ERR_WEFT_FSM_EVENTLESS_LOOP';
}

/** The error (a `TypeError` by default) `where: expected <what>, got <value>`, every bad-input message. @internal */
export const expected = (where: string, what: string, value: unknown, type = TypeError): Error =>
  new type(`${where}: expected ${what}, got ${describe(value)}`);
