import { describe, expect, it } from 'vitest';
import { compose } from './compose';
import { isUnawaitedNextError, UnawaitedNextError } from './errors';
import type { Middleware, Next } from './types';

interface Ctx {
  log: string[];
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const slowHandler: Middleware<Ctx> = async function slowHandler(c) {
  await flush();
  c.log.push('handler done');
};

describe('compose strict mode', () => {
  it('rejects with an UnawaitedNextError naming the layer that did not await next()', async () => {
    const forgetful: Middleware<Ctx> = async function forgetful(_c, next) {
      next();
    };
    const composed = compose<Ctx>([async (_c, next) => next(), forgetful, slowHandler], { strict: true });
    const error = await composed({ log: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnawaitedNextError);
    expect(isUnawaitedNextError(error)).toBe(true);
    const violation = error as UnawaitedNextError;
    expect(violation.name).toBe('UnawaitedNextError');
    expect(violation.code).toBe('ERR_WEFT_UNAWAITED_NEXT');
    expect(violation.index).toBe(1);
    expect(violation.layerName).toBe('forgetful');
    expect(violation.message).toMatch(/^middleware #1 \(forgetful\) settled before the downstream/);
  });

  it('counts the index in the flattened chain', async () => {
    const pass: Middleware<Ctx> = (_c, next) => next();
    const forgetful: Middleware<Ctx> = async function forgetful(_c, next) {
      next();
    };
    const error = await compose<Ctx>([pass, [pass, [forgetful]], slowHandler], { strict: true })({ log: [] }).catch(
      (e: unknown) => e,
    );
    expect((error as UnawaitedNextError).index).toBe(2);
  });

  it('catches a synchronous middleware that calls next() without returning it', async () => {
    const composed = compose<Ctx>(
      [
        (_c, next) => {
          next();
        },
        slowHandler,
      ],
      { strict: true },
    );
    const error = (await composed({ log: [] }).catch((e: unknown) => e)) as UnawaitedNextError;
    expect(error.index).toBe(0);
    expect(error.layerName).toBe('<anonymous>');
  });

  it('keeps the error of a layer that failed before its downstream settled as the cause', async () => {
    const boom = new Error('boom');
    const composed = compose<Ctx>(
      [
        async (_c, next) => {
          next();
          throw boom;
        },
        slowHandler,
      ],
      { strict: true },
    );
    const error = (await composed({ log: [] }).catch((e: unknown) => e)) as UnawaitedNextError;
    expect(isUnawaitedNextError(error)).toBe(true);
    expect(error.cause).toBe(boom);
  });

  it('detects next() called after the layer settled, and does not enter the rest of the chain', async () => {
    let later: Next | undefined;
    const ctx: Ctx = { log: [] };
    await compose<Ctx>(
      [
        function stasher(_c, next) {
          later = next;
        },
        (c) => {
          c.log.push('entered');
        },
      ],
      { strict: true },
    )(ctx);
    const error = (await later!().catch((e: unknown) => e)) as UnawaitedNextError;
    expect(isUnawaitedNextError(error)).toBe(true);
    expect(error.layerName).toBe('stasher');
    expect(error.message).toMatch(/called next\(\) after it had settled/);
    expect(ctx.log).toEqual([]);
  });

  it('accepts correct chains: awaited, returned and chained next(), short-circuits and nesting', async () => {
    const ctx: Ctx = { log: [] };
    const inner = compose<Ctx>([(_c, next) => next(), (_c, next) => next().then(() => undefined)], { strict: true });
    await compose<Ctx>(
      [
        async (_c, next) => {
          await next();
        },
        inner,
        (_c, next) => next(),
        async (c, next) => {
          if (c.log.length > 0) return; // short-circuit: fine, no downstream started
          await next();
        },
        async (c, next) => {
          await flush();
          c.log.push('handler done');
          await next();
        },
      ],
      { strict: true },
    )(ctx, async () => {
      await flush();
      ctx.log.push('final');
    });
    expect(ctx.log).toEqual(['handler done', 'final']);
  });

  it('does not flag a missing await whose downstream had already finished synchronously', async () => {
    const ctx: Ctx = { log: [] };
    await compose<Ctx>(
      [
        async (_c, next) => {
          next();
        },
        (c) => {
          c.log.push('sync handler');
        },
      ],
      { strict: true },
    )(ctx);
    expect(ctx.log).toEqual(['sync handler']);
  });

  it('with a reporter function, reports the violation and lets the run finish unchanged', async () => {
    const reported: UnawaitedNextError[] = [];
    const gate = deferred();
    const ctx: Ctx = { log: [] };
    const composed = compose<Ctx>(
      [
        async function forgetful(_c, next) {
          next();
          return 'early';
        },
        async (c) => {
          await gate.promise;
          c.log.push('handler done');
        },
      ],
      { strict: (error) => reported.push(error) },
    );
    await expect(composed(ctx)).resolves.toBe('early');
    expect(reported.map((e) => [e.index, e.layerName])).toEqual([[0, 'forgetful']]);
    gate.resolve();
    await flush();
    expect(ctx.log).toEqual(['handler done']);
  });

  it('with a reporter function, still runs the downstream of a late next()', async () => {
    let later: Next | undefined;
    const reported: string[] = [];
    const ctx: Ctx = { log: [] };
    await compose<Ctx>(
      [
        (_c, next) => {
          later = next;
        },
        (c) => {
          c.log.push('entered late');
        },
      ],
      { strict: (error) => reported.push(error.message) },
    )(ctx);
    await later!();
    expect(ctx.log).toEqual(['entered late']);
    expect(reported).toHaveLength(1);
  });

  it('rejects with what a throwing reporter threw', async () => {
    const fromReporter = new Error('reporter failed');
    const composed = compose<Ctx>(
      [
        async (_c, next) => {
          next();
        },
        slowHandler,
      ],
      {
        strict: () => {
          throw fromReporter;
        },
      },
    );
    await expect(composed({ log: [] })).rejects.toBe(fromReporter);
  });

  it('leaves a rejection of the unawaited downstream unhandled, as without strict mode', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const boom = new Error('lost downstream error');
      const reported: unknown[] = [];
      await compose<Ctx>(
        [
          async (_c, next) => {
            next();
          },
          async () => {
            await flush();
            throw boom;
          },
        ],
        { strict: (error) => reported.push(error) },
      )({ log: [] });
      await flush();
      await flush();
      expect(reported).toHaveLength(1);
      expect(unhandled).toEqual([boom]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
