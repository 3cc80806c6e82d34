import { createMachine, type EventFor } from '@weft/fsm';

/**
 * The breaker's states. `open` has two substates: `cooling` (goes half-open once `openDurationMs` has passed)
 * and `isolated` (stays open until `close()` or `open()`). The breaker runs it through the pure `transition`
 * function, only when the state changes, so calls never touch it; its own timer sends `HALF_OPEN`.
 * @internal
 */
export const breakerMachine = createMachine({
  id: 'circuit-breaker',
  initial: 'closed',
  states: {
    closed: { on: { TRIP: 'open', ISOLATE: 'open.isolated' } },
    open: {
      initial: 'cooling',
      on: { CLOSE: 'closed' },
      states: {
        cooling: { on: { HALF_OPEN: '#half-open', ISOLATE: 'isolated' } },
        isolated: { on: { TRIP: 'cooling' } },
      },
    },
    'half-open': { on: { TRIP: 'open', CLOSE: 'closed', ISOLATE: 'open.isolated' } },
  },
});

/** @internal */
export type BreakerEvent = EventFor<'TRIP' | 'HALF_OPEN' | 'CLOSE' | 'ISOLATE'>;
/** @internal */
export type BreakerSnapshot = typeof breakerMachine.initialSnapshot;
