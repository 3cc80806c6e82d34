import type { Middleware } from '@weft/compose';
import {
  ipKey,
  MemoryStore,
  RateLimiter,
  type RateLimitResult,
  RedisStore,
  rateLimit,
  rateLimitHeaders,
  type Store,
} from '@weft/ratelimit';
import { type Clock, LoopMonitor } from '@weft/reactor';
import type { Context } from './context';
import { HttpError } from './errors';
import type { LoadSheddingOptions, ResolvedRateLimit } from './options';

/** Load shedding: a `LoopMonitor` sampling while the server listens. */
export class Shedder {
  readonly retryAfterSeconds: number;
  readonly #monitor: LoopMonitor;

  constructor(options: Required<LoadSheddingOptions>, clock: Clock) {
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.#monitor = new LoopMonitor({
      maxDelayMs: options.maxDelayMs,
      maxUtilization: options.maxUtilization,
      warmupMs: options.warmupMs,
      clock,
    });
  }

  /** Whether to shed now. The monitor also counts how overdue its own timer is, so a just-blocked loop is seen. */
  get overloaded(): boolean {
    return this.#monitor.running && this.#monitor.overloaded;
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
  }
}

/** The error a shed request is answered with. */
export function shedError(retryAfterSeconds: number): HttpError {
  return new HttpError(503, 'the server is overloaded; retry later', {
    headers: { 'retry-after': String(retryAfterSeconds) },
    expose: true,
  });
}

// Not a declared dependency: only loaded when a config asks for a Redis store by URL.
const ioredisModule = 'ioredis';

async function redisStore(url: string): Promise<Store> {
  let Redis: new (url: string, options: object) => unknown;
  try {
    ({ Redis } = (await import(ioredisModule)) as { Redis: typeof Redis });
  } catch (cause) {
    throw new Error('rateLimit.store.redis: the ioredis package is needed for a Redis store (npm i ioredis)', {
      cause,
    });
  }
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  return new RedisStore({ client: client as ConstructorParameters<typeof RedisStore>[0]['client'] });
}

/**
 * The rate-limiting layer: counts each request under its client's key with `@weft/ratelimit`, sets the RateLimit
 * headers, and answers 429 (with `Retry-After`) once the limit is exceeded. `onLimited` observes each denial.
 */
export function rateLimitLayer(
  settings: ResolvedRateLimit,
  clock: Clock,
  onLimited: (ctx: Context, result: RateLimitResult) => void,
): { layer: Middleware<Context>; ready: () => Promise<void> } {
  const standard = settings.headers;
  const create = async () => {
    const store =
      settings.store === 'memory'
        ? new MemoryStore({ clock })
        : 'consume' in settings.store
          ? settings.store
          : await redisStore(settings.store.redis);
    const limiter = new RateLimiter({
      algorithm: settings.algorithm,
      limit: settings.limit,
      windowMs: settings.windowMs,
      store,
      clock,
    });
    return rateLimit<Context>(limiter, {
      key: settings.key ?? defaultKey,
      headers: { standard },
      onLimited: (ctx, result) => {
        onLimited(ctx, result);
        throw new HttpError(429, `rate limit of ${result.limit} requests per ${result.windowMs} ms exceeded`, {
          headers: rateLimitHeaders(result, { standard }),
          extensions: { retryAfterMs: result.retryAfterMs },
        });
      },
    });
  };
  let layer: Promise<Middleware<Context>> | Middleware<Context> | undefined;
  const init = (): Promise<Middleware<Context>> => {
    if (typeof layer === 'function') return Promise.resolve(layer);
    layer ??= create().then((ready) => {
      layer = ready;
      return ready;
    });
    return layer;
  };
  return {
    layer: (ctx, next) => (typeof layer === 'function' ? layer(ctx, next) : init().then((ready) => ready(ctx, next))),
    ready: async () => {
      await init();
    },
  };
}

function defaultKey(ctx: Context): string {
  const ip = ctx.ip;
  try {
    return ipKey(ip);
  } catch {
    return ip || 'unknown';
  }
}
