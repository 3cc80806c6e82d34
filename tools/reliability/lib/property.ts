/** fast-check properties as checks of a scenario: a failure records the shrunk counterexample and the seed. */
import fc from 'fast-check';
import type { ScenarioContext } from './harness';

/**
 * The seed of this run's properties: fixed, so that a run is repeatable and a failure in CI is the one seen
 * locally; `RELIABILITY_SEED=<n>` explores others (`RELIABILITY_SEED=random` for a fresh one, printed on failure).
 */
export const seed: number =
  process.env.RELIABILITY_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : process.env.RELIABILITY_SEED
      ? Number(process.env.RELIABILITY_SEED)
      : 20_251_123;

function describeRun(details: fc.RunDetails<unknown>, runs: number, unit: string): string {
  if (!details.failed) return `${details.numRuns} ${unit} (of ${runs}), seed ${seed}`;
  const example = fc.stringify(details.counterexample);
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `counterexample after ${details.numRuns} ${unit} (shrunk ${details.numShrinks}×, seed ${seed}): ${example.slice(0, 600)} — ${error.slice(0, 400)}`;
}

/** Checks a synchronous property; `unit` names what one run is ("configs", "requests"). */
export function checkProperty<Ts extends [unknown, ...unknown[]]>(
  ctx: ScenarioContext,
  name: string,
  property: fc.IProperty<Ts>,
  runs: number,
  unit = 'runs',
): boolean {
  const details = fc.check(property, { numRuns: runs, seed });
  return ctx.check(name, !details.failed, describeRun(details as fc.RunDetails<unknown>, runs, unit));
}

/** Checks an asynchronous property (each run bounded by `timeoutMs`). */
export async function checkAsyncProperty<Ts extends [unknown, ...unknown[]]>(
  ctx: ScenarioContext,
  name: string,
  property: fc.IAsyncProperty<Ts>,
  runs: number,
  unit = 'runs',
  timeoutMs = 10_000,
): Promise<boolean> {
  const details = await fc.check(property, {
    numRuns: runs,
    seed,
    timeout: timeoutMs,
    interruptAfterTimeLimit: 60_000,
  });
  return ctx.check(name, !details.failed, describeRun(details as fc.RunDetails<unknown>, runs, unit));
}
