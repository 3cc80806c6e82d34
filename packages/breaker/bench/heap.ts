// Heap bytes per breaker: `node --expose-gc --import tsx packages/breaker/bench/heap.ts` (from the repo root).
// Each library is measured in a fresh child process: COUNT breakers configured alike (see peers.ts) are kept
// alive, and the growth of the heap plus external memory (typed-array storage) is divided by their number.
// `--json <file>` also writes the figures as weft's bench results (`pnpm bench:record breaker-heap`).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { recordResults } from '../../../tools/bench/results';
import { cockatielBreaker, opossumBreaker, weftBreaker, weftCountBreaker } from './peers';

const COUNT = 20_000;

const subjects: Record<string, { create: () => unknown; dispose?: (breaker: never) => void }> = {
  '@weft/breaker (count window of 100)': { create: weftCountBreaker },
  '@weft/breaker (time window, 10 buckets)': { create: () => weftBreaker() },
  'opossum (time window, 10 buckets)': {
    create: () => opossumBreaker(),
    dispose: (b: ReturnType<typeof opossumBreaker>) => b.shutdown(),
  },
  'cockatiel (SamplingBreaker)': { create: cockatielBreaker },
};

function used(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

function measure(name: string): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  const { create, dispose } = subjects[name] as (typeof subjects)[string];
  const keep: unknown[] = [];
  for (let i = 0; i < 100; i++) keep.push(create()); // warm up the code paths, and grow `keep` outside the measurement
  keep.length = 0;
  keep.length = COUNT;
  keep.fill(0);
  gc();
  const before = used();
  for (let i = 0; i < COUNT; i++) keep[i] = create();
  gc();
  const bytes = (used() - before) / COUNT;
  console.log(`${name.padEnd(44)} ${bytes.toFixed(0).padStart(6)} B per breaker`);
  console.log(JSON.stringify({ name, bytes }));
  if (dispose !== undefined) for (const breaker of keep) dispose(breaker as never);
}

const only = process.argv[2];
if (only !== undefined && only !== '--json') {
  measure(only);
} else {
  const benchmarks = Object.keys(subjects).map((name) => {
    const output = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], {
      encoding: 'utf8',
    });
    const [line, record] = output.trim().split('\n');
    console.log(line);
    return JSON.parse(record as string) as { name: string; bytes: number };
  });
  recordResults('node --expose-gc --import tsx packages/breaker/bench/heap.ts', [
    { name: `heap per breaker (${COUNT} kept alive)`, benchmarks },
  ]);
}
