import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from './clock';
import { isIpcClosedError, isIpcTimeoutError, isRemoteError } from './errors';
import { type Handler, RpcPeer, type WireMessage } from './rpc';

/** A virtual clock: timers fire only when the test advances time. */
class ManualClock implements Clock {
  #now = 0;
  #timers = new Map<TimerHandle, { at: number; run: () => void }>();
  now(): number {
    return this.#now;
  }
  setTimeout<A extends unknown[]>(fn: (...args: A) => void, ms = 0, ...args: A): TimerHandle {
    const handle = {};
    this.#timers.set(handle, { at: this.#now + ms, run: () => fn(...args) });
    return handle;
  }
  clearTimeout(handle: TimerHandle | undefined | null): void {
    if (handle) this.#timers.delete(handle);
  }
  advance(ms: number): void {
    this.#now += ms;
    for (const [handle, timer] of [...this.#timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > this.#now) continue;
      this.#timers.delete(handle);
      timer.run();
    }
  }
  get pending(): number {
    return this.#timers.size;
  }
}

/** Two peers joined by an in-memory channel that delivers asynchronously, as IPC does. */
function pair(clock = new ManualClock()) {
  const leftHandlers = new Map<string, Handler<string>>();
  const rightHandlers = new Map<string, Handler<string>>();
  let connected = true;
  const deliver = (to: () => RpcPeer<string>) => (message: WireMessage, onError: (e: Error | null) => void) => {
    if (!connected) throw new Error('channel closed');
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    setImmediate(() => {
      to().receive(copy);
      onError(null);
    });
  };
  const left: RpcPeer<string> = new RpcPeer<string>(
    deliver(() => right),
    clock,
    leftHandlers,
    'right',
  );
  const right: RpcPeer<string> = new RpcPeer<string>(
    deliver(() => left),
    clock,
    rightHandlers,
    'left',
  );
  return { left, right, leftHandlers, rightHandlers, clock, disconnect: () => (connected = false) };
}

describe('RpcPeer', () => {
  it('answers a request with the handler’s value, telling it who asked', async () => {
    const { left, rightHandlers } = pair();
    rightHandlers.set('add', ((m: { a: number; b: number }, from: string) => ({ sum: m.a + m.b, from })) as never);
    expect(await left.request({ type: 'add', a: 1, b: 2 } as never)).toEqual({ sum: 3, from: 'left' });
  });

  it('matches out-of-order answers to their requests', async () => {
    const { left, rightHandlers } = pair();
    rightHandlers.set(
      'echo',
      ((m: { n: number; waitMs: number }) =>
        new Promise((resolve) => setTimeout(() => resolve(m.n), m.waitMs))) as never,
    );
    const answers = await Promise.all(
      [30, 1, 15, 5].map((waitMs, n) => left.request({ type: 'echo', n, waitMs } as never)),
    );
    expect(answers).toEqual([0, 1, 2, 3]);
    expect(left.pending).toBe(0);
  });

  it('rejects with the remote error’s name, message and code (thrown or rejected)', async () => {
    const { left, rightHandlers } = pair();
    rightHandlers.set('throw', () => {
      throw Object.assign(new RangeError('nope'), { code: 'E_NOPE' });
    });
    rightHandlers.set('reject', () => Promise.reject('a string'));
    const thrown = await left.request({ type: 'throw' }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({ name: 'RangeError', message: 'nope', code: 'E_NOPE' });
    expect(isRemoteError(thrown)).toBe(true);
    await expect(left.request({ type: 'reject' })).rejects.toMatchObject({ name: 'Error', message: 'a string' });
  });

  it('rejects with ERR_WEFT_CLUSTER_NO_HANDLER for an unknown type', async () => {
    const { left } = pair();
    await expect(left.request({ type: 'missing' })).rejects.toMatchObject({ code: 'ERR_WEFT_CLUSTER_NO_HANDLER' });
  });

  it('times out in virtual time, and drops the late answer', async () => {
    const { left, rightHandlers, clock } = pair();
    let answer: (v: string) => void = () => {};
    rightHandlers.set('slow', () => new Promise((resolve) => (answer = resolve)));
    const outcome = left.request({ type: 'slow' }, { timeoutMs: 500 }).catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(499);
    expect(left.pending).toBe(1);
    clock.advance(1);
    const error = await outcome;
    expect(isIpcTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ type: 'slow', timeoutMs: 500, code: 'ERR_WEFT_CLUSTER_IPC_TIMEOUT' });
    answer('late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(left.pending).toBe(0);
  });

  it('clears the timer when the answer comes first', async () => {
    const { left, rightHandlers, clock } = pair();
    rightHandlers.set('fast', () => 1);
    expect(await left.request({ type: 'fast' }, { timeoutMs: 500 })).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('rejects pending and new requests with IpcClosedError once closed', async () => {
    const { left, rightHandlers } = pair();
    rightHandlers.set('hang', () => new Promise(() => {}));
    const pending = left.request({ type: 'hang' }).catch((e: unknown) => e);
    left.close('worker 42 exited');
    const error = await pending;
    expect(isIpcClosedError(error)).toBe(true);
    expect((error as Error).message).toBe('worker 42 exited');
    await expect(left.request({ type: 'hang' })).rejects.toMatchObject({ code: 'ERR_WEFT_CLUSTER_IPC_CLOSED' });
  });

  it('rejects with IpcClosedError when the message cannot be sent', async () => {
    const { left, disconnect } = pair();
    disconnect();
    await expect(left.request({ type: 'x' })).rejects.toMatchObject({ code: 'ERR_WEFT_CLUSTER_IPC_CLOSED' });
    expect(left.pending).toBe(0);
  });

  it('rejects with the abort reason when the signal aborts', async () => {
    const { left, rightHandlers } = pair();
    rightHandlers.set('hang', () => new Promise(() => {}));
    const controller = new AbortController();
    const pending = left.request({ type: 'hang' }, { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    expect(left.pending).toBe(0);
  });

  it('validates the message and timeoutMs', async () => {
    const { left } = pair();
    await expect(left.request({} as never)).rejects.toThrow(/message\.type: expected a string, got undefined/);
    await expect(left.request({ type: 'x' }, { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(left.request({ type: 'x' }, { timeoutMs: 0 })).rejects.toThrow(/timeoutMs: .*got 0/);
  });
});
