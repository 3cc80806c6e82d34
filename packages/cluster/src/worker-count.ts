import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Reads a file as text, or returns `undefined` if it cannot. */
export type ReadText = (path: string) => string | undefined;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The CPU limit a cgroup puts on this process, in CPUs (e.g. `1.5`), or `undefined` when there is none. Reads
 * cgroup v2's `/sys/fs/cgroup/cpu.max` (`"<quota> <period>"` or `"max <period>"`), then cgroup v1's
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`.
 */
export function cgroupCpuLimit(read: ReadText = readText): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== undefined) {
    const [quota, period] = v2.trim().split(/\s+/);
    return ratio(quota, period);
  }
  const quota = read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us');
  const period = read('/sys/fs/cgroup/cpu/cpu.cfs_period_us') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us');
  return ratio(quota?.trim(), period?.trim());
}

function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  if (quota === undefined || period === undefined || quota === 'max') return undefined;
  const q = Number(quota);
  const p = Number(period);
  // cgroup v1 writes -1 for "no limit".
  if (!(q > 0 && p > 0)) return undefined;
  return q / p;
}

/**
 * How many workers `workers: 'auto'` starts: `os.availableParallelism()` (which honours CPU affinity), lowered to
 * the cgroup CPU quota when a container sets one (rounded down, at least 1), as Uber's automaxprocs does: more
 * busy workers than the quota only get throttled.
 *
 * @example
 * ```ts
 * import { autoWorkerCount } from '@weft/cluster';
 * autoWorkerCount(); // 2 on a 16-core host in a container limited to `--cpus=2`
 * ```
 */
export function autoWorkerCount(
  options: { parallelism?: number | undefined; read?: ReadText | undefined } = {},
): number {
  const cpus = options.parallelism ?? availableParallelism();
  const limit = cgroupCpuLimit(options.read);
  if (limit === undefined) return Math.max(1, cpus);
  return Math.max(1, Math.min(cpus, Math.floor(limit)));
}
