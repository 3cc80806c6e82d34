import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter';
import { errorMonitor } from './error-monitor';

// A model check: the same random program of registrations, removals and emits, including listeners that change
// the emitter while an emit is running, must produce the same listener calls on Emitter as on node:events.

const EVENTS = ['a', 'b'] as const;
// With 'error' and errorMonitor: monitors before 'error' listeners, throws when unhandled, listeners that change
// either list mid-emit. One listener on 'keep' is never removed (removeAll here always names an event): Node reads
// 'error' from the listener table of the emit's start, which it replaces when the emitter becomes empty, a case in
// which weft deliberately reads the live listeners instead (see error-monitor.test.ts).
const ERROR_EVENTS = ['a', 'error', errorMonitor] as const;
const LISTENERS = 4;

type Name = string | symbol;
type Op =
  | { kind: 'on' | 'once' | 'prepend' | 'prependOnce' | 'off'; event: Name; id: number }
  | { kind: 'removeAll'; event: Name | undefined }
  | { kind: 'emit'; event: Name; args: number[] };

const id = fc.integer({ min: 0, max: LISTENERS - 1 });
const programOf = (events: readonly Name[], removeEverything: boolean): fc.Arbitrary<Op> => {
  const event = fc.constantFrom(...events);
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('on' as const), event, id }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('once' as const), event, id }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('prepend' as const), event, id }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('prependOnce' as const), event, id }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('off' as const), event, id }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('removeAll' as const),
        event: removeEverything ? fc.option(event, { nil: undefined }) : event,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('emit' as const),
        event,
        args: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 5 }),
      }),
    },
  );
};
const op = programOf(EVENTS, true);
const errorOp = programOf(ERROR_EVENTS, false);
// What each listener does when called (besides recording the call): nothing, or one more operation.
const reactionsOf = (step: fc.Arbitrary<Op>) =>
  fc.array(fc.option(step, { nil: undefined, freq: 3 }), { minLength: LISTENERS, maxLength: LISTENERS });
const reactions = reactionsOf(op);

interface Target {
  on(name: Name, fn: (...args: unknown[]) => void): unknown;
  once(name: Name, fn: (...args: unknown[]) => void): unknown;
  prependListener(name: Name, fn: (...args: unknown[]) => void): unknown;
  prependOnceListener(name: Name, fn: (...args: unknown[]) => void): unknown;
  off(name: Name, fn: (...args: unknown[]) => void): unknown;
  removeAllListeners(name?: Name): unknown;
  emit(name: Name, ...args: unknown[]): boolean;
  listenerCount(name: Name): number;
  listeners(name: Name): unknown[];
  eventNames(): (string | symbol)[];
}

function run(
  target: Target,
  program: Op[],
  reactionOf: (Op | undefined)[],
  meta: boolean,
  events: readonly Name[] = EVENTS,
): string[] {
  const log: string[] = [];
  let depth = 0;
  // Listeners that add listeners and emit can make the work of a program grow exponentially (a rare program then
  // exhausts the heap); past this many reactions, listeners only record their calls, on both emitters alike.
  let reactionsLeft = 500;
  const fns = Array.from(
    { length: LISTENERS },
    (_, n) =>
      function listener(this: unknown, ...args: unknown[]) {
        log.push(`call ${n} this=${this === target} (${args.join(',')})`);
        const reaction = reactionOf[n];
        if (reaction !== undefined && depth < 3 && reactionsLeft > 0) {
          reactionsLeft--;
          depth++;
          try {
            apply(reaction);
          } finally {
            depth--;
          }
        }
      },
  );
  const logNewListeners = () => {
    if (!meta) return;
    target.on('newListener', (name: unknown, fn: unknown) => {
      log.push(`newListener ${String(name)} ${fns.indexOf(fn as (typeof fns)[number])}`);
    });
  };
  logNewListeners();
  const apply = (step: Op) => {
    switch (step.kind) {
      case 'on':
        target.on(step.event, fns[step.id]!);
        break;
      case 'once':
        target.once(step.event, fns[step.id]!);
        break;
      case 'prepend':
        target.prependListener(step.event, fns[step.id]!);
        break;
      case 'prependOnce':
        target.prependOnceListener(step.event, fns[step.id]!);
        break;
      case 'off':
        target.off(step.event, fns[step.id]!);
        break;
      case 'removeAll':
        if (step.event === undefined) {
          target.removeAllListeners();
          logNewListeners();
        } else {
          target.removeAllListeners(step.event);
        }
        break;
      case 'emit':
        try {
          log.push(`emit ${String(step.event)} -> ${target.emit(step.event, ...step.args)}`);
        } catch (error) {
          // Unhandled 'error' (the arguments are numbers or none, so both wrap it with the same message).
          log.push(`emit ${String(step.event)} threw ${(error as Error).message}`);
        }
        break;
    }
  };
  for (const step of program) {
    apply(step);
    const state = events.map(
      (name) =>
        `${String(name)}:${target.listenerCount(name)}[${target.listeners(name).map((fn) => fns.indexOf(fn as never))}]`,
    );
    log.push(`state ${state.join(' ')} names=${target.eventNames().map(String).join(',')}`);
  }
  return log;
}

describe('Emitter vs node:events (property)', () => {
  it('gives the same listener calls, counts and names for any program, removal during emit included', () => {
    fc.assert(
      // With and without a 'newListener' listener: the emitter takes shorter paths when there is none.
      fc.property(fc.array(op, { maxLength: 40 }), reactions, fc.boolean(), (program, reactionOf, meta) => {
        const ours = run(new Emitter().setMaxListeners(0) as unknown as Target, program, reactionOf, meta);
        const node = run(new EventEmitter().setMaxListeners(0) as unknown as Target, program, reactionOf, meta);
        expect(ours).toEqual(node);
      }),
      { numRuns: 500 },
    );
  });

  it("gives the same calls with 'error' and errorMonitor: monitors first, then 'error' listeners or a throw", () => {
    fc.assert(
      fc.property(
        fc.array(errorOp, { maxLength: 40 }),
        reactionsOf(errorOp),
        fc.boolean(),
        (program, reactionOf, meta) => {
          const keep = () => {};
          const ours = new Emitter().setMaxListeners(0).on('keep', keep) as unknown as Target;
          const node = new EventEmitter().setMaxListeners(0).on('keep', keep) as unknown as Target;
          expect(run(ours, program, reactionOf, meta, ERROR_EVENTS)).toEqual(
            run(node, program, reactionOf, meta, ERROR_EVENTS),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
