import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryAfterMsOf } from './retry-after';

const now = Date.UTC(2015, 9, 21, 7, 27, 0); // Wed, 21 Oct 2015 07:27:00 GMT

describe('parseRetryAfter', () => {
  it('turns delta-seconds into milliseconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 3 ', now)).toBe(3_000);
    expect(parseRetryAfter(2, now)).toBe(2_000);
  });

  it('gives undefined, not Infinity, for delays too large to wait for', () => {
    expect(parseRetryAfter('9'.repeat(400), now)).toBeUndefined();
    expect(parseRetryAfter(1e308, now)).toBeUndefined();
    expect(parseRetryAfter(Number.POSITIVE_INFINITY, now)).toBeUndefined();
    expect(parseRetryAfter(Number.NaN, now)).toBeUndefined();
    expect(parseRetryAfter('9007199254741', now)).toBeUndefined(); // 9,007,199,254,741,000 ms > MAX_SAFE_INTEGER
    expect(parseRetryAfter('9007199254', now)).toBe(9_007_199_254_000);
  });

  it('measures an IMF-fixdate from now', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Thu, 22 Oct 2015 07:27:00 GMT', now)).toBe(86_400_000);
  });

  it('accepts the obsolete RFC 850 and asctime forms, both in GMT', () => {
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:27:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed Oct 21 07:27:45 2015', now)).toBe(45_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', Date.UTC(1994, 10, 6, 8, 49, 30))).toBe(7_000);
  });

  it('reads a two-digit RFC 850 year more than 50 years ahead as the past century', () => {
    const in2060 = Date.UTC(2060, 0, 1);
    // '99' would be 2099 (39 years ahead: kept); '15' stays 2015 (in the past: 0).
    expect(parseRetryAfter('Thursday, 01-Jan-99 00:00:00 GMT', in2060)).toBe(Date.UTC(2099, 0, 1) - in2060);
    const in2030 = Date.UTC(2030, 0, 1);
    // '99' would be 2099, 69 years ahead: it means 1999, long past.
    expect(parseRetryAfter('Friday, 01-Jan-99 00:00:00 GMT', in2030)).toBe(0);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
  });

  it('gives undefined for garbage', () => {
    for (const value of [
      '',
      'soon',
      '-1',
      '1.5',
      '3 s',
      'Wed, 31 Feb 2015 07:28:00 GMT',
      'Wed, 21 Oct 2015 25:00:00 GMT',
    ]) {
      expect(parseRetryAfter(value, now), value).toBeUndefined();
    }
    expect(parseRetryAfter('2015-10-21T07:28:00Z', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(-1, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });
});

describe('retryAfterMsOf', () => {
  const dateNow = () => now;

  it('prefers the error’s own retryAfterMs', () => {
    expect(retryAfterMsOf(Object.assign(new Error('x'), { retryAfterMs: 1_500 }), dateNow)).toBe(1_500);
  });

  it('reads Retry-After from a thrown Response or an error carrying one', () => {
    const response = new Response(null, { status: 503, headers: { 'Retry-After': '7' } });
    expect(retryAfterMsOf(response, dateNow)).toBe(7_000);
    expect(retryAfterMsOf(Object.assign(new Error('HTTP 503'), { response }), dateNow)).toBe(7_000);
  });

  it('reads plain header objects, Node-style lower-case or hand-written capitalised', () => {
    expect(retryAfterMsOf({ headers: { 'retry-after': '2' } }, dateNow)).toBe(2_000);
    expect(retryAfterMsOf({ response: { headers: { 'Retry-After': 'Wed, 21 Oct 2015 07:27:10 GMT' } } }, dateNow)).toBe(
      10_000,
    );
  });

  it('gives undefined when nothing asks for a wait', () => {
    expect(retryAfterMsOf(new Error('x'), dateNow)).toBeUndefined();
    expect(retryAfterMsOf('boom', dateNow)).toBeUndefined();
    expect(retryAfterMsOf({ response: null }, dateNow)).toBeUndefined();
    expect(retryAfterMsOf(new Response(null, { status: 503 }), dateNow)).toBeUndefined();
  });
});
