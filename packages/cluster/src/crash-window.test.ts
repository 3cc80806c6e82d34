import { describe, expect, it } from 'vitest';
import { CrashWindow } from './crash-window';

describe('CrashWindow', () => {
  it('reports a crash loop on the exit that makes more than maxRestarts within the window', () => {
    const window = new CrashWindow(3, 1_000);
    expect([0, 100, 200].map((t) => window.record(t))).toEqual([false, false, false]);
    expect(window.record(300)).toBe(true);
    expect(window.count).toBe(4);
  });

  it('forgets exits older than withinMs', () => {
    const window = new CrashWindow(2, 1_000);
    expect(window.record(0)).toBe(false);
    expect(window.record(500)).toBe(false);
    expect(window.record(1_000)).toBe(false); // the exit at 0 left the window
    expect(window.count).toBe(2);
    expect(window.record(1_400)).toBe(true);
  });

  it('treats maxRestarts 0 as "never respawn"', () => {
    expect(new CrashWindow(0, 1_000).record(0)).toBe(true);
  });
});
