import { isAbortError, Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker';
import { isBrokenCircuitError } from './errors';
import type { CircuitBreakerOptions } from './options';
import { after, boom, calls, ok, record, settle } from './test-helpers';

/** A breaker tripped by two failures, going half-open 1 s later. */
async function tripped(options: CircuitBreakerOptions<unknown> = {}) {
  const clock = new Reactor();
  const breaker = new CircuitBreaker({
    clock,
    window: { type: 'count', size: 2 },
    minimumCalls: 2,
    openDurationMs: 1_000,
    ...options,
  });
  await calls(breaker, 2, boom);
  expect(breaker.state).toBe('open');
  return { clock, breaker };
}

describe('CircuitBreaker: half-open', () => {
  it('goes half-open after openDurationMs, not before', async () => {
    const { clock, breaker } = await tripped();
    clock.advance(999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('admits exactly halfOpenMaxCalls concurrent probes and rejects the rest', async () => {
    const { clock, breaker } = await tripped({ halfOpenMaxCalls: 3 });
    clock.advance(1_000);
    let started = 0;
    const probe = async (signal: AbortSignal) => {
      started++;
      return after(clock, 100)(signal);
    };
    const probes = [breaker.execute(probe), breaker.execute(probe), breaker.execute(probe)];
    const extra = await settle(breaker.execute(probe));
    expect(started).toBe(3);
    expect(isBrokenCircuitError(extra)).toBe(true);
    expect(extra).toMatchObject({ reason: 'half-open', retryAfterMs: 0 });
    await clock.advanceAsync(100);
    expect(await Promise.all(probes)).toEqual(['ok', 'ok', 'ok']);
    expect(breaker.state).toBe('closed');
  });

  it('stays half-open until every probe has succeeded, and does not hand out new slots meanwhile', async () => {
    const { clock, breaker } = await tripped({ halfOpenMaxCalls: 2 });
    clock.advance(1_000);
    await breaker.execute(ok);
    expect(breaker.state).toBe('half-open');
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ calls: 0, failures: 0, rejected: 0 });
  });

  it('re-opens on a probe failure, for another openDurationMs', async () => {
    const { clock, breaker } = await tripped({ halfOpenMaxCalls: 2 });
    clock.advance(1_000);
    const log = record(breaker);
    await breaker.execute(ok);
    await settle(breaker.execute(boom));
    expect(breaker.state).toBe('open');
    expect(log).toEqual(['success:0', 'failure:Error,0', 'stateChange:half-open,open', 'open:probeFailure']);
    clock.advance(999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('ignores probes still running once a failed probe has re-opened the circuit', async () => {
    const { clock, breaker } = await tripped({ halfOpenMaxCalls: 2 });
    clock.advance(1_000);
    const slowProbe = breaker.execute(after(clock, 100));
    await settle(breaker.execute(boom));
    expect(breaker.state).toBe('open');
    await clock.advanceAsync(100);
    expect(await slowProbe).toBe('ok');
    expect(breaker.state).toBe('open');
  });

  it('treats a slow probe as a failed one', async () => {
    const { clock, breaker } = await tripped({ slowCallDurationMs: 50 });
    clock.advance(1_000);
    const probe = breaker.execute(after(clock, 60));
    await clock.advanceAsync(60);
    expect(await probe).toBe('ok');
    expect(breaker.state).toBe('open');
  });

  it('frees the slot of a probe whose caller aborted, without a verdict', async () => {
    const { clock, breaker } = await tripped();
    clock.advance(1_000);
    const controller = new AbortController();
    const probe = settle(breaker.executeWith({ signal: controller.signal }, after(clock, 100)));
    controller.abort();
    expect(isAbortError(await probe)).toBe(true);
    expect(breaker.state).toBe('half-open');
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
  });
});

describe("CircuitBreaker: halfOpenOverflow 'wait'", () => {
  it('lets waiting callers run once the probes have closed the circuit', async () => {
    const { clock, breaker } = await tripped({ halfOpenOverflow: 'wait' });
    clock.advance(1_000);
    const order: string[] = [];
    const probe = breaker.execute(async (signal) => {
      await after(clock, 100)(signal);
      order.push('probe');
      return 'probe';
    });
    const waiting = [1, 2].map((n) =>
      breaker.execute(async () => {
        order.push(`waiter ${n}`);
        return n;
      }),
    );
    await clock.advanceAsync(50);
    expect(order).toEqual([]);
    await clock.advanceAsync(50);
    expect(await probe).toBe('probe');
    expect(await Promise.all(waiting)).toEqual([1, 2]);
    expect(order).toEqual(['probe', 'waiter 1', 'waiter 2']);
    expect(breaker.state).toBe('closed');
  });

  it('rejects waiting callers when a probe fails, through the fallback if any', async () => {
    const { clock, breaker } = await tripped({ halfOpenOverflow: 'wait', fallback: (e) => (e as Error).name });
    clock.advance(1_000);
    let ran = false;
    const probe = breaker.execute(after(clock, 100, 'fail'));
    const waiting = breaker.execute(async () => {
      ran = true;
    });
    await clock.advanceAsync(100);
    expect(await probe).toBe('Error');
    expect(await waiting).toBe('BrokenCircuitError');
    expect(ran).toBe(false);
    expect(breaker.state).toBe('open');
  });

  it('gives a free probe slot to a waiting caller when a probe’s caller aborts', async () => {
    const { clock, breaker } = await tripped({ halfOpenOverflow: 'wait' });
    clock.advance(1_000);
    const controller = new AbortController();
    const first = settle(breaker.executeWith({ signal: controller.signal }, after(clock, 100)));
    const second = breaker.execute(ok);
    controller.abort();
    expect(isAbortError(await first)).toBe(true);
    expect(await second).toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('stops waiting with an AbortError when the waiting caller aborts', async () => {
    const { clock, breaker } = await tripped({ halfOpenOverflow: 'wait' });
    clock.advance(1_000);
    const probe = breaker.execute(after(clock, 100));
    const controller = new AbortController();
    const waiting = settle(breaker.executeWith({ signal: controller.signal }, ok));
    controller.abort('bored');
    expect(await waiting).toMatchObject({ name: 'AbortError', cause: 'bored' });
    await clock.advanceAsync(100);
    await probe;
    expect(breaker.state).toBe('closed');
  });
});
