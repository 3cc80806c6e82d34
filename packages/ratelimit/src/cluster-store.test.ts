import type { ChildProcess } from 'node:child_process';
import { Reactor } from '@weft/reactor';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterStore, clusterStoreHandler, ipcChannel, serveClusterStore } from './cluster-store';
import { MemoryStore } from './memory-store';
import { RateLimiter } from './rate-limiter';
import type { RateLimitResult } from './result';
import { forkChild, stopChild } from './test-child';

// Three real worker processes for the whole file (forking is the slow part); each test serves them afresh.
let workers: ChildProcess[] = [];
let unserve: (() => void)[] = [];
beforeAll(async () => {
  workers = (await Promise.all([0, 1, 2].map(() => forkChild('test-cluster-worker')))).map((f) => f.child);
}, 15_000);
afterAll(async () => {
  for (const worker of workers) await stopChild(worker);
});
afterEach(() => {
  for (const stop of unserve.splice(0)) stop();
});

function serveAll(handler: ReturnType<typeof clusterStoreHandler>, count = workers.length): ChildProcess[] {
  const served = workers.slice(0, count);
  unserve = served.map((worker) => serveClusterStore(worker, handler));
  return served;
}

interface Reply {
  results: RateLimitResult[];
  errors: string[];
}

/** Sends a command to a worker and waits for its answer, skipping the store requests it sends meanwhile. */
async function command(worker: ChildProcess, message: object): Promise<Reply> {
  const reply = new Promise<Reply>((resolve) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!('results' in m) && !('done' in m)) return;
      worker.off('message', onMessage);
      resolve(m as unknown as Reply);
    };
    worker.on('message', onMessage);
  });
  worker.send(message);
  return reply;
}

describe('ClusterStore across real worker processes', () => {
  it('lets two workers share one limit held by the primary, in the primary’s virtual time', async () => {
    const reactor = new Reactor();
    const handler = clusterStoreHandler(new MemoryStore({ clock: reactor }));
    const [a, b] = serveAll(handler, 2) as [ChildProcess, ChildProcess];
    const fromA = await command(a, { command: 'consume', key: 'user', times: 3 });
    const fromB = await command(b, { command: 'consume', key: 'user', times: 3 });
    const allowed = [...fromA.results, ...fromB.results].filter((r) => r.allowed);
    expect(allowed).toHaveLength(5);
    expect(fromB.results[2]).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 12_000 });
    expect(await command(a, { command: 'peek', key: 'user' })).toMatchObject({ results: [{ allowed: false }] });
    reactor.advance(12_000);
    expect((await command(a, { command: 'consume', key: 'user' })).results[0]).toMatchObject({ allowed: true });
    await command(b, { command: 'reset', key: 'user' });
    expect((await command(a, { command: 'peek', key: 'user' })).results[0]).toMatchObject({ remaining: 5 });
    expect([...fromA.errors, ...fromB.errors]).toEqual([]);
  });

  it('allows exactly the limit when workers race', async () => {
    const handler = clusterStoreHandler(new MemoryStore({ clock: new Reactor() }));
    const racers = serveAll(handler);
    const race = { command: 'consume', key: 'race', times: 100, algorithm: 'sliding-window', limit: 100 };
    const replies = await Promise.all(racers.map((w) => command(w, race)));
    expect(replies.flatMap((r) => r.results).filter((r) => r.allowed)).toHaveLength(100);
    expect(replies.flatMap((r) => r.errors)).toEqual([]);
  });

  it('applies onStoreError in the worker when the primary does not answer, with an error event', async () => {
    const reply = await command(workers[0]!, { command: 'consume', key: 'k', storeTimeoutMs: 100 });
    expect(reply.results[0]).toMatchObject({ allowed: false, limited: true });
    expect(reply.errors).toEqual(['Rate-limit store did not answer consume within 100 ms']);
  });
});

describe('ClusterStore and clusterStoreHandler in one process', () => {
  it('decides exactly as the primary’s store over any request/reply channel', async () => {
    const reactor = new Reactor();
    const handler = clusterStoreHandler(new MemoryStore({ clock: reactor }));
    // A structured-clone hop, as IPC would do.
    const store = new ClusterStore({ request: (message) => handler(structuredClone(message)) });
    const limiter = new RateLimiter({ algorithm: 'gcra', limit: 2, windowMs: 1_000, clock: reactor, store });
    expect((await limiter.consume('k')).remaining).toBe(1);
    expect((await limiter.consume('k', 2)).allowed).toBe(false);
    expect((await limiter.peek('k')).remaining).toBe(1);
    await limiter.reset('k');
    expect((await limiter.peek('k')).remaining).toBe(2);
  });

  it('answers malformed requests with an error reply instead of throwing', async () => {
    const handler = clusterStoreHandler();
    const policy = { algorithm: 'gcra', limits: [{ limit: 2, windowMs: 1_000 }] };
    expect(await handler(null)).toEqual({ ok: false, error: 'request: expected an object, got null' });
    expect(await handler({ op: 'consume', key: '', policy, cost: 1 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^key:/),
    });
    expect(await handler({ op: 'consume', key: 'k', policy: { algorithm: 'x', limits: [] } })).toMatchObject({
      ok: false,
    });
    expect(await handler({ op: 'consume', key: 'k', policy, cost: 3 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^cost:/),
    });
    expect(await handler({ op: 'drop', key: 'k', policy })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^op:/),
    });
  });

  it('turns an error reply into a store failure, so onStoreError applies', async () => {
    const limiter = new RateLimiter({
      limit: 1,
      windowMs: 1,
      clock: new Reactor(),
      store: new ClusterStore({ request: async () => ({ ok: false, error: 'primary is draining' }) }),
      onStoreError: 'deny',
    });
    const errors: Error[] = [];
    limiter.on('error', (e) => errors.push(e));
    expect(await limiter.consume('k')).toMatchObject({ allowed: false });
    expect(errors[0]).toMatchObject({ cause: { message: 'cluster primary: primary is draining' } });
  });

  it('rejects a channel without request()', () => {
    expect(() => new ClusterStore({} as never)).toThrow(/channel: expected \{ request\(message\) \}/);
    expect(() => serveClusterStore({} as never, clusterStoreHandler())).toThrow(/worker:/);
  });

  it('rejects requests when the process has no IPC channel', async () => {
    const endpoint = { on: () => {}, off: () => {} };
    await expect(
      ipcChannel(endpoint as never).request({ op: 'peek', key: 'k', policy: { algorithm: 'gcra', limits: [] } }),
    ).rejects.toThrow(/no IPC channel/);
  });
});
