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
    w.record(FAILURE | TIMEOUT, 0);
    w.record(SLOW, 0);
    expect(totals(w)).toEqual([2, 1, 1, 1, 0]);
    w.record(0, 0);
    w.record(FAILURE | SLOW, 0); // evicts the failed timeout
    expect(totals(w)).toEqual([3, 1, 2, 0, 0]);
    w.reject(0);
    expect(w.rejected).toBe(1);
    expect(w.toJSON()).toEqual({ type: 'count', outcomes: [SLOW, 0, FAILURE | SLOW], rejected: 1 });
    w.reset(5);
    expect(totals(w)).toEqual([0, 0, 0, 0, 0]);
    expect(w.since(9)).toBe(5);
    w.record(FAILURE, 9);
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
      w.record(outcome, 0);
      const last = all.slice(-7);
      const count = (bit: number) => last.filter((o) => (o & bit) !== 0).length;
      expect(totals(w)).toEqual([last.length, count(FAILURE), count(SLOW), count(TIMEOUT), 0]);
    }
  });
});

describe('TimeWindow', () => {
  it('rolls buckets out as the clock advances and matches a recount at every step', () => {
    const bucketMs = 25;
    const w = new TimeWindow(100, 4, 0);
    const events: { at: number; outcome: number }[] = [];
    let seed = 7;
    let now = 0;
    for (let i = 0; i < 2_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      now += seed % 40 === 0 ? 150 : seed % 9; // mostly small steps, sometimes a gap longer than the window
      const outcome = (seed >> 4) % 8;
      events.push({ at: now, outcome });
      w.record(outcome, now);
      expect(totals(w)).toEqual(model(events, now, bucketMs, 4));
    }
  });

  it('counts rejections per bucket and reports since as the start of the oldest bucket', () => {
    const w = new TimeWindow(1_000, 10, 0);
    w.reject(50);
    w.reject(150);
    w.roll(1_050); // the bucket [0, 100) rolled out
    expect(w.rejected).toBe(1);
    expect(w.since(1_050)).toBe(100);
    w.reset(1_060);
    expect(w.since(1_060)).toBe(1_060);
    expect(w.since(5_000)).toBe(4_100);
  });

  it('loads buckets by age onto another clock and ignores buckets of another width', () => {
    const w = new TimeWindow(300, 3, 0);
    w.record(FAILURE, 10);
    w.record(0, 120);
    const json = w.toJSON(150);
    const moved = new TimeWindow(300, 3, 0);
    moved.load(json, 1_000_050);
    expect(totals(moved)).toEqual([2, 1, 0, 0, 0]);
    moved.roll(1_000_100); // one bucket later: the failure's bucket is now the oldest
    expect(totals(moved)).toEqual([2, 1, 0, 0, 0]);
    moved.roll(1_000_200);
    expect(totals(moved)).toEqual([1, 0, 0, 0, 0]);
    const other = new TimeWindow(300, 2, 0);
    other.load(json, 0);
    expect(totals(other)).toEqual([0, 0, 0, 0, 0]);
  });
});
