/**
 * How fast could any dispatcher be? `node --import tsx packages/compose/bench/ceiling.ts` (from the repo root)
 * times, on the chains of `compose.bench.ts` (each run awaited, as there), koa-compose and weft beside two bounds
 * that are not dispatchers with koa's semantics:
 * - `no dispatcher`: each layer's `next` is a closure made once that calls the next layer directly, with no
 *   multiple-`next()` check, no per-run state and no allocation (wrong for concurrent runs, a lower bound only);
 * - `floor`: a composed function that runs no layer at all and returns a resolved promise, i.e. the cost of
 *   calling and awaiting a run.
 * Rounds interleave the four, each timed in process CPU time; the figure is the median round (ns per run).
 */
import koaCompose from 'koa-compose';
import { compose } from '../src/index';
import type { Middleware, Next } from '../src/types';

type Run = (ctx: object) => Promise<unknown>;
type Layer = Middleware<object>;

const RESOLVED: Promise<void> = Promise.resolve();
const toPromise = (value: unknown): Promise<unknown> =>
  value === undefined || value === RESOLVED ? RESOLVED : value instanceof Promise ? value : Promise.resolve(value);

function noDispatcher(layers: Layer[]): Run {
  let current: object = {};
  const nexts: Next[] = new Array(layers.length + 1);
  nexts[layers.length] = () => RESOLVED;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i] as Layer;
    const next = nexts[i + 1] as Next;
    nexts[i] = () => toPromise(layer(current, next)) as Promise<void>;
  }
  const first = nexts[0] as Next;
  return (ctx) => {
    current = ctx;
    return first();
  };
}

const ROUNDS = 15;
const RUNS = 20_000;
const kinds: [string, () => Layer][] = [
  ['sync', () => (_ctx, next) => next()],
  [
    'async',
    () => async (_ctx, next) => {
      await next();
    },
  ],
];

for (const [kind, make] of kinds) {
  for (const length of [1, 10, 50]) {
    const layers = Array.from({ length }, make);
    const runs: [string, Run][] = [
      ['koa-compose', koaCompose(layers as koaCompose.Middleware<object>[]) as Run],
      ['weft', compose(layers) as Run],
      ['no dispatcher', noDispatcher(layers)],
      ['floor', () => RESOLVED],
    ];
    const samples = runs.map((): number[] => []);
    const ctx = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (let r = 0; r < runs.length; r++) {
        const run = (runs[r] as [string, Run])[1];
        const start = process.cpuUsage();
        for (let i = 0; i < RUNS; i++) await run(ctx);
        const used = process.cpuUsage(start);
        (samples[r] as number[]).push(((used.user + used.system) * 1000) / RUNS);
      }
    }
    // The first rounds warm the code up; the median of the rest is the figure.
    const median = (values: number[]) => values.slice(3).sort((a, b) => a - b)[(values.length - 3) >> 1] as number;
    const figures = samples.map(median);
    const koa = figures[0] as number;
    const cells = runs.map(([name], r) => {
      const ns = figures[r] as number;
      return `${name} ${ns.toFixed(0)} ns (${(koa / ns).toFixed(2)}x)`;
    });
    console.log(`${kind} no-op x${length}:`.padEnd(20), cells.join('   '));
  }
}
