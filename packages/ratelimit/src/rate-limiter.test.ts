import { isAbortError, Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { isRateLimitExceededError, isRateLimitStoreError, RateLimitStoreError } from './errors';
import { MemoryStore } from './memory-store';
import type { RatePolicy } from './policy';
import { RateLimiter } from './rate-limiter';
import type { RateLimitResult } from './result';
import type { Store } from './store';

/** A store whose answers the test controls: it never answers, or fails, as a dead Redis would. */
class BrokenStore implements Store {
  calls = 0;
  constructor(readonly mode: 'hang' | 'reject' | 'throw') {}
  consume(): Promise<RateLimitResult> {
    return this.#answer();
  }
  peek(): Promise<RateLimitResult> {
    return this.#answer();
  }
  reset(): Promise<void> {
    return this.#answer().then(() => undefined);
  }
  #answer(): Promise<RateLimitResult> {
    this.calls++;
    if (this.mode === 'throw') throw new Error('connection refused');
    if (this.mode === 'reject') return Promise.reject(new Error('ECONNREFUSED'));
    return new Promise<RateLimitResult>(() => {});
  }
}

describe('RateLimiter options', () => {
  it.each([
    [{ limit: 0, windowMs: 1_000 }, RangeError, /limit: expected a positive integer, got 0/],
    [{ limit: -3, windowMs: 1_000 }, RangeError, /limit: expected a positive integer, got -3/],
    [{ limit: 1.5, windowMs: 1_000 }, RangeError, /limit: expected a positive integer, got 1.5/],
    [{ limit: '10', windowMs: 1_000 }, TypeError, /limit: expected a positive integer, got "10"/],
    [{ limit: 10, windowMs: 0 }, RangeError, /windowMs: expected a positive finite number, got 0/],
    [{ limit: 10, windowMs: Number.POSITIVE_INFINITY }, RangeError, /windowMs: .* got Infinity/],
    [{ limit: 10 }, TypeError, /windowMs: expected a positive number, got undefined/],
    [
      { algorithm: 'leaky', limit: 10, windowMs: 1 },
      RangeError,
      /algorithm: expected one of 'token-bucket', 'gcra', 'fixed-window', 'sliding-window', got "leaky"/,
    ],
    [{ limits: [] }, TypeError, /limits: expected a non-empty array/],
    [
      {
        limits: [
          { limit: 1, windowMs: 1 },
          { limit: 5, windowMs: -1 },
        ],
      },
      RangeError,
      /limits\[1\]\.windowMs/,
    ],
    [{ limits: [{ limit: 1, windowMs: 1 }], limit: 3 }, TypeError, /either limits or limit and windowMs/],
    [{ limit: 1, windowMs: 1, storeTimeoutMs: 0 }, RangeError, /storeTimeoutMs: expected a positive number/],
    [
      { limit: 1, windowMs: 1, onStoreError: 'ignore' },
      TypeError,
      /onStoreError: expected 'allow', 'deny' or a fallback RateLimiter, got "ignore"/,
    ],
    [{ limit: 1, windowMs: 1, store: {} }, TypeError, /store: expected a Store/],
    [{ limit: 1, windowMs: 1, keyPrefix: 5 }, TypeError, /keyPrefix: expected a string, got 5/],
    [{ limit: 1, windowMs: 1, dryRun: 'yes' }, TypeError, /dryRun: expected a boolean/],
  ])('rejects %o', (options, type, message) => {
    expect(() => new RateLimiter(options as never)).toThrow(type);
    expect(() => new RateLimiter(options as never)).toThrow(message);
  });

  it('rejects a key that is not a non-empty string, and a cost above the limit, naming them', async () => {
    const limiter = new RateLimiter({ limit: 3, windowMs: 1_000, clock: new Reactor() });
    await expect(limiter.consume('')).rejects.toThrow(/key: expected a non-empty string, got ""/);
    await expect(limiter.consume(42 as never)).rejects.toThrow(TypeError);
    await expect(limiter.peek(undefined as never)).rejects.toThrow(/key: expected a non-empty string, got undefined/);
    await expect(limiter.reset('')).rejects.toThrow(TypeError);
    await expect(limiter.consume('k', 4)).rejects.toThrow(
      /cost: expected a positive integer no greater than the limit \(3\), got 4/,
    );
    await expect(limiter.consume('k', 4)).rejects.toBeInstanceOf(RangeError);
    await expect(limiter.consume('k', 0)).rejects.toBeInstanceOf(RangeError);
    await expect(limiter.consume('k', '1' as never)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('RateLimiter', () => {
  it('reports allowed, remaining, resetMs and retryAfterMs, denying as a result', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({ algorithm: 'fixed-window', limit: 2, windowMs: 1_000, clock: reactor });
    expect(await limiter.consume('a')).toEqual({
      allowed: true,
      limited: false,
      limit: 2,
      windowMs: 1_000,
      remaining: 1,
      resetMs: 1_000,
      retryAfterMs: 0,
    });
    reactor.advance(300);
    await limiter.consume('a');
    expect(await limiter.consume('a')).toMatchObject({
      allowed: false,
      limited: true,
      remaining: 0,
      retryAfterMs: 700,
    });
    reactor.advance(700);
    expect(await limiter.consume('a')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('peeks without consuming, and reset() starts a key afresh', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({ algorithm: 'gcra', limit: 2, windowMs: 1_000, clock: reactor });
    expect(await limiter.peek('p')).toMatchObject({ allowed: true, remaining: 2, resetMs: 0 });
    await limiter.consume('p', 2);
    expect(await limiter.peek('p')).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 500, resetMs: 1_000 });
    expect(await limiter.peek('p')).toMatchObject({ allowed: false, remaining: 0 });
    await limiter.reset('p');
    expect(await limiter.peek('p')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('keeps keys apart, and keyPrefix keeps two limiters on one store apart', async () => {
    const reactor = new Reactor();
    const store = new MemoryStore({ clock: reactor });
    const a = new RateLimiter({ limit: 1, windowMs: 1_000, clock: reactor, store, keyPrefix: 'a:' });
    const b = new RateLimiter({ limit: 1, windowMs: 1_000, clock: reactor, store, keyPrefix: 'b:' });
    expect((await a.consume('x')).allowed).toBe(true);
    expect((await a.consume('y')).allowed).toBe(true);
    expect((await b.consume('x')).allowed).toBe(true);
    expect((await a.consume('x')).allowed).toBe(false);
    expect(store.size).toBe(3);
  });

  it('with several limits consumes from none when one denies and reports the most restrictive', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({
      algorithm: 'sliding-window',
      limits: [
        { limit: 3, windowMs: 1_000 },
        { limit: 5, windowMs: 60_000 },
      ],
      clock: reactor,
    });
    const first = await limiter.consume('m');
    expect(first).toMatchObject({ allowed: true, limit: 3, remaining: 2 });
    await limiter.consume('m', 2);
    const denied = await limiter.consume('m');
    expect(denied).toMatchObject({ allowed: false, limit: 3, windowMs: 1_000 });
    reactor.advance(2_000);
    // The per-second limit is restored; 2 of the 5 per minute are left, and the denial above took none.
    expect(await limiter.consume('m', 2)).toMatchObject({ allowed: true, limit: 5, remaining: 0 });
    expect(await limiter.consume('m')).toMatchObject({ allowed: false, limit: 5, windowMs: 60_000 });
    expect(await limiter.consume('m', 3)).toMatchObject({ allowed: false, limit: 5 });
  });

  it('in dryRun mode reports limited but always allows, and counts as enforcing would', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({ limit: 1, windowMs: 1_000, clock: reactor, dryRun: true });
    expect(await limiter.consume('d')).toMatchObject({ allowed: true, limited: false, remaining: 0 });
    expect(await limiter.consume('d')).toMatchObject({ allowed: true, limited: true, retryAfterMs: 0 });
    reactor.advance(1_000);
    expect(await limiter.consume('d')).toMatchObject({ allowed: true, limited: false });
  });
});

describe('RateLimiter.take', () => {
  it('waits in virtual time until allowed', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({ algorithm: 'gcra', limit: 2, windowMs: 1_000, clock: reactor });
    await limiter.take('t');
    await limiter.take('t');
    let done = false;
    const third = limiter.take('t').then((r) => {
      done = true;
      return r;
    });
    await reactor.advanceAsync(499);
    expect(done).toBe(false);
    await reactor.advanceAsync(1);
    expect(await third).toMatchObject({ allowed: true, remaining: 0 });
    expect(reactor.now()).toBe(500);
  });

  it('rejects with RateLimitExceededError when the wait exceeds maxWaitMs', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({ algorithm: 'fixed-window', limit: 1, windowMs: 1_000, clock: reactor });
    await limiter.take('w');
    const error = await limiter.take('w', { maxWaitMs: 999 }).catch((e: unknown) => e);
    expect(isRateLimitExceededError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_WEFT_RATE_LIMITED', name: 'RateLimitExceededError', retryAfterMs: 1_000 });
    await expect(limiter.take('w', { maxWaitMs: -1 })).rejects.toThrow(/maxWaitMs: expected a non-negative number/);
  });

  it('rejects with an AbortError when the signal aborts during the wait', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({ limit: 1, windowMs: 1_000, clock: reactor });
    await limiter.take('s');
    const controller = new AbortController();
    const waiting = limiter.take('s', { signal: controller.signal }).catch((e: unknown) => e);
    await reactor.advanceAsync(100);
    controller.abort(new Error('shutting down'));
    const error = await waiting;
    expect(isAbortError(error)).toBe(true);
    expect(await limiter.take('s', { signal: AbortSignal.abort() }).catch((e: unknown) => isAbortError(e))).toBe(true);
  });
});

describe('store failure', () => {
  const policyOf = (limiter: RateLimiter): RatePolicy => limiter.policy;

  it('applies onStoreError: allow after storeTimeoutMs of virtual time when the store hangs', async () => {
    const reactor = new Reactor();
    const store = new BrokenStore('hang');
    const limiter = new RateLimiter({ limit: 5, windowMs: 1_000, clock: reactor, store, storeTimeoutMs: 50 });
    const errors: RateLimitStoreError[] = [];
    limiter.on('error', (e) => errors.push(e));
    let result: RateLimitResult | undefined;
    const pending = limiter.consume('k').then((r) => {
      result = r;
    });
    await reactor.advanceAsync(49);
    expect(result).toBeUndefined();
    await reactor.advanceAsync(1);
    await pending;
    expect(result).toMatchObject({ allowed: true, limit: 5, remaining: 5 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RateLimitStoreError);
    expect(errors[0]).toMatchObject({
      code: 'ERR_WEFT_RATELIMIT_STORE',
      timedOut: true,
      key: 'k',
      operation: 'consume',
    });
    expect(isRateLimitStoreError(errors[0])).toBe(true);
  });

  it('times out each pending call at its own deadline, and not one that answered', async () => {
    const reactor = new Reactor();
    let answer: ((r: RateLimitResult) => void) | undefined;
    const answered: RateLimitResult = {
      allowed: true,
      limited: false,
      limit: 5,
      windowMs: 1_000,
      remaining: 3,
      resetMs: 400,
      retryAfterMs: 0,
    };
    let calls = 0;
    const store: Store = {
      consume: () =>
        new Promise<RateLimitResult>((resolve) => {
          if (calls++ === 1) answer = resolve;
        }),
      peek: () => new Promise<RateLimitResult>(() => {}),
      reset: () => undefined,
    };
    const limiter = new RateLimiter({
      limit: 5,
      windowMs: 1_000,
      clock: reactor,
      store,
      storeTimeoutMs: 50,
      onStoreError: 'deny',
    });
    const settled: string[] = [];
    const track = (name: string, p: Promise<RateLimitResult>) =>
      p.then((r) => void settled.push(`${name}@${reactor.now()}:${r.allowed ? 'allowed' : 'denied'}`));
    const first = track('first', limiter.consume('a'));
    await reactor.advanceAsync(20);
    const second = track('second', limiter.consume('b'));
    await reactor.advanceAsync(10);
    const third = track('third', limiter.consume('c'));
    answer!(answered);
    await reactor.advanceAsync(20);
    expect(settled).toEqual(['second@30:allowed', 'first@50:denied']);
    await reactor.advanceAsync(30);
    await Promise.all([first, second, third]);
    expect(settled).toEqual(['second@30:allowed', 'first@50:denied', 'third@80:denied']);
    expect(reactor.pending).toBe(0);
  });

  it("applies onStoreError: 'deny' to a rejecting store, wrapping its error as cause", async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({
      limit: 4,
      windowMs: 1_000,
      clock: reactor,
      store: new BrokenStore('reject'),
      onStoreError: 'deny',
      keyPrefix: 'api:',
    });
    const errors: RateLimitStoreError[] = [];
    limiter.on('error', (e) => errors.push(e));
    expect(await limiter.consume('k')).toMatchObject({
      allowed: false,
      limited: true,
      remaining: 0,
      retryAfterMs: 250,
    });
    expect(await limiter.peek('k')).toMatchObject({ allowed: false });
    expect(errors.map((e) => [e.key, e.operation, e.timedOut, (e.cause as Error).message])).toEqual([
      ['api:k', 'consume', false, 'ECONNREFUSED'],
      ['api:k', 'peek', false, 'ECONNREFUSED'],
    ]);
  });

  it('falls back to another limiter (the insurance pattern), also for a store that throws', async () => {
    const reactor = new Reactor();
    const fallback = new RateLimiter({ limit: 2, windowMs: 1_000, clock: reactor });
    const limiter = new RateLimiter({
      limit: 100,
      windowMs: 1_000,
      clock: reactor,
      store: new BrokenStore('throw'),
      onStoreError: fallback,
    });
    const results = [await limiter.consume('k'), await limiter.consume('k'), await limiter.consume('k')];
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ limit: 2 });
    expect(policyOf(fallback).limits[0]!.limit).toBe(2);
  });

  it('swallows listener exceptions, supports off(), and never leaves an unhandled rejection', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({ limit: 1, windowMs: 1, clock: reactor, store: new BrokenStore('reject') });
    let calls = 0;
    const listener = () => {
      calls++;
      throw new Error('listener bug');
    };
    limiter.on('error', listener);
    expect((await limiter.consume('k')).allowed).toBe(true);
    limiter.off('error', listener);
    await limiter.consume('k');
    expect(calls).toBe(1);
  });

  it('reset() rejects with the wrapped error, since there is no policy to apply', async () => {
    const reactor = new Reactor();
    const limiter = new RateLimiter({ limit: 1, windowMs: 1, clock: reactor, store: new BrokenStore('reject') });
    const error = await limiter.reset('k').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_WEFT_RATELIMIT_STORE', operation: 'reset' });
  });
});

describe('MemoryStore', () => {
  const policy: RatePolicy = { algorithm: 'token-bucket', limits: [{ limit: 2, windowMs: 1_000 }] };

  it('evicts the least recently used key beyond maxKeys', () => {
    const reactor = new Reactor();
    const store = new MemoryStore({ clock: reactor, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) store.consume(key, policy, 2);
    store.consume('a', policy, 1); // a is now the most recently used (and denied)
    store.consume('d', policy, 1); // evicts b
    expect(store.size).toBe(3);
    expect(store.consume('a', policy, 1).allowed).toBe(false);
    expect(store.consume('c', policy, 1).allowed).toBe(false);
    expect(store.consume('b', policy, 2).allowed).toBe(true); // b came back fresh, evicting d
    expect(store.size).toBe(3);
  });

  it('stays bounded under a flood of distinct keys', () => {
    const reactor = new Reactor();
    const store = new MemoryStore({ clock: reactor, maxKeys: 1_000 });
    for (let i = 0; i < 20_000; i++) store.consume(`flood-${i}`, policy, 1);
    expect(store.size).toBe(1_000);
  });

  it('drops idle keys once they are back to a full quota, lazily and with prune()', () => {
    const reactor = new Reactor();
    const store = new MemoryStore({ clock: reactor });
    store.consume('idle-1', policy, 2);
    store.consume('idle-2', policy, 1);
    reactor.advance(500);
    expect(store.prune()).toBe(1); // idle-2 refilled its one token in 500 ms
    reactor.advance(500);
    store.consume('fresh', policy, 1); // a new key drops an expired oldest key on the way in
    expect(store.size).toBe(1);
    expect(store.peek('idle-1', policy)).toMatchObject({ remaining: 2 });
  });

  it('rejects a bad maxKeys naming it', () => {
    expect(() => new MemoryStore({ maxKeys: 0 })).toThrow(/maxKeys: expected a positive integer, got 0/);
    expect(() => new MemoryStore({ clock: {} as never })).toThrow(/clock: expected a Clock/);
  });
});
