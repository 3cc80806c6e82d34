import { expect, it, describe as suite } from 'vitest';
import { AbortError, isAbortError } from './abort';
import { normalizeDelay, systemClock, TIMEOUT_MAX } from './clock';
import { sleep } from './sleep';

suite('normalizeDelay', () => {
  it('keeps delays Node keeps and turns the rest into 1 ms, as Node does', () => {
    expect(normalizeDelay(250)).toBe(250);
    expect(normalizeDelay(0.5)).toBe(1);
    expect(normalizeDelay(-10)).toBe(1);
    expect(normalizeDelay(Number.NaN)).toBe(1);
    expect(normalizeDelay(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normalizeDelay(TIMEOUT_MAX + 1)).toBe(1);
    expect(normalizeDelay('20')).toBe(20);
    expect(normalizeDelay(undefined)).toBe(1);
  });
});

suite('systemClock', () => {
  it('has a monotonic now()', () => {
    const a = systemClock.now();
    const b = systemClock.now();
    expect(b).toBeGreaterThanOrEqual(a);
  });

  it('rejects a non-function callback with a TypeError naming it', () => {
    expect(() => systemClock.setTimeout(42 as never, 1)).toThrow(/callback: expected a function, got 42/);
    expect(() => systemClock.setInterval('x' as never, 1)).toThrow(TypeError);
  });

  it('runs a timeout with its arguments and can clear one', async () => {
    const calls: string[] = [];
    const cleared = systemClock.setTimeout(() => calls.push('cleared'), 1);
    systemClock.clearTimeout(cleared);
    await new Promise<void>((resolve) =>
      systemClock.setTimeout(
        (tag: string) => {
          calls.push(tag);
          resolve();
        },
        1,
        'ran',
      ),
    );
    expect(calls).toEqual(['ran']);
  });
});

suite('sleep', () => {
  it('rejects at once with an AbortError when the signal is already aborted', async () => {
    const reason = new Error('gone');
    const err = await sleep(10_000, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(isAbortError(err)).toBe(true);
    expect((err as AbortError).cause).toBe(reason);
  });

  it('rejects when aborted while waiting and clears its timer', async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
  });

  it('rejects a non-number delay with a TypeError', async () => {
    await expect(sleep('soon' as never)).rejects.toThrow(/ms: expected a number of milliseconds/);
  });
});
