import { expect, it, describe as suite } from 'vitest';
import { systemClock } from './clock';
import { LoopMonitor, type LoopProbe, type LoopReading } from './loop-monitor';
import { Reactor } from './reactor';

/** A probe that replays readings: the policy under test sees exactly these windows, in virtual time. */
class ReplayProbe implements LoopProbe {
  readonly readings: LoopReading[] = [];
  started = 0;
  stopped = 0;
  start(): void {
    this.started++;
  }
  stop(): void {
    this.stopped++;
  }
  read(): LoopReading {
    return this.readings.shift() ?? reading(0, 0);
  }
  push(...windows: LoopReading[]): void {
    this.readings.push(...windows);
  }
}

const reading = (delayP99: number, utilization: number): LoopReading => ({
  delayP50: delayP99 / 2,
  delayP99,
  delayMax: delayP99,
  utilization,
});

function setup(options: { warmupMs?: number } = {}) {
  const reactor = new Reactor();
  const probe = new ReplayProbe();
  const flips: boolean[] = [];
  const monitor = new LoopMonitor({
    clock: reactor,
    probe,
    maxDelayMs: 100,
    recoverDelayMs: 40,
    maxUtilization: 0.9,
    recoverUtilization: 0.7,
    sampleIntervalMs: 100,
    warmupMs: options.warmupMs ?? 0,
    onChange: (on) => flips.push(on),
  }).start();
  return { reactor, probe, flips, monitor };
}

suite('LoopMonitor policy (replayed readings, virtual time)', () => {
  it('flips on above a threshold and off only below the lower ones (hysteresis)', () => {
    const { reactor, probe, flips, monitor } = setup();
    probe.push(reading(10, 0.2), reading(150, 0.5), reading(60, 0.5), reading(30, 0.8), reading(30, 0.5));
    reactor.advance(100);
    expect(monitor.overloaded).toBe(false);
    reactor.advance(100);
    expect(monitor.overloaded).toBe(true);
    // 60 ms is below the overload threshold but above the recovery one: still overloaded.
    reactor.advance(100);
    expect(monitor.overloaded).toBe(true);
    // Delay recovered, utilization not yet.
    reactor.advance(100);
    expect(monitor.overloaded).toBe(true);
    reactor.advance(100);
    expect(monitor.overloaded).toBe(false);
    expect(flips).toEqual([true, false]);
  });

  it('flips on utilization alone', () => {
    const { reactor, probe, monitor } = setup();
    probe.push(reading(5, 0.95));
    reactor.advance(100);
    expect(monitor.snapshot()).toMatchObject({ overloaded: true, utilization: 0.95, pressure: 1 });
  });

  it('grades pressure linearly between the recovery and overload thresholds', () => {
    const { reactor, probe, monitor } = setup();
    probe.push(reading(40, 0.1), reading(70, 0.1), reading(10, 0.8), reading(85, 0.85));
    reactor.advance(100);
    expect(monitor.pressure).toBe(0);
    reactor.advance(100);
    expect(monitor.pressure).toBeCloseTo(0.5);
    reactor.advance(100);
    expect(monitor.pressure).toBeCloseTo(0.5);
    reactor.advance(100);
    expect(monitor.pressure).toBeCloseTo(0.75);
    expect(monitor.overloaded).toBe(false);
  });

  it('raises no alarm during warm-up, then does', () => {
    const { reactor, probe, flips, monitor } = setup({ warmupMs: 500 });
    probe.push(...Array.from({ length: 10 }, () => reading(500, 1)));
    reactor.advance(400);
    expect(monitor.snapshot()).toMatchObject({ overloaded: false, pressure: 0 });
    expect(flips).toEqual([]);
    reactor.advance(100);
    expect(monitor.overloaded).toBe(true);
    expect(flips).toEqual([true]);
  });

  it('stop() clears its timer and the probe; start() again begins afresh', () => {
    const { reactor, probe, monitor } = setup();
    expect(monitor.running).toBe(true);
    expect(reactor.pending).toBe(1);
    expect(reactor.alive).toBe(false);
    monitor.stop();
    monitor.stop();
    expect(monitor.running).toBe(false);
    expect(reactor.pending).toBe(0);
    expect(probe.stopped).toBe(1);
    expect(monitor.overloaded).toBe(false);
    monitor.start();
    monitor.start();
    expect(probe.started).toBe(2);
    expect(reactor.pending).toBe(1);
    monitor.stop();
  });

  it('subscribe() adds a listener and returns its unsubscribe', () => {
    const { reactor, probe, monitor } = setup();
    const seen: boolean[] = [];
    const unsubscribe = monitor.subscribe((on, snapshot) => seen.push(on, snapshot.overloaded));
    probe.push(reading(200, 0.5), reading(0, 0), reading(200, 0.5));
    reactor.advance(200);
    unsubscribe();
    reactor.advance(100);
    expect(seen).toEqual([true, true, false, false]);
    expect(monitor.overloaded).toBe(true);
  });

  it('rejects bad options with errors that name them', () => {
    expect(() => new LoopMonitor({ maxDelayMs: 0 })).toThrow(/maxDelayMs: expected a finite number >= /);
    expect(() => new LoopMonitor({ maxUtilization: 1.5 })).toThrow(/maxUtilization: expected a finite number from/);
    expect(() => new LoopMonitor({ maxDelayMs: 50, recoverDelayMs: 80 })).toThrow(/recoverDelayMs.*got 80/);
    expect(() => new LoopMonitor({ recoverUtilization: -1 })).toThrow(RangeError);
    expect(() => new LoopMonitor({ sampleIntervalMs: Number.NaN })).toThrow(/sampleIntervalMs/);
    expect(() => new LoopMonitor({ resolutionMs: 2.5 })).toThrow(/resolutionMs: expected an integer/);
    expect(() => new LoopMonitor({ onChange: 1 as never })).toThrow(/onChange: expected a function/);
    expect(() => new LoopMonitor({ clock: {} as never })).toThrow(TypeError);
    expect(() => new LoopMonitor({ probe: {} as never })).toThrow(/probe: expected a LoopProbe/);
    expect(() => new LoopMonitor().subscribe(null as never)).toThrow(/listener: expected a function/);
  });
});

/** Spins the CPU for `ms` of real time: a truly blocked event loop. */
function blockFor(ms: number): void {
  const until = systemClock.now() + ms;
  while (systemClock.now() < until) {
    // busy
  }
}

suite('LoopMonitor on the real event loop', () => {
  it('detects a blocked loop the moment it can run anything, and recovers after', async () => {
    const flips: { on: boolean; lagMs: number }[] = [];
    const monitor = new LoopMonitor({
      maxDelayMs: 100,
      recoverDelayMs: 60,
      maxUtilization: 1,
      recoverUtilization: 1,
      sampleIntervalMs: 10,
      warmupMs: 0,
      onChange: (on, snapshot) => flips.push({ on, lagMs: snapshot.lagMs }),
    }).start();
    try {
      blockFor(300);
      // No timer has run since the block began, yet the snapshot already sees it.
      const during = monitor.snapshot();
      expect(during.overloaded).toBe(true);
      expect(during.lagMs).toBeGreaterThanOrEqual(190);
      expect(during.pressure).toBe(1);
      expect(flips[0]?.on).toBe(true);
      // Once the loop breathes again, the monitor flips back (bounded wait).
      const deadline = systemClock.now() + 5_000;
      while (monitor.overloaded && systemClock.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(monitor.overloaded).toBe(false);
      expect(flips.map((f) => f.on)).toEqual([true, false]);
    } finally {
      monitor.stop();
    }
  });

  it('reads real delay percentiles and utilization from Node', async () => {
    const monitor = new LoopMonitor({ sampleIntervalMs: 50, resolutionMs: 5, warmupMs: 0 }).start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      blockFor(150);
      // Watch the windows go by (each stays visible for a whole sampling interval).
      let worstP99 = 0;
      let busiest = 0;
      for (let i = 0; i < 30; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const snapshot = monitor.snapshot();
        expect(snapshot.delayP99).toBeGreaterThanOrEqual(snapshot.delayP50);
        expect(snapshot.utilization).toBeGreaterThanOrEqual(0);
        expect(snapshot.utilization).toBeLessThanOrEqual(1);
        worstP99 = Math.max(worstP99, snapshot.delayP99);
        busiest = Math.max(busiest, snapshot.utilization);
      }
      expect(worstP99).toBeGreaterThanOrEqual(100);
      expect(busiest).toBeGreaterThan(0.5);
    } finally {
      monitor.stop();
    }
  });
});
