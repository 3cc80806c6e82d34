/**
 * The one JSON format of weft's benchmark results, `docs/bench/<id>.json`, written by `pnpm bench:record` (from
 * vitest bench's `--outputJson` report) and by the benchmark scripts that measure what vitest bench cannot (heap per
 * object, CPU time, autocannon against a server) when given `--json <file>`. The docs build draws its charts from
 * these files (tools/docs/charts.ts), so a chart always shows what a benchmark printed, never a hand-copied figure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';

/** One measured contender: its name as the benchmark calls it and its figures (`hz`, `mean`, `bytes`…). */
export interface BenchEntry {
  name: string;
  [metric: string]: number | string;
}

/** One table of a benchmark: contenders measured on the same workload. */
export interface BenchGroup {
  name: string;
  benchmarks: BenchEntry[];
}

/** The content of a `docs/bench/<id>.json` file. */
export interface BenchResults {
  /** How to run it again (from the repo root). */
  command: string;
  /** When it was run (ISO 8601). */
  recorded: string;
  /** `process.version` of the run. */
  node: string;
  /** The machine: core count and model. */
  machine: string;
  groups: BenchGroup[];
}

/** The machine's description for results: `2 × Intel(R) Xeon(R) Processor`. */
export function machineName(): string {
  const list = cpus();
  return `${list.length} × ${list[0]?.model.trim() ?? 'unknown CPU'}`;
}

/** Results of a run made now on this machine. */
export function benchResults(command: string, groups: BenchGroup[]): BenchResults {
  return { command, recorded: new Date().toISOString(), node: process.version, machine: machineName(), groups };
}

/** Writes `results` as pretty JSON (creating the directory). */
export function writeBenchResults(file: string, results: BenchResults): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

/**
 * The value of a benchmark script's `--json <file>` argument, or undefined when it was not given. Throws a
 * TypeError when the flag has no file after it.
 */
export function jsonTarget(argv: readonly string[] = process.argv): string | undefined {
  const at = argv.indexOf('--json');
  if (at === -1) return undefined;
  const file = argv[at + 1];
  if (file === undefined || file.startsWith('--')) throw new TypeError('--json: expected a file path after it');
  return file;
}

/**
 * What a benchmark script calls once it has its figures: writes them as the results of `command` to the file its
 * `--json <file>` argument names, and does nothing when it was run without one.
 */
export function recordResults(command: string, groups: BenchGroup[], argv: readonly string[] = process.argv): void {
  const file = jsonTarget(argv);
  if (file !== undefined) writeBenchResults(file, benchResults(command, groups));
}

/** `argv` without `--json <file>`, for scripts that read positional arguments. */
export function withoutJson(argv: readonly string[]): string[] {
  const at = argv.indexOf('--json');
  return at === -1 ? [...argv] : [...argv.slice(0, at), ...argv.slice(at + 2)];
}

/** The figures vitest bench's `--outputJson` report keeps per benchmark (the raw samples are dropped). */
const VITEST_METRICS = ['hz', 'mean', 'median', 'min', 'max', 'p75', 'p99', 'rme', 'sampleCount'] as const;

/** What `vitest bench --outputJson` writes (the parts read here). */
export interface VitestBenchReport {
  files: {
    filepath: string;
    groups: { fullName: string; benchmarks: ({ name: string } & Record<string, unknown>)[] }[];
  }[];
}

/**
 * Converts a vitest bench report to result groups. A group is named by its describe() path without the file
 * (`bench/compose.bench.ts > async no-op x10` → `async no-op x10`); a file's top-level benches form a group named
 * by the file (`compose.bench.ts`).
 */
export function fromVitestReport(report: VitestBenchReport): BenchGroup[] {
  if (typeof report !== 'object' || report === null || !Array.isArray(report.files)) {
    throw new TypeError('vitest bench report: expected an object with a "files" array');
  }
  const groups: BenchGroup[] = [];
  for (const file of report.files) {
    const base = file.filepath.split(/[\\/]/).at(-1) ?? file.filepath;
    for (const group of file.groups) {
      const parts = group.fullName.split(' > ');
      const name = parts.length > 1 ? parts.slice(1).join(' > ') : base;
      const benchmarks = group.benchmarks.map((bench) => {
        const entry: BenchEntry = { name: bench.name };
        for (const metric of VITEST_METRICS) {
          const value = bench[metric];
          if (typeof value === 'number' && Number.isFinite(value)) entry[metric] = value;
        }
        return entry;
      });
      groups.push({ name, benchmarks });
    }
  }
  return groups;
}
