import { describe, expect, it } from 'vitest';
import { assign } from './assign';
import { EventlessLoopError, isEventlessLoopError } from './errors';
import { createMachine, MachineSnapshot, type StateMachine } from './machine';
import { problemsOf } from './test-helpers';
import type { EventObject } from './types';

/** Runs a list of events through the pure core, running the returned actions as an actor would. */
function run<M extends StateMachine<unknown, EventObject, string>>(
  machine: M,
  events: Parameters<M['transition']>[1][],
): M['initialSnapshot'] {
  for (const a of machine.initialActions) a.exec();
  let snapshot = machine.initialSnapshot;
  for (const event of events) {
    const result = machine.transition(snapshot as never, event as never);
    for (const a of result.actions) a.exec();
    snapshot = result.snapshot;
  }
  return snapshot;
}

describe('traffic light', () => {
  const light = createMachine({
    id: 'light',
    initial: 'green',
    context: { cycles: 0 },
    states: {
      green: { on: { TIMER: 'yellow' } },
      yellow: { on: { TIMER: 'red' } },
      red: { on: { TIMER: { target: 'green', actions: assign((ctx) => ({ cycles: ctx.cycles + 1 })) } } },
    },
  });

  it('cycles green → yellow → red → green and counts the cycles in the context', () => {
    expect(light.initialSnapshot.value).toBe('green');
    const values: string[] = [];
    let s = light.initialSnapshot;
    for (let i = 0; i < 6; i++) {
      s = light.transition(s, { type: 'TIMER' }).snapshot;
      values.push(s.value);
    }
    expect(values).toEqual(['yellow', 'red', 'green', 'yellow', 'red', 'green']);
    expect(s.context).toEqual({ cycles: 2 });
    expect(s.status).toBe('active');
  });

  it('never mutates a snapshot or its context', () => {
    const s0 = light.initialSnapshot;
    const s1 = run(light, [{ type: 'TIMER' }, { type: 'TIMER' }, { type: 'TIMER' }]);
    expect(s0.value).toBe('green');
    expect(s0.context).toEqual({ cycles: 0 });
    expect(s1.context).not.toBe(s0.context);
  });

  it('returns the very same snapshot object when no transition is enabled', () => {
    const s = light.initialSnapshot;
    const result = light.transition(s, { type: 'UNKNOWN' } as never);
    expect(result.snapshot).toBe(s);
    expect(result.actions).toEqual([]);
  });

  it('serialises a snapshot to plain JSON', () => {
    const s = light.transition(light.initialSnapshot, { type: 'TIMER' }).snapshot;
    expect(JSON.parse(JSON.stringify(s))).toEqual({ value: 'yellow', context: { cycles: 0 }, status: 'active' });
  });

  it('accepts a persisted (plain) snapshot and rejects an unknown state', () => {
    const next = light.transition(
      { value: 'red', context: { cycles: 7 }, status: 'active', delayed: [] },
      { type: 'TIMER' },
    );
    expect(next.snapshot.value).toBe('green');
    expect(next.snapshot.context.cycles).toBe(8);
    expect(() =>
      light.transition(
        { value: 'blue' as 'red', context: { cycles: 0 }, status: 'active', delayed: [] },
        { type: 'TIMER' },
      ),
    ).toThrow(/snapshot.value: expected a state of machine "light", got "blue"/);
  });

  it('throws a TypeError for a malformed event', () => {
    const s = light.initialSnapshot;
    expect(() => light.transition(s, null as never)).toThrow(TypeError);
    expect(() => light.transition(s, { type: 42 } as never)).toThrow(
      /event: expected an object with a string "type", got an object/,
    );
    expect(() => light.transition(s, 'TIMER' as never)).toThrow(/got "TIMER"/);
  });
});

describe('circuit breaker machine', () => {
  const opened: number[] = [];
  const breaker = createMachine({
    id: 'breaker',
    initial: 'closed',
    context: { failures: 0, threshold: 3 },
    states: {
      closed: {
        entry: assign(() => ({ failures: 0 })),
        on: {
          FAIL: [
            { target: 'open', guard: (ctx) => ctx.failures + 1 >= ctx.threshold },
            { actions: assign((ctx) => ({ failures: ctx.failures + 1 })) },
          ],
          SUCCESS: { actions: assign(() => ({ failures: 0 })) },
        },
      },
      open: {
        entry: (ctx) => opened.push(ctx.failures),
        on: { PROBE: 'halfOpen' },
      },
      halfOpen: { on: { SUCCESS: 'closed', FAIL: 'open' } },
    },
  });

  it('opens on the threshold-th consecutive failure and resets on success', () => {
    opened.length = 0;
    const s = run(breaker, [
      { type: 'FAIL' },
      { type: 'FAIL' },
      { type: 'SUCCESS' },
      { type: 'FAIL' },
      { type: 'FAIL' },
    ]);
    expect(s.value).toBe('closed');
    expect(s.context.failures).toBe(2);
    const open = run(breaker, [{ type: 'FAIL' }, { type: 'FAIL' }, { type: 'FAIL' }]);
    expect(open.value).toBe('open');
    expect(opened).toEqual([2]);
  });

  it('goes half-open, then closed on success (counter reset by the entry assign) or open on failure', () => {
    const toHalf = [{ type: 'FAIL' }, { type: 'FAIL' }, { type: 'FAIL' }, { type: 'PROBE' }] as const;
    const closed = run(breaker, [...toHalf, { type: 'SUCCESS' }]);
    expect(closed.value).toBe('closed');
    expect(closed.context.failures).toBe(0);
    expect(run(breaker, [...toHalf, { type: 'FAIL' }]).value).toBe('open');
  });

  it('ignores events a state does not handle', () => {
    const open = run(breaker, [{ type: 'FAIL' }, { type: 'FAIL' }, { type: 'FAIL' }]);
    expect(breaker.transition(open, { type: 'SUCCESS' }).snapshot).toBe(open);
  });
});

describe('guards', () => {
  it('takes the first transition whose guard passes, falling through to the next, then to the parent', () => {
    const m = createMachine({
      initial: 'outer',
      context: { n: 0 },
      states: {
        outer: {
          initial: 'inner',
          on: { GO: 'parentTarget' },
          states: {
            inner: {
              on: {
                GO: [
                  { target: 'a', guard: (_, e) => e.to === 'a' },
                  { target: 'b', guard: (_, e) => e.to === 'b' },
                ],
              },
            },
            a: {},
            b: {},
          },
        },
        parentTarget: {},
      },
    });
    const s = m.initialSnapshot;
    expect(m.transition(s, { type: 'GO', to: 'a' }).snapshot.value).toBe('outer.a');
    expect(m.transition(s, { type: 'GO', to: 'b' }).snapshot.value).toBe('outer.b');
    expect(m.transition(s, { type: 'GO', to: 'c' }).snapshot.value).toBe('parentTarget');
  });

  it('leaves the snapshot unchanged when every guard fails', () => {
    const m = createMachine({
      initial: 'a',
      states: { a: { on: { GO: [{ target: 'b', guard: () => false }] } }, b: {} },
    });
    expect(m.transition(m.initialSnapshot, { type: 'GO' }).snapshot).toBe(m.initialSnapshot);
  });

  it('passes the context and the event to guards and actions', () => {
    const seen: unknown[] = [];
    const m = createMachine({
      initial: 'a',
      context: { k: 1 },
      states: {
        a: {
          on: {
            GO: {
              target: 'b',
              guard: (ctx, e) => {
                seen.push(['guard', ctx.k, e.n]);
                return true;
              },
              actions: [
                (ctx, e) => seen.push(['action', ctx.k, e.n]),
                assign((ctx, e) => ({ k: ctx.k + (e.n as number) })),
              ],
            },
          },
        },
        b: { entry: (ctx, e) => seen.push(['entry', ctx.k, e.type]) },
      },
    });
    run(m, [{ type: 'GO', n: 5 }]);
    expect(seen).toEqual([
      ['guard', 1, 5],
      ['action', 1, 5],
      ['entry', 6, 'GO'],
    ]);
  });
});

describe('nested states', () => {
  const log: string[] = [];
  const m = createMachine({
    id: 'nested',
    initial: 'a',
    states: {
      a: {
        entry: () => log.push('enter a'),
        exit: () => log.push('exit a'),
        initial: 'a1',
        states: {
          a1: {
            entry: () => log.push('enter a1'),
            exit: () => log.push('exit a1'),
            initial: 'deep',
            states: {
              deep: { entry: () => log.push('enter deep'), exit: () => log.push('exit deep') },
            },
            on: {
              SIBLING: { target: 'a2', actions: () => log.push('transition') },
              CROSS: { target: '#b.b1', actions: () => log.push('transition') },
            },
          },
          a2: { entry: () => log.push('enter a2'), exit: () => log.push('exit a2') },
        },
        on: {
          SELF: { target: 'a', actions: () => log.push('transition') },
          STAY: { actions: () => log.push('transition') },
          CHILD: { target: '.a2', actions: () => log.push('transition') },
          CHILD_REENTER: { target: '.a2', reenter: true, actions: () => log.push('transition') },
        },
      },
      b: {
        entry: () => log.push('enter b'),
        exit: () => log.push('exit b'),
        initial: 'b0',
        states: {
          b0: {},
          b1: { entry: () => log.push('enter b1') },
        },
      },
    },
  });

  const from = (events: { type: string }[]) => {
    log.length = 0;
    const s = run(m, events as never[]);
    return s;
  };

  it('enters the initial states outermost first', () => {
    expect(from([]).value).toBe('a.a1.deep');
    expect(log).toEqual(['enter a', 'enter a1', 'enter deep']);
  });

  it('exits innermost first, runs transition actions, then enters outermost first', () => {
    const s = from([{ type: 'CROSS' }]);
    expect(s.value).toBe('b.b1');
    expect(log.slice(3)).toEqual(['exit deep', 'exit a1', 'exit a', 'transition', 'enter b', 'enter b1']);
  });

  it('moves between siblings without leaving the parent', () => {
    const s = from([{ type: 'SIBLING' }]);
    expect(s.value).toBe('a.a2');
    expect(log.slice(3)).toEqual(['exit deep', 'exit a1', 'transition', 'enter a2']);
  });

  it('re-enters on a self-transition with a target (exit and entry run again)', () => {
    const s = from([{ type: 'SIBLING' }, { type: 'SELF' }]);
    expect(s.value).toBe('a.a1.deep');
    expect(log.slice(7)).toEqual(['exit a2', 'exit a', 'transition', 'enter a', 'enter a1', 'enter deep']);
  });

  it('does not exit or enter anything on a transition without a target', () => {
    const before = from([{ type: 'SIBLING' }]);
    log.length = 0;
    const result = m.transition(before, { type: 'STAY' });
    for (const a of result.actions) a.exec();
    expect(log).toEqual(['transition']);
    expect(result.snapshot).toBe(before);
  });

  it('does not leave the parent for a child target unless reenter is set', () => {
    from([{ type: 'CHILD' }]);
    expect(log.slice(3)).toEqual(['exit deep', 'exit a1', 'transition', 'enter a2']);
    from([{ type: 'CHILD_REENTER' }]);
    expect(log.slice(3)).toEqual(['exit deep', 'exit a1', 'exit a', 'transition', 'enter a', 'enter a2']);
  });

  it('matches the active state and its ancestors by dotted path', () => {
    const s = from([]);
    expect(s.matches('a')).toBe(true);
    expect(s.matches('a.a1')).toBe(true);
    expect(s.matches('a.a1.deep')).toBe(true);
    expect(s.matches('a.a2')).toBe(false);
    expect(s.matches('b')).toBe(false);
    // Whole segments only: a prefix of a name or a dangling dot is not an ancestor.
    expect(s.matches('a.a' as never)).toBe(false);
    expect(s.matches('a.' as never)).toBe(false);
    expect(s.matches('' as never)).toBe(false);
  });

  it('returns side-effect actions in order with the context each one saw', () => {
    const m2 = createMachine({
      initial: 'a',
      context: { n: 0 },
      states: {
        a: {
          exit: (ctx) => void ctx,
          on: { GO: { target: 'b', actions: [assign((ctx) => ({ n: ctx.n + 1 })), function report() {}] } },
        },
        b: { entry: [assign((ctx) => ({ n: ctx.n * 10 })), function welcome() {}] },
      },
    });
    const { actions, snapshot } = m2.transition(m2.initialSnapshot, { type: 'GO' });
    expect(actions.map((a) => [a.action.name, a.context.n, a.event.type])).toEqual([
      ['exit', 0, 'GO'],
      ['report', 1, 'GO'],
      ['welcome', 10, 'GO'],
    ]);
    expect(snapshot.context.n).toBe(10);
  });
});

describe('eventless (always) transitions', () => {
  it('are checked after every transition and at the start', () => {
    const m = createMachine({
      initial: 'check',
      context: { level: 5 },
      states: {
        check: {
          always: [
            { target: 'high', guard: (ctx) => ctx.level > 3 },
            { target: 'low', guard: (ctx) => ctx.level <= 3 },
          ],
        },
        high: { on: { DRAIN: { target: 'check', actions: assign((ctx) => ({ level: ctx.level - 3 })) } } },
        low: {},
      },
    });
    expect(m.initialSnapshot.value).toBe('high');
    expect(m.transition(m.initialSnapshot, { type: 'DRAIN' }).snapshot.value).toBe('low');
  });

  it('fire on a context change without a state change', () => {
    const m = createMachine({
      initial: 'counting',
      context: { n: 0 },
      states: {
        counting: {
          on: { INC: { actions: assign((ctx) => ({ n: ctx.n + 1 })) } },
          always: { target: 'full', guard: (ctx) => ctx.n >= 2 },
        },
        full: { type: 'final' },
      },
    });
    const s = run(m, [{ type: 'INC' }, { type: 'INC' }]);
    expect(s.value).toBe('full');
    expect(s.status).toBe('done');
  });

  it('throws EventlessLoopError when they never settle, leaving the caller’s snapshot intact', () => {
    const m = createMachine({
      initial: 'a',
      states: { a: { on: { GO: 'b' } }, b: { always: 'c' }, c: { always: 'b' } },
    });
    const s = m.initialSnapshot;
    let caught: unknown;
    try {
      m.transition(s, { type: 'GO' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EventlessLoopError);
    expect(isEventlessLoopError(caught)).toBe(true);
    expect((caught as EventlessLoopError).code).toBe('ERR_WEFT_FSM_EVENTLESS_LOOP');
    expect(s.value).toBe('a');
    // The machine still works afterwards.
    expect(m.transition(s, { type: 'NOPE' } as never).snapshot).toBe(s);
  });
});

describe('final states', () => {
  it('a top-level final state makes the snapshot done and further events are ignored', () => {
    const m = createMachine({
      initial: 'running',
      states: { running: { on: { FINISH: 'finished' } }, finished: { type: 'final' } },
      on: { FINISH: 'running' },
    });
    const done = m.transition(m.initialSnapshot, { type: 'FINISH' }).snapshot;
    expect(done.status).toBe('done');
    expect(m.transition(done, { type: 'FINISH' }).snapshot).toBe(done);
  });

  it('a nested final state takes the parent’s onDone transition', () => {
    const m = createMachine({
      initial: 'job',
      states: {
        job: {
          initial: 'step1',
          states: {
            step1: { on: { NEXT: 'step2' } },
            step2: { on: { NEXT: 'complete' } },
            complete: { type: 'final' },
          },
          onDone: 'report',
        },
        report: {},
      },
    });
    const s = run(m, [{ type: 'NEXT' }]);
    expect(s.value).toBe('job.step2');
    expect(run(m, [{ type: 'NEXT' }, { type: 'NEXT' }]).value).toBe('report');
  });
});

describe('root transitions and targets', () => {
  it('handles events on the machine itself from any state, by absolute and sibling targets', () => {
    const m = createMachine({
      initial: 'a',
      on: { RESET: '#a', DEEP: 'b.b2' },
      states: { a: { on: { GO: 'b' } }, b: { initial: 'b1', states: { b1: {}, b2: {} } } },
    });
    const inB = m.transition(m.initialSnapshot, { type: 'GO' }).snapshot;
    expect(inB.value).toBe('b.b1');
    expect(m.transition(inB, { type: 'RESET' }).snapshot.value).toBe('a');
    expect(m.transition(inB, { type: 'DEEP' }).snapshot.value).toBe('b.b2');
  });
});

describe('createMachine validation', () => {
  it('reports every problem with its path in one error', () => {
    const problems = problemsOf({
      id: 'breaker',
      initial: 'closed',
      states: {
        closed: { on: { FAIL: [{ target: 'open', guard: 'yes' }, { target: 'close' }] } },
        open: { on: { RESET: { target: 'opne' } }, after: { '-5': 'closed', soon: 'closed', 100: 'closed' } },
        halfOpen: { initial: 'x', states: { y: {} }, entyr: [] },
        done: { type: 'final', on: { X: 'closed' } },
      },
    });
    expect([...problems].sort()).toEqual(
      [
        'states.closed.on.FAIL[0].guard: expected a function (context, event) => boolean, got "yes"',
        'states.closed.on.FAIL[1].target: unknown state "close"',
        'states.open.on.RESET.target: unknown state "opne"',
        'states.open.after.-5: expected a finite number of ms >= 0, got "-5"',
        'states.open.after.soon: expected a finite number of ms >= 0, got "soon"',
        'states.halfOpen.entyr: unknown property',
        'states.halfOpen.initial: unknown state "x" (expected one of "y")',
        "states.done.on: a final state cannot have 'on'",
      ].sort(),
    );
  });

  it('names the machine and every problem in the message', () => {
    expect(() => createMachine({ id: 'm', initial: 'a', states: { a: { on: { GO: 'nowhere' } } } })).toThrow(
      /invalid machine config "m":\n {2}states\.a\.on\.GO\.target: unknown state "nowhere"/,
    );
  });

  it('requires states and initial', () => {
    expect(problemsOf({ id: 'm' })).toEqual(['states: missing (a machine needs at least one state)']);
    expect(problemsOf({ states: { a: {} } })).toEqual(["initial: missing (required with 'states')"]);
    expect(problemsOf({ initial: 'a', states: {} })).toEqual([
      'states: expected an object with at least one state, got an object',
    ]);
  });

  it('rejects bad actions, transition properties, state names and reserved event types', () => {
    expect(
      problemsOf({
        initial: 'a',
        states: {
          a: { entry: [() => {}, 42], on: { GO: { target: 'a', cond: () => true }, 'weft.x': 'a' } },
          'b.c': {},
        },
      }),
    ).toEqual([
      'states.a.entry[1]: expected a function (context, event) => void or assign(...), got 42',
      "states.b.c: a state name must be non-empty and contain no '.' or '#'",
      'states.a.on.GO.cond: unknown property (expected target, guard, actions or reenter)',
      "states.a.on.weft.x: event types must be non-empty and not start with 'weft.' (reserved)",
    ]);
  });

  it('rejects an eventless transition that would loop forever and onDone on a leaf', () => {
    expect(problemsOf({ initial: 'a', states: { a: { always: { actions: () => {} }, onDone: 'a' } } })).toEqual([
      'states.a.onDone: only allowed on a state with child states',
      'states.a.always: an eventless transition needs a target or a guard (it would loop)',
    ]);
  });

  it('rejects a config that is not an object', () => {
    expect(() => createMachine(null as never)).toThrow(/config: expected a machine config object, got null/);
  });
});

describe('MachineSnapshot', () => {
  it('is what initialSnapshot and transitions return', () => {
    const m = createMachine({ initial: 'a', states: { a: {} } });
    expect(m.initialSnapshot).toBeInstanceOf(MachineSnapshot);
    expect(m.initialSnapshot.context).toBeUndefined();
  });
});
