// The event bus pattern with @weft/bus: the observer across processes. Publishers name a topic, not a consumer;
// each consumer group gets every event, the members of one group share them, and a failing handler is retried and
// finally dead-lettered instead of losing the event. memoryTransport() runs it in one process (tests, demos);
// redisStreamsTransport({ client }) is the same API, durable and shared between machines.
import assert from 'node:assert/strict';
import { createBus, type DeadLetter, memoryTransport } from '@weft/bus';
import { Reactor } from '@weft/reactor';
import { constant } from '@weft/retry';

interface Order {
  id: string;
  total: number;
}
type Topics = { 'order.created': Order; 'order.created.dead-letter': DeadLetter<Order> };

const clock = new Reactor(); // retry waits in virtual time; omit `clock` in production
const bus = createBus<Topics>({ name: 'shop', transport: memoryTransport(), clock });

// Two groups: billing and email each get every order. A group's members (say, two billing replicas) share them.
const billed: string[] = [];
const emailed: string[] = [];
const deadLetters: string[] = [];
await bus.subscribe('order.created', ({ payload }) => void billed.push(payload.id), { group: 'billing' });
await bus.subscribe(
  'order.created',
  ({ payload, attempt }) => {
    if (payload.total > 1_000) throw new Error(`mail server rejected order ${payload.id} (attempt ${attempt})`);
    emailed.push(payload.id);
  },
  { group: 'email', retry: { maxAttempts: 3, backoff: constant(1_000) } },
);
await bus.subscribe('order.created.dead-letter', ({ payload }) => void deadLetters.push(payload.error.message), {
  group: 'ops',
});
bus.events.on('failed', (envelope, error) => console.log(`failed: ${envelope.topic} ${(error as Error).message}`));

await bus.publish('order.created', { id: 'o-1', total: 42 });
await bus.publish('order.created', { id: 'o-2', total: 5_000 }); // the email handler will keep failing on this one

// Let the handlers run and the retries' waits pass (virtual time).
for (let i = 0; i < 10; i++) {
  await clock.advanceAsync(1_000);
  await new Promise((resolve) => setImmediate(resolve));
}

console.log('billing got', billed, '| email got', emailed, '| dead letters:', deadLetters);
assert.deepEqual(billed.sort(), ['o-1', 'o-2']);
assert.deepEqual(emailed, ['o-1']);
assert.equal(deadLetters.length, 1);
assert.match(deadLetters[0] as string, /o-2 \(attempt 3\)/);

await bus.close(); // lets running handlers finish, then stops
