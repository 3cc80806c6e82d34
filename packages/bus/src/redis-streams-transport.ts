import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Clock, describe, sleep, systemClock, type TimerHandle } from '@weft/reactor';
import { exponential } from '@weft/retry';
import { frame, unframe, type WireMessage } from './envelope';
import { BusClosedError, TransportError } from './errors';
import { isReplyError, onConnectionError, type RedisArgument, type RedisClientLike } from './redis-client';
import {
  type Delivery,
  type DeliveryHandler,
  FINISHED,
  type GroupLag,
  type StartAt,
  type Transport,
  type TransportHooks,
  type TransportSubscribeOptions,
  type TransportSubscription,
} from './transport';
import { checkInteger, checkKnownOptions, checkName, checkOptionsObject, checkRedisClientOptions } from './validate';

/** Options of {@link redisStreamsTransport}. */
export interface RedisStreamsTransportOptions {
  /**
   * Your Redis client (an ioredis `Redis`). It publishes, acknowledges and reclaims; each subscription reads on its
   * own `duplicate()` (a blocking read would hold up every other command). The transport never closes your client.
   */
  client: RedisClientLike;
  /** Prefix of the stream keys; `'weft:bus:'` by default (`order.created` is the stream `weft:bus:order.created`). */
  prefix?: string;
  /**
   * Caps each stream at about this many entries (`XADD … MAXLEN ~`); unlimited by default. Entries trimmed before a
   * slow group read them are lost to it.
   */
  maxLen?: number;
  /** An entry a consumer has held this long without acknowledging it is taken over by another; 30 s by default. */
  claimIdleMs?: number;
  /** How often each subscription looks for entries to take over (`XAUTOCLAIM`); `claimIdleMs / 2` by default. */
  claimIntervalMs?: number;
  /** How long one blocking read waits for new entries (`XREADGROUP … BLOCK`); 5 s by default. */
  blockMs?: number;
  /** The most entries one read fetches (`COUNT`); entries beyond the free handler slots wait in memory. 32 by default. */
  batchSize?: number;
  /** The consumer name (a suffix is added per subscription); `<hostname>-<pid>-<random>` by default. */
  consumer?: string;
  /** Where the claim timers and the waits after a failed read are timed; `systemClock` by default. */
  clock?: Clock;
}

const OPTIONS = [
  'client',
  'prefix',
  'maxLen',
  'claimIdleMs',
  'claimIntervalMs',
  'blockMs',
  'batchSize',
  'consumer',
  'clock',
];

// Writes the dead letter and acknowledges the original in one atomic step: never both, never neither.
const DEAD_LETTER_SCRIPT = `redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])`;

// Resets the idle time of the entries this consumer still owns (not of those another consumer took over), so that
// a slow handler's entry is not reclaimed while it runs. JUSTID leaves the delivery counter alone.
const HEARTBEAT_SCRIPT = `local n = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    n = n + 1
  end
end
return n`;

/** The stream entry's one field, holding the framed message. */
const FIELD = 'm';

// Given back entries look idle for this long, so that the next XAUTOCLAIM of any consumer takes them at once.
const RELEASED_IDLE_MS = 1e12;

interface Config {
  readonly client: RedisClientLike;
  readonly prefix: string;
  readonly maxLen: number | undefined;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly blockMs: number;
  readonly batchSize: number;
  readonly consumer: string;
  readonly clock: Clock;
}

type RawEntry = [id: string, fields: unknown[] | null];

class StreamDelivery implements Delivery {
  constructor(
    private readonly consumer: StreamConsumer,
    readonly id: string,
    readonly message: WireMessage,
    readonly deliveries: number,
  ) {}
  ack(): Promise<void> {
    return this.consumer.ack(this.id);
  }
  deadLetter(topic: string, deadLetter: WireMessage): Promise<void> {
    return this.consumer.deadLetter(this.id, topic, deadLetter);
  }
  release(): void {
    this.consumer.release(this);
  }
}

class StreamConsumer implements TransportSubscription {
  private readonly key: string;
  private conn: RedisClientLike | undefined;
  private connId: number | undefined;
  private readonly buffer: StreamDelivery[] = [];
  /** Ids fetched and not finished (buffered or being handled): this consumer's share of the pending entries. */
  private readonly owned = new Set<string>();
  private readonly released: StreamDelivery[] = [];
  private running = 0;
  private stopping = false;
  private readonly stop = new AbortController();
  private wakeLoop: (() => void) | undefined;
  private whenIdle: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private reclaimTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private ackIds: string[] = [];
  private ackBatch: Promise<void> | undefined;
  private readonly acking = new Set<Promise<void>>();
  private reclaiming = false;
  private heartbeating = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly transport: RedisStreamsTransportImpl,
    private readonly config: Config,
    private readonly topic: string,
    private readonly group: string,
    private readonly name: string,
    private readonly concurrency: number,
    private readonly handle: DeliveryHandler,
    private readonly hooks: TransportHooks,
  ) {
    this.key = config.prefix + topic;
  }

  async start(startAt: StartAt): Promise<void> {
    await this.ensureGroup(startAt === 'earliest' ? '0' : '$');
    const conn = this.config.client.duplicate();
    onConnectionError(conn, (error) => this.hooks.error(error));
    this.conn = conn;
    try {
      this.connId = Number(await conn.call('CLIENT', 'ID'));
    } catch (error) {
      conn.disconnect();
      throw error;
    }
    const { clock, claimIntervalMs, claimIdleMs } = this.config;
    this.reclaimTimer = clock.setInterval(() => void this.reclaim(), claimIntervalMs);
    this.reclaimTimer.unref?.();
    this.heartbeatTimer = clock.setInterval(() => void this.heartbeat(), Math.max(1, Math.floor(claimIdleMs / 3)));
    this.heartbeatTimer.unref?.();
    this.loopDone = this.loop(conn);
  }

  private async ensureGroup(from: string): Promise<void> {
    try {
      await this.config.client.call('XGROUP', 'CREATE', this.key, this.group, from, 'MKSTREAM');
    } catch (error) {
      if (!isReplyError(error, 'BUSYGROUP')) throw error;
    }
  }

  private async loop(conn: RedisClientLike): Promise<void> {
    const { batchSize, blockMs } = this.config;
    let delays: Iterator<number, unknown, undefined> | undefined;
    while (!this.stopping) {
      // Fetch again once everything fetched has started: handlers and the next read overlap.
      if (this.buffer.length > 0) {
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
        });
        continue;
      }
      try {
        const reply = await conn.call(
          'XREADGROUP',
          'GROUP',
          this.group,
          this.name,
          'COUNT',
          batchSize,
          'BLOCK',
          blockMs,
          'STREAMS',
          this.key,
          '>',
        );
        delays = undefined;
        const entries = entriesOfRead(reply);
        if (entries !== undefined) this.accept(entries, undefined);
      } catch (error) {
        if (this.stopping) break;
        if (isReplyError(error, 'NOGROUP')) {
          // The group (or the whole stream) is gone, e.g. Redis restarted without persistence: recreate it and
          // read everything it holds rather than skip what was published meanwhile.
          try {
            await this.ensureGroup('0');
            continue;
          } catch {}
        }
        this.hooks.error(
          new TransportError(`Reading ${this.key} as ${this.group}/${this.name} failed; retrying`, { cause: error }),
        );
        delays ??= exponential({ initialMs: 50, maxMs: 2_000 })();
        try {
          await sleep(delays.next().value as number, { signal: this.stop.signal, clock: this.config.clock });
          this.connId = Number(await conn.call('CLIENT', 'ID'));
        } catch {}
      }
    }
  }

  private accept(entries: readonly RawEntry[], counts: Map<string, number> | undefined): void {
    for (let i = 0; i < entries.length; i++) {
      const [id, fields] = entries[i] as RawEntry;
      // Taken over or read again after the group was recreated while this consumer still handles it: skip.
      if (this.owned.size !== 0 && this.owned.has(id)) continue;
      if (fields === null) {
        // Trimmed or deleted while pending: nothing left to handle.
        this.ack(id).catch(ignore);
        continue;
      }
      const message = parseFields(this.topic, fields);
      if (message === undefined) {
        this.hooks.error(new TransportError(`Acknowledged entry ${id} of ${this.key}, not written by @weft/bus`));
        this.ack(id).catch(ignore);
        continue;
      }
      this.owned.add(id);
      const delivery = new StreamDelivery(this, id, message, counts === undefined ? 1 : (counts.get(id) ?? 1));
      // Nothing waiting and a slot free: start it now rather than through the buffer.
      if (this.buffer.length === 0 && this.running < this.concurrency && !this.stopping) this.begin(delivery);
      else this.buffer.push(delivery);
    }
    this.dispatch();
  }

  private dispatch(): void {
    while (this.running < this.concurrency && this.buffer.length > 0 && !this.stopping) {
      this.begin(this.buffer.shift() as StreamDelivery);
    }
    if (this.buffer.length === 0 && this.wakeLoop !== undefined) {
      const wake = this.wakeLoop;
      this.wakeLoop = undefined;
      wake();
    }
  }

  private begin(delivery: StreamDelivery): void {
    this.running++;
    const handling = this.handle(delivery);
    // Finished already (a handler that returned without a promise): no promise, no recursion, next one.
    if (handling === FINISHED) this.finish(delivery);
    else handling.then(() => this.done(delivery));
  }

  private done(delivery: StreamDelivery): void {
    this.finish(delivery);
    this.dispatch();
  }

  private finish(delivery: StreamDelivery): void {
    this.running--;
    this.owned.delete(delivery.id);
    if (this.running === 0 && this.whenIdle !== undefined) this.whenIdle();
  }

  /** Acknowledges `id` together with the others acknowledged in the same turn of the event loop (one XACK). */
  ack(id: string): Promise<void> {
    this.ackIds.push(id);
    if (this.ackBatch === undefined) {
      this.ackBatch = new Promise<void>((resolve, reject) => {
        setImmediate(() => this.flushAcks().then(resolve, reject));
      });
    }
    return this.ackBatch;
  }

  private flushAcks(): Promise<void> {
    const ids = this.ackIds;
    this.ackIds = [];
    this.ackBatch = undefined;
    if (ids.length === 0) return Promise.resolve();
    const flushing = this.config.client.call('XACK', this.key, this.group, ...ids).then(ignore, (error: unknown) => {
      throw new TransportError(
        `Acknowledging ${ids.length} entries of ${this.key} as ${this.group} failed; they will be delivered again`,
        { cause: error },
      );
    });
    this.acking.add(flushing);
    const forget = () => void this.acking.delete(flushing);
    flushing.then(forget, forget);
    return flushing;
  }

  private async acknowledged(): Promise<void> {
    if (this.ackBatch !== undefined) await this.ackBatch.catch(ignore);
    await Promise.all([...this.acking].map((p) => p.catch(ignore)));
  }

  async deadLetter(id: string, topic: string, deadLetter: WireMessage): Promise<void> {
    const args = fieldsOf(deadLetter);
    await this.config.client.call(
      'EVAL',
      DEAD_LETTER_SCRIPT,
      2,
      this.key,
      this.config.prefix + topic,
      this.group,
      id,
      ...args,
    );
  }

  release(delivery: StreamDelivery): void {
    this.released.push(delivery);
  }

  private async reclaim(): Promise<void> {
    if (this.reclaiming || this.stopping) return;
    this.reclaiming = true;
    const { client, claimIdleMs, batchSize } = this.config;
    try {
      let cursor = '0-0';
      for (let round = 0; round < 10 && !this.stopping; round++) {
        const room = batchSize - this.buffer.length;
        if (room <= 0) break;
        const reply = await client.call(
          'XAUTOCLAIM',
          this.key,
          this.group,
          this.name,
          claimIdleMs,
          cursor,
          'COUNT',
          room,
        );
        if (!Array.isArray(reply)) break;
        cursor = String(reply[0]);
        const entries = ((reply[1] as RawEntry[] | null) ?? []).filter(([id]) => !this.owned.has(id));
        if (entries.length > 0 && !this.stopping) {
          const counts = await this.deliveryCounts(entries);
          this.hooks.reclaimed(entries.length);
          this.accept(entries, counts);
        }
        if (cursor === '0-0') break;
      }
    } catch (error) {
      if (!this.stopping) {
        this.hooks.error(new TransportError(`Reclaiming idle entries of ${this.key} failed`, { cause: error }));
      }
    } finally {
      this.reclaiming = false;
    }
  }

  private async deliveryCounts(entries: readonly RawEntry[]): Promise<Map<string, number>> {
    let min = entries[0]?.[0] as string;
    let max = min;
    for (const [id] of entries) {
      if (compareIds(id, min) < 0) min = id;
      if (compareIds(id, max) > 0) max = id;
    }
    const reply = await this.config.client.call(
      'XPENDING',
      this.key,
      this.group,
      min,
      max,
      entries.length * 2 + 10,
      this.name,
    );
    const counts = new Map<string, number>();
    if (Array.isArray(reply)) {
      for (const row of reply as unknown[][]) counts.set(String(row[0]), Number(row[3]));
    }
    return counts;
  }

  private async heartbeat(): Promise<void> {
    if (this.owned.size === 0 || this.heartbeating) return;
    this.heartbeating = true;
    try {
      await this.config.client.call('EVAL', HEARTBEAT_SCRIPT, 1, this.key, this.group, this.name, ...this.owned);
    } catch (error) {
      this.hooks.error(new TransportError(`Extending the claim on ${this.key} failed`, { cause: error }));
    } finally {
      this.heartbeating = false;
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.stop.abort();
    const { clock, client, blockMs } = this.config;
    clock.clearInterval(this.reclaimTimer);
    this.wakeLoop?.();
    await this.unblock();
    // Fetched but never started: give back at once.
    for (const delivery of this.buffer) this.released.push(delivery);
    this.buffer.length = 0;
    if (this.running > 0) {
      await new Promise<void>((resolve) => {
        this.whenIdle = resolve;
      });
    }
    // The heartbeat goes on while the last handlers drain, so that nobody takes their events meanwhile.
    clock.clearInterval(this.heartbeatTimer);
    try {
      await this.acknowledged();
      await this.giveBack();
      // A consumer that holds nothing is only clutter in XINFO CONSUMERS.
      const pending = await client.call('XPENDING', this.key, this.group, '-', '+', 1, this.name);
      if (Array.isArray(pending) && pending.length === 0) {
        await client.call('XGROUP', 'DELCONSUMER', this.key, this.group, this.name);
      }
    } catch (error) {
      this.hooks.error(new TransportError(`Cleaning up consumer ${this.name} of ${this.key} failed`, { cause: error }));
    }
    const conn = this.conn;
    if (conn !== undefined) {
      try {
        await withTimeout(conn.quit(), clock, blockMs + 1_000);
      } catch {
        conn.disconnect();
      }
    }
    this.transport.forget(this);
  }

  /** Ends the blocking read at once (it returns as if it timed out), so that close need not wait for BLOCK. */
  private async unblock(): Promise<void> {
    const { client, clock, blockMs } = this.config;
    let finished = false;
    const loopDone = this.loopDone.then(() => {
      finished = true;
    });
    const deadline = clock.now() + blockMs + 1_000;
    while (!finished && clock.now() < deadline) {
      try {
        if (this.connId !== undefined) await client.call('CLIENT', 'UNBLOCK', this.connId);
      } catch {}
      await Promise.race([loopDone, sleep(20, { clock })]);
    }
    if (!finished) {
      // The read could not be reached (its connection changed); drop the connection: what it fetched is reclaimed.
      this.conn?.disconnect();
      await loopDone;
    }
  }

  private async giveBack(): Promise<void> {
    if (this.released.length === 0) return;
    // Restore each entry's delivery counter (this delivery did not count) and make it claimable at once.
    const byCount = new Map<number, string[]>();
    for (const d of this.released) {
      const ids = byCount.get(d.deliveries - 1) ?? [];
      ids.push(d.id);
      byCount.set(d.deliveries - 1, ids);
    }
    this.released.length = 0;
    for (const [count, ids] of byCount) {
      await this.config.client.call(
        'XCLAIM',
        this.key,
        this.group,
        this.name,
        0,
        ...ids,
        'IDLE',
        RELEASED_IDLE_MS,
        'RETRYCOUNT',
        count,
        'JUSTID',
      );
    }
  }
}

class RedisStreamsTransportImpl implements Transport {
  readonly kind = 'redis-streams';
  readonly supportsGroups = true;
  private readonly consumers = new Set<StreamConsumer>();
  private closed = false;
  private serial = 0;
  constructor(private readonly config: Config) {}

  publish(message: WireMessage): Promise<unknown> {
    if (this.closed) return Promise.reject(new BusClosedError('The Redis Streams transport is closed'));
    const { client, prefix, maxLen } = this.config;
    // Resolves with the entry id once Redis replied (the client's own promise: no extra hop on the hot path).
    if (maxLen === undefined) return client.call('XADD', prefix + message.topic, '*', FIELD, frame(message));
    return client.call('XADD', prefix + message.topic, 'MAXLEN', '~', maxLen, '*', FIELD, frame(message));
  }

  async subscribe(
    options: TransportSubscribeOptions,
    handle: DeliveryHandler,
    hooks: TransportHooks,
  ): Promise<TransportSubscription> {
    if (this.closed) throw new BusClosedError('The Redis Streams transport is closed');
    const name = `${this.config.consumer}-${++this.serial}`;
    const consumer = new StreamConsumer(
      this,
      this.config,
      options.topic,
      options.group,
      name,
      options.concurrency,
      handle,
      hooks,
    );
    this.consumers.add(consumer);
    try {
      await consumer.start(options.startAt);
    } catch (error) {
      this.consumers.delete(consumer);
      throw error;
    }
    return consumer;
  }

  forget(consumer: StreamConsumer): void {
    this.consumers.delete(consumer);
  }

  async lag(topics: readonly string[]): Promise<GroupLag[]> {
    const perTopic = await Promise.all(
      topics.map(async (topic) => {
        let reply: unknown;
        try {
          reply = await this.config.client.call('XINFO', 'GROUPS', this.config.prefix + topic);
        } catch (error) {
          if (isReplyError(error, 'ERR no such key')) return [];
          throw error;
        }
        return (Array.isArray(reply) ? reply : []).map((group) => groupLag(topic, group));
      }),
    );
    return perTopic.flat();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close()));
  }
}

// One field holding the framed message (see `frame`): half the arguments of one field per envelope property for
// the client to encode and parse, which is most of the cost of a publish and a delivery.
function fieldsOf(message: WireMessage): RedisArgument[] {
  return [FIELD, frame(message)];
}

function parseFields(topic: string, fields: readonly unknown[]): WireMessage | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === FIELD) return unframe(topic, String(fields[i + 1]));
  }
  return undefined;
}

/** The entries of an XREADGROUP reply on one stream, whatever the protocol and the client's reply mapping. */
function entriesOfRead(reply: unknown): RawEntry[] | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (Array.isArray(reply)) {
    // RESP2: [[key, entries]]; RESP3 with ioredis's legacy mapping: the map flattened to [key, entries].
    if (typeof reply[0] === 'string') return reply[1] as RawEntry[] | undefined;
    return (reply[0] as [string, RawEntry[]] | undefined)?.[1];
  }
  if (reply instanceof Map) return reply.values().next().value as RawEntry[] | undefined;
  if (typeof reply === 'object') return Object.values(reply)[0] as RawEntry[] | undefined;
  return undefined;
}

function groupLag(topic: string, raw: unknown): GroupLag {
  const info = new Map<string, unknown>();
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) info.set(String(raw[i]), raw[i + 1]);
  } else if (raw instanceof Map) {
    for (const [k, v] of raw) info.set(String(k), v);
  } else if (typeof raw === 'object' && raw !== null) {
    for (const [k, v] of Object.entries(raw)) info.set(k, v);
  }
  const lag = info.get('lag');
  return {
    topic,
    group: String(info.get('name')),
    consumers: Number(info.get('consumers') ?? 0),
    pending: Number(info.get('pending') ?? 0),
    lag: lag === null || lag === undefined ? undefined : Number(lag),
  };
}

function compareIds(a: string, b: string): number {
  const [ams = '0', aseq = '0'] = a.split('-');
  const [bms = '0', bseq = '0'] = b.split('-');
  const ms = BigInt(ams) - BigInt(bms);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aseq) - BigInt(bseq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

function withTimeout<T>(promise: Promise<T>, clock: Clock, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function ignore(): void {}

function defaultConsumer(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Durable, at-least-once delivery over Redis Streams: `publish` is an `XADD` to the topic's stream; each consumer
 * group (`XREADGROUP`) gets every event and its members share them; an event is acknowledged (`XACK`) only after its
 * handler succeeded; the entries of a consumer that died are taken over after `claimIdleMs` (`XAUTOCLAIM`); a handler
 * that keeps failing moves its event to the dead-letter stream with the error (atomically with the `XACK`).
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { createBus, redisStreamsTransport } from '@weft/bus';
 *
 * const bus = createBus<{ 'order.created': { id: string } }>({
 *   name: 'billing',
 *   transport: redisStreamsTransport({ client: new Redis(), maxLen: 1_000_000, claimIdleMs: 60_000 }),
 * });
 * await bus.subscribe('order.created', async ({ payload }) => charge(payload.id), { concurrency: 8 });
 * ```
 */
export function redisStreamsTransport(options: RedisStreamsTransportOptions): Transport {
  checkOptionsObject(options, 'redisStreamsTransport');
  if (options === undefined) throw new TypeError('redisStreamsTransport: expected an options object, got undefined');
  checkKnownOptions(options, OPTIONS, 'redisStreamsTransport');
  const { client, prefix = 'weft:bus:', maxLen, claimIdleMs = 30_000, blockMs = 5_000, batchSize = 32 } = options;
  checkRedisClientOptions(client, prefix);
  checkInteger(maxLen, 'maxLen', 1);
  checkInteger(claimIdleMs, 'claimIdleMs', 1, 2 ** 31 - 1);
  checkInteger(options.claimIntervalMs, 'claimIntervalMs', 1, 2 ** 31 - 1);
  checkInteger(blockMs, 'blockMs', 1, 2 ** 31 - 1);
  checkInteger(batchSize, 'batchSize', 1, 100_000);
  if (options.consumer !== undefined) checkName(options.consumer, 'consumer');
  const clock = options.clock ?? systemClock;
  if (typeof clock !== 'object' || clock === null || typeof clock.setInterval !== 'function') {
    throw new TypeError(`clock: expected a Clock, got ${describe(clock)}`);
  }
  return new RedisStreamsTransportImpl({
    client,
    prefix,
    maxLen,
    claimIdleMs,
    claimIntervalMs: options.claimIntervalMs ?? Math.max(1, Math.floor(claimIdleMs / 2)),
    blockMs,
    batchSize,
    consumer: options.consumer ?? defaultConsumer(),
    clock,
  });
}
