/** autocannon 9 (a devDependency of @weft/server), run as a separate process with `--json`. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Proc, repoRoot, startProcess } from './proc';

const autocannonBin: string = createRequire(join(repoRoot, 'packages', 'server', 'package.json')).resolve('autocannon');

/** The parts of autocannon's JSON result the suite reads. */
export interface AutocannonResult {
  requests: { average: number; total: number; sent: number };
  latency: { p50: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  statusCodeStats: Record<string, { count: number }>;
  duration: number;
}

/** Options of {@link autocannon}. */
export interface AutocannonOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** Overall request rate (req/s) across connections; default unlimited. */
  rate?: number;
  /** Per-request timeout in seconds; default 10. */
  timeoutSec?: number;
}

/** Starts an autocannon run; `result` resolves with its JSON once it finishes. */
export function autocannon(options: AutocannonOptions): { proc: Proc; result: Promise<AutocannonResult> } {
  const args = [
    autocannonBin,
    '--json',
    '-c',
    String(options.connections),
    '-d',
    String(options.durationSec),
    '-t',
    String(options.timeoutSec ?? 10),
  ];
  if (options.rate !== undefined) args.push('-R', String(options.rate));
  args.push(options.url);
  const proc = startProcess('autocannon', process.execPath, args);
  const result = proc.exit.then((info) => {
    const text = proc.output();
    const start = text.indexOf('{"');
    if (info.code !== 0 || start === -1) {
      throw new Error(`autocannon failed (code ${info.code}): ${text.slice(-2_000)}`);
    }
    return JSON.parse(text.slice(start, text.lastIndexOf('}') + 1)) as AutocannonResult;
  });
  return { proc, result };
}

/** Status counts of a result, as a map. */
export function statusCounts(result: AutocannonResult): Map<number, number> {
  const map = new Map<number, number>();
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) map.set(Number(status), count);
  return map;
}
