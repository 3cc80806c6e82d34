import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Context } from './context';
import type { Upstream } from './upstream';

interface RouteSeries {
  requests: Counter.Internal;
  duration: Histogram.Internal<'method' | 'route' | 'status'>;
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
  readonly #requests = new Counter({
    name: 'weft_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'weft_http_request_duration_seconds',
    help: 'Time from a request arriving to its response finishing, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
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
  readonly #shed = new Counter({
    name: 'weft_shed_total',
    help: 'Requests shed (503) because the event loop was overloaded.',
    registers: [this.registry],
  });
  // Bound children per label set: the hot path then neither hashes labels nor allocates.
  readonly #series = new Map<string, RouteSeries>();
  #defaults = false;

  constructor(inflight: () => number, upstreams: () => Iterable<Upstream>) {
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

  /** Adds Node's default process metrics (event-loop delay, heap, GC, handles); done once, when listening. */
  collectDefaults(): void {
    if (this.#defaults) return;
    this.#defaults = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Records one finished request. */
  observe(ctx: Context, durationMs: number): void {
    const route = ctx.route ?? 'unmatched';
    const status = ctx.res.statusCode;
    const key = `${ctx.method} ${status} ${route}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      const labels = { method: ctx.method, route, status: String(status) };
      series = { requests: this.#requests.labels(labels), duration: this.#duration.labels(labels) };
      this.#series.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(durationMs / 1_000);
  }

  limited(): void {
    this.#limited.inc();
  }

  shed(): void {
    this.#shed.inc();
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
