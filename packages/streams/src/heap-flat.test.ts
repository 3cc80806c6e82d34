import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packageDir = join(import.meta.dirname, '..');
const repoRoot = join(packageDir, '..', '..');

interface HeapReport {
  seen: number;
  maxHeapBytes: number;
}

/** Streams `items` in a child process whose heap is capped at 64 MiB; rejects if it runs out of memory. */
function runCapped(mode: 'for-await' | 'pipeline', items: number, highWaterMark: number): Promise<HeapReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--max-old-space-size=64', '--import', 'tsx', '--conditions=source', join(packageDir, 'test', 'heap-flat.mjs')],
      {
        cwd: repoRoot,
        timeout: 25_000,
        env: {
          ...process.env,
          WEFT_STREAMS_ENTRY: join(packageDir, 'src', 'index.ts'),
          ITEMS: String(items),
          HIGH_WATER_MARK: String(highWaterMark),
          MODE: mode,
        },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`child failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as HeapReport);
      },
    );
  });
}

const MiB = 1024 * 1024;

describe('heap stays flat', () => {
  // Node 20's for-await over an object-mode Readable at highWaterMark 1 keeps a nextTick per item (~148 MiB per
  // million): 10 million items would need well over a GiB. Ours schedules at most one deferred callback per stream.
  it('for await over 10 million items at highWaterMark 1 and 1024 runs in a 64 MiB heap', async () => {
    const [one, many] = await Promise.all([
      runCapped('for-await', 10_000_000, 1),
      runCapped('for-await', 10_000_000, 1024),
    ]);
    expect(one.seen).toBe(10_000_000);
    expect(many.seen).toBe(10_000_000);
    expect(one.maxHeapBytes).toBeLessThan(48 * MiB);
    expect(many.maxHeapBytes).toBeLessThan(48 * MiB);
  }, 30_000);

  it('a pipeline with an async sink over 2 million items at highWaterMark 1 runs in a 64 MiB heap', async () => {
    const report = await runCapped('pipeline', 2_000_000, 1);
    expect(report.seen).toBe(2_000_000);
    expect(report.maxHeapBytes).toBeLessThan(48 * MiB);
  }, 30_000);
});
