import { Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker';
import { isBrokenCircuitError } from './errors';
import { after, boom, calls, ok, record, settle } from './test-helpers';

describe('CircuitBreaker: manual overrides', () => {
  it('open() opens at once and goes half-open after openDurationMs', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, openDurationMs: 500 });
    const log = record(breaker);
    breaker.open();
    expect(breaker.state).toBe('open');
    expect(await settle(breaker.execute(ok))).toMatchObject({ reason: 'open', retryAfterMs: 500 });
    clock.advance(500);
    expect(breaker.state).toBe('half-open');
    expect(log).toEqual([
      'stateChange:closed,open',
      'open:manual',
      'reject:BrokenCircuitError',
      'stateChange:open,half-open',
      'halfOpen:500',
    ]);
  });

  it('open() on an open circuit changes nothing (the timer keeps running)', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, openDurationMs: 500 });
    breaker.open();
    clock.advance(300);
    const log = record(breaker);
    breaker.open();
    clock.advance(200);
    expect(breaker.state).toBe('half-open');
    expect(log).toEqual(['stateChange:open,half-open', 'halfOpen:500']);
  });

  it('close() closes at once from open or half-open, with an empty window', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, window: { type: 'count', size: 2 }, minimumCalls: 2 });
    await calls(breaker, 2, boom);
    expect(breaker.state).toBe('open');
    clock.advance(10);
    const log = record(breaker);
    breaker.close();
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ calls: 0, failures: 0, since: 10 });
    expect(log).toEqual(['stateChange:open,closed', 'close:10']);
    expect(clock.pending).toBe(0); // the half-open timer is gone
    expect(await breaker.execute(ok)).toBe('ok');
  });

  it('isolate() keeps the circuit open with no probes until close()', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, openDurationMs: 100, name: 'legacy' });
    const log = record(breaker);
    breaker.isolate();
    expect(breaker.state).toBe('open');
    expect(breaker.isolated).toBe(true);
    clock.advance(10_000);
    expect(breaker.state).toBe('open');
    const error = await settle(breaker.execute(ok));
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(error).toMatchObject({
      reason: 'isolated',
      retryAfterMs: Infinity,
      message: 'circuit "legacy" is isolated',
    });
    breaker.close();
    expect(breaker.isolated).toBe(false);
    expect(await breaker.execute(ok)).toBe('ok');
    expect(log).toEqual([
      'stateChange:closed,open',
      'open:isolate',
      'reject:BrokenCircuitError',
      'stateChange:open,closed',
      'close:10000',
      'success:0',
    ]);
  });

  it('isolate() on an open circuit cancels its half-open timer; open() ends the isolation', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, openDurationMs: 100 });
    breaker.open();
    const log = record(breaker);
    breaker.isolate();
    expect(log).toEqual(['open:isolate']);
    clock.advance(1_000);
    expect(breaker.state).toBe('open');
    breaker.open();
    expect(breaker.isolated).toBe(false);
    clock.advance(100);
    expect(breaker.state).toBe('half-open');
  });

  it('isolate() from half-open wakes waiting callers, who are then rejected', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, openDurationMs: 100, halfOpenOverflow: 'wait' });
    breaker.open();
    clock.advance(100);
    const probe = breaker.execute(after(clock, 50));
    const waiting = settle(breaker.execute(ok));
    breaker.isolate();
    expect(await waiting).toMatchObject({ reason: 'isolated' });
    await clock.advanceAsync(50);
    expect(await probe).toBe('ok');
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker: persistence', () => {
  it('round-trips a closed breaker’s count window and failure streak through JSON', async () => {
    const clock = new Reactor();
    const options = { clock, window: { type: 'count', size: 4 }, minimumCalls: 4, consecutiveFailures: 3 } as const;
    const breaker = new CircuitBreaker({ ...options, failureRateThreshold: 0.75 });
    await calls(breaker, 3, ok);
    await calls(breaker, 2, boom);
    const json = JSON.parse(JSON.stringify(breaker));
    expect(json).toMatchObject({
      version: 1,
      state: 'closed',
      consecutiveFailures: 2,
      window: { type: 'count', outcomes: [0, 0, 1, 1] },
    });
    const restored = CircuitBreaker.restore(json, { ...options, failureRateThreshold: 0.75 });
    expect(restored.stats()).toMatchObject({ state: 'closed', calls: 4, failures: 2 });
    await calls(restored, 1, boom); // the third failure in a row
    expect(restored.state).toBe('open');
  });

  it('resumes an open breaker with what was left of its open duration', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, openDurationMs: 1_000 });
    breaker.open();
    clock.advance(700);
    const json = breaker.toJSON();
    expect(json).toMatchObject({ state: 'open', isolated: false, openRemainingMs: 300 });

    const later = new Reactor();
    later.advance(50_000);
    const restored = CircuitBreaker.restore(json, { clock: later, openDurationMs: 1_000 });
    const log = record(restored);
    expect(restored.state).toBe('open');
    expect(await settle(restored.execute(ok))).toMatchObject({ retryAfterMs: 300 });
    later.advance(299);
    expect(restored.state).toBe('open');
    later.advance(1);
    expect(restored.state).toBe('half-open');
    expect(log).toEqual(['reject:BrokenCircuitError', 'stateChange:open,half-open', 'halfOpen:300']);
  });

  it('resumes isolated and half-open states', async () => {
    const clock = new Reactor();
    const isolated = new CircuitBreaker({ clock });
    isolated.isolate();
    const again = CircuitBreaker.restore(isolated.toJSON(), { clock });
    expect([again.state, again.isolated]).toEqual(['open', true]);
    clock.advance(100_000);
    expect(again.state).toBe('open');

    const halfOpen = new CircuitBreaker({ clock, openDurationMs: 10 });
    halfOpen.open();
    clock.advance(10);
    const resumed = CircuitBreaker.restore(halfOpen.toJSON(), { clock });
    expect(resumed.state).toBe('half-open');
    expect(await resumed.execute(ok)).toBe('ok');
    expect(resumed.state).toBe('closed');
  });

  it('round-trips a time window, bucket by bucket, onto another clock', async () => {
    const clock = new Reactor();
    const options = { window: { type: 'time', durationMs: 400, buckets: 4 }, minimumCalls: 100 } as const;
    const breaker = new CircuitBreaker({ clock, ...options });
    await calls(breaker, 2, boom); // bucket 0
    clock.advance(100);
    await calls(breaker, 3, ok); // bucket 1
    const json = JSON.parse(JSON.stringify(breaker.toJSON()));
    expect(json.window).toEqual({
      type: 'time',
      bucketMs: 100,
      buckets: [
        [3, 0, 0, 0, 0],
        [2, 2, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
      ],
    });
    const other = new Reactor();
    other.advance(12_345);
    const restored = CircuitBreaker.restore(json, { clock: other, ...options });
    expect(restored.stats()).toMatchObject({ calls: 5, failures: 2 });
    other.advance(300 - (12_345 % 100)); // three bucket boundaries later the older restored bucket rolls out
    expect(restored.stats()).toMatchObject({ calls: 3, failures: 0 });
  });

  it('keeps what fits when the window options changed', async () => {
    const clock = new Reactor();
    const breaker = new CircuitBreaker({ clock, window: { type: 'count', size: 6 }, minimumCalls: 6 });
    await calls(breaker, 4, boom);
    await calls(breaker, 2, ok);
    const json = breaker.toJSON();
    const smaller = CircuitBreaker.restore(json, { clock, window: { type: 'count', size: 3 }, minimumCalls: 3 });
    expect(smaller.stats()).toMatchObject({ calls: 3, failures: 1 });
    const timed = CircuitBreaker.restore(json, { clock, window: { type: 'time', durationMs: 1_000 } });
    expect(timed.stats()).toMatchObject({ calls: 0 });
  });

  it('rejects malformed JSON with a TypeError naming the field', () => {
    const good = new CircuitBreaker().toJSON();
    expect(() => CircuitBreaker.restore(null as never)).toThrow(/json: expected the object/);
    expect(() => CircuitBreaker.restore({ ...good, version: 2 } as never)).toThrow(/json.version: expected 1, got 2/);
    expect(() => CircuitBreaker.restore({ ...good, state: 'ajar' } as never)).toThrow(/json.state: expected/);
    expect(() => CircuitBreaker.restore({ ...good, openRemainingMs: -1 })).toThrow(/json.openRemainingMs/);
    expect(() => CircuitBreaker.restore({ ...good, window: { type: 'count', outcomes: [0, 9], rejected: 0 } })).toThrow(
      /json.window.outcomes\[1\]: expected an integer in \[0, 7\], got 9/,
    );
    expect(() =>
      CircuitBreaker.restore({ ...good, window: { type: 'time', bucketMs: 10, buckets: [[1, 2]] } }),
    ).toThrow(/json.window.buckets\[0\]: expected an array of 5 counts/);
  });
});

describe('CircuitBreaker: toMermaid', () => {
  it('draws the fsm machine the breaker runs', () => {
    expect(new CircuitBreaker().toMermaid()).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> closed',
        '  state "open" as open {',
        '    [*] --> open_cooling',
        '    state "cooling" as open_cooling',
        '    state "isolated" as open_isolated',
        '  }',
        '  state "half-open" as half_open',
        '  closed --> open : TRIP',
        '  closed --> open_isolated : ISOLATE',
        '  open_cooling --> half_open : HALF_OPEN',
        '  open_cooling --> open_isolated : ISOLATE',
        '  open_isolated --> open_cooling : TRIP',
        '  open --> closed : CLOSE',
        '  half_open --> open : TRIP',
        '  half_open --> closed : CLOSE',
        '  half_open --> open_isolated : ISOLATE',
        '',
      ].join('\n'),
    );
  });
});
