import { Reactor } from '@weft/reactor';
import { constant, nonRetryable } from '@weft/retry';
import { describe, expect, it } from 'vitest';
import { createBus, type DeadLetter } from './bus';
import type { Envelope } from './envelope';
import { isBusClosedError, isCodecError } from './errors';
import { memoryTransport } from './memory-transport';

interface Order {
  id: string;
  total: number;
}
type Topics = { 'order.created': Order; 'order.created.dead-letter': DeadLetter<Order>; ping: number };

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets queued microtasks (memory deliveries, handler continuations) run. */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

describe('createBus over memoryTransport', () => {
  it('delivers the envelope with id, topic, payload, headers, key, publishedAt and attempt', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport(), dateNow: () => 1_700_000_000_000 });
    const got: Envelope<Order>[] = [];
    await bus.subscribe('order.created', (e) => {
      got.push(e);
    });
    const id = await bus.publish('order.created', { id: 'o1', total: 5 }, { key: 'o1', headers: { trace: 't1' } });
    await settle();
    expect(got).toEqual([
      {
        id,
        topic: 'order.created',
        payload: { id: 'o1', total: 5 },
        headers: { trace: 't1' },
        key: 'o1',
        publishedAt: 1_700_000_000_000,
        attempt: 1,
      },
    ]);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await bus.close();
  });

  it('gives each handler its own decoded copy of the payload, never the publisher object', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport() });
    const order = { id: 'o1', total: 5 };
    const seen: Order[] = [];
    await bus.subscribe('order.created', ({ payload }) => {
      seen.push(payload);
    });
    await bus.subscribe('order.created', ({ payload }) => void seen.push(payload), { group: 'other' });
    await bus.publish('order.created', order);
    await settle();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual(order);
    expect(seen[0]).not.toBe(order);
    expect(seen[0]).not.toBe(seen[1]);
    await bus.close();
  });

  it('delivers every event to every group and shares a group between its members', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport() });
    const a: number[] = [];
    const b1: number[] = [];
    const b2: number[] = [];
    await bus.subscribe('ping', ({ payload }) => void a.push(payload), { group: 'a' });
    await bus.subscribe('ping', ({ payload }) => void b1.push(payload), { group: 'b' });
    await bus.subscribe('ping', ({ payload }) => void b2.push(payload), { group: 'b' });
    for (let i = 0; i < 10; i++) await bus.publish('ping', i);
    await settle(50);
    expect(a).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...b1, ...b2].sort((x, y) => x - y)).toEqual(a);
    expect(b1.length).toBeGreaterThan(0);
    expect(b2.length).toBeGreaterThan(0);
    await bus.close();
  });

  it('handles events in publish order with concurrency 1', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport() });
    const order: number[] = [];
    await bus.subscribe('ping', async ({ payload }) => {
      await settle(3);
      order.push(payload);
    });
    for (let i = 0; i < 20; i++) await bus.publish('ping', i);
    await settle(200);
    await bus.close();
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('runs up to `concurrency` handlers at once, but events with the same key one at a time in order', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport() });
    let running = 0;
    let peak = 0;
    const byKey = new Map<string, number[]>();
    const gates: (() => void)[] = [];
    await bus.subscribe(
      'ping',
      async ({ payload, key }) => {
        running++;
        peak = Math.max(peak, running);
        const list = byKey.get(key ?? '') ?? [];
        list.push(payload);
        byKey.set(key ?? '', list);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 6; i++) await bus.publish('ping', i, { key: i % 2 === 0 ? 'even' : 'odd' });
    await settle();
    // Two keys: only two handlers can run although three slots are free.
    expect(running).toBe(2);
    while (gates.length > 0) {
      for (const open of gates.splice(0)) open();
      await settle();
    }
    expect(peak).toBe(2);
    expect(byKey.get('even')).toEqual([0, 2, 4]);
    expect(byKey.get('odd')).toEqual([1, 3, 5]);
    await bus.close();
  });

  it('retries a failing handler with backoff on the clock, then succeeds without dead-lettering', async () => {
    const reactor = new Reactor();
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport(), clock: reactor });
    const attempts: number[] = [];
    const failed: unknown[] = [];
    const delivered: string[] = [];
    bus.events.on('failed', (_e, error) => failed.push(error));
    bus.events.on('delivered', (e, group) => delivered.push(`${e.payload}@${group}`));
    await bus.subscribe(
      'ping',
      ({ attempt }) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error(`boom ${attempt}`);
      },
      { retry: { maxAttempts: 5, backoff: constant(1_000) } },
    );
    await bus.publish('ping', 7);
    await settle();
    expect(attempts).toEqual([1]);
    await reactor.advanceAsync(999);
    expect(attempts).toEqual([1]);
    await reactor.advanceAsync(1);
    expect(attempts).toEqual([1, 2]);
    await reactor.advanceAsync(1_000);
    await settle();
    expect(attempts).toEqual([1, 2, 3]);
    expect(failed.map((e) => (e as Error).message)).toEqual(['boom 1', 'boom 2']);
    expect(delivered).toEqual(['7@svc']);
    await bus.close();
  });

  it('dead-letters an event after maxAttempts failures, with the error, on <topic>.dead-letter', async () => {
    const reactor = new Reactor();
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport(), clock: reactor, dateNow: () => 42 });
    const dead: Envelope<DeadLetter<Order>>[] = [];
    await bus.subscribe('order.created.dead-letter', (e) => void dead.push(e), { group: 'ops' });
    let calls = 0;
    await bus.subscribe(
      'order.created',
      () => {
        calls++;
        throw Object.assign(new Error('card declined'), { code: 'DECLINED' });
      },
      { retry: { maxAttempts: 3, backoff: constant(10) } },
    );
    const deadLettered: string[] = [];
    bus.events.on('deadLettered', (_e, error, group, topic) =>
      deadLettered.push(`${(error as Error).message}|${group}|${topic}`),
    );
    const id = await bus.publish('order.created', { id: 'o9', total: 1 });
    await reactor.advanceAsync(100);
    await settle();
    expect(calls).toBe(3);
    expect(deadLettered).toEqual(['card declined|svc|order.created.dead-letter']);
    expect(dead).toHaveLength(1);
    const record = dead[0]?.payload as DeadLetter<Order>;
    expect(record.envelope).toMatchObject({ id, topic: 'order.created', payload: { id: 'o9', total: 1 }, attempt: 3 });
    expect(record.error).toMatchObject({ name: 'Error', message: 'card declined', code: 'DECLINED' });
    expect(record).toMatchObject({ group: 'svc', attempts: 3, deadLetteredAt: 42 });
    await bus.close();
  });

  it('does not retry an error marked nonRetryable, and drops it when deadLetter is false', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport() });
    let calls = 0;
    const dead: unknown[] = [];
    await bus.subscribe('ping.dead-letter' as 'ping', (e) => void dead.push(e), { group: 'ops' });
    await bus.subscribe(
      'ping',
      () => {
        calls++;
        throw nonRetryable(new Error('bad input'));
      },
      { deadLetter: false },
    );
    await bus.publish('ping', 1);
    await settle(50);
    expect(calls).toBe(1);
    expect(dead).toEqual([]);
    await bus.close();
  });

  it('dead-letters at once (no retry) an event its codec cannot decode, with a CodecError', async () => {
    const reactor = new Reactor();
    let decodes = 0;
    const bus = createBus<Record<string, unknown>>({
      name: 'svc',
      transport: memoryTransport(),
      clock: reactor,
      codec: {
        encode: (v) => JSON.stringify(v),
        decode: (s) => {
          if (decodes++ === 0) throw new SyntaxError('garbled');
          return JSON.parse(s);
        },
      },
    });
    const errors: unknown[] = [];
    bus.events.on('deadLettered', (_e, error) => errors.push(error));
    let calls = 0;
    await bus.subscribe('ping', () => {
      calls++;
    });
    await bus.publish('ping', 1);
    await settle();
    expect(calls).toBe(0);
    expect(errors).toHaveLength(1);
    expect(isCodecError(errors[0])).toBe(true);
    expect((errors[0] as Error).cause).toBeInstanceOf(SyntaxError);
    await bus.close();
  });

  it('rejects a payload the codec cannot encode with a CodecError and delivers nothing', async () => {
    const bus = createBus<Record<string, unknown>>({ name: 'svc', transport: memoryTransport() });
    const got: unknown[] = [];
    await bus.subscribe('ping', (e) => void got.push(e.payload));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [cyclic, { n: 10n }, { f: () => 1 }, Number.NaN, new Map([[1, 2]]), undefined]) {
      const error = await bus.publish('ping', bad).catch((e: unknown) => e);
      expect(isCodecError(error), String(bad)).toBe(true);
      expect((error as Error).message).toMatch(/Cannot encode the payload of "ping"/);
    }
    await bus.publish('ping', { ok: true });
    await settle();
    expect(got).toEqual([{ ok: true }]);
    await bus.close();
  });

  it('rejects topic names with spaces or wildcards, and bad publish options, with a TypeError naming them', async () => {
    const bus = createBus<Record<string, unknown>>({ name: 'svc', transport: memoryTransport() });
    for (const topic of ['order created', 'order.*', 'a?', 'a[1]', 'a>', '', 'tab\there']) {
      await expect(bus.publish(topic, 1)).rejects.toThrow(TypeError);
      await expect(bus.publish(topic, 1)).rejects.toThrow(/^topic: /);
      await expect(bus.subscribe(topic, () => {})).rejects.toThrow(/^topic: /);
    }
    await expect(bus.publish('ok', 1, { key: 'a\nb' })).rejects.toThrow(/^key: /);
    await expect(bus.publish('ok', 1, { headers: { n: 1 as unknown as string } })).rejects.toThrow(/^headers\.n: /);
    await expect(bus.publish('ok', 1, { priority: 1 } as object)).rejects.toThrow(/unknown option "priority"/);
    await expect(bus.subscribe('ok', () => {}, { concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(bus.subscribe('ok', () => {}, { group: 'a b' })).rejects.toThrow(/^group: /);
    await expect(bus.subscribe('ok', () => {}, { retry: { attempts: 3 } as object })).rejects.toThrow(
      /retry: unknown option "attempts"/,
    );
    await expect(bus.subscribe('ok', 'nope' as unknown as () => void)).rejects.toThrow(/^handler: /);
    await bus.close();
  });

  it('rejects unknown or bad options of createBus and memoryTransport with a TypeError naming them', () => {
    expect(() => createBus({ name: 'x', transport: memoryTransport(), topics: [] } as object as never)).toThrow(
      /createBus: unknown option "topics"/,
    );
    expect(() => createBus({ name: 'x y', transport: memoryTransport() })).toThrow(/^name: /);
    expect(() => createBus({ name: 'x', transport: {} as never })).toThrow(/^transport: /);
    expect(() => createBus({ name: 'x', transport: memoryTransport(), codec: {} as never })).toThrow(/^codec: /);
    expect(() => memoryTransport({ max: 1 } as object)).toThrow(/memoryTransport: unknown option "max"/);
    expect(() => memoryTransport({ maxLen: 0 })).toThrow(RangeError);
  });

  it('close() waits for running handlers, then rejects publish and subscribe with BusClosedError', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport() });
    const gate = deferred();
    let finished = false;
    await bus.subscribe('ping', async () => {
      await gate.promise;
      finished = true;
    });
    await bus.publish('ping', 1);
    await settle();
    let closed = false;
    const closing = bus.close().then(() => {
      closed = true;
    });
    await settle();
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    expect(finished).toBe(true);
    expect(isBusClosedError(await bus.publish('ping', 2).catch((e: unknown) => e))).toBe(true);
    expect(isBusClosedError(await bus.subscribe('ping', () => {}).catch((e: unknown) => e))).toBe(true);
  });

  it('gives an event waiting for a retry back to its group on unsubscribe, for another member', async () => {
    const reactor = new Reactor();
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport(), clock: reactor });
    const failing = await bus.subscribe(
      'ping',
      () => {
        throw new Error('flaky');
      },
      { retry: { maxAttempts: 5, backoff: constant(60_000) } },
    );
    await bus.publish('ping', 3);
    await settle();
    const rescued: Envelope<number>[] = [];
    await failing();
    await bus.subscribe('ping', (e) => void rescued.push(e));
    await settle();
    // Given back, not counted as a delivery: the new member sees attempt 1 again.
    expect(rescued.map((e) => [e.payload, e.attempt])).toEqual([[3, 1]]);
    await bus.close();
  });

  it('reports lag per group', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport() });
    const gate = deferred();
    const unsubscribe = await bus.subscribe('ping', () => gate.promise);
    await bus.publish('ping', 1);
    await bus.publish('ping', 2);
    await settle();
    expect(await bus.lag()).toEqual([{ topic: 'ping', group: 'svc', consumers: 1, pending: 1, lag: 1 }]);
    gate.resolve();
    await unsubscribe();
    await bus.close();
  });

  it('emits published with the envelope', async () => {
    const bus = createBus<Topics>({ name: 'svc', transport: memoryTransport() });
    const published: Envelope[] = [];
    bus.events.on('published', (e) => published.push(e));
    const id = await bus.publish('ping', 5);
    expect(published).toMatchObject([{ id, topic: 'ping', payload: 5, attempt: 0 }]);
    await bus.close();
  });
});
