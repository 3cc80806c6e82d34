/**
 * weft's compose against koa-compose, Hono's compose and middleware-io, on chains of 1, 10 and 50 no-op middleware,
 * async (`async (ctx, next) => { await next() }`) and sync (`(ctx, next) => next()`). Every library keeps its
 * multiple-next() check (none can turn it off). Each iteration awaits RUNS sequential runs of the chain, so that the
 * harness's own per-iteration cost (two clock reads and an await) does not drown the differences.
 */
import koaCompose from 'koa-compose';
import { compose as mioCompose } from 'middleware-io';
import { bench, describe } from 'vitest';
import { compose } from '../src/index';
import type { Middleware } from '../src/types';

// Hono does not export its compose (no "./compose" in its exports map), so it is imported from its file.
type HonoCompose = (middleware: [[Middleware<HonoContext>]][]) => (ctx: HonoContext) => Promise<unknown>;
interface HonoContext {
  req: { routeIndex?: number };
  finalized: boolean;
}
const honoFile = new URL('../node_modules/hono/dist/compose.js', import.meta.url).href;
const { compose: honoCompose } = (await import(honoFile)) as { compose: HonoCompose };

const RUNS = 100;
const options = { time: 800, warmupTime: 200 };

// A distinct function per layer, as in a real app (each closure is its own function object).
const asyncNoop = (): Middleware<HonoContext> => async (_ctx, next) => {
  await next();
};
const syncNoop = (): Middleware<HonoContext> => (_ctx, next) => next();

type Run = (ctx: HonoContext) => Promise<unknown>;

function suite(kind: string, make: () => Middleware<HonoContext>, length: number): void {
  const layers = Array.from({ length }, make);
  const runs: [string, Run][] = [
    ['weft', compose(layers)],
    ['koa-compose', koaCompose(layers as koaCompose.Middleware<HonoContext>[]) as Run],
    ['hono', honoCompose(layers.map((layer) => [[layer]]))],
    // middleware-io types next() as returning Promise<unknown>, ours as Promise<void>: same functions.
    ['middleware-io', mioCompose<HonoContext>(layers as never) as Run],
  ];
  describe(`${kind} no-op x${length}`, () => {
    for (const [name, run] of runs) {
      const ctx: HonoContext = { req: {}, finalized: true };
      bench(
        name,
        async () => {
          for (let i = 0; i < RUNS; i++) await run(ctx);
        },
        options,
      );
    }
  });
}

for (const length of [1, 10, 50]) suite('async', asyncNoop, length);
for (const length of [1, 10, 50]) suite('sync', syncNoop, length);
