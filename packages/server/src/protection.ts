import type { Socket } from 'node:net';
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Middleware, Next } from '@weft/compose';
import {
  ipKey,
  MemoryStore,
  RateLimiter,
  type RateLimitResult,
  type RateLimitStandard,
  RedisStore,
  rateLimitHeaders,
  type Store,
} from '@weft/ratelimit';
import { type Clock, LoopMonitor, type LoopProbe, type LoopReading } from '@weft/reactor';
import { type Context, deferHeaders, settingsOf } from './context';
import { HttpError } from './errors';
import type { LoadSheddingOptions, ResolvedRateLimit } from './options';
import { normalizeAddress } from './trust-proxy';

/** The histogram resolution of the shedder's probe, in ms. */
const probeResolutionMs = 10;

/**
 * The shedder's event-loop probe: Node's delay histogram, and utilization only when a threshold asks for it (else
 * reported as 0, so it can neither raise nor hold the alarm).
 */
class ShedderProbe implements LoopProbe {
  readonly #histogram = monitorEventLoopDelay({ resolution: probeResolutionMs });
  readonly #utilization: boolean;
  #elu: EventLoopUtilization | undefined;

  constructor(utilization: boolean) {
    this.#utilization = utilization;
  }

  start(): void {
    this.#histogram.reset();
    this.#histogram.enable();
    if (this.#utilization) this.#elu = performance.eventLoopUtilization();
  }

  read(): LoopReading {
    const histogram = this.#histogram;
    let utilization = 0;
    if (this.#utilization) {
      const elu = performance.eventLoopUtilization();
      utilization = this.#elu ? performance.eventLoopUtilization(elu, this.#elu).utilization : elu.utilization;
      this.#elu = elu;
    }
    // The histogram measures the time between its own timer's runs: its resolution is not delay.
    const delay = (ns: number) => Math.max(0, ns / 1e6 - probeResolutionMs);
    const reading: LoopReading =
      histogram.count === 0
        ? { delayP50: 0, delayP99: 0, delayMax: 0, utilization }
        : {
            delayP50: delay(histogram.percentile(50)),
            delayP99: delay(histogram.percentile(99)),
            delayMax: delay(histogram.max),
            utilization,
          };
    histogram.reset();
    return reading;
  }

  stop(): void {
    this.#histogram.disable();
  }
}

/** `probe` with its utilization reported as 0: it can then neither raise the alarm nor hold it. */
function withoutUtilization(probe: LoopProbe): LoopProbe {
  return {
    start: () => probe.start(),
    read: () => ({ ...probe.read(), utilization: 0 }),
    stop: () => probe.stop(),
  };
}

/**
 * Load shedding: a `LoopMonitor` sampling while the server listens. The decision rests on event-loop delay (the p99
 * of each window, or how late the sampling timer ran), with hysteresis: overloaded above `maxDelayMs`, back to
 * normal below half of it. Utilization counts only when `maxUtilization` is set: a saturated loop that keeps up is
 * not overloaded, and shedding it would only trade its work for cheap 503s that keep it just as busy.
 */
export class Shedder {
  readonly retryAfterSeconds: number;
  /** The error every shed request is answered with: made once, so that shedding captures no stack per request. */
  readonly error: HttpError;
  readonly #monitor: LoopMonitor;
  #overloaded = false;

  /** `probe` replaces the event-loop readings (tests feed synthetic ones in virtual time). */
  constructor(options: Required<LoadSheddingOptions>, clock: Clock, probe?: LoopProbe) {
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.error = shedError(options.retryAfterSeconds);
    const utilization = options.maxUtilization !== false;
    this.#monitor = new LoopMonitor({
      maxDelayMs: options.maxDelayMs,
      // Without a utilization threshold the probe reports 0; 1 keeps the monitor's own check out of the way too.
      maxUtilization: utilization ? options.maxUtilization || 1 : 1,
      warmupMs: options.warmupMs,
      clock,
      probe: probe === undefined ? new ShedderProbe(utilization) : utilization ? probe : withoutUtilization(probe),
      onChange: (overloaded) => {
        this.#overloaded = overloaded && this.#monitor.running;
      },
    });
  }

  /**
   * Whether to shed now: a field the monitor flips when it samples. Its sampling timer runs in the timers phase,
   * before the I/O of the same loop turn, so after a long synchronous stall the monitor has seen the stall (its
   * timer is overdue) before any request that arrived during it is read.
   */
  get overloaded(): boolean {
    return this.#overloaded;
  }

  /** Event-loop readings for metrics. */
  snapshot() {
    return this.#monitor.snapshot();
  }

  start(): void {
    this.#monitor.start();
  }

  stop(): void {
    this.#monitor.stop();
    this.#overloaded = false;
  }
}

/** The error a shed request is answered with. */
export function shedError(retryAfterSeconds: number): HttpError {
  return new HttpError(503, 'the server is overloaded; retry later', {
    headers: { 'retry-after': String(retryAfterSeconds) },
    expose: true,
  });
}

// An optional peer dependency: only loaded when a config asks for a Redis store by URL.
const ioredisModule = 'ioredis';

interface RedisClient {
  connect(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** A URL fit for messages: without its password. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}

/** Connects to Redis (failing fast with an error naming the option) and wraps the client in a `RedisStore`. */
async function redisStore(url: string, onError: (error: unknown) => void): Promise<OwnedStore> {
  let Redis: new (url: string, options: object) => RedisClient;
  try {
    ({ Redis } = (await import(ioredisModule)) as { Redis: typeof Redis });
  } catch (cause) {
    throw new Error('rateLimit.store.redis: the ioredis package is needed for a Redis store (npm i ioredis)', {
      cause,
    });
  }
  // No offline queue: while Redis is away a call fails at once and the limiter applies its onStoreError policy,
  // instead of requests piling up behind a reconnect.
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  client.on('error', onError);
  try {
    await client.connect();
  } catch (cause) {
    client.disconnect();
    throw new Error(`rateLimit.store.redis: cannot connect to ${redactUrl(url)}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return {
    store: new RedisStore({ client: client as unknown as ConstructorParameters<typeof RedisStore>[0]['client'] }),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** A store and how to release what it holds (a Redis connection). */
interface OwnedStore {
  store: Store;
  close: () => Promise<void>;
}

/** The rate-limiting layer and its life: `ready()` before listening (connects a remote store), `close()` after. */
export interface RateLimitLayer {
  layer: Middleware<Context>;
  ready: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * The rate-limiting layer: counts each request under its client's key with `@weft/ratelimit`, sets the RateLimit
 * headers, and answers 429 (with `Retry-After`) once the limit is exceeded. `onLimited` observes each denial;
 * `onError` store failures (the limiter lets the request through meanwhile). `shared` replaces the default memory
 * store (the primary's counts, in cluster mode).
 */
export function rateLimitLayer(
  settings: ResolvedRateLimit,
  clock: Clock,
  onLimited: (ctx: Context, result: RateLimitResult) => void,
  onError: (error: unknown) => void,
  shared?: Store,
): RateLimitLayer {
  const standard = settings.headers;
  let owned: OwnedStore | undefined;
  const create = async (): Promise<Middleware<Context>> => {
    let store: Store;
    if (settings.store === 'memory') {
      store = shared ?? new MemoryStore({ clock });
    } else if ('consume' in settings.store) {
      store = settings.store;
    } else {
      owned = await redisStore(settings.store.redis, onError);
      store = owned.store;
    }
    const limiter = new RateLimiter({
      algorithm: settings.algorithm,
      limit: settings.limit,
      windowMs: settings.windowMs,
      storeTimeoutMs: settings.storeTimeoutMs,
      store,
      clock,
    });
    limiter.on('error', onError);
    const keyOf = settings.key ?? defaultKey;
    const headers = standard === false ? undefined : new HeaderFormatter(standard);
    const apply = (ctx: Context, result: RateLimitResult, next: Next): unknown => {
      if (result.allowed) {
        headers?.defer(ctx, result);
        return next();
      }
      onLimited(ctx, result);
      throw new HttpError(429, `rate limit of ${result.limit} requests per ${result.windowMs} ms exceeded`, {
        headers: standard === false ? retryAfterHeaders(result) : rateLimitHeaders(result, { standard }),
        extensions: { retryAfterMs: result.retryAfterMs },
      });
    };
    // A memory store answers synchronously: asking it directly keeps the chain free of promises. Any other store
    // (and a memory store that throws) goes through the limiter, which bounds the call and applies onStoreError.
    const memory = store instanceof MemoryStore ? store : undefined;
    const { policy } = limiter;
    return (ctx, next) => {
      const key = keyOf(ctx);
      if (memory !== undefined && typeof key === 'string' && key !== '') {
        let result: RateLimitResult | undefined;
        try {
          result = memory.consume(key, policy, 1);
        } catch {
          result = undefined;
        }
        if (result !== undefined) return apply(ctx, result, next);
      }
      return limiter.consume(key).then((result) => apply(ctx, result, next));
    };
  };
  let layer: Promise<Middleware<Context>> | Middleware<Context> | undefined;
  const init = (): Promise<Middleware<Context>> => {
    if (typeof layer === 'function') return Promise.resolve(layer);
    layer ??= create().then(
      (ready) => {
        layer = ready;
        return ready;
      },
      (error: unknown) => {
        // A failed start (Redis unreachable) may be retried by the next listen().
        layer = undefined;
        throw error;
      },
    );
    return layer;
  };
  return {
    layer: (ctx, next) => (typeof layer === 'function' ? layer(ctx, next) : init().then((ready) => ready(ctx, next))),
    ready: async () => {
      await init();
    },
    close: async () => {
      const store = owned;
      owned = undefined;
      await store?.close();
    },
  };
}

/**
 * The headers of a denied request when no RateLimit headers are sent: `Retry-After` alone, in whole seconds (at
 * least 1), as `rateLimitHeaders` of `@weft/ratelimit` writes it.
 */
export function retryAfterHeaders(result: RateLimitResult): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(result.retryAfterMs / 1_000))) };
}

/**
 * Where the default key of a connection's requests is kept: the key of its peer when the peer is not a trusted proxy
 * (`X-Forwarded-For` is then ignored, so every request of the connection has that key), or `''` when it is one.
 */
const peerKey = Symbol('weft.rateLimitKey');

function defaultKey(ctx: Context): string {
  const socket = ctx.req.socket as Socket & { [peerKey]?: string };
  let key = socket[peerKey];
  if (key === undefined) {
    // Decided without reading req.headers, which Node builds from the raw headers on first access.
    const peer = normalizeAddress(socket.remoteAddress ?? '');
    key = settingsOf(ctx).trustProxy(peer, 0) ? '' : keyOfAddress(peer);
    socket[peerKey] = key;
  }
  return key === '' ? keyOfAddress(ctx.ip) : key;
}

function keyOfAddress(ip: string): string {
  try {
    return ipKey(ip);
  } catch {
    return ip || 'unknown';
  }
}

/**
 * Formats the RateLimit headers of allowed requests (as `rateLimitHeaders` of `@weft/ratelimit` does, tested against
 * it) without an object per request: the policy header is the same for every request of a single-limit policy.
 */
export class HeaderFormatter {
  readonly #standard: RateLimitStandard;
  #policyLimit = -1;
  #policyWindow = -1;
  #policy = '';

  constructor(standard: RateLimitStandard) {
    this.#standard = standard;
  }

  /** The headers of an allowed result, as a flat name/value list. */
  list(result: RateLimitResult): string[] {
    const limit = result.limit;
    const remaining = Math.max(0, result.remaining);
    const reset = Math.ceil(result.resetMs / 1_000);
    const windowS = Math.max(1, Math.ceil(result.windowMs / 1_000));
    const standard = this.#standard;
    if (limit !== this.#policyLimit || windowS !== this.#policyWindow) {
      this.#policyLimit = limit;
      this.#policyWindow = windowS;
      this.#policy = standard === 'draft-8' ? `"default";q=${limit};w=${windowS}` : `${limit};w=${windowS}`;
    }
    if (standard === 'draft-8')
      return ['RateLimit-Policy', this.#policy, 'RateLimit', `"default";r=${remaining};t=${reset}`];
    if (standard === 'draft-7') {
      return ['RateLimit-Policy', this.#policy, 'RateLimit', `limit=${limit}, remaining=${remaining}, reset=${reset}`];
    }
    return [
      'RateLimit-Policy',
      this.#policy,
      'RateLimit-Limit',
      String(limit),
      'RateLimit-Remaining',
      String(remaining),
      'RateLimit-Reset',
      String(reset),
    ];
  }

  /** Adds the headers of an allowed result to the response of `ctx`. */
  defer(ctx: Context, result: RateLimitResult): void {
    deferHeaders(ctx, this.list(result));
  }
}
