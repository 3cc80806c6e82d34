/**
 * `pnpm test:reliability`: the reliability suite of weft (issue 15). Drives the real gateway (the built CLI of
 * @weft/server) and the packages through load, faults and bad input, prints a table of what it measured, and exits
 * non-zero when any check fails. `--report` also rewrites docs/reliability.md.
 *
 *   pnpm test:reliability                  every scenario
 *   pnpm test:reliability --report         and regenerate docs/reliability.md
 *   pnpm test:reliability --only 1a,4      only these scenario ids (or id prefixes)
 *   pnpm test:reliability --verbose        progress of every check as it happens
 *   pnpm test:reliability --no-build       test the last build even if a package's src/ is newer than its dist/
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIsStale, useBuildCopy } from './lib/gateway';
import { runScenario, type Scenario, type ScenarioResult } from './lib/harness';
import { killAll, killChildrenOnExit, repoRoot } from './lib/proc';
import { consoleTable, markdownReport } from './lib/report';
import { removeSnapshot, snapshotBuild } from './lib/snapshot';
import { scenarios } from './scenarios';

interface Args {
  report: boolean;
  only: string[] | undefined;
  verbose: boolean;
  build: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { report: false, only: undefined, verbose: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--report') args.report = true;
    else if (arg === '--verbose' || arg === '-v') args.verbose = true;
    else if (arg === '--no-build') args.build = false;
    else if (arg === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) args.only = arg.slice('--only='.length).split(',').filter(Boolean);
    else if (arg === '--') continue;
    else throw new TypeError(`unknown argument ${arg}; expected --report, --only <ids>, --verbose or --no-build`);
  }
  if (args.report && args.only !== undefined) throw new TypeError('--report needs every scenario; drop --only');
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  killChildrenOnExit();
  const stale = buildIsStale();
  if (stale !== undefined) {
    if (!args.build) {
      process.stdout.write(`reliability: warning: ${stale}; testing the gateway as last built (--no-build)\n`);
    } else {
      process.stdout.write(`reliability: ${stale}; building @weft/server first\n`);
      execFileSync(
        process.execPath,
        [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'tools', 'build.ts'), '@weft/server'],
        { stdio: 'inherit', cwd: repoRoot },
      );
    }
  }
  // The gateways run from a private copy of the build, so that a build elsewhere cannot change files under them.
  const snapshot = await snapshotBuild();
  useBuildCopy(snapshot);
  process.on('exit', () => removeSnapshot(snapshot));
  const selected: readonly Scenario[] =
    args.only === undefined ? scenarios : scenarios.filter((s) => args.only!.some((id) => s.id.startsWith(id)));
  if (selected.length === 0) throw new Error(`no scenario matches --only ${args.only?.join(',')}`);
  const started = performance.now();
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    process.stdout.write(`reliability: ${scenario.id} ${scenario.title} …\n`);
    const result = await runScenario(scenario, args.verbose);
    await killAll();
    results.push(result);
    const mark = result.passed ? 'PASS' : 'FAIL';
    process.stdout.write(`reliability: ${scenario.id} ${mark} in ${(result.durationMs / 1000).toFixed(1)} s\n`);
    if (!result.passed) {
      for (const check of result.checks.filter((c) => !c.ok)) {
        process.stdout.write(`    FAIL ${check.name}: ${check.detail}\n`);
      }
      if (result.error !== undefined) process.stdout.write(`    ERROR ${result.error}\n`);
    }
  }
  const totalSec = (performance.now() - started) / 1000;
  process.stdout.write(`\n${consoleTable(results)}\n`);
  const failed = results.filter((r) => !r.passed);
  process.stdout.write(
    `reliability: ${results.length - failed.length}/${results.length} scenarios passed, ` +
      `${results.reduce((n, r) => n + r.checks.length, 0)} checks, ${totalSec.toFixed(0)} s\n`,
  );
  if (args.report) {
    const file = join(repoRoot, 'docs', 'reliability.md');
    writeFileSync(file, markdownReport(results, totalSec));
    process.stdout.write(`reliability: wrote ${file}\n`);
  }
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`reliability: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await killAll();
    process.exit(2);
  },
);
