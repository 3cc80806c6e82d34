import { type Actor, createActor, createMachine } from '@weft/fsm';

/**
 * The server's lifecycle as a state machine: idle → starting → listening → draining → closed. A failed `listen()`
 * goes back to idle; `close()` drains from any state but closed.
 */
export const lifecycleMachine = createMachine({
  id: 'server',
  initial: 'idle',
  states: {
    idle: { on: { START: 'starting', CLOSE: 'draining' } },
    starting: { on: { LISTENING: 'listening', FAILED: 'idle', CLOSE: 'draining' } },
    listening: { on: { CLOSE: 'draining' } },
    draining: { on: { CLOSED: 'closed' } },
    closed: { type: 'final' },
  },
});

/** The events of the lifecycle machine. */
export type LifecycleEvent =
  | { type: 'START' }
  | { type: 'LISTENING' }
  | { type: 'FAILED' }
  | { type: 'CLOSE' }
  | { type: 'CLOSED' };

/** A running lifecycle actor (`app.lifecycle`): an `@weft/fsm` actor over the states of `LifecycleState`. */
export type Lifecycle = Actor<undefined, LifecycleEvent, 'idle' | 'starting' | 'listening' | 'draining' | 'closed'>;

/** Starts a lifecycle actor in `idle`. */
export function createLifecycle(): Lifecycle {
  return createActor(lifecycleMachine).start();
}
