/**
 * `pnpm bench:record <id…> | all`: runs benchmarks and records their results in `docs/bench/<id>.json`, the files
 * the docs' charts are drawn from (see tools/bench/results.ts). `pnpm bench:record --list` prints the ids.
 *
 * A package's vitest benches are recorded from vitest bench's `--outputJson` report; the benchmark scripts that
 * measure heap, CPU time or a server under autocannon write the same format themselves when given `--json <file>`.
 * Benchmarks are noisy on a shared machine: record after a quiet moment, and read the ratios.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../workspace';
import { benchResults, fromVitestReport, type VitestBenchReport, writeBenchResults } from './results';

/** The directory of the recorded results. */
const resultsDir = join(repoRoot, 'docs', 'bench');

interface Recorder {
  /** What it measures, for `--list`. */
  what: string;
  /** The command, as shown in the results file. */
  command: string;
  /** Runs it and writes `file`; returns the exit code. */
  run(file: string): number;
}

function spawn(command: string, args: string[]): number {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function vitestProject(project: string, what: string): Recorder {
  const command = `pnpm vitest bench --run --config tools/vitest.config.ts --project ${project}`;
  return {
    what,
    command,
    run(file) {
      const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
      try {
        const report = join(dir, 'report.json');
        const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
        const code = spawn(process.execPath, [
          vitest,
          'bench',
          '--run',
          '--config',
          'tools/vitest.config.ts',
          '--project',
          project,
          '--outputJson',
          report,
        ]);
        if (code !== 0) return code;
        const parsed = JSON.parse(readFileSync(report, 'utf8')) as VitestBenchReport;
        writeBenchResults(file, benchResults(command, fromVitestReport(parsed)));
        return 0;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A benchmark script run with tsx; `node` are extra node flags (`--expose-gc`), `args` its own arguments. */
function script(path: string, what: string, node: string[] = [], args: string[] = []): Recorder {
  const flags = [...node, '--conditions=source', '--import', 'tsx'];
  const command = ['node', ...flags, path, ...args].join(' ');
  return {
    what,
    command,
    run: (file) => spawn(process.execPath, [...flags, path, ...args, '--json', file]),
  };
}

/** Every recordable benchmark by id; `docs/bench/<id>.json` is its file. */
const recorders: Record<string, Recorder> = {
  reactor: vitestProject('reactor', 'timers: TimerWheel, Reactor, Node timers, @sinonjs/fake-timers'),
  emitter: vitestProject('emitter', 'emit/on/off against eventemitter3, node:events, tseep, nanoevents, mitt'),
  compose: vitestProject('compose', 'middleware chains against koa-compose, Hono, middleware-io'),
  fsm: vitestProject('fsm', 'actor.send, pure transition, actor creation against xstate, robot3, @xstate/store'),
  retry: vitestProject('retry', 'retry overhead against p-retry'),
  breaker: vitestProject('breaker', 'breaker overhead against opossum and cockatiel'),
  bus: vitestProject('bus', 'Redis Streams publish+deliver against a bare loop and BullMQ'),
  'streams-cpu': script('packages/streams/bench/cpu.ts', 'streams CPU time against node:stream, streamx, minipass'),
  'fsm-heap': script('packages/fsm/bench/heap.ts', 'heap per started actor', ['--expose-gc']),
  'fsm-size': script('packages/fsm/bench/size.ts', 'bundle size of @weft/fsm and xstate (build @weft/fsm first)'),
  'breaker-heap': script('packages/breaker/bench/heap.ts', 'heap per breaker', ['--expose-gc']),
  'ratelimit-memory': script(
    'packages/ratelimit/bench/memory-interleaved.ts',
    'memory stores against rate-limiter-flexible and express-rate-limit',
    ['--expose-gc'],
  ),
  'ratelimit-redis': script(
    'packages/ratelimit/bench/redis-interleaved.ts',
    'Redis stores against RateLimiterRedis (starts its own redis-server)',
  ),
  'cluster-ipc': script('packages/cluster/bench/ipc.ts', 'IPC request/response against RateLimiterCluster'),
  'server-http': script(
    'packages/server/bench/http.ts',
    'hello-world and proxy servers under autocannon (about 7 minutes)',
    [],
    ['4', '--rounds', '5'],
  ),
};

function main(argv: string[]): number {
  if (argv.includes('--list') || argv.length === 0) {
    for (const [id, recorder] of Object.entries(recorders)) console.log(`${id.padEnd(18)} ${recorder.what}`);
    if (argv.length === 0) console.log('\nusage: pnpm bench:record <id…> | all');
    return argv.length === 0 ? 1 : 0;
  }
  const ids = argv.includes('all') ? Object.keys(recorders) : argv;
  const unknown = ids.filter((id) => !(id in recorders));
  if (unknown.length > 0) {
    console.error(`bench:record: unknown id ${unknown.map((id) => `"${id}"`).join(', ')}; --list shows the ids`);
    return 1;
  }
  let failed = 0;
  for (const id of ids) {
    const file = join(resultsDir, `${id}.json`);
    console.log(`bench:record: ${id} → docs/bench/${id}.json`);
    const code = (recorders[id] as Recorder).run(file);
    if (code !== 0) {
      console.error(`bench:record: ${id} failed (exit code ${code}); its file is left as it was`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
