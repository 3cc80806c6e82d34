import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter';

// A model check: the same random program of registrations, removals and emits, including listeners that change
// the emitter while an emit is running, must produce the same listener calls on Emitter as on node:events.

const EVENTS = ['a', 'b'] as const;
const LISTENERS = 4;

type Op =
  | { kind: 'on' | 'once' | 'prepend' | 'prependOnce' | 'off'; event: string; id: number }
  | { kind: 'removeAll'; event: string | undefined }
  | { kind: 'emit'; event: string; args: number[] };

const event = fc.constantFrom(...EVENTS);
const id = fc.integer({ min: 0, max: LISTENERS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('on' as const), event, id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('once' as const), event, id }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prepend' as const), event, id }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prependOnce' as const), event, id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('off' as const), event, id }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('removeAll' as const), event: fc.option(event, { nil: undefined }) }),
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
// What each listener does when called (besides recording the call): nothing, or one more operation.
const reactions = fc.array(fc.option(op, { nil: undefined, freq: 3 }), { minLength: LISTENERS, maxLength: LISTENERS });

interface Target {
  on(name: string, fn: (...args: unknown[]) => void): unknown;
  once(name: string, fn: (...args: unknown[]) => void): unknown;
  prependListener(name: string, fn: (...args: unknown[]) => void): unknown;
  prependOnceListener(name: string, fn: (...args: unknown[]) => void): unknown;
  off(name: string, fn: (...args: unknown[]) => void): unknown;
  removeAllListeners(name?: string): unknown;
  emit(name: string, ...args: unknown[]): boolean;
  listenerCount(name: string): number;
  listeners(name: string): unknown[];
  eventNames(): (string | symbol)[];
}

function run(target: Target, program: Op[], reactionOf: (Op | undefined)[], meta: boolean): string[] {
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
          apply(reaction);
          depth--;
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
        log.push(`emit ${step.event} -> ${target.emit(step.event, ...step.args)}`);
        break;
    }
  };
  for (const step of program) {
    apply(step);
    const state = EVENTS.map(
      (name) =>
        `${name}:${target.listenerCount(name)}[${target.listeners(name).map((fn) => fns.indexOf(fn as never))}]`,
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
});
