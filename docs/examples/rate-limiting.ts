// The rate limiting pattern with @weft/ratelimit: every client has a budget that refills over time. A token
// bucket holds `limit` tokens (the burst); each request takes one; tokens come back at `limit` per `windowMs`.
// Denial is a result, not an exception, with what a client needs to back off politely.
import assert from 'node:assert/strict';
import { MemoryStore, RateLimiter, rateLimitHeaders } from '@weft/ratelimit';
import { Reactor } from '@weft/reactor';

const clock = new Reactor(); // virtual time for the refill; omit `clock` in production
const limiter = new RateLimiter({
  algorithm: 'token-bucket',
  limit: 5, // a burst of 5…
  windowMs: 10_000, // …refilled at 5 per 10 s (one every 2 s)
  store: new MemoryStore({ clock }),
  clock,
});

// 1. A burst of 7 from one client: 5 pass, 2 are limited.
const answers: string[] = [];
let last = await limiter.consume('client-a');
answers.push(last.allowed ? '200' : '429');
for (let i = 0; i < 6; i++) {
  last = await limiter.consume('client-a');
  answers.push(last.allowed ? '200' : '429');
}
console.log('burst of 7:', answers.join(' '));
assert.deepEqual(answers, ['200', '200', '200', '200', '200', '429', '429']);

// 2. What a 429 carries: the IETF RateLimit headers and Retry-After (2 s: one token's refill time).
const headers = rateLimitHeaders(last, { policyName: 'api' });
console.log(headers);
assert.equal(headers['Retry-After'], '2');

// 3. Another client has its own budget.
assert.equal((await limiter.consume('client-b')).allowed, true);

// 4. Time refills the bucket: after 2 s one more request passes, after 10 s a full burst again.
clock.advance(2_000);
assert.equal((await limiter.consume('client-a')).allowed, true);
assert.equal((await limiter.consume('client-a')).allowed, false);
clock.advance(10_000);
assert.equal((await limiter.peek('client-a')).remaining, 5);
console.log('after 10 s: full budget again');

// 5. Several limits at once (10/s and 1,000/day): checked and consumed together, nothing counted on a denial.
const api = new RateLimiter({
  algorithm: 'gcra',
  limits: [
    { limit: 10, windowMs: 1_000 },
    { limit: 1_000, windowMs: 86_400_000 },
  ],
  store: new MemoryStore({ clock }),
  clock,
});
let allowed = 0;
for (let i = 0; i < 15; i++) if ((await api.consume('client-c')).allowed) allowed++;
assert.equal(allowed, 10);
console.log(`two limits: ${allowed} of 15 allowed in the same instant`);
