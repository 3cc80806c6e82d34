/**
 * Builds the workspace packages in dependency order.
 *
 *   tsx tools/build.ts                      build everything
 *   tsx tools/build.ts @weft/breaker        build @weft/breaker and what it depends on
 *   pnpm build --filter @weft/breaker       the same
 *   tsx tools/build.ts --dry-run            print the plan only
 *
 * The order comes from graph-sequencer (tools/sequence.ts): chunk by chunk, packages of one chunk in parallel
 * (at most one per CPU core). A cycle fails before anything builds; a failed build stops later chunks.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatPlan, planBuild } from './sequence';
import { findWorkspacePackages, repoRoot, type WorkspacePackage } from './workspace';

interface BuildArgs {
  targets: string[];
  dryRun: boolean;
  concurrency: number;
}

function parseArgs(argv: string[]): BuildArgs {
  const args: BuildArgs = { targets: [], dryRun: false, concurrency: availableParallelism() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--dry-run') args.dryRun = true;
    else if (arg === '--filter' || arg === '-F') args.targets.push(requireValue(argv, ++i, arg));
    else if (arg.startsWith('--filter=')) args.targets.push(arg.slice('--filter='.length));
    else if (arg === '--concurrency') args.concurrency = Number(requireValue(argv, ++i, arg));
    else if (arg === '--') continue;
    else if (arg.startsWith('-'))
      throw new TypeError(`unknown option ${arg}; expected --filter NAME, --dry-run or --concurrency N`);
    else args.targets.push(arg);
  }
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1) {
    throw new RangeError(`--concurrency: expected a whole number >= 1, got ${args.concurrency}`);
  }
  return args;
}

function requireValue(argv: string[], i: number, option: string): string {
  const value = argv[i];
  if (value === undefined || value.startsWith('-')) throw new TypeError(`${option}: expected a package name`);
  return value;
}

interface BuildOutcome {
  name: string;
  ok: boolean;
  ms: number;
  output: string;
}

function buildOne(pkg: WorkspacePackage): Promise<BuildOutcome> {
  const script = pkg.manifest.scripts?.build;
  const start = performance.now();
  if (!script) return Promise.resolve({ name: pkg.name, ok: true, ms: 0, output: '(no build script)' });
  const PATH = [join(pkg.dir, 'node_modules', '.bin'), join(repoRoot, 'node_modules', '.bin'), process.env.PATH].join(
    delimiter,
  );
  return new Promise((resolve) => {
    const child = spawn(script, { cwd: pkg.dir, shell: true, env: { ...process.env, PATH } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) =>
      resolve({ name: pkg.name, ok: false, ms: performance.now() - start, output: String(err) }),
    );
    child.on('close', (code) => resolve({ name: pkg.name, ok: code === 0, ms: performance.now() - start, output }));
  });
}

async function runLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const packages = findWorkspacePackages();
  const byName = new Map(packages.map((p) => [p.name, p]));
  const graph = new Map(packages.map((p) => [p.name, p.internalDependencies]));
  const plan = planBuild(graph, args.targets);
  console.log(formatPlan(plan));
  if (args.dryRun) return 0;

  const total = performance.now();
  for (const [i, chunk] of plan.chunks.entries()) {
    const outcomes = await runLimited(chunk, args.concurrency, (name) =>
      buildOne(byName.get(name) as WorkspacePackage),
    );
    for (const o of outcomes) console.log(`  ${o.ok ? 'ok  ' : 'FAIL'} ${o.name} (${Math.round(o.ms)} ms)`);
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      for (const f of failed) console.error(`\n--- ${f.name} build output ---\n${f.output.trim()}`);
      console.error(
        `\nbuild failed in chunk ${i + 1}: ${failed.map((f) => f.name).join(', ')}; later chunks were not started`,
      );
      return 1;
    }
  }
  console.log(`built ${plan.chunks.flat().length} packages in ${Math.round(performance.now() - total)} ms`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
