import { randomUUID } from 'node:crypto';
import { Emitter } from '@weft/emitter';
import { type Clock, describe, sleep, systemClock } from '@weft/reactor';
import { type Backoff, exponential, isNonRetryable } from '@weft/retry';
import { type Codec, jsonCodec } from './codec';
import { type Envelope, type Headers, NO_HEADERS, type WireMessage } from './envelope';
import { BusClosedError, CodecError, DeliveryLimitError } from './errors';
import {
  type Delivery,
  FINISHED,
  type GroupLag,
  type StartAt,
  type Transport,
  type TransportSubscription,
} from './transport';
import { checkInteger, checkKnownOptions, checkName, checkOptionsObject } from './validate';

/** Options of {@link createBus}. */
export interface BusOptions {
  /** What carries the events: `memoryTransport()`, `redisPubSubTransport(…)` or `redisStreamsTransport(…)`. */
  transport: Transport;
  /** The name of this service; the default consumer group of its subscriptions. */
  name: string;
  /** Encodes payloads; {@link jsonCodec} (strict JSON) by default. */
  codec?: Codec;
  /** Where retry backoff waits are timed; `systemClock` by default, a `Reactor` in tests. */
  clock?: Clock;
  /** Wall-clock time in epoch ms for `publishedAt`; `Date.now` by default. */
  dateNow?: () => number;
}

/** Options of {@link Bus.publish}. */
export interface PublishOptions {
  /** An ordering key (an order id, say): a subscription handles events with the same key one at a time, in order. */
  key?: string;
  /** String headers carried with the event (trace ids, the producer's version, …). */
  headers?: Readonly<Record<string, string>>;
}

/** How a subscription retries a failing handler before dead-lettering the event. */
export interface SubscribeRetryOptions {
  /**
   * Attempts in all, the first included, counting attempts a consumer that died had started; 3 by default.
   */
  maxAttempts?: number;
  /** The waits between attempts (from `@weft/retry`); `exponential({ initialMs: 100, maxMs: 10_000 })` by default. */
  backoff?: Backoff;
  /** Whether an error is worth another attempt; every error by default (except those marked `nonRetryable`). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
}

/** Options of {@link Bus.subscribe}. */
export interface SubscribeOptions {
  /**
   * The consumer group, the bus's `name` by default. Every group gets every event; the subscriptions of one group
   * (in this process or others) share them. Not supported by the pub/sub transport.
   */
  group?: string;
  /** How many events this subscription handles at once; 1 by default (events are then handled in order). */
  concurrency?: number;
  /** Retrying a failing handler; `false` for a single attempt. */
  retry?: SubscribeRetryOptions | false;
  /**
   * The topic failed events go to (as a {@link DeadLetter}) once retrying gives up; `'<topic>.dead-letter'` by
   * default; `false` to drop them (the `failed` events still tell).
   */
  deadLetter?: string | false;
  /**
   * An event delivered this many times without being acknowledged (its consumers kept dying while handling it) is
   * dead-lettered with a `DeliveryLimitError` instead of being handled again; 10 by default.
   */
  maxDeliveries?: number;
  /** Where a new consumer group starts: `'latest'` (the default) or `'earliest'` (everything still retained). */
  startAt?: StartAt;
}

/** A handler of a topic's events. A rejection or throw is a failure: the event is retried, then dead-lettered. */
export type Handler<T, Topic extends string = string> = (envelope: Envelope<T, Topic>) => unknown;

/** Ends a subscription: stops receiving, waits for the handlers running, and resolves. */
export type Unsubscribe = () => Promise<void>;

/** An error as a {@link DeadLetter} records it. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string | number;
  readonly stack?: string;
}

/** The payload of an event on a dead-letter topic. */
export interface DeadLetter<T = unknown> {
  /** The event that failed, as its handler last saw it (`payload` is the raw text if it could not be decoded). */
  readonly envelope: Envelope<T>;
  /** The last error. */
  readonly error: SerializedError;
  /** The consumer group that gave up on it. */
  readonly group: string;
  /** How many attempts were made. */
  readonly attempts: number;
  /** Wall-clock time it was dead-lettered, in epoch ms. */
  readonly deadLetteredAt: number;
}

/** The events of {@link Bus.events}. */
// A type alias, not an interface: the Emitter's event map needs an implicit index signature.
export type BusEvents = {
  /** An event was accepted by the transport. */
  published: [envelope: Envelope];
  /** A handler succeeded and the event was acknowledged. */
  delivered: [envelope: Envelope, group: string, durationMs: number];
  /** A handler attempt failed (it may be retried). */
  failed: [envelope: Envelope, error: unknown, group: string];
  /** An event was moved to its dead-letter topic. */
  deadLettered: [envelope: Envelope, error: unknown, group: string, deadLetterTopic: string];
  /** A subscription took over events of a dead (or stalled) consumer. */
  reclaimed: [topic: string, group: string, count: number];
  /** A background operation of the transport failed (it keeps trying); only emitted while someone listens. */
  error: [error: unknown];
};

/**
 * A bus of typed topics: `Topics` maps each topic name to its payload type.
 */
export interface Bus<Topics extends object = Record<string, unknown>> {
  /** The name given to {@link createBus}. */
  readonly name: string;
  /** What happens on the bus, for logs and metrics. */
  readonly events: Emitter<BusEvents>;
  /**
   * Publishes `payload` on `topic`; resolves with the event's id once the transport accepted it. Rejects with a
   * `TypeError` for a bad topic or options, a `CodecError` if the payload cannot be encoded (nothing is written), a
   * `BusClosedError` once closing.
   */
  publish<K extends TopicOf<Topics>>(topic: K, payload: Topics[K], options?: PublishOptions): Promise<string>;
  /**
   * Calls `handler` with the envelope of each event of `topic` that reaches this subscription's group; resolves
   * with the function that ends the subscription once it is established.
   */
  subscribe<K extends TopicOf<Topics>>(
    topic: K,
    handler: Handler<Topics[K], K>,
    options?: SubscribeOptions,
  ): Promise<Unsubscribe>;
  /** The lag of the consumer groups of the topics this bus published or subscribed to, for `/metrics`. */
  lag(): Promise<GroupLag[]>;
  /**
   * Stops publishing and receiving, lets the handlers running finish (events waiting for a retry are given back to
   * their group), then closes the transport. Idempotent.
   */
  close(): Promise<void>;
}

/** The topic names of a topic map. */
export type TopicOf<Topics> = Extract<keyof Topics, string>;

const BUS_OPTIONS = ['transport', 'name', 'codec', 'clock', 'dateNow'];
const PUBLISH_OPTIONS = ['key', 'headers'];
const SUBSCRIBE_OPTIONS = ['group', 'concurrency', 'retry', 'deadLetter', 'maxDeliveries', 'startAt'];
const RETRY_OPTIONS = ['maxAttempts', 'backoff', 'shouldRetry'];
const defaultBackoff = exponential({ initialMs: 100, maxMs: 10_000 });
const alwaysRetry = () => true;

type MutableEnvelope = { -readonly [P in keyof Envelope]: Envelope[P] };

interface Subscription {
  readonly topic: string;
  readonly group: string;
  readonly handler: Handler<unknown>;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  readonly deadLetter: string | false;
  readonly maxDeliveries: number;
  readonly abort: AbortController;
  readonly keyTails: Map<string, Promise<void>>;
  /** The acknowledgement promise last seen (transports batch them): each batch's failure is reported once. */
  lastAck: Promise<void> | undefined;
  transport: TransportSubscription | undefined;
  closing: Promise<void> | undefined;
}

class BusImpl<Topics extends object> implements Bus<Topics> {
  readonly events = new Emitter<BusEvents>();
  readonly name: string;
  private readonly transport: Transport;
  private readonly codec: Codec;
  private readonly clock: Clock;
  private readonly dateNow: () => number;
  private readonly subscriptions = new Set<Subscription>();
  private readonly topics = new Set<string>();
  private closing: Promise<void> | undefined;

  constructor(options: BusOptions) {
    this.transport = options.transport;
    this.name = options.name;
    this.codec = options.codec ?? jsonCodec;
    this.clock = options.clock ?? systemClock;
    this.dateNow = options.dateNow ?? Date.now;
  }

  publish<K extends TopicOf<Topics>>(topic: K, payload: Topics[K], options?: PublishOptions): Promise<string> {
    let message: WireMessage;
    try {
      message = this.prepare(topic, payload, options);
    } catch (error) {
      return Promise.reject(error);
    }
    // One `then` on the transport's promise (no async function around it): publishing is half the hot path.
    const accepted = this.transport.publish(message);
    if (this.events.listenerCount('published') > 0) return this.announce(accepted, message, payload);
    const id = message.id;
    return accepted.then(() => id);
  }

  /** Emits `published` once the transport accepted the message (for publishes made while someone listens). */
  private announce(accepted: Promise<unknown>, message: WireMessage, payload: unknown): Promise<string> {
    return accepted.then(() => {
      const { id, topic, headers, key, publishedAt } = message;
      this.events.emit('published', { id, topic, payload, headers, key, publishedAt, attempt: 0 });
      return id;
    });
  }

  /** Checks what `publish` was given and encodes it; throws a `TypeError`, `CodecError` or `BusClosedError`. */
  private prepare(topic: string, payload: unknown, options: PublishOptions | undefined): WireMessage {
    if (this.closing !== undefined) throw new BusClosedError();
    if (!this.topics.has(topic)) {
      checkName(topic, 'topic');
      this.topics.add(topic);
    }
    let key: string | undefined;
    let headers = NO_HEADERS;
    if (options !== undefined) {
      checkOptionsObject(options, 'publish');
      checkKnownOptions(options, PUBLISH_OPTIONS, 'publish');
      key = options.key;
      if (key !== undefined) checkKey(key);
      if (options.headers !== undefined) headers = checkHeaders(options.headers);
    }
    let encoded: string;
    try {
      encoded = this.codec.encode(payload);
    } catch (error) {
      throw new CodecError(topic, `Cannot encode the payload of ${JSON.stringify(topic)}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    if (typeof encoded !== 'string') {
      throw new CodecError(topic, `codec.encode: expected a string, got ${describe(encoded)}`);
    }
    return { id: randomUUID(), topic, key, headers, publishedAt: this.dateNow(), payload: encoded };
  }

  async subscribe<K extends TopicOf<Topics>>(
    topic: K,
    handler: Handler<Topics[K], K>,
    options: SubscribeOptions = {},
  ): Promise<Unsubscribe> {
    if (this.closing !== undefined) throw new BusClosedError();
    checkName(topic, 'topic');
    if (typeof handler !== 'function') throw new TypeError(`handler: expected a function, got ${describe(handler)}`);
    const sub = this.createSubscription(topic, handler as Handler<unknown>, options);
    this.topics.add(topic);
    this.subscriptions.add(sub);
    try {
      sub.transport = await this.transport.subscribe(
        { topic, group: sub.group, concurrency: sub.concurrency, startAt: options.startAt ?? 'latest' },
        (delivery) => this.handle(sub, delivery),
        {
          reclaimed: (count) => this.events.emit('reclaimed', topic, sub.group, count),
          error: (error) => {
            if (this.events.listenerCount('error') > 0) this.events.emit('error', error);
          },
        },
      );
    } catch (error) {
      this.subscriptions.delete(sub);
      throw error;
    }
    if (this.closing !== undefined) await this.stop(sub);
    return () => this.stop(sub);
  }

  private createSubscription(topic: string, handler: Handler<unknown>, options: SubscribeOptions): Subscription {
    checkOptionsObject(options, 'subscribe');
    checkKnownOptions(options, SUBSCRIBE_OPTIONS, 'subscribe');
    const { group, concurrency, retry, deadLetter, maxDeliveries, startAt } = options;
    if (group !== undefined) {
      if (!this.transport.supportsGroups) {
        throw new TypeError(
          `group: the ${this.transport.kind} transport has no consumer groups, got ${describe(group)}`,
        );
      }
      checkName(group, 'group');
    }
    if (startAt !== undefined && startAt !== 'latest' && startAt !== 'earliest') {
      throw new TypeError(`startAt: expected 'latest' or 'earliest', got ${describe(startAt)}`);
    }
    checkInteger(concurrency, 'concurrency', 1, 10_000);
    checkInteger(maxDeliveries, 'maxDeliveries', 1);
    if (deadLetter !== undefined && deadLetter !== false) checkName(deadLetter, 'deadLetter');
    let maxAttempts = 3;
    let backoff = defaultBackoff;
    let shouldRetry: (error: unknown, attempt: number) => boolean = alwaysRetry;
    if (retry === false) maxAttempts = 1;
    else if (retry !== undefined) {
      checkOptionsObject(retry, 'retry');
      checkKnownOptions(retry, RETRY_OPTIONS, 'retry');
      checkInteger(retry.maxAttempts, 'retry.maxAttempts', 1);
      if (retry.backoff !== undefined && typeof retry.backoff !== 'function') {
        throw new TypeError(`retry.backoff: expected a Backoff (a function), got ${describe(retry.backoff)}`);
      }
      if (retry.shouldRetry !== undefined && typeof retry.shouldRetry !== 'function') {
        throw new TypeError(`retry.shouldRetry: expected a function, got ${describe(retry.shouldRetry)}`);
      }
      maxAttempts = retry.maxAttempts ?? maxAttempts;
      backoff = retry.backoff ?? backoff;
      shouldRetry = retry.shouldRetry ?? shouldRetry;
    }
    return {
      topic,
      group: group ?? this.name,
      handler,
      concurrency: concurrency ?? 1,
      maxAttempts,
      backoff,
      shouldRetry,
      deadLetter: deadLetter === undefined ? `${topic}.dead-letter` : deadLetter,
      maxDeliveries: maxDeliveries ?? 10,
      abort: new AbortController(),
      keyTails: new Map(),
      lastAck: undefined,
      transport: undefined,
      closing: undefined,
    };
  }

  private stop(sub: Subscription): Promise<void> {
    if (sub.closing === undefined) {
      // Abort first, so that events waiting for a retry are given back at once; then drain the running handlers.
      sub.abort.abort();
      sub.closing = (sub.transport?.close() ?? Promise.resolve()).then(() => {
        this.subscriptions.delete(sub);
      });
    }
    return sub.closing;
  }

  /**
   * Handles one delivery to the end: success (ack), dead letter, or given back. Returns {@link FINISHED} when it is
   * over already (the usual case of a handler that returned without a promise and succeeded: no promise is made for
   * it), else a promise that resolves once it is over. Never throws nor rejects.
   */
  private handle(sub: Subscription, delivery: Delivery): Promise<void> {
    const message = delivery.message;
    const envelope: MutableEnvelope = {
      id: message.id,
      topic: message.topic,
      payload: message.payload,
      headers: message.headers,
      key: message.key,
      publishedAt: message.publishedAt,
      attempt: delivery.deliveries,
    };
    try {
      envelope.payload = this.codec.decode(message.payload);
    } catch (error) {
      const codecError = new CodecError(message.topic, `Cannot decode an event of ${JSON.stringify(message.topic)}`, {
        cause: error,
      });
      return this.giveUp(sub, delivery, envelope, codecError, 0);
    }
    if (delivery.deliveries > sub.maxDeliveries) {
      return this.giveUp(sub, delivery, envelope, new DeliveryLimitError(delivery.deliveries), envelope.attempt - 1);
    }
    // Events with the same key wait for each other (only possible with concurrency > 1).
    if (message.key !== undefined && sub.concurrency > 1) return this.handleKeyed(sub, delivery, envelope, message.key);
    return this.attempt(sub, delivery, envelope);
  }

  private async handleKeyed(
    sub: Subscription,
    delivery: Delivery,
    envelope: MutableEnvelope,
    key: string,
  ): Promise<void> {
    const previous = sub.keyTails.get(key);
    let release: (() => void) | undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    sub.keyTails.set(key, mine);
    try {
      if (previous !== undefined) await previous;
      if (sub.abort.signal.aborted) delivery.release();
      else await this.attempt(sub, delivery, envelope);
    } finally {
      if (sub.keyTails.get(key) === mine) sub.keyTails.delete(key);
      release?.();
    }
  }

  /**
   * Runs the first attempt of the handler. A handler that returns without a promise is finished in this very call;
   * one that returns a promise costs one `then`; a failure goes on to {@link BusImpl.retry}.
   */
  private attempt(sub: Subscription, delivery: Delivery, envelope: MutableEnvelope): Promise<void> {
    const started = this.clock.now();
    let result: unknown;
    try {
      result = sub.handler(envelope);
    } catch (error) {
      return this.retry(sub, delivery, envelope, error, started).catch(this.reportError);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        () => this.succeeded(sub, delivery, envelope, started),
        (error: unknown) => this.retry(sub, delivery, envelope, error, started).catch(this.reportError),
      );
    }
    this.succeeded(sub, delivery, envelope, started);
    return FINISHED;
  }

  /** The attempts after a failed one: backoff, then again, until success, a dead letter, or closing. */
  private async retry(
    sub: Subscription,
    delivery: Delivery,
    envelope: MutableEnvelope,
    error: unknown,
    started: number,
  ): Promise<void> {
    // A redelivered event counts the attempts of the consumers that died handling it, but always gets one more.
    const last = Math.max(envelope.attempt, sub.maxAttempts);
    let delays: Iterator<number, unknown, undefined> | undefined;
    for (;;) {
      this.events.emit('failed', envelope, error, sub.group);
      let stop = envelope.attempt >= last || isNonRetryable(error);
      if (!stop) {
        try {
          stop = !sub.shouldRetry(error, envelope.attempt);
        } catch (shouldRetryError) {
          return this.giveUp(sub, delivery, envelope, shouldRetryError, envelope.attempt);
        }
      }
      let delayMs: unknown;
      if (!stop) {
        delays ??= sub.backoff();
        const next = delays.next();
        if (next.done) stop = true;
        else delayMs = next.value;
      }
      if (stop) return this.giveUp(sub, delivery, envelope, error, envelope.attempt);
      try {
        await sleep(typeof delayMs === 'number' && delayMs >= 0 ? delayMs : 0, {
          signal: sub.abort.signal,
          clock: this.clock,
        });
      } catch {
        // Closing: give the event back for another consumer (or this one, later) instead of waiting.
        delivery.release();
        return;
      }
      envelope.attempt++;
      try {
        await sub.handler(envelope);
        break;
      } catch (failure) {
        error = failure;
      }
    }
    this.succeeded(sub, delivery, envelope, started);
  }

  /**
   * Acknowledges a handled event. The handler's slot is free at once: the transport batches acknowledgements (one
   * `XACK` for the events handled in one turn of the event loop) and `close()` waits for them. A failed batch leaves
   * its events to be delivered again (at least once), which is all that can be done; it is reported once.
   */
  private succeeded(sub: Subscription, delivery: Delivery, envelope: Envelope, started: number): void {
    const acked = delivery.ack();
    if (acked !== sub.lastAck) {
      sub.lastAck = acked;
      acked.then(undefined, this.reportError);
    }
    if (this.events.listenerCount('delivered') === 0) return;
    const durationMs = this.clock.now() - started;
    acked.then(() => {
      try {
        this.events.emit('delivered', envelope, sub.group, durationMs);
      } catch (error) {
        this.reportError(error);
      }
    }, ignore);
  }

  private async giveUp(
    sub: Subscription,
    delivery: Delivery,
    envelope: Envelope,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    try {
      if (sub.deadLetter === false) {
        await delivery.ack();
        return;
      }
      const record: DeadLetter = {
        envelope,
        error: serializeError(error),
        group: sub.group,
        attempts,
        deadLetteredAt: this.dateNow(),
      };
      let payload: string;
      try {
        payload = this.codec.encode(record);
      } catch {
        // The payload decoded but does not encode again (a lossy custom codec): keep the raw text instead.
        payload = jsonCodec.encode({ ...record, envelope: { ...envelope, payload: delivery.message.payload } });
      }
      await delivery.deadLetter(sub.deadLetter, {
        id: randomUUID(),
        topic: sub.deadLetter,
        key: envelope.key,
        headers: envelope.headers,
        publishedAt: record.deadLetteredAt,
        payload,
      });
      this.events.emit('deadLettered', envelope, error, sub.group, sub.deadLetter);
    } catch (failure) {
      // Left unacknowledged: it will be delivered again.
      if (this.events.listenerCount('error') > 0) this.events.emit('error', failure);
    }
  }

  // A throwing `bus.events` listener must not leave a delivery half-handled in the transport's books.
  private readonly reportError = (error: unknown): void => {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error);
  };

  lag(): Promise<GroupLag[]> {
    return this.transport.lag([...this.topics]);
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      const subs = [...this.subscriptions];
      this.closing = Promise.all(subs.map((sub) => this.stop(sub))).then(() => this.transport.close());
    }
    return this.closing;
  }
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.includes('\n')) {
    throw new TypeError(`key: expected a non-empty string without line breaks, got ${describe(key)}`);
  }
}

function checkHeaders(headers: unknown): Headers {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError(`headers: expected an object of strings, got ${describe(headers)}`);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') {
      throw new TypeError(`headers.${name}: expected a string, got ${describe(value)}`);
    }
  }
  return headers as Headers;
}

function serializeError(error: unknown): SerializedError {
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown };
    const out: { -readonly [P in keyof SerializedError]: SerializedError[P] } = {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: typeof e.message === 'string' ? e.message : String(error),
    };
    if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
    if (typeof e.stack === 'string') out.stack = e.stack;
    return out;
  }
  return { name: 'Error', message: String(error) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function ignore(): void {}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates a bus over a transport. Topics are typed by the map you give: `createBus<{ 'order.created': Order }>`.
 *
 * @example
 * ```ts
 * import { createBus, memoryTransport } from '@weft/bus';
 *
 * interface Order { id: string; total: number }
 * const bus = createBus<{ 'order.created': Order }>({ name: 'billing', transport: memoryTransport() });
 * const unsubscribe = await bus.subscribe('order.created', async ({ payload, attempt }) => {
 *   console.log(`charging ${payload.id} (attempt ${attempt})`);
 * });
 * await bus.publish('order.created', { id: 'o-1', total: 42 }, { key: 'o-1' });
 * await unsubscribe();
 * await bus.close();
 * ```
 */
export function createBus<Topics extends object = Record<string, unknown>>(options: BusOptions): Bus<Topics> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`createBus: expected an options object, got ${describe(options)}`);
  }
  checkKnownOptions(options, BUS_OPTIONS, 'createBus');
  const { transport, name, codec, clock, dateNow } = options;
  if (
    typeof transport !== 'object' ||
    transport === null ||
    typeof transport.publish !== 'function' ||
    typeof transport.subscribe !== 'function'
  ) {
    throw new TypeError(`transport: expected a Transport (memoryTransport(), …), got ${describe(transport)}`);
  }
  checkName(name, 'name');
  if (
    codec !== undefined &&
    (typeof codec !== 'object' ||
      codec === null ||
      typeof codec.encode !== 'function' ||
      typeof codec.decode !== 'function')
  ) {
    throw new TypeError(`codec: expected { encode, decode }, got ${describe(codec)}`);
  }
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')) {
    throw new TypeError(`clock: expected a Clock, got ${describe(clock)}`);
  }
  if (dateNow !== undefined && typeof dateNow !== 'function') {
    throw new TypeError(`dateNow: expected a function, got ${describe(dateNow)}`);
  }
  return new BusImpl<Topics>(options);
}
