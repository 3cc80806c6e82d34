import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Actor, createActor } from './actor';
import { assign } from './assign';
import { createMachine, type MachineSnapshot } from './machine';
import type { EventFor, SystemEvent } from './types';

const machine = createMachine({
  id: 'breaker',
  initial: 'closed',
  context: { failures: 0, lastError: '' },
  states: {
    closed: {
      on: {
        FAIL: [
          { target: 'open', guard: (ctx) => ctx.failures >= 4 },
          { actions: assign((ctx, event) => ({ failures: ctx.failures + 1, lastError: String(event.error) })) },
        ],
        SUCCESS: { actions: assign(() => ({ failures: 0 })) },
      },
    },
    open: { after: { 1000: 'halfOpen' } },
    halfOpen: {
      initial: 'probing',
      states: { probing: { on: { PROBE_OK: 'done' } }, done: { type: 'final' } },
      onDone: 'closed',
      on: { FAIL: 'open' },
    },
  },
});

describe('type inference', () => {
  it('infers the context from the config', () => {
    expectTypeOf(machine.initialSnapshot.context).toEqualTypeOf<{ failures: number; lastError: string }>();
  });

  it('infers the state values, nested ones as dotted paths', () => {
    expectTypeOf(machine.initialSnapshot.value).toEqualTypeOf<
      'closed' | 'open' | 'halfOpen' | 'halfOpen.probing' | 'halfOpen.done'
    >();
    const actor = createActor(machine);
    expectTypeOf(actor.matches)
      .parameter(0)
      .toEqualTypeOf<'closed' | 'open' | 'halfOpen' | 'halfOpen.probing' | 'halfOpen.done'>();
    // @ts-expect-error: not a state of this machine
    actor.matches('half');
  });

  it('infers the event types from every `on`, so an unknown event type does not compile', () => {
    const actor = createActor(machine);
    expectTypeOf(actor.send).parameter(0).toEqualTypeOf<EventFor<'FAIL' | 'SUCCESS' | 'PROBE_OK'>>();
    actor.send({ type: 'FAIL', error: new Error('x') });
    // @ts-expect-error: no state handles NOPE
    actor.send({ type: 'NOPE' });
    expect(() =>
      // @ts-expect-error: an event needs a type
      actor.send({}),
    ).toThrow(TypeError);
  });

  it('narrows the event in transition guards and actions to its type', () => {
    createMachine({
      initial: 'a',
      context: { n: 0 },
      states: {
        a: {
          on: {
            ADD: {
              guard: (ctx, event) => {
                expectTypeOf(ctx).toEqualTypeOf<{ n: number }>();
                expectTypeOf(event.type).toEqualTypeOf<'ADD'>();
                return true;
              },
              actions: (_ctx, event) => expectTypeOf(event.type).toEqualTypeOf<'ADD'>(),
            },
          },
          entry: (_ctx, event) => expectTypeOf(event).toEqualTypeOf<EventFor<'ADD'> | SystemEvent>(),
        },
      },
    });
  });

  it('types the actor, its snapshots and subscribers', () => {
    const actor = createActor(machine);
    expectTypeOf(actor).toEqualTypeOf<
      Actor<
        { failures: number; lastError: string },
        EventFor<'FAIL' | 'SUCCESS' | 'PROBE_OK'>,
        'closed' | 'open' | 'halfOpen' | 'halfOpen.probing' | 'halfOpen.done'
      >
    >();
    actor.subscribe((snapshot) => {
      expectTypeOf(snapshot).toEqualTypeOf<
        MachineSnapshot<
          { failures: number; lastError: string },
          'closed' | 'open' | 'halfOpen' | 'halfOpen.probing' | 'halfOpen.done'
        >
      >();
    });
  });

  it('gives a machine without context an undefined context', () => {
    const m = createMachine({ initial: 'a', states: { a: { on: { GO: 'b' } }, b: {} } });
    expectTypeOf(m.initialSnapshot.context).toEqualTypeOf<undefined>();
  });

  it('rejects a context update with a wrong property type', () => {
    createMachine({
      initial: 'a',
      // @ts-expect-error: the update below sets n to a string, which does not fit the context
      context: { n: 0 },
      states: {
        a: {
          on: {
            SET: { actions: assign(() => ({ n: 'text' })) },
          },
        },
      },
    });
  });
});

type BreakerEvent = { type: 'FAIL'; error: Error } | { type: 'SUCCESS'; latencyMs: number } | { type: 'RESET' };

const typed = createMachine({
  types: {} as { events: BreakerEvent; context: { failures: number; lastError: Error | null } },
  id: 'typed',
  initial: 'closed',
  context: { failures: 0, lastError: null },
  states: {
    closed: {
      on: {
        FAIL: [
          {
            target: 'open',
            guard: (ctx, event) => {
              expectTypeOf(event).toEqualTypeOf<{ type: 'FAIL'; error: Error }>();
              return ctx.failures >= 4;
            },
          },
          { actions: assign((ctx, event) => ({ failures: ctx.failures + 1, lastError: event.error })) },
        ],
        SUCCESS: {
          actions: (_ctx, event) => expectTypeOf(event.latencyMs).toEqualTypeOf<number>(),
        },
      },
    },
    open: {
      entry: (_ctx, event) => {
        expectTypeOf(event).toExtend<BreakerEvent | SystemEvent>();
        expectTypeOf<BreakerEvent | SystemEvent>().toExtend<typeof event>();
      },
      on: { RESET: 'closed' },
    },
  },
});

describe('declared event types (`types: {} as { events }`)', () => {
  it('narrows each transition’s guard, actions and assign to the event of its `on` key, payload included', () => {
    const m = createMachine({
      types: {} as { events: BreakerEvent },
      initial: 'a',
      context: { total: 0 },
      states: {
        a: {
          on: {
            SUCCESS: {
              actions: assign((ctx, event) => {
                expectTypeOf(event).toEqualTypeOf<{ type: 'SUCCESS'; latencyMs: number }>();
                return { total: ctx.total + event.latencyMs };
              }),
            },
          },
        },
      },
    });
    expectTypeOf(m.initialSnapshot.context).toEqualTypeOf<{ total: number }>();
    const next = m.transition(m.initialSnapshot, { type: 'SUCCESS', latencyMs: 5 });
    expect(next.snapshot.context).toEqual({ total: 5 });
  });

  it('types the context from `types.context` and the machine’s events as the declared union', () => {
    expectTypeOf(typed.initialSnapshot.context).toEqualTypeOf<{ failures: number; lastError: Error | null }>();
    const actor = createActor(typed);
    expectTypeOf(actor.send).parameter(0).toEqualTypeOf<BreakerEvent>();
    expectTypeOf(actor).toEqualTypeOf<
      Actor<{ failures: number; lastError: Error | null }, BreakerEvent, 'closed' | 'open'>
    >();
  });

  it('makes send accept only declared events, each with its payload', () => {
    const actor = createActor(typed).start();
    actor.send({ type: 'FAIL', error: new Error('boom') });
    actor.send({ type: 'SUCCESS', latencyMs: 3 });
    actor.send({ type: 'RESET' });
    expect(actor.getSnapshot().context).toEqual({ failures: 1, lastError: new Error('boom') });
    // None of these compiles (they are not run).
    const mistakes = [
      // @ts-expect-error: FAIL needs its `error`
      () => actor.send({ type: 'FAIL' }),
      // @ts-expect-error: `latencyMs` must be a number
      () => actor.send({ type: 'SUCCESS', latencyMs: 'slow' }),
      // @ts-expect-error: not a declared event
      () => actor.send({ type: 'NOPE' }),
    ];
    expect(mistakes).toHaveLength(3);
  });

  it('rejects an `on` key that is not a declared event type', () => {
    // @ts-expect-error: `on.NOPE` names no declared event
    createMachine({
      types: {} as { events: BreakerEvent },
      initial: 'a',
      states: { a: { on: { RESET: 'a', NOPE: 'a' } } },
    });
  });

  it('is accepted by the development validator and ignored at run time', () => {
    expect(typed.initialSnapshot.value).toBe('closed');
    expect(() => createMachine({ initial: 'a', states: { a: { types: {} } } } as never)).toThrow(
      /states\.a\.types: unknown property \(only allowed on the machine itself\)/,
    );
  });
});
