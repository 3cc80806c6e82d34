/**
 * The reliability suite's own small harness: a scenario records checks (named assertions with the figure that
 * decided them) and figures (what was measured), registers cleanups (child processes, sockets), and runs under a
 * time budget. A failed check fails the scenario; a scenario that throws or overruns its budget fails as well.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One assertion of a scenario and the figure that decided it. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What a scenario is and what it does, for the table. */
export interface ScenarioInfo {
  /** Table order, e.g. `'1a'`. */
  readonly id: string;
  readonly title: string;
  /** The load it applies (connections, rate, duration), with any scaling against the numbers. */
  readonly load: string;
  /** The faults it injects. */
  readonly faults: string;
  /** The most it may take, ms; past it the scenario fails and its processes are killed. */
  readonly budgetMs: number;
}

/** A scenario: its description and its body. */
export interface Scenario extends ScenarioInfo {
  run(ctx: ScenarioContext): Promise<void>;
}

/** The outcome of one scenario. */
export interface ScenarioResult extends ScenarioInfo {
  readonly passed: boolean;
  readonly checks: readonly Check[];
  readonly figures: readonly string[];
  /** Why it did not complete, when it threw or overran its budget. */
  readonly error: string | undefined;
  readonly durationMs: number;
}

type Cleanup = () => void | Promise<void>;

/** What a scenario's body gets: checks, figures, cleanups, a scratch folder and a log. */
export class ScenarioContext {
  readonly checks: Check[] = [];
  readonly figures: string[] = [];
  /** A scratch folder removed after the scenario. */
  readonly tmp: string;
  /** Aborted when the scenario's budget runs out: long waits should pass it on. */
  readonly signal: AbortSignal;
  readonly #cleanups: Cleanup[] = [];
  readonly #verbose: boolean;
  readonly #id: string;

  constructor(id: string, signal: AbortSignal, verbose: boolean) {
    this.#id = id;
    this.signal = signal;
    this.#verbose = verbose;
    this.tmp = mkdtempSync(join(tmpdir(), `weft-reliability-${id}-`));
  }

  /** Records an assertion; returns `ok` so callers can branch on it. */
  check(name: string, ok: boolean, detail: string): boolean {
    this.checks.push({ name, ok, detail });
    this.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
    return ok;
  }

  /** Records a measured figure for the table. */
  figure(text: string): void {
    this.figures.push(text);
    this.log(`     ${text}`);
  }

  /** Registers a cleanup; they run last-registered first, even when the scenario fails. */
  defer(cleanup: Cleanup): void {
    this.#cleanups.push(cleanup);
  }

  /** Progress output (shown with `--verbose`, or always for failures). */
  log(text: string): void {
    if (this.#verbose) process.stdout.write(`  [${this.#id}] ${text}\n`);
  }

  /** Throws when the budget has run out, so loops stop at once. */
  throwIfAborted(): void {
    if (this.signal.aborted) throw new Error(`scenario ${this.#id}: budget exhausted`);
  }

  /** Runs the cleanups (each bounded to 10 s) and removes the scratch folder. */
  async cleanup(): Promise<void> {
    while (this.#cleanups.length > 0) {
      const cleanup = this.#cleanups.pop()!;
      try {
        await Promise.race([cleanup(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      } catch (error) {
        this.log(`cleanup failed: ${String(error)}`);
      }
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Runs one scenario under its budget and returns its result; never throws. */
export async function runScenario(scenario: Scenario, verbose: boolean): Promise<ScenarioResult> {
  const controller = new AbortController();
  // Every client of a scenario may listen to its signal (50 slow readers at once, say).
  setMaxListeners(0, controller.signal);
  const ctx = new ScenarioContext(scenario.id, controller.signal, verbose);
  const started = performance.now();
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`did not finish within its budget of ${scenario.budgetMs / 1000} s`));
      }, scenario.budgetMs);
    });
    await Promise.race([scenario.run(ctx), overrun]);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
    ctx.log(`error: ${caught instanceof Error ? (caught.stack ?? caught.message) : String(caught)}`);
  } finally {
    clearTimeout(timer);
    controller.abort();
    await ctx.cleanup();
  }
  const passed = error === undefined && ctx.checks.length > 0 && ctx.checks.every((c) => c.ok);
  return {
    id: scenario.id,
    title: scenario.title,
    load: scenario.load,
    faults: scenario.faults,
    budgetMs: scenario.budgetMs,
    passed,
    checks: ctx.checks,
    figures: ctx.figures,
    error,
    durationMs: performance.now() - started,
  };
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls `condition` every `everyMs` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
  signal?: AbortSignal,
): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (performance.now() >= until || signal?.aborted) return false;
    await delay(everyMs, signal).catch(() => undefined);
  }
}
