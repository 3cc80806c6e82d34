// Shared by the tests only (not exported from the package, not published).
import { expect } from 'vitest';
import { isMachineConfigError, MachineConfigError } from './errors';
import { createMachine } from './machine';

/** The problems `createMachine` reports for `config`, checking that it throws a proper MachineConfigError. */
export function problemsOf(config: unknown): readonly string[] {
  try {
    createMachine(config as never);
  } catch (error) {
    expect(error).toBeInstanceOf(MachineConfigError);
    expect(error).toBeInstanceOf(TypeError);
    expect(isMachineConfigError(error)).toBe(true);
    expect((error as MachineConfigError).code).toBe('ERR_WEFT_FSM_CONFIG');
    return (error as MachineConfigError).problems;
  }
  throw new Error('expected createMachine to throw');
}
