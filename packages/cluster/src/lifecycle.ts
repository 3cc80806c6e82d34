import { type Actor, createActor, createMachine, type EventFor, type StateMachine } from '@weft/fsm';

/** Where a worker is in its life: forked, serving, finishing its work, gone. */
export type WorkerState = 'starting' | 'ready' | 'draining' | 'stopped';

/** What moves a worker's lifecycle: it reported ready, it was told to drain, its process exited. */
export type LifecycleEvent = 'READY' | 'DRAIN' | 'EXIT';

let machine: StateMachine<undefined, EventFor<LifecycleEvent>, WorkerState> | undefined;

/** The lifecycle of one worker as an `@weft/fsm` machine: starting → ready → draining → stopped. */
export function lifecycleMachine(): StateMachine<undefined, EventFor<LifecycleEvent>, WorkerState> {
  machine ??= createMachine({
    id: 'worker',
    initial: 'starting',
    states: {
      starting: { on: { READY: 'ready', DRAIN: 'draining', EXIT: 'stopped' } },
      ready: { on: { DRAIN: 'draining', EXIT: 'stopped' } },
      draining: { on: { EXIT: 'stopped' } },
      stopped: { type: 'final' },
    },
  }) as StateMachine<undefined, EventFor<LifecycleEvent>, WorkerState>;
  return machine;
}

/** A started actor of {@link lifecycleMachine}. */
export type LifecycleActor = Actor<undefined, EventFor<LifecycleEvent>, WorkerState>;

/** Starts a lifecycle actor in `starting`. The machine has no delays, so it needs no clock. */
export function startLifecycle(): LifecycleActor {
  return createActor(lifecycleMachine()).start();
}
