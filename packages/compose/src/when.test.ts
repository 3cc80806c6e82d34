import { describe, expect, expectTypeOf, it } from 'vitest';
import { compose } from './compose';
import type { Middleware } from './types';
import { branch, when } from './when';

interface Ctx {
  path: string;
  log: string[];
}

const record =
  (name: string): Middleware<Ctx> =>
  async (c, next) => {
    c.log.push(name);
    await next();
  };

const tail: Middleware<Ctx> = (c) => {
  c.log.push('tail');
};

describe('when', () => {
  it('runs the middleware only when the predicate holds, and otherwise goes on with next()', async () => {
    const composed = compose<Ctx>([when((c) => c.path.startsWith('/api'), record('api')), tail]);
    const api: Ctx = { path: '/api/users', log: [] };
    const home: Ctx = { path: '/', log: [] };
    await composed(api);
    await composed(home);
    expect(api.log).toEqual(['api', 'tail']);
    expect(home.log).toEqual(['tail']);
  });

  it('lets the conditional middleware short-circuit', async () => {
    const stop: Middleware<Ctx> = (c) => {
      c.log.push('stopped');
    };
    const ctx: Ctx = { path: '/admin', log: [] };
    await compose<Ctx>([when((c) => c.path === '/admin', stop), tail])(ctx);
    expect(ctx.log).toEqual(['stopped']);
  });

  it('awaits an asynchronous predicate', async () => {
    const composed = compose<Ctx>([when(async (c) => c.path === '/slow', record('matched')), tail]);
    const yes: Ctx = { path: '/slow', log: [] };
    const no: Ctx = { path: '/fast', log: [] };
    await composed(yes);
    await composed(no);
    expect(yes.log).toEqual(['matched', 'tail']);
    expect(no.log).toEqual(['tail']);
  });

  it('rejects the layer when the predicate throws or rejects', async () => {
    const boom = new Error('predicate failed');
    const throwing = when<Ctx>(() => {
      throw boom;
    }, record('never'));
    const rejecting = when<Ctx>(() => Promise.reject(boom), record('never'));
    await expect(compose([throwing])({ path: '/', log: [] })).rejects.toBe(boom);
    await expect(compose([rejecting])({ path: '/', log: [] })).rejects.toBe(boom);
  });

  it('narrows the context for a type-guard predicate', () => {
    interface Base {
      user?: { id: string };
    }
    const guarded = when(
      (c: Base): c is Base & { user: { id: string } } => c.user !== undefined,
      (c, next) => {
        expectTypeOf(c.user).toEqualTypeOf<{ id: string }>();
        return next();
      },
    );
    expectTypeOf(guarded).toEqualTypeOf<Middleware<Base>>();
  });

  it('throws a TypeError naming a bad argument', () => {
    expect(() => when('x' as never, tail)).toThrow('predicate: expected a function, got "x"');
    expect(() => when(() => true, 1 as never)).toThrow('middleware: expected a function, got 1');
  });
});

describe('branch', () => {
  it('runs one of two middleware depending on the predicate', async () => {
    const composed = compose<Ctx>([branch((c) => c.path === '/a', record('a'), record('b')), tail]);
    const a: Ctx = { path: '/a', log: [] };
    const b: Ctx = { path: '/b', log: [] };
    await composed(a);
    await composed(b);
    expect(a.log).toEqual(['a', 'tail']);
    expect(b.log).toEqual(['b', 'tail']);
  });

  it('awaits an asynchronous predicate and treats truthy and falsy answers as JavaScript does', async () => {
    const composed = compose<Ctx>([branch((c) => Promise.resolve(c.path === '/a'), record('a'), record('b'))]);
    const b: Ctx = { path: '/b', log: [] };
    await composed(b);
    expect(b.log).toEqual(['b']);
    const loose = compose<Ctx>([
      branch((c) => c.path.length as unknown as boolean, record('non-empty'), record('empty')),
    ]);
    const empty: Ctx = { path: '', log: [] };
    await loose(empty);
    expect(empty.log).toEqual(['empty']);
  });

  it('throws a TypeError naming a bad branch', () => {
    expect(() => branch(() => true, tail, undefined as never)).toThrow('ifFalse: expected a function, got undefined');
    expect(() => branch(() => true, null as never, tail)).toThrow('ifTrue: expected a function, got null');
  });
});
