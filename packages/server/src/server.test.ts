import { Readable } from 'node:stream';
import { toMermaid } from '@weft/fsm';
import { Readable as WeftReadable } from '@weft/streams';
import { describe, expect, it } from 'vitest';
import { HttpError } from './errors';
import { lifecycleMachine } from './lifecycle';
import { createServer } from './server';
import { start, testApp } from './test-helpers';

describe('routing', () => {
  it('matches routes with params and query over a real socket', async () => {
    const app = testApp();
    app.get('/users/:id', (ctx) => ({ id: ctx.params.id, query: ctx.query, path: ctx.path, route: ctx.route }));
    app.get('/files/*', (ctx) => ctx.params['*']);
    const base = await start(app);

    const res = await fetch(`${base}/users/42?full=true&tag=a&tag=b`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      id: '42',
      query: { full: 'true', tag: ['a', 'b'] },
      path: '/users/42',
      route: '/users/:id',
    });
    const wildcard = await fetch(`${base}/files/a/b%20c.txt`);
    expect(await wildcard.text()).toBe('a/b c.txt');
    expect(wildcard.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('registers every verb and answers HEAD from the GET route without a body', async () => {
    const app = testApp();
    for (const verb of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      app[verb]('/thing', (ctx) => `${verb}:${ctx.method}`);
    }
    app.all('/any', (ctx) => ctx.method);
    const base = await start(app);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${base}/thing`, { method });
      expect(await res.text()).toBe(`${method.toLowerCase()}:${method}`);
    }
    const head = await fetch(`${base}/thing`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('8');
    expect(await head.text()).toBe('');
    expect(await (await fetch(`${base}/any`, { method: 'PUT' })).text()).toBe('PUT');
  });

  it('answers an unknown path with a 404 problem', async () => {
    const app = testApp();
    app.get('/known', () => 'ok');
    const res = await app.inject({ url: '/unknown?x=1' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'no route for GET /unknown',
      instance: '/unknown',
    });
  });

  it('answers a known path with another method with 405 and Allow, and OPTIONS with 204 and Allow', async () => {
    const app = testApp();
    app.get('/item/:id', () => 'ok');
    app.delete('/item/:id', () => 'gone');
    const res = await app.inject({ method: 'POST', url: '/item/1' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, DELETE');
    expect(res.json()).toMatchObject({ status: 405, title: 'Method Not Allowed' });
    const options = await app.inject({ method: 'OPTIONS', url: '/item/1' });
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, DELETE');
  });

  it('rejects a duplicate route and bad arguments with errors naming them', () => {
    const app = testApp();
    app.get('/a', () => 'a');
    expect(() => app.get('/a', () => 'again')).toThrow(/GET \/a/);
    expect(() => app.get('no-slash', () => 'x')).toThrow(/route path: expected a string starting with "\/"/);
    expect(() => app.get('/b')).toThrow(/\/b: expected at least one handler/);
    expect(() => app.get('/c', 42 as never)).toThrow(/\/c: handler 0: expected a function, got 42/);
    expect(() => app.get('/d', { timeoutMs: -1 }, () => 'x')).toThrow(/\/d: timeoutMs: expected an integer >= 0/);
    expect(() => app.get('/e', { nope: 1 } as never, () => 'x')).toThrow(/nope: unknown route option/);
    expect(() => app.use('x' as never)).toThrow(/use: middleware 0: expected a function/);
  });
});

describe('middleware', () => {
  it('runs middleware in onion order around the route handlers', async () => {
    const app = testApp();
    const order: string[] = [];
    app.use(async (ctx, next) => {
      order.push('a in');
      await next();
      order.push('a out');
      ctx.set('x-outer', String(ctx.status));
    });
    app.use(async (_ctx, next) => {
      order.push('b in');
      await next();
      order.push('b out');
    });
    app.get(
      '/',
      async (ctx, next) => {
        order.push('route mw');
        ctx.state.user = 'ada';
        await next();
      },
      (ctx) => {
        order.push('handler');
        ctx.json({ user: ctx.state.user }, 201);
      },
    );
    const base = await start(app);
    const res = await fetch(base);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-outer')).toBe('201');
    expect(await res.json()).toEqual({ user: 'ada' });
    expect(order).toEqual(['a in', 'b in', 'route mw', 'handler', 'b out', 'a out']);
  });

  it('lets middleware added after the routes wrap them, and short-circuit', async () => {
    const app = testApp();
    app.get('/secret', () => 'secret');
    app.use((ctx, next) => {
      if (ctx.headers.authorization !== 'Bearer ok') throw new HttpError(401, 'missing token');
      return next();
    });
    expect((await app.inject('/secret')).status).toBe(401);
    const ok = await app.inject({ url: '/secret', headers: { authorization: 'Bearer ok' } });
    expect(ok.text()).toBe('secret');
  });

  it('runs middleware around 404s so that outer layers can see and handle them', async () => {
    const app = testApp();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        if (error instanceof HttpError && error.status === 404) ctx.json({ custom: true }, 404);
        else throw error;
      }
    });
    const res = await app.inject('/nothing');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ custom: true });
  });

  it('mounts a sub-app under a prefix with its middleware scoped to its routes', async () => {
    const app = testApp();
    const api = createServer({ rateLimit: false, loadShedding: false });
    api.use(async (ctx, next) => {
      await next();
      ctx.set('x-api', 'yes');
    });
    api.get('/', () => 'api root');
    api.get('/users/:id', (ctx) => `user ${ctx.params.id}`);
    app.route('/api', api);
    app.get('/', () => 'root');
    const user = await app.inject('/api/users/7');
    expect(user.text()).toBe('user 7');
    expect(user.headers['x-api']).toBe('yes');
    expect((await app.inject('/api')).text()).toBe('api root');
    const root = await app.inject('/');
    expect(root.text()).toBe('root');
    expect(root.headers['x-api']).toBeUndefined();
    await api.close();
  });
});

describe('responses', () => {
  it('lets a content-type header set before or after json()/send() win, and reports it as ctx.type', async () => {
    const app = testApp();
    const types: (string | undefined)[] = [];
    app.use(async (ctx, next) => {
      await next();
      types.push(ctx.type);
    });
    app.get('/before', (ctx) => {
      ctx.set('content-type', 'application/vnd.api+json');
      ctx.json({ a: 1 });
    });
    app.get('/after', (ctx) => {
      ctx.json({ a: 1 });
      ctx.set('Content-Type', 'application/ld+json');
    });
    app.get('/default', (ctx) => ctx.json([1]));
    app.get('/last-wins', (ctx) => {
      ctx.json({ a: 1 });
      ctx.send('plain');
    });
    const base = await start(app);
    const typeOf = async (path: string) => {
      const res = await fetch(`${base}${path}`);
      await res.arrayBuffer();
      return res.headers.get('content-type');
    };
    expect(await typeOf('/before')).toBe('application/vnd.api+json');
    expect(await typeOf('/after')).toBe('application/ld+json');
    expect(await typeOf('/default')).toBe('application/json; charset=utf-8');
    expect(await typeOf('/last-wins')).toBe('text/plain; charset=utf-8');
    expect(types).toEqual([
      'application/vnd.api+json',
      'application/ld+json',
      'application/json; charset=utf-8',
      'text/plain; charset=utf-8',
    ]);
  });

  it('sends strings, bytes, JSON, Node streams, @weft/streams, Web streams and async iterables', async () => {
    const app = testApp();
    app.get('/text', (ctx) => ctx.send('hi'));
    app.get('/bytes', (ctx) => ctx.send(Buffer.from([1, 2, 3])));
    app.get('/node', () => Readable.from([Buffer.from('a'), Buffer.from('b')]));
    app.get('/weft', (ctx) => ctx.send(WeftReadable.from(['we', Buffer.from('ft')])));
    app.get('/web', (ctx) => {
      ctx.set('content-type', 'text/plain');
      ctx.send(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('we'));
            controller.enqueue(new TextEncoder().encode('b'));
            controller.close();
          },
        }),
      );
    });
    app.get('/iter', (ctx) =>
      ctx.send(
        (async function* () {
          yield 'it';
          yield Buffer.from('er');
        })(),
      ),
    );
    app.get('/empty', () => undefined);
    app.get('/null', (ctx) => ctx.send(null, 202));
    const base = await start(app);
    const text = await fetch(`${base}/text`);
    expect([text.headers.get('content-length'), await text.text()]).toEqual(['2', 'hi']);
    const bytes = await fetch(`${base}/bytes`);
    expect(bytes.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([1, 2, 3]);
    const node = await fetch(`${base}/node`);
    expect(node.headers.get('transfer-encoding')).toBe('chunked');
    expect(await node.text()).toBe('ab');
    expect(await (await fetch(`${base}/weft`)).text()).toBe('weft');
    expect(await (await fetch(`${base}/web`)).text()).toBe('web');
    expect(await (await fetch(`${base}/iter`)).text()).toBe('iter');
    expect((await fetch(`${base}/empty`)).status).toBe(204);
    const empty = await fetch(`${base}/null`);
    expect([empty.status, await empty.text()]).toEqual([202, '']);
  });

  it('turns thrown errors into problem responses without leaking server errors', async () => {
    const app = testApp();
    app.get('/boom', () => {
      throw new Error('database password is hunter2');
    });
    app.get('/teapot', () => {
      throw new HttpError(418, 'short and stout', {
        headers: { 'x-why': 'tea' },
        type: 'https://example.test/tea',
        extensions: { pot: 1 },
      });
    });
    app.get('/legacy', () => {
      throw Object.assign(new Error('bad field'), { status: 422 });
    });
    app.get('/sync-throw-in-mw', () => {
      throw new HttpError(503, 'hidden detail');
    });
    const errors: unknown[] = [];
    app.events.on('error', (error) => errors.push(error));

    const boom = await app.inject('/boom');
    expect(boom.status).toBe(500);
    expect(boom.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      instance: '/boom',
    });
    expect(boom.text()).not.toContain('hunter2');
    expect(errors).toHaveLength(1);

    const teapot = await app.inject('/teapot');
    expect(teapot.status).toBe(418);
    expect(teapot.headers['x-why']).toBe('tea');
    expect(teapot.json()).toEqual({
      type: 'https://example.test/tea',
      title: "I'm a Teapot",
      status: 418,
      detail: 'short and stout',
      instance: '/teapot',
      pot: 1,
    });
    expect((await app.inject('/legacy')).json()).toMatchObject({ status: 422, detail: 'bad field' });
    expect((await app.inject('/sync-throw-in-mw')).json()).not.toHaveProperty('detail');
  });

  it('replaces the headers set before an error with those of the problem, its content type and length winning', async () => {
    const app = testApp();
    app.get('/late', (ctx) => {
      ctx.set('x-before', 'gone');
      ctx.set('cache-control', 'public');
      throw new HttpError(409, 'taken', {
        headers: { 'x-why': 'tea', 'Content-Type': 'text/html', 'set-cookie': ['a=1', 'b=2'], 'retry-after': 3 },
      });
    });
    const res = await app.inject('/late');
    expect(res.status).toBe(409);
    expect(res.headers['x-before']).toBeUndefined();
    expect(res.headers['cache-control']).toBeUndefined();
    expect(res.headers['x-why']).toBe('tea');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(res.body.byteLength);
    expect(res.json()).toMatchObject({ status: 409, detail: 'taken', instance: '/late' });
  });

  it('shows the message and stack of server errors with dev: true', async () => {
    const app = testApp({ dev: true });
    app.get('/boom', () => {
      throw new Error('kaput');
    });
    const body = (await app.inject('/boom')).json<{ detail: string; stack: string }>();
    expect(body.detail).toBe('kaput');
    expect(body.stack).toContain('Error: kaput');
  });

  it('rejects invalid statuses and unserialisable JSON', async () => {
    const app = testApp();
    app.get('/status', (ctx) => {
      ctx.status = 42;
    });
    app.get('/json', (ctx) => ctx.json(undefined));
    expect((await app.inject('/status')).status).toBe(500);
    expect((await app.inject('/json')).status).toBe(500);
  });
});

describe('lifecycle', () => {
  it('is an fsm actor going idle → starting → listening → draining → closed', async () => {
    const app = testApp();
    const states: string[] = [app.lifecycle.getSnapshot().value];
    app.lifecycle.subscribe((snapshot) => states.push(snapshot.value));
    await start(app);
    await app.close();
    expect(states).toEqual(['idle', 'starting', 'listening', 'draining', 'closed']);
    expect(app.lifecycle.getSnapshot().status).toBe('done');
  });

  it('goes back to idle when listen fails', async () => {
    const first = testApp();
    const { port } = new URL(await start(first));
    const second = testApp();
    await expect(second.listen({ port: Number(port) })).rejects.toThrow();
    expect(second.lifecycle.getSnapshot().value).toBe('idle');
    expect(toMermaid(lifecycleMachine)).toContain('listening --> draining : CLOSE');
  });
});

describe('events', () => {
  it('emits request and response with the duration, listening, draining and closed', async () => {
    const app = testApp();
    const seen: string[] = [];
    app.get('/', () => 'ok');
    app.events.on('request', (ctx) => seen.push(`request ${ctx.path}`));
    app.events.on('response', (ctx, durationMs) => {
      expect(durationMs).toBeGreaterThanOrEqual(0);
      seen.push(`response ${ctx.res.statusCode}`);
    });
    app.events.on('listening', (address) => seen.push(`listening ${address.url.startsWith('http://127.0.0.1:')}`));
    app.events.on('draining', () => seen.push('draining'));
    app.events.on('closed', () => seen.push('closed'));
    const base = await start(app);
    await (await fetch(base)).text();
    await app.close();
    expect(seen).toEqual(['listening true', 'request /', 'response 200', 'draining', 'closed']);
    expect(app.state).toBe('closed');
  });
});
