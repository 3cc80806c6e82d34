import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter';
import { isAbortError } from './errors';
import { once } from './once';

type Events = { ready: [port: number, host: string]; tick: [] };

describe('once()', () => {
  it('resolves with the argument tuple of the next event and stops listening', async () => {
    const e = new Emitter<Events>();
    const waiting = once(e, 'ready');
    expect(e.listenerCount('ready')).toBe(1);
    expect(e.listenerCount('error')).toBe(1);
    e.emit('ready', 8080, 'localhost');
    e.emit('ready', 9090, 'other');
    await expect(waiting).resolves.toEqual([8080, 'localhost']);
    expect(e.listenerCount('ready')).toBe(0);
    expect(e.listenerCount('error')).toBe(0);
  });

  it("rejects with the error when 'error' comes first, and stops listening", async () => {
    const e = new Emitter<Events>();
    const waiting = once(e, 'ready');
    const boom = new Error('boom');
    e.emit('error', boom);
    await expect(waiting).rejects.toBe(boom);
    expect(e.eventNames()).toEqual([]);
  });

  it("resolves with the error when waiting for 'error' itself", async () => {
    const e = new Emitter<Events>();
    const waiting = once(e, 'error');
    e.emit('error', 'bad');
    await expect(waiting).resolves.toEqual(['bad']);
  });

  it('rejects with an AbortError carrying the reason when the signal aborts, and stops listening', async () => {
    const e = new Emitter<Events>();
    const controller = new AbortController();
    const waiting = once(e, 'ready', { signal: controller.signal });
    controller.abort('shutting down');
    const error = await waiting.catch((caught: unknown) => caught);
    expect(isAbortError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: 'shutting down' });
    expect(e.eventNames()).toEqual([]);
    e.emit('ready', 1, 'late');
  });

  it('rejects at once for an already aborted signal without listening', async () => {
    const e = new Emitter<Events>();
    await expect(once(e, 'ready', { signal: AbortSignal.abort('early') })).rejects.toMatchObject({
      name: 'AbortError',
      cause: 'early',
    });
    expect(e.eventNames()).toEqual([]);
  });

  it('stops listening to the signal once the event arrived', async () => {
    const e = new Emitter<Events>();
    const controller = new AbortController();
    const waiting = once(e, 'tick', { signal: controller.signal });
    e.emit('tick');
    await expect(waiting).resolves.toEqual([]);
    controller.abort();
    await expect(waiting).resolves.toEqual([]);
  });

  it('works with a node:events emitter, including its error path', async () => {
    const e = new EventEmitter();
    const waiting = once(e, 'data');
    e.emit('data', 1, 2);
    await expect(waiting).resolves.toEqual([1, 2]);
    const failing = once(e, 'data');
    e.emit('error', new Error('node boom'));
    await expect(failing).rejects.toThrow('node boom');
    expect(e.eventNames()).toEqual([]);
  });

  it('works with an EventTarget, resolving with the event', async () => {
    const target = new EventTarget();
    const waiting = once(target, 'ping');
    const event = new Event('ping');
    target.dispatchEvent(event);
    await expect(waiting).resolves.toEqual([event]);
  });

  it('rejects bad input with a TypeError naming what was wrong', async () => {
    const e = new Emitter<Events>();
    await expect(once(e, 42 as never)).rejects.toThrow('eventName: expected a string or a symbol, got 42');
    await expect(once(e, 'tick', { signal: 'x' as never })).rejects.toThrow(TypeError);
    await expect(once({} as never, 'tick')).rejects.toThrow(
      'emitter: expected an event emitter or an EventTarget, got an object',
    );
    await expect(once({ on() {} } as never, 'tick')).rejects.toThrow(/removeListener\(\) or off\(\)/);
  });
});
