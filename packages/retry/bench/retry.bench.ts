// Overhead of a successful first attempt: the common case, which every call through a retry wrapper pays.
// A bare `await fn()` is the floor; the difference to it is the wrapper's cost per call.
import pRetry from 'p-retry';
import { bench, describe } from 'vitest';
import { exponential, RetryBudget, retry, retryable } from '../src/index';

const fn = async () => 42;
const options = { maxAttempts: 5, backoff: exponential({ initialMs: 50 }) };
const budget = new RetryBudget();
const budgeted = { maxAttempts: 5, budget };
const wrapped = retryable(fn, options);
const controller = new AbortController();
const withSignal = { signal: controller.signal };
const withDeadline = { maxElapsedMs: 10_000 };
const pRetryOptions = { retries: 4, minTimeout: 50 };

let sink = 0;
const settings = { time: 1_000, warmupTime: 200 };

describe('successful first attempt', () => {
  bench(
    'bare await fn()',
    async () => {
      sink += await fn();
    },
    settings,
  );
  bench(
    '@weft/retry retry(fn)',
    async () => {
      sink += await retry(fn);
    },
    settings,
  );
  bench(
    '@weft/retry retry(fn, { maxAttempts, backoff })',
    async () => {
      sink += await retry(fn, options);
    },
    settings,
  );
  bench(
    '@weft/retry retryable(fn)()',
    async () => {
      sink += await wrapped();
    },
    settings,
  );
  bench(
    '@weft/retry retry(fn, { budget })',
    async () => {
      sink += await retry(fn, budgeted);
    },
    settings,
  );
  bench(
    '@weft/retry retry(fn, { signal })',
    async () => {
      sink += await retry(fn, withSignal);
    },
    settings,
  );
  bench(
    '@weft/retry retry(fn, { maxElapsedMs })',
    async () => {
      sink += await retry(fn, withDeadline);
    },
    settings,
  );
  bench(
    'p-retry pRetry(fn, { retries, minTimeout })',
    async () => {
      sink += await pRetry(fn, pRetryOptions);
    },
    settings,
  );
});

export { sink };
