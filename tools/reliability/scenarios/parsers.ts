/**
 * Scenario 9f, the parsers behind rate limiting and retries, property-tested in-process: `Retry-After` parsing,
 * client-address parsing and keys, the RateLimit headers written, and the server's rate-limit options. Each must
 * answer bad input with `undefined` or a TypeError/RangeError naming the input, never anything else.
 */
import fc from 'fast-check';
import { normalizeIp } from '../../../packages/ratelimit/src/client-ip';
import { clientIp, ipKey, rateLimitHeaders } from '../../../packages/ratelimit/src/index';
import { parseRetryAfter } from '../../../packages/retry/src/index';
import { createServer } from '../../../packages/server/src/index';
import type { Scenario } from '../lib/harness';
import { checkProperty } from '../lib/property';

const anything = fc.oneof(
  fc.string(),
  fc.stringMatching(/^\s*\d{1,400}\s*$/),
  fc.stringMatching(/^-?\d+(\.\d+)?(e\d+)?$/),
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString().replace(/\d\d:/, '99:')),
  fc.constantFrom(
    'Fri, 31 Feb 2025 10:00:00 GMT',
    'Sunday, 06-Nov-94 08:49:37 GMT',
    'Sun Nov  6 08:49:37 1994',
    ' 5 ',
    '5s',
    '',
  ),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1e308),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.constant(null),
  fc.constant(undefined),
  fc.object(),
);

function isNamedError(error: unknown, name: string): boolean {
  return (error instanceof TypeError || error instanceof RangeError) && error.message.includes(name);
}

export const parsers: Scenario = {
  id: '9f',
  title: 'Bad input: Retry-After, client-address and RateLimit parsers',
  load: '2,000 Retry-After values, 1,000 addresses and X-Forwarded-For chains, 1,000 limiter results, 500 rateLimit options (fast-check)',
  faults: 'garbage, 400-digit numbers, impossible dates, NaN/Infinity, non-strings; hostile option values',
  budgetMs: 60_000,
  async run(ctx) {
    const now = Date.UTC(2025, 0, 1);
    checkProperty(
      ctx,
      'parseRetryAfter: never throws; undefined or a finite delay ≥ 0',
      fc.property(anything, (value) => {
        const ms = parseRetryAfter(value, now);
        if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0)) throw new Error(`returned ${ms}`);
      }),
      2_000,
      'values',
    );
    checkProperty(
      ctx,
      'parseRetryAfter: delta-seconds exact, dates relative to now',
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: -1e6, max: 1e6 }), (seconds, offset) => {
        if (parseRetryAfter(String(seconds), now) !== seconds * 1000) throw new Error('delta-seconds');
        const date = new Date(now + offset * 1000).toUTCString();
        if (parseRetryAfter(date, now) !== Math.max(0, offset * 1000)) throw new Error(`date ${date}`);
      }),
      500,
      'values',
    );
    checkProperty(
      ctx,
      'normalizeIp/ipKey: undefined or a TypeError naming the address for non-addresses',
      fc.property(fc.oneof(fc.string({ maxLength: 50 }), fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), (text) => {
        const normal = normalizeIp(text);
        try {
          const key = ipKey(text);
          if (normal === undefined || typeof key !== 'string') throw new Error(`ipKey accepted ${text}`);
        } catch (error) {
          if (normal !== undefined || !isNamedError(error, 'address')) throw error;
        }
      }),
      1_000,
      'addresses',
    );
    checkProperty(
      ctx,
      'clientIp: any X-Forwarded-For chain gives an address string (the peer without trust)',
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc
            .array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 8 })), { maxLength: 5 })
            .map((a) => a.join(',')),
        ),
        fc.constantFrom(undefined, false, true, 'loopback', 1, 3, '10.0.0.0/8'),
        (header, trustProxy) => {
          const ip = clientIp(
            { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': header } },
            trustProxy === undefined ? {} : { trustProxy: trustProxy as never },
          );
          if (typeof ip !== 'string' || ip === '') throw new Error(`gave ${String(ip)}`);
          if (!trustProxy && ip !== '127.0.0.1') throw new Error(`untrusted header changed the address to ${ip}`);
        },
      ),
      1_000,
      'chains',
    );
    checkProperty(
      ctx,
      'rateLimitHeaders: printable values, whole non-negative seconds, Retry-After ≥ 1 when denied',
      fc.property(
        fc.record({
          allowed: fc.boolean(),
          limit: fc.integer({ min: 1, max: 1e9 }),
          windowMs: fc.integer({ min: 1, max: 1e10 }),
          remaining: fc.integer({ min: -5, max: 1e9 }),
          resetMs: fc.integer({ min: 0, max: 1e10 }),
          retryAfterMs: fc.integer({ min: 0, max: 1e10 }),
        }),
        fc.constantFrom('draft-8', 'draft-7', 'draft-6') as fc.Arbitrary<'draft-8' | 'draft-7' | 'draft-6'>,
        (r, standard) => {
          const headers = rateLimitHeaders({ ...r, limited: !r.allowed }, { standard });
          for (const [name, value] of Object.entries(headers)) {
            if (!/^[\x20-\x7e]+$/.test(value) || /NaN|Infinity|-\d/.test(value)) throw new Error(`${name}: ${value}`);
          }
          if (!r.allowed && !(Number(headers['Retry-After']) >= 1))
            throw new Error(`Retry-After ${headers['Retry-After']}`);
        },
      ),
      1_000,
      'results',
    );
    checkProperty(
      ctx,
      'createServer rateLimit options: accepted, or a TypeError/RangeError naming rateLimit.<option>',
      fc.property(
        fc.dictionary(
          fc.constantFrom('limit', 'windowMs', 'algorithm', 'headers', 'storeTimeoutMs', 'store', 'key', 'burst'),
          fc.oneof(
            fc.integer({ min: -10, max: 1e7 }),
            fc.double(),
            fc.constantFrom('gcra', 'token-bucket', 'sliding-window', 'draft-6', 'memory', 'nope', ''),
            fc.constant({ redis: 'http://x' }),
            fc.constant(null),
            fc.boolean(),
          ),
          { maxKeys: 3 },
        ),
        (rateLimit) => {
          try {
            createServer({ rateLimit: rateLimit as never, loadShedding: false, operations: false });
          } catch (error) {
            if (!isNamedError(error, 'rateLimit')) throw error;
          }
        },
      ),
      500,
      'options',
    );
  },
};
