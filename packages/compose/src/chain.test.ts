import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Chain, chain } from './chain';
import type { ComposedMiddleware, Middleware, Next } from './types';

interface Request {
  headers: Record<string, string>;
  body?: string;
}

interface User {
  id: string;
}

describe('chain', () => {
  it('runs the used middleware in order, as compose does', async () => {
    const run = chain<Request>()
      .use<{ user: User }>(async (ctx, next) => {
        ctx.user = { id: ctx.headers.authorization ?? 'anonymous' };
        await next();
        ctx.body = `${ctx.body}!`;
      })
      .use<{ started: number }>((ctx, next) => {
        ctx.started = 1;
        return next();
      })
      .use((ctx) => {
        ctx.body = `hello ${ctx.user.id} ${ctx.started}`;
      })
      .compose();
    const ctx: Request = { headers: { authorization: 'ada' } };
    await run(ctx);
    expect(ctx.body).toBe('hello ada 1!');
  });

  it('is immutable: use() returns a new chain and leaves the old one as it was', async () => {
    const base = chain<{ log: string[] }>().use((ctx, next) => {
      ctx.log.push('base');
      return next();
    });
    const extended = base.use((ctx) => {
      ctx.log.push('extended');
    });
    expect(base.middleware).toHaveLength(1);
    expect(extended.middleware).toHaveLength(2);
    const ctx = { log: [] as string[] };
    await base.compose()(ctx);
    expect(ctx.log).toEqual(['base']);
  });

  it('passes compose options through', async () => {
    const reason = new Error('stop');
    const run = chain<{ entered?: boolean }>()
      .use((ctx) => {
        ctx.entered = true;
      })
      .compose({ signal: AbortSignal.abort(reason) });
    const ctx: { entered?: boolean } = {};
    await expect(run(ctx)).rejects.toBe(reason);
    expect(ctx.entered).toBeUndefined();
  });

  it('throws a TypeError for a non-function at use()', () => {
    expect(() => chain().use(42 as never)).toThrow('middleware[0]: expected a middleware function, got 42');
  });

  it('accumulates the context types', () => {
    const started = chain<Request>();
    expectTypeOf(started).toEqualTypeOf<Chain<Request, Request>>();

    const withUser = started.use<{ user: User }>((ctx, next) => {
      expectTypeOf(ctx).toEqualTypeOf<Request & { user: User }>();
      ctx.user = { id: 'x' };
      return next();
    });
    expectTypeOf(withUser).toEqualTypeOf<Chain<Request, Request & { user: User }>>();

    const withBoth = withUser.use<{ traceId: string }>((ctx, next) => {
      expectTypeOf(ctx.user).toEqualTypeOf<User>();
      ctx.traceId = 't';
      return next();
    });
    withBoth.use((ctx, next) => {
      expectTypeOf(ctx.user).toEqualTypeOf<User>();
      expectTypeOf(ctx.traceId).toEqualTypeOf<string>();
      expectTypeOf(next).toEqualTypeOf<Next>();
      return next();
    });

    // The composed function takes what a run starts with, not what the middleware add.
    expectTypeOf(withBoth.compose()).toEqualTypeOf<ComposedMiddleware<Request>>();
  });

  it('accepts middleware written for a smaller context, and refuses middleware needing what nothing added', () => {
    const logsPath: Middleware<{ headers: Record<string, string> }> = (_ctx, next) => next();
    const needsUser: Middleware<Request & { user: User }> = (_ctx, next) => next();

    chain<Request>().use(logsPath);
    // @ts-expect-error: no earlier middleware declared that it adds `user`
    chain<Request>().use(needsUser);
    chain<Request>()
      .use<{ user: User }>((ctx, next) => {
        ctx.user = { id: 'x' };
        return next();
      })
      .use(needsUser);
    // @ts-expect-error: an inline middleware cannot read a field nothing added
    chain<Request>().use((ctx) => ctx.user);
  });
});
