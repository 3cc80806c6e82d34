import { createActor, createMachine } from '@weft/fsm';

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

/** A running lifecycle actor (`app.lifecycle`). */
export type Lifecycle = ReturnType<typeof createLifecycle>;

/** Starts a lifecycle actor in `idle`. */
export function createLifecycle() {
  return createActor(lifecycleMachine).start();
}
