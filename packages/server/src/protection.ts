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
  const create = async () => {
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

function defaultKey(ctx: Context): string {
  const ip = ctx.ip;
  try {
    return ipKey(ip);
  } catch {
    return ip || 'unknown';
  }
}
