import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { autoWorkerCount, cgroupCpuLimit } from './index';

const files =
  (entries: Record<string, string>) =>
  (path: string): string | undefined =>
    entries[path];

describe('cgroupCpuLimit', () => {
  it('reads a cgroup v2 quota', () => {
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
  });

  it('reads "max" as no limit', () => {
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeUndefined();
  });

  it('falls back to cgroup v1, where -1 means no limit', () => {
    const v1 = (quota: string) =>
      files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': quota, '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' });
    expect(cgroupCpuLimit(v1('300000\n'))).toBe(3);
    expect(cgroupCpuLimit(v1('-1\n'))).toBeUndefined();
  });

  it('returns undefined without cgroup files or with garbage in them', () => {
    expect(cgroupCpuLimit(files({}))).toBeUndefined();
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'nonsense' }))).toBeUndefined();
  });
});

describe('autoWorkerCount', () => {
  it('uses the available parallelism without a quota', () => {
    expect(autoWorkerCount({ parallelism: 8, read: files({}) })).toBe(8);
  });

  it('lowers it to the container quota, rounded down, at least 1', () => {
    const quota = (q: number) => files({ '/sys/fs/cgroup/cpu.max': `${q} 100000` });
    expect(autoWorkerCount({ parallelism: 16, read: quota(200_000) })).toBe(2);
    expect(autoWorkerCount({ parallelism: 16, read: quota(250_000) })).toBe(2);
    expect(autoWorkerCount({ parallelism: 16, read: quota(50_000) })).toBe(1);
    expect(autoWorkerCount({ parallelism: 2, read: quota(800_000) })).toBe(2);
  });

  it('defaults to this machine: at most os.availableParallelism()', () => {
    const count = autoWorkerCount();
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThanOrEqual(availableParallelism());
  });
});
