// The circuit breaker pattern with @weft/breaker: stop calling what is failing, serve a fallback meanwhile, and
// check now and then whether it is back. Closed: calls go through and their outcomes fill a sliding window. Too
// many failures: open, calls fail fast without running. After a cool-down: half-open, a few probes decide.
import assert from 'node:assert/strict';
import { CircuitBreaker, isBrokenCircuitError } from '@weft/breaker';
import { Reactor } from '@weft/reactor';

const clock = new Reactor(); // virtual time for the cool-down; omit `clock` in production

// A dependency we can break and heal.
let healthy = true;
let calls = 0;
async function priceOf(signal: AbortSignal, sku: string): Promise<number> {
  calls++;
  if (signal.aborted) throw signal.reason;
  if (!healthy) throw new Error(`pricing service: 503 for ${sku}`);
  return 42;
}

const breaker = new CircuitBreaker({
  name: 'pricing',
  window: { type: 'count', size: 10 }, // the last 10 calls
  failureRateThreshold: 0.5, // open when half of them failed…
  minimumCalls: 4, // …once there are at least 4
  openDurationMs: 5_000, // then probe again after 5 s
  halfOpenMaxCalls: 1,
  clock,
});
const transitions: string[] = [];
breaker.events.on('stateChange', (from, to) => transitions.push(`${from} → ${to}`));

const getPrice = breaker.wrap(priceOf);

// 1. Closed: calls run.
assert.equal(await getPrice('A-1'), 42);

// 2. The dependency breaks: failures fill the window until the failure rate crosses the threshold.
healthy = false;
for (let i = 0; i < 4; i++) await getPrice('A-1').catch(() => undefined);
assert.equal(breaker.state, 'open');

// 3. Open: calls are rejected at once, without touching the dependency.
const before = calls;
const rejected = await getPrice('A-1').catch((error: unknown) => error);
assert.ok(isBrokenCircuitError(rejected));
assert.equal(calls, before, 'the failing service was not called');
console.log(`open: rejected without a call; retry in ${rejected.retryAfterMs} ms`);

// 4. After openDurationMs the next call is a probe; it succeeds, so the circuit closes.
healthy = true;
clock.advance(5_000);
assert.equal(breaker.state, 'half-open');
assert.equal(await getPrice('A-1'), 42);
assert.equal(breaker.state, 'closed');
console.log('transitions:', transitions.join(', '));

// 5. With a fallback, callers never see the breaker's errors: a cached price while the service is down.
const cached = new Map([['A-1', 40]]);
const withFallback = new CircuitBreaker({
  consecutiveFailures: 2,
  fallback: (_error, sku) => cached.get(sku as string) ?? 0, // gets the call's arguments
  clock,
});
healthy = false;
const prices = [];
for (let i = 0; i < 3; i++) prices.push(await withFallback.execute(priceOf, 'A-1'));
console.log('with a fallback while failing:', prices, '| state:', withFallback.state);
assert.deepEqual(prices, [40, 40, 40]);

// 6. The states are an @weft/fsm machine; the docs draw it with this very call.
console.log(breaker.toMermaid());
