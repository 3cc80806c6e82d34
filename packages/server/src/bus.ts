import type { CircuitState } from '@weft/breaker';
import {
  type Bus,
  createBus,
  type Delivery,
  type GroupLag,
  memoryTransport,
  type RedisClientLike,
  type RedisPubSubClientLike,
  redisPubSubTransport,
  redisStreamsTransport,
  type Transport,
  type TransportHooks,
  type TransportSubscribeOptions,
  type TransportSubscription,
} from '@weft/bus';
import { type Clock, describe } from '@weft/reactor';
import { isPlainObject } from './options';

/**
 * The `bus` option in its declarative form (also the `bus` section of `weft.config.json`): which transport carries
 * the events, the service name (the default consumer group), and whether the server publishes its own events.
 */
export interface BusSetting {
  /**
   * `'memory'` (this process only), `{ redisStreams: url }` (durable, at least once, consumer groups) or
   * `{ redisPubSub: url }` (fire-and-forget fan-out). The Redis ones need the `ioredis` package.
   */
  transport: 'memory' | { redisStreams: string } | { redisPubSub: string };
  /** The name of this service: the default consumer group of its subscriptions. Default `'weft'`. */
  name?: string;
  /**
   * Publish the server's own events: `request.limited` ({@link RequestLimitedMessage}) on each 429 of the rate
   * limiter and `breaker.stateChange` ({@link BreakerStateMessage}) when an upstream's breaker changes state.
   * Default false.
   */
  publishEvents?: boolean;
}

/** The payload of `request.limited`, published on `app.bus` when `bus.publishEvents` is on. */
export interface RequestLimitedMessage {
  readonly method: string;
  readonly path: string;
  /** The client's address (after `trustProxy`). */
  readonly ip: string;
  readonly retryAfterMs: number;
}

/** The payload of `breaker.stateChange`, published on `app.bus` when `bus.publishEvents` is on. */
export interface BreakerStateMessage {
  readonly upstream: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
}

/** The topics the server publishes on `app.bus` (with `bus.publishEvents`), for `bus.subscribe`. */
export type ServerBusTopics = {
  'request.limited': RequestLimitedMessage;
  'breaker.stateChange': BreakerStateMessage;
};

/** A bus the server uses, and whether it made it (then it closes it). */
export interface ServerBus {
  readonly bus: Bus;
  readonly owned: boolean;
  readonly publishEvents: boolean;
  /** Connects a Redis transport (so `listen()` fails fast when Redis is away). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

// An optional peer dependency: only loaded when a config asks for a Redis transport by URL.
const ioredisModule = 'ioredis';

interface RedisConnection extends RedisClientLike {
  connect(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}

/** A Redis transport made from a URL: connects on first use (or `ready()`), closes its own client. */
class RedisUrlTransport implements Transport {
  readonly kind: string;
  readonly supportsGroups: boolean;
  #opened: Promise<{ transport: Transport; client: RedisConnection }> | undefined;
  #errors: ((error: unknown) => void) | undefined;

  constructor(
    readonly url: string,
    readonly mode: 'streams' | 'pubsub',
    readonly option: string,
  ) {
    this.kind = mode === 'streams' ? 'redis-streams' : 'redis-pubsub';
    this.supportsGroups = mode === 'streams';
  }

  /** Where connection errors go once connected (ioredis reconnects meanwhile). */
  onError(listener: (error: unknown) => void): void {
    this.#errors = listener;
  }

  open(): Promise<Transport> {
    this.#opened ??= this.#connect().catch((error: unknown) => {
      this.#opened = undefined;
      throw error;
    });
    return this.#opened.then((opened) => opened.transport);
  }

  async #connect(): Promise<{ transport: Transport; client: RedisConnection }> {
    let Redis: new (url: string, options: object) => RedisConnection;
    try {
      ({ Redis } = (await import(ioredisModule)) as { Redis: typeof Redis });
    } catch (cause) {
      throw new Error(`${this.option}: the ioredis package is needed for a Redis bus (npm i ioredis)`, { cause });
    }
    const client = new Redis(this.url, { lazyConnect: true });
    client.on('error', (error) => this.#errors?.(error));
    try {
      await client.connect();
    } catch (cause) {
      client.disconnect();
      throw new Error(`${this.option}: cannot connect to ${redactUrl(this.url)}: ${(cause as Error).message}`, {
        cause,
      });
    }
    const transport =
      this.mode === 'streams'
        ? redisStreamsTransport({ client })
        : redisPubSubTransport({ client: client as unknown as RedisPubSubClientLike });
    return { transport, client };
  }

  publish(message: Parameters<Transport['publish']>[0]): ReturnType<Transport['publish']> {
    return this.open().then((transport) => transport.publish(message));
  }

  subscribe(
    options: TransportSubscribeOptions,
    handle: (delivery: Delivery) => Promise<void>,
    hooks: TransportHooks,
  ): Promise<TransportSubscription> {
    return this.open().then((transport) => transport.subscribe(options, handle, hooks));
  }

  lag(topics: readonly string[]): Promise<GroupLag[]> {
    return this.open().then((transport) => transport.lag(topics));
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    if (opened === undefined) return;
    let value: Awaited<typeof opened>;
    try {
      value = await opened;
    } catch {
      return;
    }
    await value.transport.close();
    await value.client.quit().catch(() => value.client.disconnect());
  }
}

function isBus(value: unknown): value is Bus {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Bus).publish === 'function' &&
    typeof (value as Bus).subscribe === 'function' &&
    typeof (value as Bus).lag === 'function'
  );
}

const settingKeys = new Set(['transport', 'name', 'publishEvents']);
const redisUrl = /^rediss?:\/\//;

/**
 * Validates the `bus` option and makes the bus: a `Bus` given as is (the caller closes it), or one made from a
 * {@link BusSetting} (closed with the server). Throws a TypeError naming the bad field.
 */
export function serverBus(value: Bus | BusSetting, clock: Clock): ServerBus {
  if (isBus(value)) {
    return { bus: value, owned: false, publishEvents: false, ready: () => Promise.resolve(), close: async () => {} };
  }
  if (!isPlainObject(value)) {
    throw new TypeError(
      `bus: expected a Bus (createBus) or { transport, name?, publishEvents? }, got ${describe(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!settingKeys.has(key)) {
      throw new TypeError(`bus.${key}: unknown option (expected one of ${[...settingKeys].join(', ')})`);
    }
  }
  const { transport: setting, name = 'weft', publishEvents = false } = value;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`bus.name: expected a non-empty string, got ${describe(name)}`);
  }
  if (typeof publishEvents !== 'boolean') {
    throw new TypeError(`bus.publishEvents: expected a boolean, got ${describe(publishEvents)}`);
  }
  let transport: Transport;
  let redis: RedisUrlTransport | undefined;
  if (setting === 'memory') {
    transport = memoryTransport();
  } else if (isPlainObject(setting) && Object.keys(setting).length === 1 && 'redisStreams' in setting) {
    redis = new RedisUrlTransport(
      checkUrl(setting.redisStreams, 'redisStreams'),
      'streams',
      'bus.transport.redisStreams',
    );
    transport = redis;
  } else if (isPlainObject(setting) && Object.keys(setting).length === 1 && 'redisPubSub' in setting) {
    redis = new RedisUrlTransport(checkUrl(setting.redisPubSub, 'redisPubSub'), 'pubsub', 'bus.transport.redisPubSub');
    transport = redis;
  } else {
    throw new TypeError(
      `bus.transport: expected 'memory', { redisStreams: url } or { redisPubSub: url }, got ${describe(setting)}`,
    );
  }
  const bus = createBus({ transport, name, clock });
  redis?.onError((error) => {
    if (bus.events.listenerCount('error') > 0) bus.events.emit('error', error);
  });
  return {
    bus,
    owned: true,
    publishEvents,
    ready: () => (redis === undefined ? Promise.resolve() : redis.open().then(() => undefined)),
    close: () => bus.close(),
  };
}

function checkUrl(value: unknown, field: string): string {
  if (typeof value !== 'string' || !redisUrl.test(value)) {
    throw new TypeError(`bus.transport.${field}: expected a redis:// URL, got ${describe(value)}`);
  }
  return value;
}
