// The retry pattern with @weft/retry: try again later, a little later each time, at random (so that a thousand
// clients do not retry in lock-step), never for errors that cannot heal, and not at all while a dependency is down
// for everyone (a shared retry budget), so that retries cannot turn an outage into a retry storm.
import assert from 'node:assert/strict';
import { Reactor } from '@weft/reactor';
import { exponential, isRetryError, nonRetryable, RetryBudget, retry } from '@weft/retry';

const clock = new Reactor(); // the waits pass in virtual time; omit `clock` in production

// A dependency that fails twice, then answers.
let calls = 0;
async function flakyLookup(id: string): Promise<string> {
  calls++;
  if (calls <= 2) throw Object.assign(new Error(`ECONNRESET #${calls}`), { code: 'ECONNRESET' });
  return `user ${id}`;
}

// 1. Exponential backoff with full jitter: each wait is random in [0, min(cap, base·2^n)].
const waits: number[] = [];
const pending = retry(() => flakyLookup('42'), {
  maxAttempts: 5,
  backoff: exponential({ initialMs: 100, maxMs: 2_000, jitter: 'full' }),
  onRetry: ({ error, attempt, delayMs }) => {
    waits.push(Math.round(delayMs));
    console.log(`attempt ${attempt} failed (${(error as Error).message}); next in ${Math.round(delayMs)} ms`);
  },
  clock,
});
await clock.runAsync();
assert.equal(await pending, 'user 42');
assert.equal(calls, 3);
assert.ok(waits[0]! <= 100 && waits[1]! <= 200, 'full jitter never waits more than the exponential cap');
console.log(`succeeded on attempt ${calls} after ${Math.round(clock.now())} ms of (virtual) waiting`);

// 2. Errors that cannot heal are not retried: they reject at once, unchanged.
let validations = 0;
await assert.rejects(
  retry(
    () => {
      validations++;
      throw nonRetryable(new TypeError('id must be a number'));
    },
    { clock },
  ),
  TypeError,
);
assert.equal(validations, 1);

// 3. Giving up rejects with a RetryError that keeps every attempt's error.
const gaveUp = retry(
  () => {
    throw new Error('still down');
  },
  { maxAttempts: 3, clock },
).catch((error: unknown) => error);
await clock.runAsync();
const error = await gaveUp;
assert.ok(isRetryError(error));
console.log(`gave up: ${error.reason}, ${error.attempts} attempts, errors: ${error.errors.length}`);

// 4. A shared budget: during an outage, retries stop once failures outweigh successes (gRPC retry throttling),
// so 50 callers cause about 55 calls instead of 50 × 3.
const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
let outageCalls = 0;
const callers = Array.from({ length: 50 }, () =>
  retry(
    async () => {
      outageCalls++;
      throw new Error('503');
    },
    { maxAttempts: 3, budget, clock },
  ).catch(() => undefined),
);
await clock.runAsync();
await Promise.all(callers);
console.log(`outage: 50 callers made ${outageCalls} calls (without a budget: 150)`);
assert.ok(outageCalls < 70);
