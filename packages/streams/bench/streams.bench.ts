// 1,000,000 objects through source → 3 pass-throughs → sink, and 1 GiB of 64 KiB Buffers (fresh and reused)
// through source → 1 transform → sink: weft vs node:stream vs streamx vs minipass vs WHATWG streams.
// WHATWG streams take ~25 s per million objects, so they run in their own group at 100,000 objects.
// Peak RSS per case comes from `bench/rss.ts` (one child process per case).
import { bench, describe, expect } from 'vitest';
import { byteCases, type Case, CHUNKS, OBJECTS, objectCases, TOTAL_BYTES } from './cases';

function group(title: string, cases: Record<string, Case>, expected: number, iterations: number, only?: string[]) {
  const options = { time: 0, iterations, warmupTime: 0, warmupIterations: Math.max(1, iterations >> 3) };
  describe(title, () => {
    for (const [name, run] of Object.entries(cases)) {
      if (only !== undefined && !only.includes(name)) continue;
      bench(name, async () => expect(await run()).toBe(expected), options);
    }
  });
}

group(`${OBJECTS.toLocaleString('en')} objects: source → 3 pass-through → sink`, objectCases(OBJECTS), OBJECTS, 5, [
  'weft',
  'node:stream',
  'streamx',
  'minipass',
]);
group('100,000 objects with WHATWG streams', objectCases(100_000), 100_000, 3, [
  'weft',
  'node:stream',
  'WHATWG streams',
]);
group(`1 GiB in ${CHUNKS} reused 64 KiB Buffers: source → 1 transform → sink`, byteCases('reused'), TOTAL_BYTES, 40);
// Last: its gigabyte of garbage per iteration would otherwise be collected during the next group.
group(`1 GiB in ${CHUNKS} fresh 64 KiB Buffers: source → 1 transform → sink`, byteCases('fresh'), TOTAL_BYTES, 6);
