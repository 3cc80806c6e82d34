import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type Clock, describe, systemClock, type TimerHandle } from './clock';

/** One reading of a {@link LoopProbe}: what the loop looked like over the window since the previous reading. */
export interface LoopReading {
  /** Median event-loop delay in ms. */
  delayP50: number;
  /** 99th-percentile event-loop delay in ms. */
  delayP99: number;
  /** Largest event-loop delay in ms. */
  delayMax: number;
  /** Share of the window the loop spent running JavaScript rather than idle in poll, 0..1. */
  utilization: number;
}

/**
 * Where a {@link LoopMonitor} gets its histogram and utilization readings. The default reads Node's
 * `perf_hooks.monitorEventLoopDelay` and `performance.eventLoopUtilization`; pass another to feed recorded or
 * synthetic readings (for instance to test a shedding policy in virtual time).
 */
export interface LoopProbe {
  /** Begins measuring. */
  start(): void;
  /** The readings since `start()` or the previous `read()`; starts a new window. */
  read(): LoopReading;
  /** Stops measuring. */
  stop(): void;
}

/** What {@link LoopMonitor.snapshot} returns. */
export interface LoopSnapshot extends LoopReading {
  /**
   * How late the monitor's own sampling timer is (or was, at its last run), in ms. A blocked loop runs no timers,
   * so this is what still tells, the moment the loop gets to run anything, that it was blocked.
   */
  lagMs: number;
  /** Load in 0..1: 0 at or below the recovery thresholds, 1 at or above the overload thresholds, linear between. */
  pressure: number;
  /** Whether the loop is considered overloaded (with hysteresis; never during warm-up). */
  overloaded: boolean;
}

/** Called when {@link LoopMonitor.overloaded} flips. */
export type LoopMonitorListener = (overloaded: boolean, snapshot: LoopSnapshot) => void;

/** Options of {@link LoopMonitor}. */
export interface LoopMonitorOptions {
  /** Overloaded once the p99 delay or the sampling timer's lag exceeds this many ms. Default 100. */
  maxDelayMs?: number;
  /** Overloaded once utilization exceeds this (0..1]. Default 0.95. */
  maxUtilization?: number;
  /** Back to normal only when the delay is below this many ms… Default half of `maxDelayMs`. */
  recoverDelayMs?: number;
  /** …and utilization below this. Default `maxUtilization - 0.15` (at least 0). */
  recoverUtilization?: number;
  /** How often the monitor samples, in ms. Default 100. */
  sampleIntervalMs?: number;
  /** After `start()`, how long start-up noise (module loading, JIT warm-up) cannot raise an alarm. Default 1000. */
  warmupMs?: number;
  /** The resolution of the default probe's delay histogram, in ms. Default 10. */
  resolutionMs?: number;
  /** The clock of the sampling timer. Default {@link systemClock}. */
  clock?: Clock;
  /** Where the readings come from. Default: Node's `monitorEventLoopDelay` and `eventLoopUtilization`. */
  probe?: LoopProbe;
  /** Called whenever `overloaded` flips. */
  onChange?: LoopMonitorListener;
}

const NS_PER_MS = 1e6;

/** The default probe: Node's event-loop delay histogram and event-loop utilization. */
class NodeLoopProbe implements LoopProbe {
  readonly #histogram;
  readonly #resolutionMs: number;
  #elu: EventLoopUtilization | undefined;

  constructor(resolutionMs: number) {
    this.#resolutionMs = resolutionMs;
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  start(): void {
    this.#histogram.reset();
    this.#histogram.enable();
    this.#elu = performance.eventLoopUtilization();
  }

  read(): LoopReading {
    const histogram = this.#histogram;
    const elu = performance.eventLoopUtilization();
    const window = this.#elu ? performance.eventLoopUtilization(elu, this.#elu) : elu;
    this.#elu = elu;
    // The histogram records the time between its own timer's runs, so the resolution itself is not delay.
    const delay = (ns: number) => Math.max(0, ns / NS_PER_MS - this.#resolutionMs);
    const reading: LoopReading =
      histogram.count === 0
        ? { delayP50: 0, delayP99: 0, delayMax: 0, utilization: window.utilization }
        : {
            delayP50: delay(histogram.percentile(50)),
            delayP99: delay(histogram.percentile(99)),
            delayMax: delay(histogram.max),
            utilization: window.utilization,
          };
    histogram.reset();
    return reading;
  }

  stop(): void {
    this.#histogram.disable();
  }
}

function positive(name: string, value: unknown, fallback: number, min = 0, max = Number.POSITIVE_INFINITY): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max) || !Number.isFinite(value)) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${name}: expected a finite number ${range}, got ${describe(value)}`);
  }
  return value;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Watches the health of the event loop — delay percentiles from `monitorEventLoopDelay`, utilization from
 * `eventLoopUtilization`, and the lag of its own sampling timer — and says whether the process is overloaded,
 * which is what load shedding (503 + Retry-After) reads before doing any work.
 *
 * `overloaded` has hysteresis: it turns on above `maxDelayMs` or `maxUtilization` and off only once both are back
 * below the lower `recoverDelayMs` and `recoverUtilization`, so it does not flap; it stays off during `warmupMs`
 * after `start()`. `pressure` grades the load from 0 to 1 between those thresholds, so a server can shed a growing
 * share of low-priority work before it has to shed everything. A blocked loop is caught too: `snapshot()` counts
 * how overdue the sampling timer is right now, so the first request after a long synchronous stall sees it.
 *
 * @example
 * ```ts
 * import { LoopMonitor } from '@weft/reactor';
 *
 * const monitor = new LoopMonitor({ maxDelayMs: 200, onChange: (on) => console.log('overloaded:', on) }).start();
 * server.on('request', (req, res) => {
 *   const isLowPriority = req.url?.startsWith('/reports') ?? false;
 *   if (monitor.overloaded || (isLowPriority && Math.random() < monitor.pressure)) {
 *     res.writeHead(503, { 'retry-after': '1' }).end();
 *     return;
 *   }
 *   // … handle the request
 * });
 * ```
 */
export class LoopMonitor {
  readonly #maxDelayMs: number;
  readonly #maxUtilization: number;
  readonly #recoverDelayMs: number;
  readonly #recoverUtilization: number;
  readonly #sampleIntervalMs: number;
  readonly #warmupMs: number;
  readonly #clock: Clock;
  readonly #probe: LoopProbe;
  readonly #listeners = new Set<LoopMonitorListener>();
  #timer: TimerHandle | undefined;
  #startedAt = 0;
  #lastSampleAt = 0;
  #reading: LoopReading = { delayP50: 0, delayP99: 0, delayMax: 0, utilization: 0 };
  #lastLagMs = 0;
  #overloaded = false;

  constructor(options: LoopMonitorOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, got ${describe(options)}`);
    }
    this.#maxDelayMs = positive('maxDelayMs', options.maxDelayMs, 100, Number.MIN_VALUE);
    this.#maxUtilization = positive('maxUtilization', options.maxUtilization, 0.95, Number.MIN_VALUE, 1);
    this.#recoverDelayMs = positive(
      'recoverDelayMs',
      options.recoverDelayMs,
      this.#maxDelayMs / 2,
      0,
      this.#maxDelayMs,
    );
    this.#recoverUtilization = positive(
      'recoverUtilization',
      options.recoverUtilization,
      Math.max(0, this.#maxUtilization - 0.15),
      0,
      this.#maxUtilization,
    );
    this.#sampleIntervalMs = positive('sampleIntervalMs', options.sampleIntervalMs, 100, 1);
    this.#warmupMs = positive('warmupMs', options.warmupMs, 1_000);
    const resolutionMs = positive('resolutionMs', options.resolutionMs, 10, 1);
    if (!Number.isInteger(resolutionMs)) {
      throw new RangeError(`resolutionMs: expected an integer >= 1, got ${describe(resolutionMs)}`);
    }
    const { clock = systemClock, probe, onChange } = options;
    if (typeof clock !== 'object' || clock === null || typeof clock.setTimeout !== 'function') {
      throw new TypeError(`clock: expected a Clock, got ${describe(clock)}`);
    }
    if (probe !== undefined && (typeof probe !== 'object' || probe === null || typeof probe.read !== 'function')) {
      throw new TypeError(`probe: expected a LoopProbe with start/read/stop, got ${describe(probe)}`);
    }
    if (onChange !== undefined && typeof onChange !== 'function') {
      throw new TypeError(`onChange: expected a function, got ${describe(onChange)}`);
    }
    this.#clock = clock;
    this.#probe = probe ?? new NodeLoopProbe(resolutionMs);
    if (onChange) this.#listeners.add(onChange);
  }

  /** Whether the monitor is sampling. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Whether the loop is overloaded right now (see the class description for the rules). */
  get overloaded(): boolean {
    return this.snapshot().overloaded;
  }

  /** The load from 0 (healthy) to 1 (overloaded), to shed that share of low-priority work. */
  get pressure(): number {
    return this.snapshot().pressure;
  }

  /** Starts sampling (on an unref'd timer). Idempotent; returns the monitor. */
  start(): this {
    if (this.#timer !== undefined) return this;
    this.#startedAt = this.#lastSampleAt = this.#clock.now();
    this.#reading = { delayP50: 0, delayP99: 0, delayMax: 0, utilization: 0 };
    this.#lastLagMs = 0;
    this.#overloaded = false;
    this.#probe.start();
    this.#arm();
    return this;
  }

  /** Stops sampling and releases the histogram. Idempotent. */
  stop(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#probe.stop();
  }

  /** Calls `listener(overloaded, snapshot)` whenever `overloaded` flips; returns a function that unsubscribes. */
  subscribe(listener: LoopMonitorListener): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`listener: expected a function, got ${describe(listener)}`);
    }
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * The latest window's readings, the sampling timer's lag (including how overdue it is right now), and the
   * resulting `pressure` and `overloaded`. May flip `overloaded` (and notify) when the loop was just blocked.
   */
  snapshot(): LoopSnapshot {
    let lagMs = this.#lastLagMs;
    if (this.#timer !== undefined) {
      const overdue = this.#clock.now() - this.#lastSampleAt - this.#sampleIntervalMs;
      if (overdue > lagMs) lagMs = overdue;
    }
    return this.#evaluate(lagMs);
  }

  #arm(): void {
    const timer = this.#clock.setTimeout(this.#sample, this.#sampleIntervalMs);
    timer.unref?.();
    this.#timer = timer;
  }

  readonly #sample = (): void => {
    const now = this.#clock.now();
    this.#lastLagMs = Math.max(0, now - this.#lastSampleAt - this.#sampleIntervalMs);
    this.#lastSampleAt = now;
    this.#reading = this.#probe.read();
    this.#arm();
    this.#evaluate(this.#lastLagMs);
  };

  #evaluate(lagMs: number): LoopSnapshot {
    const reading = this.#reading;
    const delay = Math.max(reading.delayP99, lagMs);
    const utilization = reading.utilization;
    const warming = this.#clock.now() - this.#startedAt < this.#warmupMs;
    let overloaded = this.#overloaded;
    if (this.#timer === undefined || warming) overloaded = false;
    else if (!overloaded) overloaded = delay > this.#maxDelayMs || utilization > this.#maxUtilization;
    else overloaded = !(delay < this.#recoverDelayMs && utilization < this.#recoverUtilization);
    const pressure = warming
      ? 0
      : Math.max(
          grade(delay, this.#recoverDelayMs, this.#maxDelayMs),
          grade(utilization, this.#recoverUtilization, this.#maxUtilization),
        );
    const snapshot: LoopSnapshot = {
      delayP50: reading.delayP50,
      delayP99: reading.delayP99,
      delayMax: Math.max(reading.delayMax, lagMs),
      utilization,
      lagMs,
      pressure: overloaded ? 1 : pressure,
      overloaded,
    };
    if (overloaded !== this.#overloaded) {
      this.#overloaded = overloaded;
      for (const listener of [...this.#listeners]) listener(overloaded, snapshot);
    }
    return snapshot;
  }
}

/** 0 at or below `low`, 1 at or above `high`, linear between. */
function grade(value: number, low: number, high: number): number {
  if (high <= low) return value >= high ? 1 : 0;
  return clamp01((value - low) / (high - low));
}
