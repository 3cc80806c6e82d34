// Heap bytes per started actor: `node --expose-gc --import tsx packages/fsm/bench/heap.ts`
// (run from the repo root). Creates 100,000 started actors per library, keeps them alive, and divides
// the heap growth by their number. `--json <file>` also writes the figures as weft's bench results
// (`pnpm bench:record fsm-heap`).
import { recordResults } from '../../../tools/bench/results';
import { robotService, weftActor, xstateActor, xstateStore } from './machines';

const COUNT = 100_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const measured: { name: string; bytes: number }[] = [];

function perActor(name: string, create: () => unknown): void {
  // The array that keeps the actors alive exists, full size, before the first reading, so its storage is already
  // in `before` and storing an actor in a slot allocates nothing: all the growth is the actors'. (Subtracting a
  // slot's size per actor, as this script once did, counted the array out twice.)
  const keep: unknown[] = [];
  for (let i = 0; i < COUNT; i++) keep.push(0);
  create(); // warm up the machine and code paths outside the measurement
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < COUNT; i++) keep[i] = create();
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const bytes = (after - before) / COUNT;
  console.log(`${name.padEnd(24)} ${bytes.toFixed(0).padStart(6)} B per actor`);
  measured.push({ name, bytes });
  keep.length = 0;
}

perActor('@weft/fsm', weftActor);
perActor('xstate v5', xstateActor);
perActor('robot3', robotService);
perActor('@xstate/store', xstateStore);
recordResults('node --expose-gc --import tsx packages/fsm/bench/heap.ts', [
  { name: `heap per started actor (${COUNT} kept alive)`, benchmarks: measured },
]);
