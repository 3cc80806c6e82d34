import type { GroupLag } from '@weft/bus';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { AuthFailureReason } from './auth/errors';
import type { Upstream } from './upstream';

/** One label set (method, route, status) of the request metrics: a count, a sum and per-bucket counts. */
interface Series {
  readonly labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly buckets: Float64Array;
}

/** Where a route keeps its series, so recording a request needs no label hashing. */
export interface SeriesHolder {
  readonly pattern: string | undefined;
  series?: Map<number, Series>;
}

const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const methodIndex: Readonly<Record<string, number>> = {
  GET: 0,
  HEAD: 1,
  POST: 2,
  PUT: 3,
  PATCH: 4,
  DELETE: 5,
  OPTIONS: 6,
};

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * A metric in prom-client's registry whose values are plain numbers updated on the hot path and turned into samples
 * only at scrape time (prom-client's own label children hash their labels on every observation).
 */
class ScrapedMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    readonly values: () => MetricValue[],
  ) {}

  get() {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }

  reset(): void {}
}

/** Numeric values of breaker states in `weft_breaker_state`. */
export const breakerStateValue = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * The server's Prometheus metrics, in a registry of its own (so that several servers in one process do not clash):
 * requests by route and status, a latency histogram, in-flight requests, rate-limit denials, shed requests, breaker
 * states per upstream, and Node's default process metrics (event-loop delay among them).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #limited = new Counter({
    name: 'weft_rate_limited_total',
    help: 'Requests denied by the rate limiter (429).',
    registers: [this.registry],
  });
  readonly #rejected = new Counter({
    name: 'weft_breaker_rejected_total',
    help: 'Upstream calls answered 503 at once by an open circuit breaker, per upstream.',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });
  readonly #authFailures = new Counter({
    name: 'weft_auth_failures_total',
    help: 'Requests refused by authentication (401/403/431), by reason: missing, invalid, expired, scope.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly #shed = new Counter({
    name: 'weft_shed_total',
    help: 'Requests shed (503) because the event loop was overloaded.',
    registers: [this.registry],
  });
  /** Every series, for the scrape. */
  readonly #series: Series[] = [];
  /** Series of requests that matched no route. */
  readonly #unmatched: SeriesHolder = { pattern: undefined };
  #defaults = false;

  constructor(
    inflight: () => number,
    upstreams: () => Iterable<Upstream>,
    busLag?: (() => Promise<readonly GroupLag[]>) | undefined,
  ) {
    const all = this.#series;
    const requests = new ScrapedMetric(
      'weft_http_requests_total',
      'HTTP requests answered, by method, route pattern and status.',
      'counter',
      () => all.map((series) => ({ value: series.count, labels: series.labels })),
    );
    const duration = new ScrapedMetric(
      'weft_http_request_duration_seconds',
      'Time from a request arriving to its response finishing, by method, route pattern and status.',
      'histogram',
      () => {
        const values: MetricValue[] = [];
        const name = 'weft_http_request_duration_seconds';
        for (const series of all) {
          let cumulative = 0;
          for (let i = 0; i <= buckets.length; i++) {
            cumulative += series.buckets[i] as number;
            values.push({
              value: cumulative,
              labels: { ...series.labels, le: i < buckets.length ? (buckets[i] as number) : '+Inf' },
              metricName: `${name}_bucket`,
            });
          }
          values.push({ value: series.sum, labels: series.labels, metricName: `${name}_sum` });
          values.push({ value: series.count, labels: series.labels, metricName: `${name}_count` });
        }
        return values;
      },
    );
    for (const metric of [requests, duration]) {
      this.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
    }
    new Gauge({
      name: 'weft_http_requests_in_flight',
      help: 'Requests being handled now.',
      registers: [this.registry],
      collect() {
        this.set(inflight());
      },
    });
    // Read at scrape time, so the hot path does nothing for it.
    new Gauge({
      name: 'weft_breaker_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.',
      labelNames: ['upstream'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const upstream of upstreams()) {
          if (upstream.breaker !== undefined)
            this.set({ upstream: upstream.name }, breakerStateValue[upstream.breaker.state]);
        }
      },
    });
    if (busLag !== undefined) this.#busMetrics(busLag);
    new Gauge({
      name: 'weft_breaker_failure_rate',
      help: 'Failure rate (0-1) in the circuit breaker window per upstream.',
      labelNames: ['upstream'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const upstream of upstreams()) {
          if (upstream.breaker !== undefined)
            this.set({ upstream: upstream.name }, upstream.breaker.stats().failureRate);
        }
      },
    });
  }

  /** Gauges of the bus's consumer groups, read at scrape time (a transport that cannot tell reports none). */
  #busMetrics(busLag: () => Promise<readonly GroupLag[]>): void {
    let last: Promise<readonly GroupLag[]> | undefined;
    // One lag() call per scrape serves all three gauges.
    const read = () => {
      last ??= busLag()
        .catch(() => [])
        .finally(() => {
          setImmediate(() => {
            last = undefined;
          });
        });
      return last;
    };
    const labelNames = ['topic', 'group'] as const;
    const gauge = (name: string, help: string, value: (lag: GroupLag) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          const groups = await read();
          this.reset();
          for (const group of groups) {
            const v = value(group);
            if (v !== undefined) this.set({ topic: group.topic, group: group.group }, v);
          }
        },
      });
    gauge(
      'weft_bus_lag',
      'Bus events published but not yet delivered to a consumer group, per topic and group.',
      (g) => g.lag,
    );
    gauge(
      'weft_bus_pending',
      'Bus events delivered to a consumer group but not acknowledged yet, per topic and group.',
      (g) => g.pending,
    );
    gauge('weft_bus_consumers', 'Consumers of a bus consumer group, per topic and group.', (g) => g.consumers);
  }

  /** Adds Node's default process metrics (event-loop delay, heap, GC, handles); done once, when listening. */
  collectDefaults(): void {
    if (this.#defaults) return;
    this.#defaults = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Records one finished request of `route` (undefined when none matched): a few additions, no allocation. */
  observe(route: SeriesHolder | undefined, method: string, status: number, durationMs: number): void {
    const holder = route ?? this.#unmatched;
    const key = status * 8 + (methodIndex[method] ?? 7);
    let map = holder.series;
    if (map === undefined) {
      map = new Map();
      holder.series = map;
    }
    let series = map.get(key);
    if (series === undefined) {
      series = {
        labels: {
          method: methodIndex[method] === undefined ? 'other' : method,
          route: holder.pattern ?? 'unmatched',
          status: String(status),
        },
        count: 0,
        sum: 0,
        buckets: new Float64Array(buckets.length + 1),
      };
      map.set(key, series);
      this.#series.push(series);
    }
    const seconds = durationMs / 1_000;
    series.count++;
    series.sum += seconds;
    let i = 0;
    while (i < buckets.length && seconds > (buckets[i] as number)) i++;
    series.buckets[i]! += 1;
  }

  limited(): void {
    this.#limited.inc();
  }

  shed(): void {
    this.#shed.inc();
  }

  authFailed(reason: AuthFailureReason): void {
    this.#authFailures.inc({ reason });
  }

  breakerRejected(upstream: string): void {
    this.#rejected.inc({ upstream });
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
