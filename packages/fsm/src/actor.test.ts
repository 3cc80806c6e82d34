import { Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { createActor } from './actor';
import { assign } from './assign';
import { createMachine } from './machine';

const breakerMachine = (log: string[] = []) =>
  createMachine({
    id: 'breaker',
    initial: 'closed',
    context: { failures: 0 },
    states: {
      closed: {
        entry: [assign(() => ({ failures: 0 })), () => log.push('closed')],
        on: {
          FAIL: [
            { target: 'open', guard: (ctx) => ctx.failures >= 2 },
            { actions: assign((ctx) => ({ failures: ctx.failures + 1 })) },
          ],
        },
      },
      open: {
        entry: () => log.push('open'),
        exit: () => log.push('exit open'),
        after: { 1000: 'halfOpen' },
      },
      halfOpen: {
        entry: () => log.push('halfOpen'),
        on: { SUCCESS: 'closed', FAIL: 'open' },
        after: { 500: 'open' },
      },
    },
  });

describe('createActor', () => {
  it('runs the initial entry actions on start, not before', () => {
    const log: string[] = [];
    const actor = createActor(breakerMachine(log));
    expect(log).toEqual([]);
    expect(actor.getSnapshot().value).toBe('closed');
    expect(actor.start()).toBe(actor);
    expect(log).toEqual(['closed']);
    actor.start();
    expect(log).toEqual(['closed']);
    actor.stop();
  });

  it('sends events, runs actions and exposes matches and can', () => {
    const log: string[] = [];
    const actor = createActor(breakerMachine(log), { clock: new Reactor() }).start();
    actor.send({ type: 'FAIL' });
    actor.send({ type: 'FAIL' });
    expect(actor.getSnapshot().context.failures).toBe(2);
    expect(actor.can({ type: 'FAIL' })).toBe(true);
    expect(actor.can({ type: 'SUCCESS' })).toBe(false);
    actor.send({ type: 'FAIL' });
    expect(actor.matches('open')).toBe(true);
    expect(actor.matches('closed')).toBe(false);
    expect(log).toEqual(['closed', 'open']);
    expect(actor.can({ type: 'FAIL' })).toBe(false);
  });

  it('keeps the same snapshot object and notifies nobody when nothing changes', () => {
    const actor = createActor(breakerMachine(), { clock: new Reactor() }).start();
    const seen: unknown[] = [];
    actor.subscribe((s) => seen.push(s.value));
    const before = actor.getSnapshot();
    actor.send({ type: 'SUCCESS' });
    expect(actor.getSnapshot()).toBe(before);
    expect(seen).toEqual([]);
  });

  it('notifies subscribers of every new snapshot until they unsubscribe', () => {
    const actor = createActor(breakerMachine(), { clock: new Reactor() }).start();
    const a: number[] = [];
    const b: number[] = [];
    const offA = actor.subscribe((s) => a.push(s.context.failures));
    actor.subscribe((s) => b.push(s.context.failures));
    actor.send({ type: 'FAIL' });
    offA();
    offA();
    actor.send({ type: 'FAIL' });
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
  });

  it('queues events sent from actions and subscribers and handles them in order afterwards', () => {
    const order: string[] = [];
    const m = createMachine({
      initial: 'a',
      states: {
        a: { on: { GO: { target: 'b', actions: () => order.push('action a→b') } } },
        b: { entry: () => order.push('enter b'), on: { NEXT: 'c' } },
        c: { entry: () => order.push('enter c') },
      },
    });
    const actor = createActor(m).start();
    actor.subscribe((s) => {
      order.push(`notified ${s.value}`);
      if (s.value === 'b') actor.send({ type: 'NEXT' });
    });
    actor.send({ type: 'GO' });
    expect(order).toEqual(['action a→b', 'enter b', 'notified b', 'enter c', 'notified c']);
  });

  it('handles events sent before start once started', () => {
    const actor = createActor(breakerMachine(), { clock: new Reactor() });
    actor.send({ type: 'FAIL' });
    expect(actor.getSnapshot().context.failures).toBe(0);
    actor.start();
    expect(actor.getSnapshot().context.failures).toBe(1);
  });

  it('ignores events once done or stopped and reports the status', () => {
    const m = createMachine({ initial: 'a', states: { a: { on: { END: 'end' } }, end: { type: 'final' } } });
    const actor = createActor(m).start();
    actor.send({ type: 'END' });
    expect(actor.getSnapshot().status).toBe('done');
    const done = actor.getSnapshot();
    actor.send({ type: 'END' });
    expect(actor.getSnapshot()).toBe(done);

    const other = createActor(m).start();
    const seen: string[] = [];
    other.subscribe((s) => seen.push(s.status));
    other.stop();
    expect(other.getSnapshot().status).toBe('stopped');
    expect(seen).toEqual(['stopped']);
    other.send({ type: 'END' });
    expect(other.getSnapshot().value).toBe('a');
    other.start();
    expect(other.getSnapshot().status).toBe('stopped');
  });

  it('propagates an error thrown by a guard and leaves the state unchanged', () => {
    const m = createMachine({
      initial: 'a',
      states: {
        a: {
          on: {
            GO: {
              target: 'b',
              guard: () => {
                throw new Error('boom');
              },
            },
          },
        },
        b: {},
      },
    });
    const actor = createActor(m).start();
    expect(() => actor.send({ type: 'GO' })).toThrow('boom');
    expect(actor.getSnapshot().value).toBe('a');
  });

  it('throws a TypeError for malformed events and bad arguments', () => {
    const actor = createActor(breakerMachine()).start();
    expect(() => actor.send({} as never)).toThrow(/event: expected an object with a string "type"/);
    expect(() => actor.send(undefined as never)).toThrow(TypeError);
    expect(() => actor.can(7 as never)).toThrow(TypeError);
    expect(() => actor.subscribe('x' as never)).toThrow(/listener: expected a function, got "x"/);
    expect(() => createActor({} as never)).toThrow(/machine: expected a machine made by createMachine, got an object/);
    expect(() => createActor(breakerMachine(), { clock: {} as never })).toThrow(/options.clock: expected a Clock/);
    actor.stop();
  });
});

describe('delayed transitions (after) on a virtual clock', () => {
  it('fire after their delay on the actor’s clock', () => {
    const clock = new Reactor();
    const log: string[] = [];
    const actor = createActor(breakerMachine(log), { clock }).start();
    for (let i = 0; i < 3; i++) actor.send({ type: 'FAIL' });
    expect(actor.getSnapshot().value).toBe('open');
    clock.advance(999);
    expect(actor.getSnapshot().value).toBe('open');
    clock.advance(1);
    expect(actor.getSnapshot().value).toBe('halfOpen');
    clock.advance(500);
    expect(actor.getSnapshot().value).toBe('open');
    expect(log).toEqual(['closed', 'open', 'exit open', 'halfOpen', 'open']);
  });

  it('are cancelled when their state is exited first', () => {
    const clock = new Reactor();
    const actor = createActor(breakerMachine(), { clock }).start();
    for (let i = 0; i < 3; i++) actor.send({ type: 'FAIL' });
    clock.advance(1000);
    expect(actor.getSnapshot().value).toBe('halfOpen');
    actor.send({ type: 'SUCCESS' });
    expect(actor.getSnapshot().value).toBe('closed');
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(actor.getSnapshot().value).toBe('closed');
  });

  it('restart when their state is re-entered, and keep running for a parent that is not exited', () => {
    const clock = new Reactor();
    const m = createMachine({
      initial: 'session',
      states: {
        session: {
          after: { 1000: 'expired' },
          initial: 'idle',
          states: {
            idle: { on: { TYPE: 'typing' } },
            typing: { after: { 100: 'idle' }, on: { TYPE: { target: 'typing' } } },
          },
        },
        expired: {},
      },
    });
    const actor = createActor(m, { clock }).start();
    clock.advance(50);
    actor.send({ type: 'TYPE' });
    clock.advance(80);
    actor.send({ type: 'TYPE' }); // re-enters typing: its 100 ms restart
    clock.advance(80);
    expect(actor.getSnapshot().value).toBe('session.typing');
    clock.advance(20);
    expect(actor.getSnapshot().value).toBe('session.idle');
    clock.advance(1000 - 230 - 1);
    expect(actor.getSnapshot().value).toBe('session.idle');
    clock.advance(1);
    expect(actor.getSnapshot().value).toBe('expired');
    expect(clock.pending).toBe(0);
  });

  it('take guards into account, in order', () => {
    const clock = new Reactor();
    const m = createMachine({
      initial: 'wait',
      context: { retries: 1 },
      states: {
        wait: {
          after: {
            100: [{ target: 'retry', guard: (ctx) => ctx.retries > 0 }, { target: 'fail' }],
          },
        },
        retry: { entry: assign((ctx) => ({ retries: ctx.retries - 1 })), always: 'wait' },
        fail: { type: 'final' },
      },
    });
    const actor = createActor(m, { clock }).start();
    clock.advance(100);
    expect(actor.getSnapshot().value).toBe('wait');
    expect(actor.getSnapshot().context.retries).toBe(0);
    clock.advance(100);
    expect(actor.getSnapshot().status).toBe('done');
    expect(clock.pending).toBe(0);
  });

  it('are all cancelled by stop()', () => {
    const clock = new Reactor();
    const actor = createActor(breakerMachine(), { clock }).start();
    for (let i = 0; i < 3; i++) actor.send({ type: 'FAIL' });
    expect(clock.pending).toBe(1);
    actor.stop();
    expect(clock.pending).toBe(0);
  });

  it('uses the system clock by default', async () => {
    const m = createMachine({ initial: 'a', states: { a: { after: { 1: 'b' } }, b: {} } });
    const actor = createActor(m).start();
    await new Promise<void>((resolve) => actor.subscribe(() => resolve()));
    expect(actor.getSnapshot().value).toBe('b');
  });
});

describe('persistence', () => {
  it('round-trips state, context and pending delays through JSON with their remaining time', () => {
    const clock = new Reactor();
    const machine = breakerMachine();
    const actor = createActor(machine, { clock }).start();
    for (let i = 0; i < 3; i++) actor.send({ type: 'FAIL' });
    clock.advance(400);
    const persisted = actor.getPersistedSnapshot();
    expect(persisted).toEqual({
      value: 'open',
      context: { failures: 2 },
      status: 'active',
      delayed: [{ state: 'open', delayMs: 1000, remainingMs: 600 }],
    });
    actor.stop();

    const later = new Reactor();
    later.advance(50_000);
    const log: string[] = [];
    const restored = createActor(machine, { clock: later, snapshot: JSON.parse(JSON.stringify(persisted)) });
    restored.subscribe((s) => log.push(s.value));
    restored.start();
    expect(restored.getSnapshot().value).toBe('open');
    expect(restored.getSnapshot().context).toEqual({ failures: 2 });
    later.advance(599);
    expect(log).toEqual([]);
    later.advance(1);
    expect(log).toEqual(['halfOpen']);
  });

  it('fires delays that ran out while persisted at once when told the elapsed time', () => {
    const machine = breakerMachine();
    const persisted = {
      value: 'open' as const,
      context: { failures: 2 },
      status: 'active' as const,
      delayed: [{ state: 'open', delayMs: 1000, remainingMs: 600 }],
    };
    const clock = new Reactor();
    const actor = createActor(machine, { clock, snapshot: persisted, elapsedMs: 10_000 }).start();
    expect(actor.getSnapshot().value).toBe('open');
    clock.runOnce();
    expect(actor.getSnapshot().value).toBe('halfOpen');

    const partly = createActor(machine, { clock: new Reactor(), snapshot: persisted, elapsedMs: 250 });
    expect(partly.getPersistedSnapshot().delayed).toEqual([{ state: 'open', delayMs: 1000, remainingMs: 350 }]);
  });

  it('keeps what remained of the delays after stop() and does not rerun entry actions on restore', () => {
    const clock = new Reactor();
    const log: string[] = [];
    const machine = breakerMachine(log);
    const actor = createActor(machine, { clock }).start();
    for (let i = 0; i < 3; i++) actor.send({ type: 'FAIL' });
    clock.advance(100);
    actor.stop();
    clock.advance(5000);
    const persisted = actor.getPersistedSnapshot();
    expect(persisted.status).toBe('stopped');
    expect(persisted.delayed).toEqual([{ state: 'open', delayMs: 1000, remainingMs: 900 }]);
    log.length = 0;
    const restored = createActor(machine, { clock, snapshot: persisted }).start();
    expect(restored.getSnapshot().status).toBe('active');
    expect(log).toEqual([]);
    clock.advance(900);
    expect(restored.getSnapshot().value).toBe('halfOpen');
  });

  it('lists the full delays of a fresh actor that has not started', () => {
    const m = createMachine({ initial: 'a', states: { a: { after: { 250: 'b' } }, b: {} } });
    expect(createActor(m).getPersistedSnapshot()).toEqual({
      value: 'a',
      context: undefined,
      status: 'active',
      delayed: [{ state: 'a', delayMs: 250, remainingMs: 250 }],
    });
  });

  it('stops before start without running anything and keeps the full delays to persist', () => {
    const entered: string[] = [];
    const m = createMachine({
      initial: 'a',
      states: { a: { entry: () => entered.push('a'), after: { 250: 'b' }, on: { GO: 'b' } }, b: {} },
    });
    const clock = new Reactor();
    const actor = createActor(m, { clock });
    actor.send({ type: 'GO' });
    actor.stop();
    actor.start();
    actor.send({ type: 'GO' });
    clock.advance(1000);
    expect(entered).toEqual([]);
    expect(actor.getSnapshot().value).toBe('a');
    expect(actor.getPersistedSnapshot()).toEqual({
      value: 'a',
      context: undefined,
      status: 'stopped',
      delayed: [{ state: 'a', delayMs: 250, remainingMs: 250 }],
    });
    // Restored, the actor resumes the delay where it was, without the initial entry actions.
    const restored = createActor(m, { clock, snapshot: actor.getPersistedSnapshot() }).start();
    clock.advance(249);
    expect(restored.getSnapshot().value).toBe('a');
    clock.advance(1);
    expect(restored.getSnapshot().value).toBe('b');
    expect(entered).toEqual([]);
  });

  it('rejects a persisted snapshot that does not fit the machine', () => {
    const machine = breakerMachine();
    const base = { value: 'open' as const, context: { failures: 0 }, status: 'active' as const };
    expect(() => createActor(machine, { snapshot: { ...base, value: 'gone' as 'open', delayed: [] } })).toThrow(
      /snapshot.value: expected a state of machine "breaker", got "gone"/,
    );
    expect(() =>
      createActor(machine, { snapshot: { ...base, delayed: [{ state: 'open', delayMs: 5, remainingMs: 1 }] } }),
    ).toThrow(/options.snapshot.delayed\[0\]: not a delay of an active state: \{"state":"open","delayMs":5,/);
    expect(() =>
      createActor(machine, { snapshot: { ...base, delayed: [{ state: 'open', delayMs: 1000, remainingMs: -1 }] } }),
    ).toThrow(/options.snapshot.delayed\[0\]: not a delay of an active state: .*"remainingMs":-1\}/);
    expect(() =>
      createActor(machine, { snapshot: { ...base, delayed: [{ state: 'open', delayMs: 1000, remainingMs: 1001 }] } }),
    ).toThrow(/not a delay of an active state: .*"remainingMs":1001\}/);
    expect(() => createActor(machine, { snapshot: { ...base, delayed: [] }, elapsedMs: -1 })).toThrow(RangeError);
  });
});
