import { Reactor } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { CountWindow, FAILURE, SLOW, TIMEOUT, TimeWindow } from './window';

const totals = (w: CountWindow | TimeWindow) => [w.calls, w.failures, w.slowCalls, w.timeouts, w.rejected];

/** A reference model: every outcome kept with its time, counted from scratch. */
function model(events: { at: number; outcome: number }[], now: number, bucketMs: number, buckets: number) {
  const first = (Math.floor(now / bucketMs) - buckets + 1) * bucketMs;
  const inside = events.filter((e) => e.at >= first);
  const count = (bit: number) => inside.filter((e) => (e.outcome & bit) !== 0).length;
  return [inside.length, count(FAILURE), count(SLOW), count(TIMEOUT), 0];
}

describe('CountWindow', () => {
  it('keeps running totals of the last size outcomes', () => {
    const w = new CountWindow(3, 0);
    w.record(FAILURE | TIMEOUT);
    w.record(SLOW);
    expect(totals(w)).toEqual([2, 1, 1, 1, 0]);
    w.record(0);
    w.record(FAILURE | SLOW); // evicts the failed timeout
    expect(totals(w)).toEqual([3, 1, 2, 0, 0]);
    w.reject();
    expect(w.rejected).toBe(1);
    expect(w.toJSON()).toEqual({ type: 'count', outcomes: [SLOW, 0, FAILURE | SLOW], rejected: 1 });
    w.reset(5);
    expect(totals(w)).toEqual([0, 0, 0, 0, 0]);
    expect(w.since(9)).toBe(5);
    w.record(FAILURE);
    expect(w.toJSON()).toEqual({ type: 'count', outcomes: [FAILURE], rejected: 0 });
  });

  it('matches a recount of the last size outcomes over a long random run', () => {
    const w = new CountWindow(7, 0);
    const all: number[] = [];
    let seed = 42;
    for (let i = 0; i < 1_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const outcome = seed % 8;
      all.push(outcome);
      w.record(outcome);
      const last = all.slice(-7);
      const count = (bit: number) => last.filter((o) => (o & bit) !== 0).length;
      expect(totals(w)).toEqual([last.length, count(FAILURE), count(SLOW), count(TIMEOUT), 0]);
    }
  });
});

describe('TimeWindow', () => {
  it('rolls buckets out as the clock advances and matches a recount at every step', () => {
    const bucketMs = 25;
    const clock = new Reactor();
    const w = new TimeWindow(100, 4, clock);
    const events: { at: number; outcome: number }[] = [];
    let seed = 7;
    for (let i = 0; i < 2_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      clock.advance(seed % 40 === 0 ? 150 : seed % 9); // mostly small steps, sometimes longer than the window
      const outcome = (seed >> 4) % 8;
      events.push({ at: clock.now(), outcome });
      w.record(outcome);
      expect(totals(w)).toEqual(model(events, clock.now(), bucketMs, 4));
    }
  });

  it('moves on at each bucket boundary by its own timer, and arms none while idle', () => {
    const clock = new Reactor();
    const w = new TimeWindow(300, 3, clock);
    expect(clock.pending).toBe(0);
    clock.advance(50);
    w.record(FAILURE);
    expect(clock.pending).toBe(1);
    clock.advance(50); // 100: the boundary timer fires and rolls, and is not re-armed
    expect(clock.pending).toBe(0);
    w.record(0); // lands in [100, 200) without reading a stale bucket
    clock.advance(200); // 300: the failure's bucket [0, 100) rolls out on the next reading
    w.roll(clock.now());
    expect(totals(w)).toEqual([1, 0, 0, 0, 0]);
  });

  it('puts a call in the bucket of the clock time it completed at, also with fractional bucket widths', () => {
    const clock = new Reactor();
    const w = new TimeWindow(1_000, 3, clock); // 333.33… ms buckets
    for (let t = 0; t < 3_000; t += 111) {
      clock.advance(t - clock.now());
      w.record(FAILURE);
    }
    const json = w.toJSON(clock.now());
    expect(json.type === 'time' && json.buckets.map((b) => b[0])).toEqual([3, 3, 3]);
  });

  it('counts rejections per bucket and reports since as the start of the oldest bucket', () => {
    const clock = new Reactor();
    const w = new TimeWindow(1_000, 10, clock);
    clock.advance(50);
    w.reject();
    clock.advance(100);
    w.reject();
    clock.advance(900); // 1050: the bucket [0, 100) rolled out
    w.roll(clock.now());
    expect(w.rejected).toBe(1);
    expect(w.since(clock.now())).toBe(100);
    clock.advance(10);
    w.reset(clock.now());
    expect(w.since(clock.now())).toBe(1_060);
    expect(w.since(5_000)).toBe(4_100);
  });

  it('loads buckets by age onto another clock and ignores buckets of another width', () => {
    const clock = new Reactor();
    const w = new TimeWindow(300, 3, clock);
    clock.advance(10);
    w.record(FAILURE);
    clock.advance(110);
    w.record(0);
    clock.advance(30);
    const json = w.toJSON(clock.now());
    const later = new Reactor();
    later.advance(1_000_050);
    const moved = new TimeWindow(300, 3, later);
    moved.load(json, later.now());
    expect(totals(moved)).toEqual([2, 1, 0, 0, 0]);
    moved.roll(1_000_100); // one bucket later: the failure's bucket is now the oldest
    expect(totals(moved)).toEqual([2, 1, 0, 0, 0]);
    moved.roll(1_000_200);
    expect(totals(moved)).toEqual([1, 0, 0, 0, 0]);
    const other = new TimeWindow(300, 2, later);
    other.load(json, later.now());
    expect(totals(other)).toEqual([0, 0, 0, 0, 0]);
  });
});
