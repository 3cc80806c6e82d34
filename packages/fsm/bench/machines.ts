// The breaker-like machine of the benchmark, written for each library: closed → open on the 5th failure
// (one guard), a failure counter in the context (one context update), open → halfOpen on TIMEOUT,
// halfOpen → closed on SUCCESS. The same 7-event cycle drives every library through every state.
import { createStore } from '@xstate/store';
import {
  guard as robotGuard,
  interpret as robotInterpret,
  createMachine as robotMachine,
  reduce as robotReduce,
  state as robotState,
  transition as robotTransition,
} from 'robot3';
import { setup, assign as xAssign, createActor as xCreateActor } from 'xstate';
import { assign, createActor, createMachine } from '../src/index';

export const cycle = [
  { type: 'FAIL' },
  { type: 'FAIL' },
  { type: 'FAIL' },
  { type: 'FAIL' },
  { type: 'FAIL' },
  { type: 'TIMEOUT' },
  { type: 'SUCCESS' },
] as const;
export const cycleTypes = cycle.map((e) => e.type);

export const weftMachine = createMachine({
  id: 'breaker',
  initial: 'closed',
  context: { failures: 0 },
  states: {
    closed: {
      on: {
        FAIL: [
          { target: 'open', guard: (ctx) => ctx.failures >= 4 },
          { actions: assign((ctx) => ({ failures: ctx.failures + 1 })) },
        ],
      },
    },
    open: { on: { TIMEOUT: 'halfOpen' } },
    halfOpen: { on: { SUCCESS: { target: 'closed', actions: assign(() => ({ failures: 0 })) }, FAIL: 'open' } },
  },
});
export const weftActor = () => createActor(weftMachine).start();

export const xstateMachine = setup({
  types: {
    context: {} as { failures: number },
    events: {} as { type: 'FAIL' } | { type: 'TIMEOUT' } | { type: 'SUCCESS' },
  },
}).createMachine({
  id: 'breaker',
  initial: 'closed',
  context: { failures: 0 },
  states: {
    closed: {
      on: {
        FAIL: [
          { target: 'open', guard: ({ context }) => context.failures >= 4 },
          { actions: xAssign({ failures: ({ context }) => context.failures + 1 }) },
        ],
      },
    },
    open: { on: { TIMEOUT: 'halfOpen' } },
    halfOpen: { on: { SUCCESS: { target: 'closed', actions: xAssign({ failures: 0 }) }, FAIL: 'open' } },
  },
});
export const xstateActor = () => xCreateActor(xstateMachine).start();

interface RobotContext {
  failures: number;
}
export const robotMachineDef = robotMachine(
  'closed',
  {
    closed: robotState(
      robotTransition(
        'FAIL',
        'open',
        robotGuard((ctx: RobotContext) => ctx.failures >= 4),
      ),
      robotTransition(
        'FAIL',
        'closed',
        robotReduce((ctx: RobotContext) => ({ ...ctx, failures: ctx.failures + 1 })),
      ),
    ),
    open: robotState(robotTransition('TIMEOUT', 'halfOpen')),
    halfOpen: robotState(
      robotTransition(
        'SUCCESS',
        'closed',
        robotReduce((ctx: RobotContext) => ({ ...ctx, failures: 0 })),
      ),
      robotTransition('FAIL', 'open'),
    ),
  },
  (): RobotContext => ({ failures: 0 }),
);
export const robotService = () => robotInterpret(robotMachineDef, () => {});

type StoreState = 'closed' | 'open' | 'halfOpen';
export const storeConfig = {
  context: { state: 'closed' as StoreState, failures: 0 },
  on: {
    FAIL: (ctx: { state: StoreState; failures: number }) => {
      if (ctx.state === 'closed') {
        return ctx.failures >= 4 ? { ...ctx, state: 'open' as const } : { ...ctx, failures: ctx.failures + 1 };
      }
      return ctx.state === 'halfOpen' ? { ...ctx, state: 'open' as const } : ctx;
    },
    TIMEOUT: (ctx: { state: StoreState; failures: number }) =>
      ctx.state === 'open' ? { ...ctx, state: 'halfOpen' as const } : ctx,
    SUCCESS: (ctx: { state: StoreState; failures: number }) =>
      ctx.state === 'halfOpen' ? { ...ctx, state: 'closed' as const, failures: 0 } : ctx,
  },
};
export const xstateStore = () => createStore(storeConfig);
