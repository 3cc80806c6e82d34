import { createActor } from '@weft/fsm';
import { describe, expect, it } from 'vitest';
import { lifecycleMachine } from './index';

describe('the worker lifecycle machine', () => {
  it('goes starting → ready → draining → stopped, and stopped is final', () => {
    const actor = createActor(lifecycleMachine()).start();
    const seen = [actor.getSnapshot().value];
    for (const type of ['READY', 'DRAIN', 'EXIT'] as const) {
      actor.send({ type });
      seen.push(actor.getSnapshot().value);
    }
    expect(seen).toEqual(['starting', 'ready', 'draining', 'stopped']);
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('lets a worker die or be stopped before it is ready, and never become ready while draining', () => {
    const crashed = createActor(lifecycleMachine()).start();
    crashed.send({ type: 'EXIT' });
    expect(crashed.getSnapshot().value).toBe('stopped');
    const stopped = createActor(lifecycleMachine()).start();
    stopped.send({ type: 'DRAIN' });
    expect(stopped.can({ type: 'READY' })).toBe(false);
    stopped.send({ type: 'READY' });
    expect(stopped.getSnapshot().value).toBe('draining');
  });
});
