// The event loop pattern with @weft/reactor: time is a dependency. Code that waits takes a Clock; production passes
// the system clock, tests pass a Reactor and move virtual time by hand: a 30 s timeout is tested in microseconds.
import assert from 'node:assert/strict';
import { type Clock, LoopMonitor, Reactor, sleep, systemClock } from '@weft/reactor';

// 1. Code under test: polls a job until it is done, waiting 1 s between polls. It never calls setTimeout itself.
async function waitForJob(isDone: () => boolean, clock: Clock = systemClock): Promise<number> {
  const started = clock.now();
  while (!isDone()) await sleep(1_000, { clock });
  return clock.now() - started;
}

// 2. In a test, a Reactor is the clock: virtual time starts at 0 and only moves when we advance it.
const reactor = new Reactor();
let polls = 0;
const waited = waitForJob(() => ++polls > 5, reactor);
await reactor.advanceAsync(10_000); // lets the promise continuations run between the timers
assert.equal(await waited, 5_000);
console.log(`job done after ${await waited} ms of virtual time, ${polls} polls, ${reactor.now()} ms on the clock`);

// 3. The Reactor runs libuv's phases in Node's order. nextTick callbacks run first; a 0 ms timeout is a 1 ms one
// (as in Node), so the check phase (setImmediate) of this iteration comes before it.
const order: string[] = [];
reactor.setTimeout(() => order.push(`timeout at +${reactor.now() - 10_000} ms`), 0);
reactor.setImmediate(() => order.push('immediate'));
reactor.nextTick(() => order.push('nextTick'));
reactor.advance(1);
console.log('phase order:', order.join(' → '));
assert.deepEqual(order, ['nextTick', 'immediate', 'timeout at +1 ms']);

// 4. In production, watch the real loop: a blocked loop is what load shedding reacts to (503 before doing work).
const monitor = new LoopMonitor({ maxDelayMs: 50, warmupMs: 0, sampleIntervalMs: 20 }).start();
const blockUntil = performance.now() + 200;
while (performance.now() < blockUntil) {
  // a synchronous 200 ms task: nothing else can run meanwhile
}
const snapshot = monitor.snapshot();
monitor.stop();
console.log(`after a 200 ms block: lag ${Math.round(snapshot.lagMs)} ms, overloaded: ${snapshot.overloaded}`);
assert.ok(snapshot.lagMs >= 100, 'the monitor sees the blocked loop');
