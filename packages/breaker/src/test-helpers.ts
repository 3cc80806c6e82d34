// Shared by the tests (not exported from the package).
import { type Clock, sleep } from '@weft/reactor';
import type { CircuitBreaker } from './circuit-breaker';

export const ok = async (): Promise<string> => 'ok';

export const boom = async (): Promise<never> => {
  throw new Error('boom');
};

/** A call that resolves (or rejects) after `ms` of the clock's time, honouring its signal. */
export function after(clock: Clock, ms: number, outcome: 'ok' | 'fail' = 'ok') {
  return async (signal: AbortSignal): Promise<string> => {
    await sleep(ms, { clock, signal });
    if (outcome === 'fail') throw new Error(`failed after ${ms} ms`);
    return 'ok';
  };
}

/** The promise's value, or the error it rejected with. */
export async function settle<T>(promise: Promise<T>): Promise<T | unknown> {
  try {
    return await promise;
  } catch (error) {
    return error;
  }
}

/** Runs `n` calls of `fn` one after another, ignoring their outcome. */
export async function calls(breaker: CircuitBreaker<unknown>, n: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i++) await settle(breaker.execute(fn));
}

/** Records every event of the breaker, in order, as `name:args`. */
export function record(breaker: CircuitBreaker<unknown>): string[] {
  const log: string[] = [];
  const names = [
    'success',
    'failure',
    'timeout',
    'reject',
    'fallback',
    'open',
    'halfOpen',
    'close',
    'stateChange',
  ] as const;
  for (const name of names) {
    breaker.events.on(name, (...args: unknown[]) => {
      const shown = args.map((arg) => (arg instanceof Error ? arg.name : String(arg)));
      log.push(shown.length === 0 ? name : `${name}:${shown.join(',')}`);
    });
  }
  return log;
}
