import { frame, unframe, type WireMessage } from './envelope';
import { BusClosedError, TransportError } from './errors';
import { onConnectionError, type RedisPubSubClientLike, type RedisSubscriberLike } from './redis-client';
import type {
  Delivery,
  DeliveryHandler,
  GroupLag,
  Transport,
  TransportHooks,
  TransportSubscribeOptions,
  TransportSubscription,
} from './transport';
import { checkKnownOptions, checkOptionsObject, checkRedisClientOptions } from './validate';

/** Options of {@link redisPubSubTransport}. */
export interface RedisPubSubTransportOptions {
  /**
   * Your Redis client (an ioredis `Redis`): it publishes, and its `duplicate()` becomes the subscriber connection
   * (a connection in subscriber mode can do nothing else). The transport never closes your client.
   */
  client: RedisPubSubClientLike;
  /** Prefix of the channel names; `'weft:bus:'` by default (the channel of `order.created` is `weft:bus:order.created`). */
  prefix?: string;
}

class PubSubDelivery implements Delivery {
  readonly deliveries = 1;
  constructor(
    private readonly transport: RedisPubSubTransportImpl,
    readonly message: WireMessage,
  ) {}
  ack(): Promise<void> {
    return RESOLVED;
  }
  deadLetter(topic: string, deadLetter: WireMessage): Promise<void> {
    return this.transport.send(topic, deadLetter);
  }
  release(): void {
    // At most once: there is nobody to give it back to.
  }
}

class LocalSubscription implements TransportSubscription {
  private readonly queue: WireMessage[] = [];
  private inFlight = 0;
  private closed = false;
  private idle: (() => void) | undefined;
  constructor(
    private readonly transport: RedisPubSubTransportImpl,
    readonly channel: string,
    private readonly concurrency: number,
    private readonly handle: DeliveryHandler,
  ) {}

  push(message: WireMessage): void {
    if (this.closed) return;
    if (this.inFlight < this.concurrency) this.run(message);
    else this.queue.push(message);
  }

  private run(message: WireMessage): void {
    this.inFlight++;
    this.handle(new PubSubDelivery(this.transport, message)).then(this.done);
  }

  private readonly done = (): void => {
    this.inFlight--;
    const next = this.closed ? undefined : this.queue.shift();
    if (next !== undefined) this.run(next);
    else if (this.inFlight === 0) this.idle?.();
  };

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.queue.length = 0;
      await this.transport.remove(this);
    }
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
  }
}

const RESOLVED = Promise.resolve();

class RedisPubSubTransportImpl implements Transport {
  readonly kind = 'redis-pubsub';
  readonly supportsGroups = false;
  private subscriber: RedisSubscriberLike | undefined;
  private readonly channels = new Map<string, Set<LocalSubscription>>();
  private closed = false;
  constructor(
    private readonly client: RedisPubSubClientLike,
    private readonly prefix: string,
  ) {}

  publish(message: WireMessage): Promise<void> {
    return this.send(message.topic, message);
  }

  async send(topic: string, message: WireMessage): Promise<void> {
    if (this.closed) throw new BusClosedError('The Redis pub/sub transport is closed');
    await this.client.call('PUBLISH', this.prefix + topic, frame(message));
  }

  async subscribe(
    options: TransportSubscribeOptions,
    handle: DeliveryHandler,
    hooks: TransportHooks,
  ): Promise<TransportSubscription> {
    if (this.closed) throw new BusClosedError('The Redis pub/sub transport is closed');
    const channel = this.prefix + options.topic;
    const local = new LocalSubscription(this, channel, options.concurrency, handle);
    let set = this.channels.get(channel);
    if (set === undefined) {
      set = new Set();
      this.channels.set(channel, set);
      set.add(local);
      try {
        await this.connect(hooks).subscribe(channel);
      } catch (error) {
        this.channels.delete(channel);
        throw error;
      }
    } else set.add(local);
    return local;
  }

  private connect(hooks: TransportHooks): RedisSubscriberLike {
    if (this.subscriber === undefined) {
      const subscriber = this.client.duplicate();
      onConnectionError(subscriber, (error) => hooks.error(error));
      subscriber.on('message', (channel, text) => {
        const set = this.channels.get(channel);
        if (set === undefined) return;
        const topic = channel.slice(this.prefix.length);
        const message = unframe(topic, text);
        if (message === undefined) {
          hooks.error(new TransportError(`Ignored a message on ${channel} that was not published by @weft/bus`));
          return;
        }
        for (const local of set) local.push(message);
      });
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  async remove(local: LocalSubscription): Promise<void> {
    const set = this.channels.get(local.channel);
    if (set === undefined || !set.delete(local) || set.size > 0) return;
    this.channels.delete(local.channel);
    if (!this.closed) await this.subscriber?.unsubscribe(local.channel);
  }

  lag(_topics: readonly string[]): Promise<GroupLag[]> {
    return Promise.resolve([]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber !== undefined) {
      try {
        await subscriber.quit();
      } catch {
        subscriber.disconnect();
      }
    }
  }
}

/**
 * Fire-and-forget fan-out over Redis pub/sub: every subscription of every process connected at that moment gets
 * each message, at most once (nothing is stored; a subscriber that is down misses it). For cache invalidation and
 * the like; use {@link redisStreamsTransport} for events that must not be lost. Has no consumer groups.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { createBus, redisPubSubTransport } from '@weft/bus';
 * const bus = createBus<{ 'cache.invalidate': { key: string } }>({
 *   name: 'api',
 *   transport: redisPubSubTransport({ client: new Redis() }),
 * });
 * await bus.subscribe('cache.invalidate', ({ payload }) => cache.delete(payload.key));
 * ```
 */
export function redisPubSubTransport(options: RedisPubSubTransportOptions): Transport {
  checkOptionsObject(options, 'redisPubSubTransport');
  if (options === undefined) throw new TypeError('redisPubSubTransport: expected an options object, got undefined');
  checkKnownOptions(options, ['client', 'prefix'], 'redisPubSubTransport');
  const { client, prefix = 'weft:bus:' } = options;
  checkRedisClientOptions(client, prefix);
  return new RedisPubSubTransportImpl(client, prefix);
}
