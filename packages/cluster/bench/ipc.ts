// IPC request/response throughput: @weft/cluster's worker.request()/sup.handle() vs rate-limiter-flexible's
// RateLimiterCluster, both answering with a RateLimiterMemory in the primary. Each runs in its own primary process.
// Run: pnpm exec tsx --conditions=source packages/cluster/bench/ipc.ts [rounds] [durationMs] [--json <file>]
// (`--json` also writes the figures as weft's bench results: `pnpm bench:record cluster-ipc`.)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type BenchGroup, recordResults, withoutJson } from '../../../tools/bench/results';

const positional = withoutJson(process.argv.slice(2));
const rounds = Number(positional[0] ?? 3);
const durationMs = positional[1] ?? '2000';
const primary = fileURLToPath(new URL('./ipc-primary.ts', import.meta.url));

interface Result {
  sequential: number;
  concurrent: number;
}

function run(mode: 'weft' | 'rlf'): Result {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--conditions', 'source', primary, mode, durationMs], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as Result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: Record<'weft' | 'rlf', Result[]> = { weft: [], rlf: [] };
for (let i = 0; i < rounds; i++) {
  // Alternate, so drift in the machine's load hits both alike.
  results.weft.push(run('weft'));
  results.rlf.push(run('rlf'));
}
const k = (n: number) => `${(n / 1000).toFixed(1)} k/s`;
const groups: BenchGroup[] = [];
for (const field of ['sequential', 'concurrent'] as const) {
  const weft = median(results.weft.map((r) => r[field]));
  const rlf = median(results.rlf.map((r) => r[field]));
  const label = field === 'sequential' ? 'sequential (1 in flight)' : '32 in flight';
  console.log(
    `${label.padEnd(26)} @weft/cluster ${k(weft).padStart(10)}   RateLimiterCluster ${k(rlf).padStart(10)}   ratio ${(weft / rlf).toFixed(2)}x`,
  );
  groups.push({
    name: label,
    benchmarks: [
      { name: '@weft/cluster', requestsPerSecond: weft },
      { name: 'RateLimiterCluster', requestsPerSecond: rlf },
    ],
  });
}
const command = `pnpm exec tsx --conditions=source packages/cluster/bench/ipc.ts ${rounds} ${durationMs}`;
recordResults(`${command} (median of ${rounds} rounds)`, groups);
console.log(`(median of ${rounds} rounds of ${durationMs} ms each)`);
