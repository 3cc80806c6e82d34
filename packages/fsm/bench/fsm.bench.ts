import { bench, describe } from 'vitest';
import { initialTransition, transition as xTransition } from 'xstate';
import {
  cycle,
  cycleTypes,
  robotService,
  weftActor,
  weftMachine,
  xstateActor,
  xstateMachine,
  xstateStore,
} from './machines';

// Each task handles BATCH events (or creates BATCH actors), so events/s = hz × BATCH. Bounded run time.
const BATCH = 7_000;
const options = { time: 1000, warmupTime: 200 };

describe(`send ${BATCH} events to a started actor`, () => {
  const weft = weftActor();
  bench(
    '@weft/fsm actor.send',
    () => {
      for (let i = 0; i < BATCH; i++) weft.send(cycle[i % 7] as (typeof cycle)[number]);
    },
    options,
  );

  const x = xstateActor();
  bench(
    'xstate v5 actor.send',
    () => {
      for (let i = 0; i < BATCH; i++) x.send(cycle[i % 7] as (typeof cycle)[number]);
    },
    options,
  );

  const robot = robotService();
  bench(
    'robot3 service.send',
    () => {
      for (let i = 0; i < BATCH; i++) robot.send(cycleTypes[i % 7] as (typeof cycleTypes)[number]);
    },
    options,
  );

  const store = xstateStore();
  bench(
    '@xstate/store store.send',
    () => {
      for (let i = 0; i < BATCH; i++) store.send(cycle[i % 7] as (typeof cycle)[number]);
    },
    options,
  );
});

describe(`${BATCH} events through the pure transition function`, () => {
  let weftSnapshot = weftMachine.initialSnapshot;
  bench(
    '@weft/fsm machine.transition',
    () => {
      let s = weftSnapshot;
      for (let i = 0; i < BATCH; i++) s = weftMachine.transition(s, cycle[i % 7] as (typeof cycle)[number]).snapshot;
      weftSnapshot = s;
    },
    options,
  );

  let xSnapshot = initialTransition(xstateMachine)[0];
  bench(
    'xstate v5 transition()',
    () => {
      let s = xSnapshot;
      for (let i = 0; i < BATCH; i++) s = xTransition(xstateMachine, s, cycle[i % 7] as (typeof cycle)[number])[0];
      xSnapshot = s;
    },
    options,
  );

  const store = xstateStore();
  let storeSnapshot = store.getSnapshot();
  bench(
    '@xstate/store store.transition()',
    () => {
      let s = storeSnapshot;
      for (let i = 0; i < BATCH; i++) s = store.transition(s, cycle[i % 7] as (typeof cycle)[number])[0];
      storeSnapshot = s;
    },
    options,
  );
});

const ACTORS = 1_000;
describe(`create and start ${ACTORS} actors`, () => {
  let sink: unknown;
  bench(
    '@weft/fsm createActor().start()',
    () => {
      for (let i = 0; i < ACTORS; i++) sink = weftActor();
    },
    options,
  );
  bench(
    'xstate v5 createActor().start()',
    () => {
      for (let i = 0; i < ACTORS; i++) sink = xstateActor();
    },
    options,
  );
  bench(
    'robot3 interpret()',
    () => {
      for (let i = 0; i < ACTORS; i++) sink = robotService();
    },
    options,
  );
  bench(
    '@xstate/store createStore()',
    () => {
      for (let i = 0; i < ACTORS; i++) sink = xstateStore();
    },
    options,
  );
  void sink;
});
