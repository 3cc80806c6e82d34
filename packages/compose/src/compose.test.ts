import { createHook } from 'node:async_hooks';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type ComposeOptions, compose } from './compose';
import { isMultipleNextError, MultipleNextError } from './errors';
import type { ComposedMiddleware, Middleware, MiddlewareStack, Next } from './types';

interface Ctx {
  log: string[];
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise continuation run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const tick = () => Promise.resolve();

// The koa-compose semantics must hold in every mode, so they run once per mode.
const modes: [string, ComposeOptions<Ctx>][] = [
  ['default', {}],
  ['strict', { strict: true }],
  ['with a signal', { signal: new AbortController().signal }],
  ['with a per-run signal', { signal: () => new AbortController().signal }],
];

describe.each(modes)('compose (%s): koa-compose semantics', (_mode, options) => {
  const run = (middleware: Middleware<Ctx>[]) => compose(middleware, options);

  it('runs the code before next() in order and the code after it in reverse order', async () => {
    const ctx: Ctx = { log: [] };
    const layer =
      (name: string): Middleware<Ctx> =>
      async (c, next) => {
        c.log.push(`${name} in`);
        await tick();
        await next();
        await tick();
        c.log.push(`${name} out`);
      };
    await run([layer('a'), layer('b'), layer('c')])(ctx);
    expect(ctx.log).toEqual(['a in', 'b in', 'c in', 'c out', 'b out', 'a out']);
  });

  it('settles only after the whole onion has unwound', async () => {
    const gate = deferred();
    const ctx: Ctx = { log: [] };
    let settled = false;
    const done = run([
      async (c, next) => {
        await next();
        c.log.push('outer out');
      },
      async (c) => {
        await gate.promise;
        c.log.push('inner done');
      },
    ])(ctx).then(() => {
      settled = true;
    });
    await flush();
    expect(settled).toBe(false);
    gate.resolve();
    await done;
    expect(ctx.log).toEqual(['inner done', 'outer out']);
  });

  it('resolves with the first layer return value and hands each layer what its downstream returned', async () => {
    const seen: unknown[] = [];
    const composed = run([
      async (_c, next) => {
        seen.push(await next());
        return 'first';
      },
      (_c, next) =>
        next().then((value) => {
          seen.push(value);
          return 'second';
        }),
    ]);
    const finalNext = (() => 'final') as unknown as Next;
    await expect(composed({ log: [] }, finalNext)).resolves.toBe('first');
    expect(seen).toEqual(['final', 'second']);
  });

  it('resolves with a plain value and with a foreign thenable returned by a layer', async () => {
    // biome-ignore lint/suspicious/noThenProperty: a foreign thenable is the point of this test
    const thenable = { then: (resolve: (value: string) => void) => resolve('from thenable') };
    await expect(run([() => 42])({ log: [] })).resolves.toBe(42);
    await expect(run([() => thenable])({ log: [] })).resolves.toBe('from thenable');
  });

  it('hands the same context object to every layer and to the final next', async () => {
    const ctx: Ctx = { log: [] };
    const seen: unknown[] = [];
    const finalNext = ((c: unknown) => {
      seen.push(c);
    }) as unknown as Next;
    await run([
      (c, next) => {
        seen.push(c);
        return next();
      },
      async (c, next) => {
        seen.push(c);
        await next();
      },
    ])(ctx, finalNext);
    expect(seen).toHaveLength(3);
    for (const c of seen) expect(c).toBe(ctx);
  });

  it('turns a synchronous throw into a rejection an outer layer can catch', async () => {
    const boom = new Error('sync boom');
    const ctx: Ctx = { log: [] };
    await run([
      async (c, next) => {
        try {
          await next();
        } catch (error) {
          c.log.push(`caught ${(error as Error).message}`);
        }
      },
      () => {
        throw boom;
      },
    ])(ctx);
    expect(ctx.log).toEqual(['caught sync boom']);
    const composed = run([
      () => {
        throw boom;
      },
    ]);
    // Never throws synchronously: the error always arrives as a rejection.
    const result = composed({ log: [] });
    await expect(result).rejects.toBe(boom);
  });

  it('propagates a rejection outward through the layers that do not catch it', async () => {
    const boom = new Error('async boom');
    const ctx: Ctx = { log: [] };
    const composed = run([
      async (c, next) => {
        await next();
        c.log.push('never after a failure');
      },
      async (c, next) => {
        c.log.push('middle in');
        await next();
      },
      async () => {
        await tick();
        throw boom;
      },
    ]);
    await expect(composed(ctx)).rejects.toBe(boom);
    expect(ctx.log).toEqual(['middle in']);
  });

  it('propagates an error through nested chains to the outer layer that catches it', async () => {
    const boom = new Error('deep');
    const ctx: Ctx = { log: [] };
    const inner = compose<Ctx>(
      [
        async (_c, next) => {
          await next();
        },
        compose<Ctx>([
          async () => {
            throw boom;
          },
        ]),
      ],
      options,
    );
    await run([
      async (c, next) => {
        try {
          await next();
        } catch (error) {
          c.log.push(error === boom ? 'caught the same error' : 'caught something else');
        }
      },
      inner,
    ])(ctx);
    expect(ctx.log).toEqual(['caught the same error']);
  });

  it('rejects a second next() call with Error("next() called multiple times")', async () => {
    let second: unknown;
    const downstream: string[] = [];
    const composed = run([
      async (_c, next) => {
        await next();
        second = await next().catch((error: unknown) => error);
      },
      () => {
        downstream.push('entered');
      },
    ]);
    await composed({ log: [] });
    expect(second).toBeInstanceOf(Error);
    expect(second).toBeInstanceOf(MultipleNextError);
    expect((second as Error).message).toBe('next() called multiple times');
    expect(isMultipleNextError(second)).toBe(true);
    expect((second as MultipleNextError).code).toBe('ERR_WEFT_NEXT_CALLED_TWICE');
    expect(downstream).toEqual(['entered']);
  });

  it('rejects the run when a layer awaits its second next()', async () => {
    const composed = run([
      async (_c, next) => {
        await next();
        await next();
      },
    ]);
    await expect(composed({ log: [] })).rejects.toThrow('next() called multiple times');
  });

  it('detects a second next() inside a nested chain, and a nested chain calling the outer next twice', async () => {
    const inner = compose<Ctx>(
      [
        async (_c, next) => {
          await next();
          await next();
        },
      ],
      options,
    );
    await expect(run([inner])({ log: [] })).rejects.toThrow('next() called multiple times');

    const once = compose<Ctx>([(_c, next) => next()], options);
    const outer = run([
      async (c, next) => {
        await once(c, next);
        await once(c, next); // a new run of the inner chain, but the same outer next
      },
    ]);
    await expect(outer({ log: [] })).rejects.toThrow('next() called multiple times');
  });

  it('runs the final next after the last layer and before the way back out', async () => {
    const ctx: Ctx = { log: [] };
    const finalNext: Next = async () => {
      ctx.log.push('final');
    };
    await run([
      async (c, next) => {
        c.log.push('a in');
        await next();
        c.log.push('a out');
      },
    ])(ctx, finalNext);
    expect(ctx.log).toEqual(['a in', 'final', 'a out']);
  });

  it('stops at a layer that does not call next(): later layers and the final next do not run', async () => {
    const ctx: Ctx = { log: [] };
    await run([
      (c) => {
        c.log.push('short-circuit');
      },
      (c) => {
        c.log.push('never');
      },
    ])(ctx, async () => {
      ctx.log.push('never final');
    });
    expect(ctx.log).toEqual(['short-circuit']);
  });

  it('runs an empty chain as just the final next, resolving with its value', async () => {
    const ctx: Ctx = { log: [] };
    await expect(run([])(ctx)).resolves.toBeUndefined();
    await expect(run([])(ctx, (() => 'final') as unknown as Next)).resolves.toBe('final');
  });

  it('nests: a composed chain is itself a middleware', async () => {
    const ctx: Ctx = { log: [] };
    const layer =
      (name: string): Middleware<Ctx> =>
      async (c, next) => {
        c.log.push(`${name} in`);
        await next();
        c.log.push(`${name} out`);
      };
    const inner = compose<Ctx>([layer('b'), layer('c')], options);
    await run([layer('a'), inner, layer('d')])(ctx);
    expect(ctx.log).toEqual(['a in', 'b in', 'c in', 'd in', 'd out', 'c out', 'b out', 'a out']);
  });

  it('keeps concurrent runs apart', async () => {
    const gates = [deferred(), deferred()];
    const composed = run([
      async (c, next) => {
        await gates[c.log.length === 0 ? 0 : 1]!.promise;
        await next();
      },
      (c) => {
        c.log.push('handled');
      },
    ]);
    const first: Ctx = { log: [] };
    const second: Ctx = { log: ['second'] };
    const runs = [composed(first), composed(second)];
    gates[1]!.resolve();
    await runs[1];
    expect(second.log).toEqual(['second', 'handled']);
    expect(first.log).toEqual([]);
    gates[0]!.resolve();
    await runs[0];
    expect(first.log).toEqual(['handled']);
  });
});

describe('compose: types', () => {
  it('infers the context type from the middleware and types next()', () => {
    interface Req {
      url: string;
    }
    const handler: Middleware<Req> = (_ctx, next) => next();
    const composed = compose([handler, [handler]]);
    expectTypeOf(composed).toEqualTypeOf<ComposedMiddleware<Req>>();
    expectTypeOf(composed).toBeCallableWith({ url: '/' });
    expectTypeOf<Next>().returns.toEqualTypeOf<Promise<void>>();
    // A composed chain fits where a middleware goes.
    expectTypeOf(composed).toExtend<Middleware<Req>>();
    compose<Req>([composed, handler]);
  });
});

describe('compose: input', () => {
  it('reads the array once: changing it after compose changes nothing', async () => {
    const ctx: Ctx = { log: [] };
    const middleware: Middleware<Ctx>[] = [
      (c, next) => {
        c.log.push('a');
        return next();
      },
    ];
    const composed = compose(middleware);
    middleware.push((c) => {
      c.log.push('pushed later');
    });
    middleware[0] = (c) => {
      c.log.push('replaced later');
    };
    await composed(ctx);
    expect(ctx.log).toEqual(['a']);
  });

  it('flattens nested arrays, as koa-compose does, and skips holes', async () => {
    const ctx: Ctx = { log: [] };
    const layer =
      (name: string): Middleware<Ctx> =>
      (c, next) => {
        c.log.push(name);
        return next();
      };
    // biome-ignore lint/suspicious/noSparseArray: koa-compose ignores holes; this checks that we do too
    const stack = [layer('a'), [layer('b'), [layer('c')]], , layer('d')] as MiddlewareStack<Ctx>;
    await compose(stack)(ctx);
    expect(ctx.log).toEqual(['a', 'b', 'c', 'd']);
  });

  it('throws a TypeError at compose time for a non-array', () => {
    expect(() => compose('nope' as never)).toThrow(TypeError);
    expect(() => compose('nope' as never)).toThrow('middleware: expected an array of functions, got "nope"');
    expect(() => compose(undefined as never)).toThrow('middleware: expected an array of functions, got undefined');
  });

  it('throws a TypeError at compose time naming the index of an element that is not a function', () => {
    const ok: Middleware<Ctx> = (_c, next) => next();
    expect(() => compose([ok, ok, 42 as never])).toThrow(TypeError);
    expect(() => compose([ok, ok, 42 as never])).toThrow('middleware[2]: expected a middleware function, got 42');
    expect(() => compose([ok, [ok, null as never]])).toThrow(
      'middleware[1][1]: expected a middleware function, got null',
    );
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => compose([], 'strict' as never)).toThrow('options: expected an object, got "strict"');
    expect(() => compose([], { signal: {} as never })).toThrow(
      'options.signal: expected an AbortSignal or a function returning one, got an object',
    );
    expect(() => compose([], { strict: 'yes' as never })).toThrow(
      'options.strict: expected a boolean or a function, got "yes"',
    );
  });
});

describe.each([
  ['default', false],
  ['strict', true],
] as const)('compose (%s): cancellation', (_mode, strict) => {
  it('rejects with the reason and runs no layer when the signal is already aborted', async () => {
    const reason = new Error('shutting down');
    const ctx: Ctx = { log: [] };
    const composed = compose<Ctx>(
      [
        (c) => {
          c.log.push('entered');
        },
      ],
      { signal: AbortSignal.abort(reason), strict },
    );
    await expect(composed(ctx)).rejects.toBe(reason);
    expect(ctx.log).toEqual([]);
  });

  it('once aborted, next() enters no further layer and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const gate = deferred();
    const ctx: Ctx = { log: [] };
    let caught: unknown;
    const composed = compose<Ctx>(
      [
        async (c, next) => {
          try {
            await next();
          } catch (error) {
            caught = error;
            c.log.push('outer saw the abort');
          }
        },
        async (c, next) => {
          c.log.push('second in');
          await gate.promise;
          await next();
        },
        (c) => {
          c.log.push('third: never');
        },
      ],
      { signal: controller.signal, strict },
    );
    const finalNext: Next = async () => {
      ctx.log.push('final: never');
    };
    const done = composed(ctx, finalNext);
    await flush();
    controller.abort(new Error('client gone'));
    gate.resolve();
    await done;
    expect(ctx.log).toEqual(['second in', 'outer saw the abort']);
    expect((caught as Error).message).toBe('client gone');
  });

  it('does not enter the final next once aborted', async () => {
    const controller = new AbortController();
    const ctx: Ctx = { log: [] };
    const composed = compose<Ctx>(
      [
        async (_c, next) => {
          controller.abort();
          await next();
        },
      ],
      { signal: controller.signal, strict },
    );
    const error = await composed(ctx, async () => {
      ctx.log.push('final: never');
    }).catch((e: unknown) => e);
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe('AbortError');
    expect(ctx.log).toEqual([]);
  });

  it('reads a per-run signal from the context once per run', async () => {
    interface Req extends Ctx {
      signal: AbortSignal;
    }
    let reads = 0;
    const composed = compose<Req>(
      [
        (c, next) => {
          c.log.push('a');
          return next();
        },
        (c, next) => {
          c.log.push('b');
          return next();
        },
      ],
      {
        signal: (c) => {
          reads++;
          return c.signal;
        },
        strict,
      },
    );
    const live: Req = { log: [], signal: new AbortController().signal };
    const gone: Req = { log: [], signal: AbortSignal.abort(new Error('gone')) };
    await composed(live);
    await expect(composed(gone)).rejects.toThrow('gone');
    expect(live.log).toEqual(['a', 'b']);
    expect(gone.log).toEqual([]);
    expect(reads).toBe(2);
  });

  it('rejects, without throwing, when the per-run signal function throws', async () => {
    const boom = new Error('no signal here');
    const composed = compose<Ctx>([(_c, next) => next()], {
      signal: () => {
        throw boom;
      },
      strict,
    });
    let result: Promise<void> | undefined;
    expect(() => {
      result = composed({ log: [] });
    }).not.toThrow();
    await expect(result).rejects.toBe(boom);
  });

  it('runs normally when the per-run function returns no signal', async () => {
    const ctx: Ctx = { log: [] };
    await compose<Ctx>(
      [
        (c) => {
          c.log.push('ran');
        },
      ],
      { signal: () => undefined, strict },
    )(ctx);
    expect(ctx.log).toEqual(['ran']);
  });
});

describe('compose: sync fast path', () => {
  function countPromises(fn: () => void): number {
    let count = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'PROMISE') count++;
      },
    });
    hook.enable();
    try {
      fn();
    } finally {
      hook.disable();
    }
    return count;
  }

  it('creates no promise for a run of synchronous middleware that return next() or nothing', async () => {
    const layers: Middleware<Ctx>[] = Array.from({ length: 10 }, () => (_c, next) => next());
    layers.push((c) => {
      c.log.push('handled');
    });
    const composed = compose(layers);
    const ctx: Ctx = { log: [] };
    let result: Promise<void> | undefined;
    const created = countPromises(() => {
      result = composed(ctx);
    });
    expect(created).toBe(0);
    expect(ctx.log).toEqual(['handled']);
    await expect(result).resolves.toBeUndefined();
  });

  it('creates one promise for a synchronous layer that returns a value', () => {
    const composed = compose<Ctx>([(_c, next) => next(), () => 'value']);
    expect(countPromises(() => void composed({ log: [] }))).toBe(1);
  });
});
