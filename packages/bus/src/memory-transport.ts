import type { WireMessage } from './envelope';
import { BusClosedError } from './errors';
import type {
  Delivery,
  DeliveryHandler,
  GroupLag,
  Transport,
  TransportHooks,
  TransportSubscribeOptions,
  TransportSubscription,
} from './transport';
import { checkInteger, checkKnownOptions, checkOptionsObject } from './validate';

/** Options of {@link memoryTransport}. */
export interface MemoryTransportOptions {
  /**
   * The most messages a consumer group keeps waiting (for instance while it has no member); beyond it the oldest are
   * dropped. 100,000 by default.
   */
  maxLen?: number;
}

interface Entry {
  readonly message: WireMessage;
  deliveries: number;
}

class Member implements TransportSubscription {
  inFlight = 0;
  closed = false;
  private idle: (() => void) | undefined;
  constructor(
    readonly group: Group,
    readonly concurrency: number,
    readonly handle: DeliveryHandler,
  ) {}

  run(entry: Entry): void {
    this.inFlight++;
    entry.deliveries++;
    this.handle(new MemoryDelivery(this, entry)).then(this.done);
  }

  private readonly done = (): void => {
    this.inFlight--;
    if (this.inFlight === 0 && this.idle !== undefined) this.idle();
    this.group.schedule();
  };

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.group.remove(this);
    }
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }
}

class MemoryDelivery implements Delivery {
  constructor(
    private readonly member: Member,
    private readonly entry: Entry,
  ) {}
  get message(): WireMessage {
    return this.entry.message;
  }
  get deliveries(): number {
    return this.entry.deliveries;
  }
  ack(): Promise<void> {
    return RESOLVED;
  }
  deadLetter(topic: string, deadLetter: WireMessage): Promise<void> {
    return this.member.group.transport.publishNow(topic, deadLetter);
  }
  release(): void {
    // Given back unhandled: this delivery does not count.
    this.entry.deliveries--;
    this.member.group.requeue(this.entry);
  }
}

class Group {
  readonly queue: Entry[] = [];
  readonly members: Member[] = [];
  private next = 0;
  private scheduled = false;
  constructor(
    readonly transport: MemoryTransportImpl,
    private readonly maxLen: number,
  ) {}

  push(message: WireMessage): void {
    this.queue.push({ message, deliveries: 0 });
    if (this.queue.length > this.maxLen) this.queue.shift();
    this.schedule();
  }

  requeue(entry: Entry): void {
    this.queue.unshift(entry);
    this.schedule();
  }

  remove(member: Member): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
  }

  get inFlight(): number {
    let n = 0;
    for (const m of this.members) n += m.inFlight;
    return n;
  }

  // Delivery is asynchronous (a microtask), as with a real transport: publish never runs a handler re-entrantly.
  schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.members.length === 0) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const members = this.members;
    while (this.queue.length > 0 && members.length > 0) {
      // Round-robin over the members with a free slot, so that members of a group share the work.
      let chosen: Member | undefined;
      for (let i = 0; i < members.length; i++) {
        const m = members[(this.next + i) % members.length] as Member;
        if (m.inFlight < m.concurrency) {
          chosen = m;
          this.next = (this.next + i + 1) % members.length;
          break;
        }
      }
      if (chosen === undefined) return;
      chosen.run(this.queue.shift() as Entry);
    }
  }
}

const RESOLVED = Promise.resolve();

class MemoryTransportImpl implements Transport {
  readonly kind = 'memory';
  readonly supportsGroups = true;
  private readonly topics = new Map<string, Map<string, Group>>();
  private closed = false;
  constructor(private readonly maxLen: number) {}

  publish(message: WireMessage): Promise<void> {
    return this.publishNow(message.topic, message);
  }

  publishNow(topic: string, message: WireMessage): Promise<void> {
    if (this.closed) return Promise.reject(new BusClosedError('The memory transport is closed'));
    const groups = this.topics.get(topic);
    if (groups !== undefined) for (const group of groups.values()) group.push(message);
    return RESOLVED;
  }

  subscribe(
    options: TransportSubscribeOptions,
    handle: DeliveryHandler,
    _hooks: TransportHooks,
  ): Promise<TransportSubscription> {
    if (this.closed) return Promise.reject(new BusClosedError('The memory transport is closed'));
    let groups = this.topics.get(options.topic);
    if (groups === undefined) {
      groups = new Map();
      this.topics.set(options.topic, groups);
    }
    let group = groups.get(options.group);
    if (group === undefined) {
      group = new Group(this, this.maxLen);
      groups.set(options.group, group);
    }
    const member = new Member(group, options.concurrency, handle);
    group.members.push(member);
    group.schedule();
    return Promise.resolve(member);
  }

  lag(topics: readonly string[]): Promise<GroupLag[]> {
    const out: GroupLag[] = [];
    for (const topic of topics) {
      const groups = this.topics.get(topic);
      if (groups === undefined) continue;
      for (const [name, group] of groups) {
        out.push({
          topic,
          group: name,
          consumers: group.members.length,
          pending: group.inFlight,
          lag: group.queue.length,
        });
      }
    }
    return Promise.resolve(out);
  }

  close(): Promise<void> {
    this.closed = true;
    this.topics.clear();
    return RESOLVED;
  }
}

/**
 * An in-process transport, for tests and for a single process: the semantics of {@link redisStreamsTransport}
 * (every consumer group gets every message, the members of a group share them, a message given back is delivered
 * again) without persistence. Messages are still encoded and decoded, so handlers never share the publisher's objects.
 *
 * @example
 * ```ts
 * import { createBus, memoryTransport } from '@weft/bus';
 * const bus = createBus<{ 'user.signed-up': { id: string } }>({ name: 'app', transport: memoryTransport() });
 * await bus.subscribe('user.signed-up', ({ payload }) => console.log('welcome', payload.id));
 * await bus.publish('user.signed-up', { id: 'u1' });
 * ```
 */
export function memoryTransport(options: MemoryTransportOptions = {}): Transport {
  checkOptionsObject(options, 'memoryTransport');
  checkKnownOptions(options, ['maxLen'], 'memoryTransport');
  if (options.maxLen !== Number.POSITIVE_INFINITY) checkInteger(options.maxLen, 'maxLen', 1);
  return new MemoryTransportImpl(options.maxLen ?? 100_000);
}
