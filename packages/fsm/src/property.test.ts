import { Reactor } from '@weft/reactor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from './actor';
import { assign } from './assign';
import { createMachine } from './machine';

/** A machine with every feature the two paths must agree on: nesting, guards, assign, always, final, root events. */
function makeMachine(log: string[]) {
  const note = (text: string) => () => log.push(text);
  return createMachine({
    id: 'model',
    initial: 'idle',
    context: { n: 0, total: 0 },
    on: { RESET: { target: '#idle', actions: assign(() => ({ n: 0 })) } },
    states: {
      idle: {
        entry: note('enter idle'),
        exit: note('exit idle'),
        on: { START: 'running', ADD: { actions: assign((c, e) => ({ total: c.total + (e.by as number) })) } },
      },
      running: {
        entry: note('enter running'),
        exit: note('exit running'),
        initial: 'slow',
        states: {
          slow: {
            on: { TICK: [{ target: 'fast', guard: (c) => c.n >= 2 }, { actions: assign((c) => ({ n: c.n + 1 })) }] },
          },
          fast: {
            entry: note('enter fast'),
            on: { TICK: { target: 'fast', actions: note('loop') }, SLOW: 'slow', FINISH: 'finished' },
            always: { target: 'slow', guard: (c) => c.total > 10 },
          },
          finished: { type: 'final' },
        },
        on: { ADD: { actions: assign((c, e) => ({ total: c.total + (e.by as number) })) }, STOP: 'idle' },
        onDone: 'done',
      },
      done: { type: 'final', entry: note('enter done') },
    },
  });
}

const eventArb = fc.oneof(
  fc.constantFrom('START', 'TICK', 'SLOW', 'FINISH', 'STOP', 'RESET').map((type) => ({ type })),
  fc.integer({ min: 0, max: 5 }).map((by) => ({ type: 'ADD' as const, by })),
);

describe('pure transition and actor agree', () => {
  it('on state, context, status and the actions run, for random event sequences', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
        const pureLog: string[] = [];
        const pure = makeMachine(pureLog);
        for (const a of pure.initialActions) a.exec();
        let snapshot = pure.initialSnapshot;
        const pureStates: string[] = [];
        for (const event of events) {
          const result = pure.transition(snapshot, event);
          for (const a of result.actions) a.exec();
          snapshot = result.snapshot;
          pureStates.push(`${snapshot.value}/${snapshot.status}/${snapshot.context.n}/${snapshot.context.total}`);
        }

        const actorLog: string[] = [];
        const actor = createActor(makeMachine(actorLog), { clock: new Reactor() }).start();
        const actorStates: string[] = [];
        for (const event of events) {
          actor.send(event);
          const s = actor.getSnapshot();
          actorStates.push(`${s.value}/${s.status}/${s.context.n}/${s.context.total}`);
        }
        expect(actorStates).toEqual(pureStates);
        expect(actorLog).toEqual(pureLog);
        expect(actor.getSnapshot()).toEqual(snapshot);
      }),
      { numRuns: 300 },
    );
  });
});
