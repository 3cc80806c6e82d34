import { AbortError, isAbortError, Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { type Backoff, constant, exponential, linear } from './backoff';
import { RetryBudget } from './budget';
import { isRetryError, type RetryError } from './errors';
import { type AttemptContext, type RetryOptions, retry } from './retry';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `promise` to completion in virtual time; fails the test if it is still pending once the loop is idle. */
async function settle<T>(reactor: Reactor, promise: Promise<T>): Promise<Outcome<T>> {
  let outcome: Outcome<T> | undefined;
  promise.then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    },
  );
  await reactor.runAsync();
  await new Promise((resolve) => setImmediate(resolve));
  if (outcome === undefined) throw new Error('the retry is still pending with nothing left to run');
  return outcome;
}

/** Fails `failures` times (recording the virtual time of each attempt), then resolves with 'done'. */
function flaky(
  reactor: Reactor,
  failures: number,
  makeError: (attempt: number) => unknown = (n) => new Error(`#${n}`),
) {
  const startedAt: number[] = [];
  const fn = async ({ attempt }: AttemptContext) => {
    startedAt.push(reactor.now());
    if (attempt <= failures) throw makeError(attempt);
    return 'done';
  };
  return { fn, startedAt };
}

/** The waits between consecutive attempts. */
function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

/** A `random` that returns the given values in turn, forever (a "seed" that makes the jitter exact). */
function scripted(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('retry in virtual time: exact delays', () => {
  const cases: [string, Backoff, number[]][] = [
    ['constant(250)', constant(250), [250, 250, 250, 250]],
    ['linear 100 + 50n up to 220', linear({ initialMs: 100, stepMs: 50, maxMs: 220 }), [100, 150, 200, 220]],
    ['exponential, no jitter', exponential({ initialMs: 100, maxMs: 500, jitter: 'none' }), [100, 200, 400, 500]],
    [
      'exponential, full jitter',
      exponential({ initialMs: 100, maxMs: 500, jitter: 'full', random: scripted(0.5, 0.25, 0.75, 1) }),
      [50, 50, 300, 500],
    ],
    [
      'exponential, equal jitter',
      exponential({ initialMs: 100, maxMs: 500, jitter: 'equal', random: scripted(0.5, 0.25, 0.75, 0) }),
      [75, 125, 350, 250],
    ],
    [
      'exponential, decorrelated jitter',
      exponential({ initialMs: 100, maxMs: 500, jitter: 'decorrelated', random: scripted(0.5, 0.25, 1, 0) }),
      // prev 100 → 100 + .5·200 = 200; prev 200 → 100 + .25·500 = 225; prev 225 → min(500, 675) = 500; → 100
      [200, 225, 500, 100],
    ],
  ];

  for (const [name, backoff, expected] of cases) {
    it(`waits exactly ${expected.join(', ')} ms with ${name}`, async () => {
      const reactor = new Reactor();
      const { fn, startedAt } = flaky(reactor, 4);
      const told: number[] = [];
      const outcome = await settle(
        reactor,
        retry(fn, { clock: reactor, backoff, maxAttempts: 5, onRetry: ({ delayMs }) => told.push(delayMs) }),
      );
      expect(outcome).toEqual({ ok: true, value: 'done' });
      expect(gaps(startedAt)).toEqual(expected);
      expect(told).toEqual(expected);
      expect(reactor.pending).toBe(0);
    });
  }

  it('uses full-jitter exponential backoff from 100 ms by default', async () => {
    const reactor = new Reactor();
    const { fn, startedAt } = flaky(reactor, 2);
    const outcome = await settle(reactor, retry(fn, { clock: reactor }));
    expect(outcome.ok).toBe(true);
    const [first, second] = gaps(startedAt);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(100);
    expect(second).toBeLessThanOrEqual(200);
  });

  it('retries at once, without a timer, on a zero delay', async () => {
    const reactor = new Reactor();
    const { fn, startedAt } = flaky(reactor, 2);
    await settle(reactor, retry(fn, { clock: reactor, backoff: constant(0) }));
    expect(startedAt).toEqual([0, 0, 0]);
  });
});

describe('retry in virtual time: abort', () => {
  it('rejects mid-wait at once with an AbortError and clears the wait’s timer', async () => {
    const reactor = new Reactor();
    const controller = new AbortController();
    const { fn, startedAt } = flaky(reactor, 5);
    const reason = new Error('user left');
    const pending = retry(fn, { clock: reactor, signal: controller.signal, backoff: constant(1_000) });
    reactor.setTimeout(() => controller.abort(reason), 1_500);
    const outcome = await settle(reactor, pending);
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    // Attempts at 0 and 1000; the wait for 2000 was cancelled at 1500, and nothing is left scheduled.
    expect(startedAt).toEqual([0, 1_000]);
    expect(reactor.now()).toBe(1_500);
    expect(reactor.pending).toBe(0);
  });

  it('rejects mid-attempt at once, even when fn ignores the signal, and aborts the attempt’s signal', async () => {
    const reactor = new Reactor();
    const controller = new AbortController();
    let attemptSignal: AbortSignal | undefined;
    const pending = retry(
      ({ signal }) => {
        attemptSignal = signal;
        return new Promise<string>((resolve) => reactor.setTimeout(() => resolve('too late'), 10_000));
      },
      { clock: reactor, signal: controller.signal },
    );
    reactor.setTimeout(() => controller.abort(), 200);
    let rejectedAt: number | undefined;
    pending.catch(() => {
      rejectedAt = reactor.now();
    });
    const outcome = await settle(reactor, pending);
    expect(outcome.ok).toBe(false);
    expect(isAbortError((outcome as { error: unknown }).error)).toBe(true);
    expect(rejectedAt).toBe(200);
    expect(attemptSignal).toBe(controller.signal);
    expect(attemptSignal?.aborted).toBe(true);
  });

  it('rejects with an AbortError, not the attempt’s own error, when the attempt gives up because of the abort', async () => {
    const reactor = new Reactor();
    const controller = new AbortController();
    const pending = retry(
      ({ signal }) =>
        new Promise((_, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('socket destroyed')));
        }),
      { clock: reactor, signal: controller.signal },
    );
    reactor.setTimeout(() => controller.abort(), 50);
    const outcome = await settle(reactor, pending);
    expect((outcome as { error: { name: string } }).error.name).toBe('AbortError');
  });

  it('ignores an abort after success', async () => {
    const reactor = new Reactor();
    const controller = new AbortController();
    const { fn } = flaky(reactor, 1);
    const outcome = await settle(
      reactor,
      retry(fn, { clock: reactor, signal: controller.signal, backoff: constant(10) }),
    );
    controller.abort();
    expect(outcome).toEqual({ ok: true, value: 'done' });
  });
});

describe('retry in virtual time: Retry-After', () => {
  it('waits at least retryAfterMs when the error carries it', async () => {
    const reactor = new Reactor();
    const { fn, startedAt } = flaky(reactor, 2, (n) =>
      Object.assign(new Error('throttled'), n === 1 ? { retryAfterMs: 3_000 } : { retryAfterMs: 10 }),
    );
    await settle(reactor, retry(fn, { clock: reactor, backoff: constant(100) }));
    // 3000 beats the backoff's 100; 10 does not.
    expect(gaps(startedAt)).toEqual([3_000, 100]);
  });

  it('waits for a Retry-After header in seconds on the error’s response', async () => {
    const reactor = new Reactor();
    const { fn, startedAt } = flaky(reactor, 1, () =>
      Object.assign(new Error('HTTP 503'), {
        response: new Response(null, { status: 503, headers: { 'Retry-After': '5' } }),
      }),
    );
    await settle(reactor, retry(fn, { clock: reactor, backoff: constant(100) }));
    expect(gaps(startedAt)).toEqual([5_000]);
  });

  it('waits until a Retry-After HTTP-date, measured with dateNow', async () => {
    const reactor = new Reactor();
    const epoch = Date.UTC(2025, 0, 1, 12, 0, 0);
    const dateNow = () => epoch + reactor.now();
    const { fn, startedAt } = flaky(
      reactor,
      2,
      () =>
        new Response(null, {
          status: 429,
          headers: { 'Retry-After': 'Wed, 01 Jan 2025 12:00:07 GMT' },
        }),
    );
    await settle(reactor, retry(fn, { clock: reactor, backoff: constant(100), dateNow }));
    // First failure at 12:00:00 → wait 7 s; second at 12:00:07 → the date has passed, so the backoff's 100 ms.
    expect(startedAt).toEqual([0, 7_000, 7_100]);
  });
});

describe('retry in virtual time: maxElapsedMs', () => {
  it('aborts the in-flight attempt’s signal at the deadline and rejects then with a RetryError', async () => {
    const reactor = new Reactor();
    const seen: { attempt: number; signal: AbortSignal | undefined }[] = [];
    const pending = retry(
      ({ attempt, signal }) => {
        seen.push({ attempt, signal });
        if (attempt === 1) return Promise.reject(new Error('first'));
        return new Promise<string>((resolve) => reactor.setTimeout(() => resolve('late'), 60_000));
      },
      { clock: reactor, backoff: constant(100), maxElapsedMs: 1_000 },
    );
    let rejectedAt: number | undefined;
    pending.catch(() => {
      rejectedAt = reactor.now();
    });
    const outcome = await settle(reactor, pending);
    expect(rejectedAt).toBe(1_000);
    const error = (outcome as { error: RetryError }).error;
    expect(isRetryError(error)).toBe(true);
    expect(error.reason).toBe('maxElapsedMs');
    expect(error.attempts).toBe(2);
    expect(error.errors).toHaveLength(2);
    expect((error.cause as Error).name).toBe('TimeoutError');
    expect(seen[1]?.signal?.aborted).toBe(true);
    expect(seen[1]?.signal?.reason).toBe(error.cause);
  });

  it('rejects at the deadline an attempt that never reads its signal; a signal read later is already aborted', async () => {
    const reactor = new Reactor();
    let context: AttemptContext | undefined;
    const pending = retry(
      (ctx) => {
        context = ctx; // not reading ctx.signal: none is built
        return new Promise<never>(() => {});
      },
      { clock: reactor, maxElapsedMs: 1_000 },
    );
    let rejectedAt: number | undefined;
    pending.catch(() => {
      rejectedAt = reactor.now();
    });
    const outcome = await settle(reactor, pending);
    expect(rejectedAt).toBe(1_000);
    const error = (outcome as { error: RetryError }).error;
    expect(error).toMatchObject({ reason: 'maxElapsedMs', attempts: 1 });
    expect((error.cause as Error).name).toBe('TimeoutError');
    expect(Object.keys(context ?? {})).toEqual(['attempt', 'signal']); // spreading the context keeps the signal
    expect(context?.signal?.aborted).toBe(true);
    expect(context?.signal?.reason).toBe(error.cause);
    expect(reactor.pending).toBe(0);
  });

  it('gives up without waiting when the next wait would pass the deadline', async () => {
    const reactor = new Reactor();
    const { fn, startedAt } = flaky(reactor, 10);
    const pending = retry(fn, {
      clock: reactor,
      backoff: exponential({ initialMs: 100, jitter: 'none' }),
      maxAttempts: 10,
      maxElapsedMs: 1_000,
    });
    let rejectedAt: number | undefined;
    pending.catch(() => {
      rejectedAt = reactor.now();
    });
    const outcome = await settle(reactor, pending);
    // Attempts at 0, 100, 300, 700; the next wait (800 ms) would end at 1500 > 1000: stop at 700.
    expect(startedAt).toEqual([0, 100, 300, 700]);
    expect(rejectedAt).toBe(700);
    expect((outcome as { error: RetryError }).error).toMatchObject({ reason: 'maxElapsedMs', attempts: 4 });
    expect(reactor.pending).toBe(0);
  });

  it('gives up at once when a Retry-After points past the deadline', async () => {
    const reactor = new Reactor();
    const { fn, startedAt } = flaky(reactor, 1, () => Object.assign(new Error('busy'), { retryAfterMs: 60_000 }));
    const outcome = await settle(reactor, retry(fn, { clock: reactor, backoff: constant(10), maxElapsedMs: 5_000 }));
    expect(startedAt).toEqual([0]);
    expect((outcome as { error: RetryError }).error.reason).toBe('maxElapsedMs');
  });

  it('clears its timer after a success and passes a live signal to the attempts', async () => {
    const reactor = new Reactor();
    let seen: AbortSignal | undefined;
    const outcome = await settle(
      reactor,
      retry(
        ({ signal }) => {
          seen = signal;
          return 'ok';
        },
        { clock: reactor, maxElapsedMs: 1_000 },
      ),
    );
    expect(outcome).toEqual({ ok: true, value: 'ok' });
    expect(seen).toBeInstanceOf(AbortSignal);
    expect(seen?.aborted).toBe(false);
    expect(reactor.pending).toBe(0);
    expect(reactor.now()).toBe(0);
  });

  it('still reports the caller’s abort as an AbortError when both are set', async () => {
    const reactor = new Reactor();
    const controller = new AbortController();
    const { fn } = flaky(reactor, 5);
    const options: RetryOptions = {
      clock: reactor,
      backoff: constant(100),
      signal: controller.signal,
      maxElapsedMs: 10_000,
    };
    const pending = retry(fn, options);
    reactor.setTimeout(() => controller.abort(), 150);
    const outcome = await settle(reactor, pending);
    expect(isAbortError((outcome as { error: unknown }).error)).toBe(true);
    expect(reactor.pending).toBe(0);
  });
});

describe('retry in virtual time: budget', () => {
  it('stops retrying in an outage once the shared budget is at half, and retries again once successes refill it', async () => {
    const reactor = new Reactor();
    const budget = new RetryBudget({ maxTokens: 6, tokenRatio: 1 });
    let up = false;
    let calls = 0;
    const call = () =>
      retry(
        () => {
          calls++;
          if (!up) throw new Error('down');
          return 'ok';
        },
        { clock: reactor, budget, backoff: constant(100), maxAttempts: 4 },
      );

    // Outage: the first call retries (6 → 5 → 4 → 3 tokens: half, stop), later calls make one attempt each.
    const first = await settle(reactor, call());
    expect((first as { error: RetryError }).error).toMatchObject({ reason: 'budget', attempts: 3 });
    for (let i = 0; i < 3; i++) await settle(reactor, call());
    expect(calls).toBe(6);
    expect(budget.tokens).toBe(0);

    // Recovery: successes refill the bucket; once above half, a blip is retried again.
    up = true;
    for (let i = 0; i < 5; i++) await settle(reactor, call());
    expect(budget.tokens).toBe(5);
    up = false;
    let blip = 0;
    const recovered = await settle(
      reactor,
      retry(
        () => {
          if (blip++ === 0) throw new Error('blip');
          return 'ok';
        },
        { clock: reactor, budget, backoff: constant(100) },
      ),
    );
    expect(recovered).toEqual({ ok: true, value: 'ok' });
    // Two waits in the first call, one for the blip.
    expect(reactor.now()).toBe(300);
  });
});
