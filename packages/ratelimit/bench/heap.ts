// Heap measurement for the benchmarks: a forced GC (exposed at runtime) before reading heapUsed.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection, in MB. */
export function heapUsedMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}
