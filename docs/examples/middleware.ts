// The middleware pattern with @weft/compose: an onion. Each layer does some work on the way in, calls `next()` to
// run the layers inside it, and does more work on the way out. A layer that does not call next() short-circuits.
import assert from 'node:assert/strict';
import { chain, compose, isUnawaitedNextError, type Middleware, timeout, when } from '@weft/compose';
import { Reactor } from '@weft/reactor';

interface Ctx {
  path: string;
  headers: Record<string, string>;
  status?: number;
  body?: string;
  trace: string[];
}

const request = (path: string, headers: Record<string, string> = {}): Ctx => ({ path, headers, trace: [] });

// 1. Onion order: in through every layer, out in reverse.
const logger: Middleware<Ctx> = async (ctx, next) => {
  ctx.trace.push('logger in');
  await next();
  ctx.trace.push(`logger out (${ctx.status})`);
};
const errors: Middleware<Ctx> = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    // An error thrown anywhere inside travels outwards like an exception through nested calls.
    ctx.status = 500;
    ctx.body = (error as Error).message;
  }
};
const auth = when<Ctx>(
  (ctx) => ctx.path.startsWith('/admin'),
  async (ctx, next) => {
    if (ctx.headers.token === 'secret') return next();
    ctx.status = 401; // no next(): the layers inside never run
  },
);
const handler: Middleware<Ctx> = (ctx) => {
  ctx.trace.push('handler');
  if (ctx.path === '/boom') throw new Error('the handler failed');
  ctx.status = 200;
  ctx.body = `hello from ${ctx.path}`;
};

const app = compose([logger, errors, auth, handler]);

const home = request('/');
await app(home);
console.log(home.trace.join(' → '));
assert.deepEqual(home.trace, ['logger in', 'handler', 'logger out (200)']);

const denied = request('/admin');
await app(denied);
assert.equal(denied.status, 401); // auth answered; the handler never ran
assert.ok(!denied.trace.includes('handler'));

const boom = request('/boom');
await app(boom);
assert.deepEqual([boom.status, boom.body], [500, 'the handler failed']);
console.log('/admin without a token →', denied.status, '| /boom →', boom.status, boom.body);

// 2. A deadline for a layer and what is inside it, on an injected clock (virtual time here).
const clock = new Reactor();
const slow = compose<Ctx>([
  errors,
  timeout(1_000, async () => new Promise<void>((resolve) => clock.setTimeout(resolve, 5_000)), { clock }),
]);
const late = request('/slow');
const done = slow(late);
clock.advance(1_000);
await done;
console.log('/slow →', late.status, late.body);
assert.equal(late.status, 500);

// 3. Strict mode finds the classic bug: calling next() without awaiting (or returning) it.
const forgetful: Middleware<Ctx> = (_ctx, next) => {
  next(); // missing await: the layers inside finish after this one
};
const strict = compose<Ctx>(
  [
    forgetful,
    async (ctx) => {
      await new Promise((resolve) => setImmediate(resolve)); // the inner layer takes a moment
      ctx.status = 200;
    },
  ],
  { strict: true },
);
await assert.rejects(strict(request('/')), (error) => isUnawaitedNextError(error));
console.log('strict mode caught the missing `await next()`');

// 4. chain(): each layer declares what it adds to the context, and later layers see it typed.
const typed = chain<Ctx>()
  .use<{ user: { id: string } }>(async (ctx, next) => {
    ctx.user = { id: ctx.headers.authorization ?? 'anonymous' };
    await next();
  })
  .use((ctx) => {
    ctx.body = `hello ${ctx.user.id}`; // typed, no cast
  })
  .compose();
const greeted = request('/', { authorization: 'ada' });
await typed(greeted);
assert.equal(greeted.body, 'hello ada');
console.log(greeted.body);
