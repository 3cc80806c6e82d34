// The state machine pattern with @weft/fsm: name the states, list the legal moves, and everything else is impossible
// by construction. An order can only be shipped once paid; an unpaid order is cancelled after 15 minutes by itself.
import assert from 'node:assert/strict';
import { assign, createActor, createMachine, toMermaid } from '@weft/fsm';
import { Reactor } from '@weft/reactor';

// An event is `{ type }` plus any payload; the machine reads a payload as `unknown`, so narrow it where you use it.
const amountOf = (event: { readonly [payload: string]: unknown }): number =>
  typeof event.amount === 'number' ? event.amount : 0;

const order = createMachine({
  id: 'order',
  initial: 'pending',
  context: { paid: 0, total: 120 },
  states: {
    pending: {
      on: {
        PAY: [
          // Guards are checked in order; the first that passes wins.
          {
            target: 'paid',
            guard: (ctx, e) => ctx.paid + amountOf(e) >= ctx.total,
            actions: assign((ctx, e) => ({ paid: ctx.paid + amountOf(e) })),
          },
          { actions: assign((ctx, e) => ({ paid: ctx.paid + amountOf(e) })) }, // a partial payment: stay pending
        ],
        CANCEL: 'cancelled',
      },
      after: { 900000: 'cancelled' }, // 15 minutes without full payment
    },
    paid: { on: { SHIP: 'shipped', CANCEL: 'refunding' } },
    refunding: { on: { REFUNDED: 'cancelled' } },
    shipped: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

// 1. The pure core: transition(snapshot, event) computes the next snapshot and runs nothing.
const { snapshot } = order.transition(order.initialSnapshot, { type: 'PAY', amount: 50 });
assert.equal(snapshot.value, 'pending');
assert.equal(snapshot.context.paid, 50);

// 2. An actor runs the machine: it keeps the snapshot, runs actions, and schedules `after` on its clock.
const clock = new Reactor(); // virtual time; omit `clock` in production
const actor = createActor(order, { clock }).start();
const seen: string[] = [];
actor.subscribe((s) => seen.push(String(s.value)));
actor.send({ type: 'PAY', amount: 100 });
actor.send({ type: 'PAY', amount: 20 });
assert.equal(actor.getSnapshot().value, 'paid');
assert.equal(actor.can({ type: 'SHIP' }), true);
actor.send({ type: 'REFUNDED' }); // not a legal move from `paid`: ignored, the snapshot does not change
actor.send({ type: 'SHIP' });
assert.equal(actor.getSnapshot().status, 'done');
console.log('order 1:', ['pending', ...seen].join(' → '));

// 3. Delayed transitions run on the injected clock: 15 virtual minutes pass in an instant.
const unpaid = createActor(order, { clock }).start();
clock.advance(899_999);
assert.equal(unpaid.getSnapshot().value, 'pending');
clock.advance(1);
assert.equal(unpaid.getSnapshot().value, 'cancelled');
console.log('order 2: pending → cancelled after', 900_000 / 60_000, 'virtual minutes');

// 4. Persist a waiting actor as JSON (pending delays keep their remaining time) and resume it elsewhere.
const waiting = createActor(order, { clock }).start();
clock.advance(600_000);
const saved = JSON.parse(JSON.stringify(waiting.getPersistedSnapshot()));
waiting.stop();
const resumed = createActor(order, { clock, snapshot: saved }).start();
clock.advance(300_000); // the remaining 5 minutes
assert.equal(resumed.getSnapshot().value, 'cancelled');
console.log('order 3: persisted after 10 minutes, resumed, cancelled 5 minutes later');

// 5. The diagram is generated from the machine itself, so it cannot drift from the code.
console.log(toMermaid(order));
