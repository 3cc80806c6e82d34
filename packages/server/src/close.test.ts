import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Reactor } from '@weft/reactor';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { isRequestAbortedError, type RequestAbortedError } from './errors';
import { start, testApp } from './test-helpers';

/** A promise with its resolve function, to hold a handler until the test lets it go. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function rawSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  return once(socket, 'connect').then(() => socket);
}

function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve(text));
  });
}

describe('graceful close', () => {
  it('lets an in-flight request finish, refuses new connections and reports not ready while draining', async () => {
    const app = testApp();
    const release = gate();
    const entered = gate();
    app.get('/slow', async () => {
      entered.open();
      await release.promise;
      return 'finished';
    });
    const base = await start(app);
    const agent = new Agent();
    const slow = request(`${base}/slow`, { dispatcher: agent });
    await entered.promise;

    const events: string[] = [];
    app.events.on('draining', () => events.push('draining'));
    app.events.on('closed', () => events.push('closed'));
    const closing = app.close();
    expect(app.state).toBe('draining');
    const ready = await app.inject('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json()).toEqual({ status: 'draining', ready: false });
    await expect(fetch(`${base}/slow`)).rejects.toThrow();

    release.open();
    const res = await slow;
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(await res.body.text()).toBe('finished');
    await closing;
    expect(events).toEqual(['draining', 'closed']);
    expect(app.state).toBe('closed');
    await agent.close();
  });

  it('serves a request that arrives on an open connection while draining, with Connection: close', async () => {
    const app = testApp();
    const release = gate();
    app.get('/slow', () => release.promise.then(() => 'slow'));
    app.get('/fast', () => 'fast');
    const base = await start(app);
    const busy = request(`${base}/slow`);
    // Start a request but hold back the end of its headers: the connection is not idle, so close() keeps it.
    const socket = await rawSocket(base);
    const answer = readAll(socket);
    socket.write('GET /fast HTTP/1.1\r\nHost: test\r\n');
    await delay(50);
    const closing = app.close();
    socket.write('\r\n');
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text.endsWith('fast')).toBe(true);
    release.open();
    expect((await busy).statusCode).toBe(200);
    await closing;
  });

  it('answers a request arriving after the shutdown deadline with 503 and Connection: close', async () => {
    const clock = new Reactor();
    const app = testApp({ shutdownTimeoutMs: 1_000, clock });
    app.get('/fast', () => 'fast');
    const base = await start(app);
    const socket = await rawSocket(base);
    const answer = readAll(socket);
    socket.write('GET /fast HTTP/1.1\r\nHost: test\r\n');
    await delay(50);
    const closing = app.close();
    clock.advance(1_000);
    socket.write('\r\n');
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(text).toContain('"detail":"the server is shutting down"');
    await closing;
  });

  it('serves a request sent on an idle keep-alive connection just after close() began, instead of resetting it', async () => {
    const app = testApp({ timeouts: { keepAliveMs: 60_000 } });
    app.get('/', () => 'ok');
    const base = await start(app);
    const socket = await rawSocket(base);
    const answer = readAll(socket);
    const responded = once(socket, 'data');
    socket.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
    await responded;
    const closing = app.close();
    socket.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
    const text = await answer;
    await closing;
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
  });

  it('closes idle keep-alive connections after a short grace, not at their keep-alive timeout', async () => {
    const app = testApp({ timeouts: { keepAliveMs: 60_000 } });
    app.get('/', () => 'ok');
    const base = await start(app);
    const socket = await rawSocket(base);
    const answer = readAll(socket);
    const responded = once(socket, 'data');
    socket.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
    await responded;
    await app.close();
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(text).toMatch(/keep-alive/i);
  });

  it('aborts stragglers at shutdownTimeoutMs on the server clock: their signal fires and the client gets a 503', async () => {
    const clock = new Reactor();
    const app = testApp({ shutdownTimeoutMs: 10_000, clock });
    const entered = gate();
    let reason: RequestAbortedError | undefined;
    app.get('/stuck', async (ctx) => {
      entered.open();
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      reason = ctx.signal.reason as RequestAbortedError;
    });
    const base = await start(app);
    const stuck = request(`${base}/stuck`);
    await entered.promise;
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    clock.advance(9_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect([reason, closed, app.inflight]).toEqual([undefined, false, 1]);
    clock.advance(1);
    const res = await stuck;
    expect(res.statusCode).toBe(503);
    expect(res.headers.connection).toBe('close');
    await res.body.dump();
    await closing;
    expect(isRequestAbortedError(reason)).toBe(true);
    expect(reason?.reason).toBe('shutdown');
    expect(reason?.name).toBe('AbortError');
  });
});

describe('ctx.signal', () => {
  it('aborts when the client disconnects', async () => {
    const app = testApp();
    const aborted = gate<unknown>();
    const entered = gate();
    app.get('/wait', async (ctx) => {
      ctx.signal.addEventListener('abort', () => aborted.open(ctx.signal.reason));
      entered.open();
      await new Promise(() => {});
    });
    const base = await start(app);
    const controller = new AbortController();
    const pending = fetch(`${base}/wait`, { signal: controller.signal }).catch((error: unknown) => error);
    await entered.promise;
    controller.abort();
    await pending;
    const reason = await aborted.promise;
    expect(isRequestAbortedError(reason)).toBe(true);
    expect((reason as RequestAbortedError).reason).toBe('disconnect');
    expect(app.inflight).toBe(0);
  });

  it('aborts at the route deadline and answers 503, and the chain enters no further layer', async () => {
    const clock = new Reactor();
    const app = testApp({ timeouts: { handlerMs: 20_000 }, clock });
    const layers: string[] = [];
    const entered = gate();
    const reason = gate<unknown>();
    const unwound = gate();
    app.get(
      '/slow',
      async (ctx, next) => {
        layers.push('first');
        entered.open();
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        reason.open(ctx.signal.reason);
        await next().catch(() => layers.push('next rejected'));
        unwound.open();
      },
      () => {
        layers.push('second');
      },
    );
    const quickEntered = gate();
    const release = gate();
    app.get('/quick', { timeoutMs: 0 }, async () => {
      quickEntered.open();
      await release.promise;
      return 'no deadline here';
    });
    const slow = app.inject('/slow');
    await entered.promise;
    clock.advance(19_999);
    expect(layers).toEqual(['first']);
    clock.advance(1);
    const res = await slow;
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({ detail: 'the handler did not finish in time' });
    expect(((await reason.promise) as RequestAbortedError).reason).toBe('deadline');
    await unwound.promise;
    expect(layers).toEqual(['first', 'next rejected']);

    const quick = app.inject('/quick');
    await quickEntered.promise;
    clock.advance(1_000_000);
    release.open();
    expect((await quick).text()).toBe('no deadline here');
  });
});
