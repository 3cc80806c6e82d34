import { isAbortError, Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker';
import {
  BrokenCircuitError,
  BulkheadFullError,
  isBrokenCircuitError,
  isBulkheadFullError,
  isTimeoutError,
  TimeoutError,
} from './errors';
import { after, boom, calls, ok, record, settle } from './test-helpers';

describe('CircuitBreaker: calls', () => {
  it('passes the arguments after a signal and resolves with the result', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor() });
    const seen: unknown[] = [];
    const sum = await breaker.execute(
      async (signal, a: number, b: number, c: number, d: number, e: number) => {
        seen.push(signal instanceof AbortSignal, signal.aborted);
        return a + b + c + d + e;
      },
      1,
      2,
      3,
      4,
      5,
    );
    expect(sum).toBe(15);
    expect(seen).toEqual([true, false]);
    expect(await breaker.execute((_signal, x: string) => x.toUpperCase(), 'sync')).toBe('SYNC');
  });

  it('rejects with the error of fn, and counts a synchronous throw as a failure', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor() });
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    await expect(
      breaker.execute(() => {
        throw new RangeError('sync');
      }),
    ).rejects.toThrow(RangeError);
    expect(breaker.stats()).toMatchObject({ calls: 2, failures: 2, failureRate: 1 });
  });

  it('wrap returns a function that runs fn through the breaker with any number of arguments', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor(), window: { type: 'count', size: 5 }, minimumCalls: 5 });
    const join = breaker.wrap(async (_signal, ...parts: string[]) => parts.join('-'));
    expect(await join()).toBe('');
    expect(await join('a')).toBe('a');
    expect(await join('a', 'b', 'c', 'd', 'e')).toBe('a-b-c-d-e');
    const fail = breaker.wrap(boom);
    await calls(breaker, 5, () => fail());
    expect(breaker.state).toBe('open');
    await expect(join('x')).rejects.toBeInstanceOf(BrokenCircuitError);
  });

  it('rejects a non-function with a TypeError naming fn', async () => {
    const breaker = new CircuitBreaker();
    await expect(breaker.execute(42 as never)).rejects.toThrow(/fn: expected a function, got 42/);
    expect(() => breaker.wrap('x' as never)).toThrow(TypeError);
  });

  it('hands fn one shared never-aborted signal when neither a timeout nor a caller signal needs its own', async () => {
    const breaker = new CircuitBreaker();
    const signals = new Set<AbortSignal>();
    for (let i = 0; i < 3; i++) await breaker.execute(async (signal) => signals.add(signal));
    expect(signals.size).toBe(1);
    const [signal] = signals;
    expect(signal?.aborted).toBe(false);
  });
});

describe('CircuitBreaker: tripping on the failure rate', () => {
  it('opens as soon as the failure rate reaches the threshold once minimumCalls is reached (count window)', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({
      clock,
      window: { type: 'count', size: 10 },
      failureRateThreshold: 0.5,
      minimumCalls: 4,
    });
    // Three failures: 100% but below minimumCalls, no decision yet.
    await calls(breaker, 3, boom);
    expect(breaker.state).toBe('closed');
    // The fourth call makes 4 calls with 3 failures = 75% ≥ 50%.
    await calls(breaker, 1, ok);
    expect(breaker.state).toBe('open');
  });

  it('trips exactly at the threshold (≥) and not just below it', async () => {
    const clock = new Reactor();
    const make = () =>
      new CircuitBreaker({ clock, window: { type: 'count', size: 10 }, failureRateThreshold: 0.3, minimumCalls: 10 });
    const below = make();
    await calls(below, 2, boom);
    await calls(below, 8, ok);
    expect(below.stats().failureRate).toBe(0.2);
    expect(below.state).toBe('closed');
    const at = make();
    await calls(at, 7, ok);
    await calls(at, 3, boom);
    expect(at.state).toBe('open');
  });

  it('evicts the oldest outcome from a full count window', async () => {
    const breaker = new CircuitBreaker({
      clock: new Reactor(),
      window: { type: 'count', size: 4 },
      failureRateThreshold: 0.75,
      minimumCalls: 4,
    });
    await calls(breaker, 2, boom);
    await calls(breaker, 6, ok); // the two failures have left the window
    expect(breaker.stats()).toMatchObject({ calls: 4, failures: 0 });
    await calls(breaker, 2, boom);
    expect(breaker.stats()).toMatchObject({ calls: 4, failures: 2, failureRate: 0.5 });
    expect(breaker.state).toBe('closed');
    await calls(breaker, 1, boom);
    expect(breaker.state).toBe('open');
  });

  it('rejects with BrokenCircuitError while open, without calling fn', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({
      clock,
      name: 'payments',
      window: { type: 'count', size: 2 },
      minimumCalls: 2,
      openDurationMs: 1_000,
    });
    await calls(breaker, 2, boom);
    clock.advance(400);
    let ran = false;
    const error = await settle(
      breaker.execute(async () => {
        ran = true;
      }),
    );
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'BrokenCircuitError',
      code: 'ERR_WEFT_CIRCUIT_OPEN',
      breaker: 'payments',
      reason: 'open',
      retryAfterMs: 600,
    });
    expect((error as Error).message).toBe('circuit "payments" is open');
    expect(breaker.stats().rejected).toBe(1);
  });

  it('counts failures in a time window and forgets them as its buckets roll out', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({
      clock,
      window: { type: 'time', durationMs: 1_000, buckets: 4 },
      failureRateThreshold: 0.5,
      minimumCalls: 4,
    });
    await calls(breaker, 3, boom); // bucket [0, 250)
    clock.advance(250);
    await calls(breaker, 1, ok); // bucket [250, 500): 4 calls, 3 failures → would trip… it did
    expect(breaker.state).toBe('open');

    const rolling = new CircuitBreaker({
      clock,
      window: { type: 'time', durationMs: 1_000, buckets: 4 },
      failureRateThreshold: 0.5,
      minimumCalls: 4,
    });
    const t0 = clock.now(); // 250: the start of a bucket
    await calls(rolling, 3, boom);
    clock.advance(1_000); // the failures' bucket has rolled out
    expect(clock.now() - t0).toBe(1_000);
    expect(rolling.stats()).toMatchObject({ calls: 0, failures: 0 });
    await calls(rolling, 1, ok);
    await calls(rolling, 1, boom);
    expect(rolling.stats()).toMatchObject({ calls: 2, failures: 1 });
    expect(rolling.state).toBe('closed');
  });

  it('keeps the buckets still in a time window when older ones roll out', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({
      clock,
      window: { type: 'time', durationMs: 1_000, buckets: 4 },
      failureRateThreshold: 0.5,
      minimumCalls: 6,
    });
    await calls(breaker, 2, ok); // bucket 0
    clock.advance(250);
    await calls(breaker, 2, boom); // bucket 1
    clock.advance(250);
    await calls(breaker, 1, ok); // bucket 2
    clock.advance(500); // now 1000: bucket 0 has rolled out, buckets 1 to 3 remain
    expect(breaker.stats()).toMatchObject({ calls: 3, failures: 2, since: 250 });
    clock.advance(250); // bucket 1 rolls out
    expect(breaker.stats()).toMatchObject({ calls: 1, failures: 0, since: 500 });
    expect(breaker.state).toBe('closed');
  });

  it('does not count calls that complete after the state they were admitted in has changed', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, window: { type: 'count', size: 2 }, minimumCalls: 2 });
    const slow = settle(breaker.execute(after(clock, 100, 'fail')));
    await calls(breaker, 2, boom);
    expect(breaker.state).toBe('open');
    await clock.advanceAsync(100);
    expect(await slow).toMatchObject({ message: 'failed after 100 ms' });
    expect(breaker.stats()).toMatchObject({ calls: 2, failures: 2 });
  });
});

describe('CircuitBreaker: consecutive failures', () => {
  it('opens after consecutiveFailures failures in a row, whatever the rate', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor(), consecutiveFailures: 3 });
    await calls(breaker, 20, ok);
    await calls(breaker, 2, boom);
    await calls(breaker, 1, ok); // breaks the run
    await calls(breaker, 2, boom);
    expect(breaker.state).toBe('closed');
    const log = record(breaker);
    await calls(breaker, 1, boom);
    expect(breaker.state).toBe('open');
    expect(log).toContain('open:consecutiveFailures');
  });

  it('uses the rate rule too when failureRateThreshold is also given', async () => {
    const breaker = new CircuitBreaker({
      clock: new Reactor(),
      consecutiveFailures: 5,
      failureRateThreshold: 0.5,
      window: { type: 'count', size: 4 },
      minimumCalls: 4,
    });
    await calls(breaker, 1, boom);
    await calls(breaker, 1, ok);
    await calls(breaker, 1, boom);
    expect(breaker.state).toBe('closed');
    await calls(breaker, 1, ok); // 2 of 4 failed: 50%
    expect(breaker.state).toBe('open');
  });

  it('has no rate rule when only consecutiveFailures is given', async () => {
    const breaker = new CircuitBreaker({
      clock: new Reactor(),
      consecutiveFailures: 2,
      window: { type: 'count', size: 4 },
      minimumCalls: 4,
    });
    for (let i = 0; i < 10; i++) {
      await calls(breaker, 1, boom);
      await calls(breaker, 1, ok);
    }
    expect(breaker.stats().failureRate).toBe(0.5);
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker: slow calls', () => {
  it('opens when the slow-call rate reaches slowCallRateThreshold, even if every call succeeds', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({
      clock,
      window: { type: 'count', size: 4 },
      minimumCalls: 4,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
    });
    const log = record(breaker);
    const run = async (ms: number) => {
      const call = breaker.execute(after(clock, ms));
      await clock.advanceAsync(ms);
      return call;
    };
    await run(10);
    await run(99);
    await run(100); // slow: at the threshold duration
    expect(breaker.stats()).toMatchObject({ calls: 3, slowCalls: 1, failures: 0 });
    expect(breaker.state).toBe('closed');
    await run(250);
    expect(breaker.state).toBe('open');
    expect(log).toContain('open:slowCallRate');
    expect(log).toContain('success:250');
  });

  it('counts a slow failure as both slow and failed', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, slowCallDurationMs: 50 });
    const call = settle(breaker.execute(after(clock, 60, 'fail')));
    await clock.advanceAsync(60);
    await call;
    expect(breaker.stats()).toMatchObject({ calls: 1, failures: 1, slowCalls: 1, slowCallRate: 1 });
  });
});

describe('CircuitBreaker: timeouts', () => {
  it('aborts the signal with a TimeoutError, rejects with it and counts a failure', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, timeoutMs: 100, name: 'search' });
    const log = record(breaker);
    let seen: AbortSignal | undefined;
    const call = settle(
      breaker.execute((signal) => {
        seen = signal;
        return new Promise(() => {}); // never settles: the timeout alone ends the call
      }),
    );
    await clock.advanceAsync(99);
    expect(seen?.aborted).toBe(false);
    await clock.advanceAsync(1);
    const error = await call;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ERR_WEFT_CIRCUIT_TIMEOUT', timeoutMs: 100 });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
    expect(breaker.stats()).toMatchObject({ calls: 1, failures: 1, timeouts: 1 });
    expect(log).toEqual(['timeout:100', 'failure:TimeoutError,100']);
  });

  it('resolves normally within the timeout and clears its timer', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, timeoutMs: 100 });
    const call = breaker.execute(after(clock, 50));
    await clock.advanceAsync(50);
    expect(await call).toBe('ok');
    expect(clock.pending).toBe(0);
    expect(breaker.stats()).toMatchObject({ calls: 1, failures: 0, timeouts: 0 });
  });

  it('gives every timed call its own signal', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor(), timeoutMs: 100 });
    const signals = new Set<AbortSignal>();
    for (let i = 0; i < 3; i++) await breaker.execute(async (signal) => signals.add(signal));
    expect(signals.size).toBe(3);
  });

  it('builds no signal for a function that declares no parameter, and still rejects it at the deadline', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, timeoutMs: 100 });
    const signals: AbortSignal[] = [];
    // `fn.length === 0`: it cannot name the signal (this one peeks through `arguments` to show what it got).
    const hang = function (this: unknown): Promise<never> {
      // biome-ignore lint/complexity/noArguments: the only way to see an argument fn.length does not declare
      signals.push(arguments[0] as AbortSignal);
      return new Promise(() => {});
    };
    const first = settle(breaker.execute(hang));
    const second = settle(breaker.execute(hang));
    await clock.advanceAsync(99);
    expect(clock.pending).toBe(2);
    await clock.advanceAsync(1);
    expect(await first).toBeInstanceOf(TimeoutError);
    expect(await second).toBeInstanceOf(TimeoutError);
    expect(signals[0]).toBe(signals[1]); // the shared signal, not one per call
    expect(signals[0]?.aborted).toBe(false);
    expect(breaker.stats()).toMatchObject({ failures: 2, timeouts: 2 });

    // With a caller's signal, that is what it gets.
    const controller = new AbortController();
    await breaker.executeWith({ signal: controller.signal }, async function (this: unknown) {
      // biome-ignore lint/complexity/noArguments: see above
      signals.push(arguments[0] as AbortSignal);
    });
    expect(signals[2]).toBe(controller.signal);
  });

  it('does not take a nested breaker’s timeout for its own', async () => {
    const clock = new Reactor();
    const inner = new CircuitBreaker({ clock, timeoutMs: 10 });
    const outer = new CircuitBreaker({ clock, timeoutMs: 1_000 });
    const call = settle(outer.execute(() => inner.execute(() => new Promise(() => {}))));
    await clock.advanceAsync(10);
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(inner.stats().timeouts).toBe(1);
    expect(outer.stats()).toMatchObject({ failures: 1, timeouts: 0 });
  });
});

describe('CircuitBreaker: caller signals', () => {
  it('hands the caller signal to fn and does not count a call the caller aborted', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock });
    const controller = new AbortController();
    const call = settle(breaker.executeWith({ signal: controller.signal }, after(clock, 100)));
    controller.abort(new Error('client went away'));
    const error = await call;
    expect(isAbortError(error)).toBe(true);
    expect(breaker.stats()).toMatchObject({ calls: 0, failures: 0 });
  });

  it('rejects with AbortError before calling fn when the signal is already aborted', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor() });
    let ran = false;
    const error = await settle(
      breaker.executeWith({ signal: AbortSignal.abort('gone') }, async () => {
        ran = true;
      }),
    );
    expect(ran).toBe(false);
    expect(error).toMatchObject({ name: 'AbortError', cause: 'gone' });
  });

  it('combines the caller signal with the timeout', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, timeoutMs: 1_000 });
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const call = settle(
      breaker.executeWith(
        { signal: controller.signal },
        async (signal, x: number) => {
          seen = signal;
          await after(clock, 500)(signal);
          return x;
        },
        7,
      ),
    );
    controller.abort('stop');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe('stop');
    expect(isAbortError(await call)).toBe(true);
    expect(breaker.stats().calls).toBe(0);
    expect(await breaker.executeWith({}, async (_s, x: number) => x * 2, 21)).toBe(42);
  });

  it('rejects bad executeWith options with a TypeError', async () => {
    const breaker = new CircuitBreaker();
    await expect(breaker.executeWith(null as never, ok)).rejects.toThrow(/options: expected an object/);
    await expect(breaker.executeWith({ signal: 'x' as never }, ok)).rejects.toThrow(
      /options.signal: expected an AbortSignal/,
    );
  });
});

describe('CircuitBreaker: isFailure', () => {
  it('rethrows errors isFailure rejects but counts them as successes', async () => {
    class NotFound extends Error {}
    const breaker = new CircuitBreaker({
      clock: new Reactor(),
      window: { type: 'count', size: 2 },
      minimumCalls: 2,
      isFailure: (error) => !(error instanceof NotFound),
      fallback: () => 'fallback',
    });
    const log = record(breaker);
    const notFound = async () => {
      throw new NotFound('no such user');
    };
    await expect(breaker.execute(notFound)).rejects.toBeInstanceOf(NotFound);
    await expect(breaker.execute(notFound)).rejects.toBeInstanceOf(NotFound);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ calls: 2, failures: 0 });
    expect(log.filter((e) => e.startsWith('success'))).toHaveLength(2);
    expect(log.some((e) => e.startsWith('fallback'))).toBe(false);
    expect(await breaker.execute(boom)).toBe('fallback');
  });

  it('counts a timeout as a failure whatever isFailure says', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, timeoutMs: 10, isFailure: () => false });
    const call = settle(breaker.execute(() => new Promise(() => {})));
    await clock.advanceAsync(10);
    await call;
    expect(breaker.stats().failures).toBe(1);
  });

  it('counts the call as failed when isFailure itself throws', async () => {
    const breaker = new CircuitBreaker({
      clock: new Reactor(),
      isFailure: () => {
        throw new Error('bad predicate');
      },
    });
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    expect(breaker.stats().failures).toBe(1);
  });
});

describe('CircuitBreaker: fallback', () => {
  it('serves the fallback with the error and the arguments on a failure, a rejection and a timeout', async () => {
    const clock = new Reactor();
    const seen: unknown[] = [];
    const breaker = new CircuitBreaker({
      clock,
      window: { type: 'count', size: 2 },
      minimumCalls: 2,
      timeoutMs: 50,
      fallback: (error, ...args) => {
        seen.push([(error as Error).name, ...args]);
        return 'cached';
      },
    });
    const log = record(breaker);
    const call = breaker.execute((_s, _what: string) => new Promise<string>(() => {}), 'slow');
    await clock.advanceAsync(50);
    expect(await call).toBe('cached');
    expect(await breaker.execute(async (_s, id: number) => Promise.reject(new Error(`no ${id}`)), 2)).toBe('cached');
    expect(breaker.state).toBe('open');
    expect(await breaker.execute((_s, ..._parts: string[]) => ok(), 'a', 'b', 'c', 'd')).toBe('cached');
    expect(seen).toEqual([
      ['TimeoutError', 'slow'],
      ['Error', 2],
      ['BrokenCircuitError', 'a', 'b', 'c', 'd'],
    ]);
    expect(log.filter((e) => e.startsWith('fallback'))).toEqual([
      'fallback:TimeoutError',
      'fallback:Error',
      'fallback:BrokenCircuitError',
    ]);
  });

  it('awaits an async fallback, and rejects with the fallback’s own error when it fails', async () => {
    const breaker = new CircuitBreaker({
      clock: new Reactor(),
      fallback: async (error) => {
        if ((error as Error).message === 'twice') throw new Error('fallback failed too', { cause: error });
        return 42;
      },
    });
    expect(await breaker.execute(boom)).toBe(42);
    const error = await settle(breaker.execute(() => Promise.reject(new Error('twice'))));
    expect(error).toMatchObject({ message: 'fallback failed too', cause: { message: 'twice' } });
  });

  it('types the result as the union of fn’s and the fallback’s', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor(), fallback: () => null });
    const value: number | null = await breaker.execute(async () => 1);
    expect(value).toBe(1);
  });
});

describe('CircuitBreaker: bulkhead', () => {
  it('rejects calls beyond maxConcurrent with BulkheadFullError without running them', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, maxConcurrent: 2, name: 'db' });
    const log = record(breaker);
    const first = breaker.execute(after(clock, 100));
    const second = breaker.execute(after(clock, 100));
    let ran = false;
    const third = await settle(
      breaker.execute(async () => {
        ran = true;
      }),
    );
    expect(ran).toBe(false);
    expect(third).toBeInstanceOf(BulkheadFullError);
    expect(isBulkheadFullError(third)).toBe(true);
    expect(third).toMatchObject({ name: 'BulkheadFullError', code: 'ERR_WEFT_BULKHEAD_FULL', maxConcurrent: 2 });
    expect(breaker.stats()).toMatchObject({ inFlight: 2, rejected: 1, calls: 0 });
    expect(log).toEqual(['reject:BulkheadFullError']);
    await clock.advanceAsync(100);
    await Promise.all([first, second]);
    expect(await breaker.execute(ok)).toBe('ok');
    expect(breaker.stats()).toMatchObject({ inFlight: 0, calls: 3 });
  });

  it('frees a slot when a call fails', async () => {
    const breaker = new CircuitBreaker({ clock: new Reactor(), maxConcurrent: 1 });
    await settle(breaker.execute(boom));
    expect(await breaker.execute(ok)).toBe('ok');
  });
});

describe('CircuitBreaker: events', () => {
  it('emits the events of a call, then the state change, then the fallback', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({
      clock,
      window: { type: 'count', size: 2 },
      minimumCalls: 2,
      openDurationMs: 1_000,
      fallback: () => 'fb',
    });
    const log = record(breaker);
    await breaker.execute(ok);
    clock.advance(5);
    await breaker.execute(boom);
    expect(log).toEqual([
      'success:0',
      'failure:Error,0',
      'stateChange:closed,open',
      'open:failureRate',
      'fallback:Error',
    ]);
    log.length = 0;
    await breaker.execute(ok);
    expect(log).toEqual(['reject:BrokenCircuitError', 'fallback:BrokenCircuitError']);
    log.length = 0;
    clock.advance(1_000);
    expect(log).toEqual(['stateChange:open,half-open', 'halfOpen:1000']);
    log.length = 0;
    clock.advance(30);
    await breaker.execute(ok);
    expect(log).toEqual(['success:0', 'stateChange:half-open,closed', 'close:1030']);
  });

  it('measures call durations on the clock', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock });
    const durations: number[] = [];
    breaker.events.on('success', (ms) => durations.push(ms));
    breaker.events.on('failure', (_error, ms) => durations.push(-ms));
    const a = breaker.execute(after(clock, 30));
    const b = settle(breaker.execute(after(clock, 70, 'fail')));
    await clock.advanceAsync(70);
    await Promise.all([a, b]);
    expect(durations).toEqual([30, -70]);
  });
});

describe('CircuitBreaker: lean and measured paths agree', () => {
  it('counts the same outcomes and trips at the same call whether or not anyone listens', async () => {
    const clock = new Reactor();
    const options = {
      clock,
      window: { type: 'time', durationMs: 1_000, buckets: 5 },
      minimumCalls: 5,
      failureRateThreshold: 0.6,
      openDurationMs: 300,
      halfOpenMaxCalls: 2,
    } as const;
    const lean = new CircuitBreaker(options);
    const measured = new CircuitBreaker(options);
    measured.events.on('success', () => {});
    const states = new Set<string>();
    let seed = 3;
    for (let i = 0; i < 400; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const fn = seed % 5 < 2 ? boom : ok;
      const [a, b] = await Promise.all([settle(lean.execute(fn)), settle(measured.execute(fn))]);
      expect(String(a)).toBe(String(b));
      expect(lean.stats()).toEqual(measured.stats());
      states.add(lean.state);
      clock.advance(seed % 60);
    }
    expect([...states].sort()).toEqual(['closed', 'half-open', 'open']);
  });

  it('reports NaN as the duration of a call that started before the first listener was added', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock });
    const call = breaker.execute(after(clock, 10));
    const durations: number[] = [];
    breaker.events.on('success', (ms) => durations.push(ms));
    await clock.advanceAsync(10);
    await call;
    expect(durations).toEqual([Number.NaN]);
  });
});
