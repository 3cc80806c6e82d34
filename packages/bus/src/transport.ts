import type { WireMessage } from './envelope';

/** Where a new consumer group starts reading: only events published from now on, or everything still retained. */
export type StartAt = 'latest' | 'earliest';

/** One delivery of a message to one consumer, as a transport hands it to the bus. */
export interface Delivery {
  /** The message, its payload still encoded. */
  readonly message: WireMessage;
  /** How many times the transport has delivered this message to this group, this time included (1 at first). */
  readonly deliveries: number;
  /** Acknowledges the message: it will not be delivered to this group again. */
  ack(): Promise<void>;
  /** Writes `deadLetter` to the topic `topic` and acknowledges this message (atomically where the transport can). */
  deadLetter(topic: string, deadLetter: WireMessage): Promise<void>;
  /** Gives the message back unhandled and unacknowledged, to be delivered again (at-most-once transports drop it). */
  release(): void;
}

/**
 * How a transport hands a delivery to the bus: the promise resolves (never rejects) once the delivery is finished
 * (acknowledged, dead-lettered or given back).
 */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/**
 * What {@link DeliveryHandler} returns when the delivery was finished within the call (a handler that returned
 * without a promise and succeeded): a transport may compare with it and skip a `then` per delivery. Internal.
 */
export const FINISHED: Promise<void> = Promise.resolve();

/** What a {@link Transport} needs to start one subscription. */
export interface TransportSubscribeOptions {
  readonly topic: string;
  /** The consumer group; members of one group share its messages, every group gets every message. */
  readonly group: string;
  /** How many deliveries may be handled at once. */
  readonly concurrency: number;
  /** Where the group starts if it does not exist yet. */
  readonly startAt: StartAt;
}

/** How a transport reports what happens in the background (the bus turns these into `bus.events`). */
export interface TransportHooks {
  /** Messages of dead or stalled consumers were taken over by this subscription. */
  reclaimed(count: number): void;
  /** A background operation failed (the transport keeps trying); a `TransportError` usually. */
  error(error: unknown): void;
}

/** A running subscription of a transport. */
export interface TransportSubscription {
  /** Stops fetching, waits for the deliveries being handled, gives back those fetched but not started. */
  close(): Promise<void>;
}

/** The lag of one consumer group of one topic, for metrics. */
export interface GroupLag {
  readonly topic: string;
  readonly group: string;
  /** How many consumers the group has (including ones that died without being cleaned up). */
  readonly consumers: number;
  /** Delivered to a consumer but not acknowledged yet. */
  readonly pending: number;
  /** Published but not delivered to the group yet; `undefined` when the transport cannot tell. */
  readonly lag: number | undefined;
}

/**
 * What carries messages between buses: {@link memoryTransport}, {@link redisPubSubTransport} or
 * {@link redisStreamsTransport}. A transport belongs to one bus, which closes it.
 */
export interface Transport {
  /** A short name for messages: `'memory'`, `'redis-pubsub'`, `'redis-streams'`. */
  readonly kind: string;
  /** Whether it supports consumer groups (and therefore the `group` and `startAt` options). */
  readonly supportsGroups: boolean;
  /** Resolves once the transport has accepted the message (durably, for a durable transport), with any value. */
  publish(message: WireMessage): Promise<unknown>;
  /**
   * Starts delivering the topic's messages to `handle`, at most `concurrency` at a time; resolves once the
   * subscription is established (so that a message published afterwards reaches it). `handle` never throws nor
   * rejects.
   */
  subscribe(
    options: TransportSubscribeOptions,
    handle: DeliveryHandler,
    hooks: TransportHooks,
  ): Promise<TransportSubscription>;
  /** The lag of every consumer group of these topics. */
  lag(topics: readonly string[]): Promise<GroupLag[]>;
  /** Releases what the transport owns (never the client it was given). */
  close(): Promise<void>;
}
