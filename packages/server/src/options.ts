import type { Bus } from '@weft/bus';
import type { Store } from '@weft/ratelimit';
import { type Clock, describe, systemClock } from '@weft/reactor';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { BusSetting } from './bus';
import type { Context } from './context';
import { compileTrustProxy, type TrustProxy, type TrustProxyFn } from './trust-proxy';

/** Timeouts of a server, all in milliseconds. `0` disables one. */
export interface TimeoutOptions {
  /** Time allowed to receive the request headers (slowloris protection; Node's `headersTimeout`). Default 10 000. */
  headersMs?: number;
  /** Time allowed to receive the whole request (Node's `requestTimeout`). Default 30 000. */
  requestMs?: number;
  /** How long an idle keep-alive connection stays open (Node's `keepAliveTimeout`). Default 5 000. */
  keepAliveMs?: number;
  /**
   * Deadline for the middleware chain of one request; when it passes, `ctx.signal` aborts and the client gets a 503.
   * Routes may override it. Default 0 (none).
   */
  handlerMs?: number;
}

/** Load shedding: answer 503 + `Retry-After` before doing any work while the event loop is overloaded. */
export interface LoadSheddingOptions {
  /** Event-loop delay (ms) above which the process counts as overloaded. Default 200. */
  maxDelayMs?: number;
  /**
   * Event-loop utilisation (0–1) above which the process also counts as overloaded, or `false` to decide on delay
   * alone. Default `false`: a loop that is busy all the time but still answers promptly is saturated, not
   * overloaded, and shedding it only burns its time on cheap 503s.
   */
  maxUtilization?: number | false;
  /** `Retry-After` of a shed response, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** After `listen()`, how long start-up noise cannot trigger shedding, in ms. Default 1 000. */
  warmupMs?: number;
}

/** The rate-limit algorithms of `@weft/ratelimit`. */
export type RateLimitAlgorithm = 'token-bucket' | 'gcra' | 'fixed-window' | 'sliding-window';

/** Per-client rate limiting: over the limit a request gets 429 with the standard `RateLimit` headers. */
export interface RateLimitOptions {
  /** Requests allowed per window (and the burst). Default 1 000. */
  limit?: number;
  /** The window in milliseconds. Default 1 000. */
  windowMs?: number;
  /** Default `'token-bucket'`. */
  algorithm?: RateLimitAlgorithm;
  /**
   * Where counts live: memory of this process (default), a Redis server shared by many instances (`{ redis: url }`,
   * which needs the `ioredis` package installed), or any `@weft/ratelimit` store (e.g. a `RedisStore` on your client).
   */
  store?: 'memory' | { redis: string } | Store;
  /**
   * Which RateLimit header dialect to send with every response. Default `'draft-8'`. `false` sends none (a 429 then
   * carries only `Retry-After`): each header costs Node about 0.4 µs of CPU per response.
   */
  headers?: 'draft-8' | 'draft-7' | 'draft-6' | false;
  /** The key a request counts under. Default: the client address (`ctx.ip`, IPv6 as its /64). */
  key?: (ctx: Context) => string;
  /**
   * How long a store call may take (Redis, or the primary in cluster mode) before the request is let through
   * without counting, in ms. Default 100.
   */
  storeTimeoutMs?: number;
}

/** Rate limiting with every default filled in. */
export interface ResolvedRateLimit {
  limit: number;
  windowMs: number;
  algorithm: RateLimitAlgorithm;
  store: 'memory' | { redis: string } | Store;
  headers: 'draft-8' | 'draft-7' | 'draft-6' | false;
  key: ((ctx: Context) => string) | undefined;
  storeTimeoutMs: number;
}

/** Circuit-breaker settings of an upstream (see `@weft/breaker`). */
export interface UpstreamBreakerOptions {
  /** Failure rate (0–1) that opens the circuit. Default 0.5. */
  failureRateThreshold?: number;
  /** Calls in the sliding window. Default 20. */
  windowSize?: number;
  /** No decision below this many calls. Default 5. */
  minimumCalls?: number;
  /** Time the circuit stays open before probing. Default 5 000. */
  openDurationMs?: number;
  /** Probes allowed while half-open. Default 1. */
  halfOpenMaxCalls?: number;
}

/** Retry settings of an upstream (see `@weft/retry`); only idempotent methods are ever retried. */
export interface UpstreamRetryOptions {
  /** Total attempts including the first. Default 3. */
  maxAttempts?: number;
  /** First backoff delay. Default 50. */
  initialDelayMs?: number;
  /** Largest backoff delay. Default 1 000. */
  maxDelayMs?: number;
}

/** An upstream of the gateway: where it is and how calls to it are protected. */
export interface UpstreamOptions {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** Per-attempt timeout. Default 10 000. */
  timeoutMs?: number;
  /** Circuit breaker, on by default. */
  breaker?: false | UpstreamBreakerOptions;
  /** Retries of idempotent requests, on by default. */
  retry?: false | UpstreamRetryOptions;
  /** Pooled connections to this upstream. Default 64. */
  connections?: number;
}

/** Paths of the operations endpoints; `false` disables one. */
export interface OperationsOptions {
  /** Liveness, default `/healthz`. */
  health?: string | false;
  /** Readiness (503 while draining), default `/readyz`. */
  ready?: string | false;
  /** Prometheus metrics, default `/metrics`. */
  metrics?: string | false;
}

/** A pino logger or what it takes to make one. */
export type LoggerSetting = boolean | (LoggerOptions & { stream?: DestinationStream }) | Logger;

/** Options of `createServer`. Every one is checked up front; a bad one throws an error naming it. */
export interface ServerOptions {
  /** Largest request body `ctx.body.*()` reads, in bytes (413 beyond). Default 1 MiB. */
  bodyLimit?: number;
  /**
   * Which proxies may set `X-Forwarded-For`/`-Proto`: `false` (none, default), `true` (any), a hop count, or
   * addresses/CIDR ranges (`'10.0.0.0/8'`, `'loopback'`, `'private'`).
   */
  trustProxy?: TrustProxy;
  /** Request timeouts. */
  timeouts?: TimeoutOptions;
  /** How long `close()` lets in-flight requests finish before aborting them. Default 10 000. */
  shutdownTimeoutMs?: number;
  /** Rate limiting per client; on by default, `false` disables it. */
  rateLimit?: false | RateLimitOptions;
  /** Load shedding from event-loop health; on by default, `false` disables it. */
  loadShedding?: false | LoadSheddingOptions;
  /** Named upstreams for `proxy(name)`. */
  upstreams?: Readonly<Record<string, string | UpstreamOptions>>;
  /** Operations endpoints; on by default, `false` disables all. */
  operations?: false | OperationsOptions;
  /** Structured logs with pino: `true` for info level on stdout, options, or your own logger. Default off. */
  logger?: LoggerSetting;
  /** Development mode: problem responses of 5xx errors carry their message and stack. Default false. */
  dev?: boolean;
  /** The clock deadlines run on; a `Reactor` in tests. Default `systemClock`. */
  clock?: Clock;
  /**
   * Cluster mode (`@weft/cluster`): `listen()` in the primary forks this many workers (`'auto'`: one per available
   * core), which run the same script and serve; they share one rate limit held by the primary, are respawned when
   * they crash, reloaded one by one on SIGHUP and drained on SIGTERM/SIGINT. Default: no cluster.
   */
  workers?: number | 'auto';
  /**
   * An event bus (`@weft/bus`) exposed as `app.bus`: a `Bus` you made (you close it), or `{ transport: 'memory' |
   * { redisStreams: url } | { redisPubSub: url }, name?, publishEvents? }` (made here, connected before listening,
   * closed with the server). Its consumer-group lag is exported on `/metrics`. Default: none.
   */
  bus?: Bus | BusSetting;
}

/** The options after validation, with every default filled in. */
export interface ResolvedOptions {
  bodyLimit: number;
  trustProxy: TrustProxyFn;
  timeouts: Required<TimeoutOptions>;
  shutdownTimeoutMs: number;
  rateLimit: false | ResolvedRateLimit;
  loadShedding: false | Required<LoadSheddingOptions>;
  upstreams: Map<string, ResolvedUpstream>;
  operations: { health: string | false; ready: string | false; metrics: string | false };
  logger: Logger | undefined;
  dev: boolean;
  clock: Clock;
  workers: number | 'auto' | undefined;
}

/** An upstream with every default filled in. */
export interface ResolvedUpstream {
  name: string;
  url: URL;
  timeoutMs: number;
  breaker: false | Required<UpstreamBreakerOptions>;
  retry: false | Required<UpstreamRetryOptions>;
  connections: number;
}

const serverKeys = new Set([
  'bodyLimit',
  'trustProxy',
  'timeouts',
  'shutdownTimeoutMs',
  'rateLimit',
  'loadShedding',
  'upstreams',
  'operations',
  'logger',
  'dev',
  'clock',
  'workers',
  'bus',
]);

/** Validates `createServer` options and fills in defaults; throws a TypeError/RangeError naming the bad option. */
export function resolveOptions(options: ServerOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (!isPlainObject(options)) throw new TypeError(`options: expected an object, got ${describe(options)}`);
  checkKeys(options, serverKeys, 'options');
  const o = options as ServerOptions;
  return {
    bodyLimit: integer(o.bodyLimit, 'bodyLimit', 1_048_576, 0),
    trustProxy: compileTrustProxy(o.trustProxy ?? false),
    timeouts: resolveTimeouts(o.timeouts),
    shutdownTimeoutMs: integer(o.shutdownTimeoutMs, 'shutdownTimeoutMs', 10_000, 0),
    rateLimit: resolveRateLimit(o.rateLimit),
    loadShedding: resolveLoadShedding(o.loadShedding),
    upstreams: resolveUpstreams(o.upstreams),
    operations: resolveOperations(o.operations),
    logger: resolveLogger(o.logger),
    dev: boolean(o.dev, 'dev', false),
    clock: resolveClock(o.clock),
    workers: resolveWorkers(o.workers),
  };
}

function resolveWorkers(value: unknown): number | 'auto' | undefined {
  if (value === undefined || value === 'auto') return value;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`workers: expected an integer >= 1 or "auto", got ${describe(value)}`);
  }
  if (value < 1) throw new RangeError(`workers: expected an integer >= 1 or "auto", got ${value}`);
  return value;
}

function resolveTimeouts(value: TimeoutOptions | undefined): Required<TimeoutOptions> {
  const t = object(value, 'timeouts', ['headersMs', 'requestMs', 'keepAliveMs', 'handlerMs']);
  return {
    headersMs: integer(t.headersMs, 'timeouts.headersMs', 10_000, 0),
    requestMs: integer(t.requestMs, 'timeouts.requestMs', 30_000, 0),
    keepAliveMs: integer(t.keepAliveMs, 'timeouts.keepAliveMs', 5_000, 0),
    handlerMs: integer(t.handlerMs, 'timeouts.handlerMs', 0, 0),
  };
}

function resolveRateLimit(value: false | RateLimitOptions | undefined): false | ResolvedRateLimit {
  if (value === false) return false;
  const r = object(value, 'rateLimit', ['limit', 'windowMs', 'algorithm', 'store', 'headers', 'key', 'storeTimeoutMs']);
  const algorithms = ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'] as const;
  let store: ResolvedRateLimit['store'] = 'memory';
  if (r.store !== undefined && r.store !== 'memory') {
    if (typeof r.store !== 'object' || r.store === null) {
      throw new TypeError(
        `rateLimit.store: expected "memory", { redis: url } or a @weft/ratelimit Store, got ${describe(r.store)}`,
      );
    }
    if (typeof (r.store as Store).consume === 'function') {
      store = r.store as Store;
    } else {
      const s = object(r.store as { redis: string }, 'rateLimit.store', ['redis']);
      if (typeof s.redis !== 'string' || !/^rediss?:\/\//.test(s.redis)) {
        throw new TypeError(`rateLimit.store.redis: expected a redis:// URL, got ${describe(s.redis)}`);
      }
      store = { redis: s.redis };
    }
  }
  if (r.key !== undefined && typeof r.key !== 'function') {
    throw new TypeError(`rateLimit.key: expected a function (ctx) => string, got ${describe(r.key)}`);
  }
  return {
    limit: integer(r.limit, 'rateLimit.limit', 1_000, 1),
    windowMs: integer(r.windowMs, 'rateLimit.windowMs', 1_000, 1),
    algorithm: oneOf(r.algorithm, 'rateLimit.algorithm', algorithms, 'token-bucket'),
    store,
    headers: rateLimitHeaders(r.headers),
    key: r.key,
    storeTimeoutMs: integer(r.storeTimeoutMs, 'rateLimit.storeTimeoutMs', 100, 1),
  };
}

function rateLimitHeaders(value: unknown): ResolvedRateLimit['headers'] {
  if (value === undefined) return 'draft-8';
  if (value !== false && value !== 'draft-8' && value !== 'draft-7' && value !== 'draft-6') {
    throw new TypeError(`rateLimit.headers: expected "draft-8", "draft-7", "draft-6" or false, got ${describe(value)}`);
  }
  return value;
}

function resolveLoadShedding(value: false | LoadSheddingOptions | undefined): false | Required<LoadSheddingOptions> {
  if (value === false) return false;
  const l = object(value, 'loadShedding', ['maxDelayMs', 'maxUtilization', 'retryAfterSeconds', 'warmupMs']);
  return {
    maxDelayMs: number(l.maxDelayMs, 'loadShedding.maxDelayMs', 200, 1, Number.MAX_SAFE_INTEGER),
    maxUtilization:
      l.maxUtilization === false ? false : number(l.maxUtilization, 'loadShedding.maxUtilization', false, 0.01, 1),
    retryAfterSeconds: integer(l.retryAfterSeconds, 'loadShedding.retryAfterSeconds', 1, 0),
    warmupMs: integer(l.warmupMs, 'loadShedding.warmupMs', 1_000, 0),
  };
}

function resolveUpstreams(value: ServerOptions['upstreams']): Map<string, ResolvedUpstream> {
  const map = new Map<string, ResolvedUpstream>();
  if (value === undefined) return map;
  if (!isPlainObject(value))
    throw new TypeError(`upstreams: expected an object of name → upstream, got ${describe(value)}`);
  for (const [name, entry] of Object.entries(value)) {
    map.set(name, resolveUpstream(name, entry, `upstreams.${name}`));
  }
  return map;
}

/** Validates one upstream's settings; `path` names it in errors. */
export function resolveUpstream(name: string, entry: string | UpstreamOptions, path: string): ResolvedUpstream {
  const u: UpstreamOptions = typeof entry === 'string' ? { url: entry } : entry;
  object(u, path, ['url', 'timeoutMs', 'breaker', 'retry', 'connections']);
  let url: URL;
  try {
    url = new URL(String(u.url));
  } catch {
    throw new TypeError(`${path}.url: expected an absolute http(s) URL, got ${describe(u.url)}`);
  }
  if (typeof u.url !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError(`${path}.url: expected an absolute http(s) URL, got ${describe(u.url)}`);
  }
  let breaker: false | Required<UpstreamBreakerOptions> = false;
  if (u.breaker !== false) {
    const b = object(u.breaker, `${path}.breaker`, [
      'failureRateThreshold',
      'windowSize',
      'minimumCalls',
      'openDurationMs',
      'halfOpenMaxCalls',
    ]);
    breaker = {
      failureRateThreshold: number(b.failureRateThreshold, `${path}.breaker.failureRateThreshold`, 0.5, 0, 1),
      windowSize: integer(b.windowSize, `${path}.breaker.windowSize`, 20, 1),
      minimumCalls: integer(b.minimumCalls, `${path}.breaker.minimumCalls`, 5, 1),
      openDurationMs: integer(b.openDurationMs, `${path}.breaker.openDurationMs`, 5_000, 1),
      halfOpenMaxCalls: integer(b.halfOpenMaxCalls, `${path}.breaker.halfOpenMaxCalls`, 1, 1),
    };
  }
  let retry: false | Required<UpstreamRetryOptions> = false;
  if (u.retry !== false) {
    const r = object(u.retry, `${path}.retry`, ['maxAttempts', 'initialDelayMs', 'maxDelayMs']);
    retry = {
      maxAttempts: integer(r.maxAttempts, `${path}.retry.maxAttempts`, 3, 1),
      initialDelayMs: integer(r.initialDelayMs, `${path}.retry.initialDelayMs`, 50, 0),
      maxDelayMs: integer(r.maxDelayMs, `${path}.retry.maxDelayMs`, 1_000, 0),
    };
  }
  return {
    name,
    url,
    timeoutMs: integer(u.timeoutMs, `${path}.timeoutMs`, 10_000, 1),
    breaker,
    retry,
    connections: integer(u.connections, `${path}.connections`, 64, 1),
  };
}

function resolveOperations(value: false | OperationsOptions | undefined): ResolvedOptions['operations'] {
  if (value === false) return { health: false, ready: false, metrics: false };
  const o = object(value, 'operations', ['health', 'ready', 'metrics']);
  return {
    health: routePath(o.health, 'operations.health', '/healthz'),
    ready: routePath(o.ready, 'operations.ready', '/readyz'),
    metrics: routePath(o.metrics, 'operations.metrics', '/metrics'),
  };
}

function routePath(value: unknown, name: string, fallback: string): string | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw new TypeError(`${name}: expected a path starting with "/" or false, got ${describe(value)}`);
  }
  return value;
}

function resolveLogger(value: LoggerSetting | undefined): Logger | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return pino();
  if (!isPlainObject(value)) {
    const candidate = value as Partial<Logger>;
    if (typeof candidate.info === 'function' && typeof candidate.error === 'function') return value as Logger;
    throw new TypeError(`logger: expected a boolean, pino options or a pino logger, got ${describe(value)}`);
  }
  const { stream, ...loggerOptions } = value as LoggerOptions & { stream?: DestinationStream };
  try {
    return stream ? pino(loggerOptions, stream) : pino(loggerOptions);
  } catch (cause) {
    throw new TypeError(`logger: pino rejected the options: ${(cause as Error).message}`, { cause });
  }
}

function resolveClock(value: Clock | undefined): Clock {
  if (value === undefined) return systemClock;
  const c = value as Partial<Clock>;
  if (typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new TypeError(`clock: expected a Clock (now, setTimeout, clearTimeout), got ${describe(value)}`);
  }
  return value;
}

/** True for `{}`-like objects (not arrays, not class instances other than Object). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkKeys(value: object, known: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      const prefix = path === 'options' ? '' : `${path}.`;
      throw new TypeError(`${prefix}${key}: unknown option (expected one of ${[...known].join(', ')})`);
    }
  }
}

// biome-ignore lint/suspicious/noExplicitAny: internal helper typed by its callers
function object<T = any>(value: T | undefined, name: string, keys: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new TypeError(`${name}: expected an object, got ${describe(value)}`);
  checkKeys(value, new Set(keys), name);
  return value as Partial<T>;
}

/** Checks an optional integer option in `[min, ∞)`. */
export function integer(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name}: expected an integer, got ${describe(value)}`);
  }
  if (value < min) throw new RangeError(`${name}: expected an integer >= ${min}, got ${value}`);
  return value;
}

function number<F extends number | false = number>(
  value: unknown,
  name: string,
  fallback: F,
  min: number,
  max: number,
): number | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name}: expected a number, got ${describe(value)}`);
  }
  if (value < min || value > max)
    throw new RangeError(`${name}: expected a number from ${min} to ${max}, got ${value}`);
  return value;
}

function boolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name}: expected a boolean, got ${describe(value)}`);
  return value;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new TypeError(`${name}: expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}
