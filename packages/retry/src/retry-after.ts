/**
 * Anything that carries HTTP headers: a fetch `Headers` (or a `Response`'s `headers`), or a plain object of
 * lower-case names such as Node's `IncomingHttpHeaders`.
 */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | { readonly [name: string]: string | readonly string[] | number | undefined };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DELTA_SECONDS = /^\s*(\d+)\s*$/;
// The three HTTP-date forms that RFC 9110 §5.6.7 obliges recipients to accept.
const IMF_FIXDATE = /^\s*[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT\s*$/i;
const RFC850_DATE = /^\s*[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT\s*$/i;
const ASCTIME_DATE = /^\s*[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})\s*$/i;

/**
 * Turns a `Retry-After` value into a delay in milliseconds: delta-seconds (`'120'`) or an HTTP-date in any of the
 * three forms of RFC 9110 (`'Sun, 06 Nov 1994 08:49:37 GMT'`, the obsolete RFC 850 and asctime forms), measured
 * from `now` (epoch ms, `Date.now()` by default). A date in the past gives `0`; anything else, including a delay
 * too large to be a safe integer number of milliseconds (`'1e308'`, 400 digits), gives `undefined`.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from '@weft/retry';
 * parseRetryAfter('3'); // 3000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 27, 0)); // 60000
 * parseRetryAfter('soon'); // undefined
 * ```
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value === 'number') return value >= 0 ? safeMs(value * 1000) : undefined;
  if (Array.isArray(value)) return parseRetryAfter(value[0], now);
  if (typeof value !== 'string') return undefined;
  const seconds = DELTA_SECONDS.exec(value);
  if (seconds) return safeMs(Number(seconds[1]) * 1000);
  const date = parseHttpDate(value, now);
  return date === undefined ? undefined : Math.max(0, date - now);
}

/** A delay no timer could honour (not finite, or beyond a safe integer) is garbage, not a very long wait. */
function safeMs(ms: number): number | undefined {
  return ms <= Number.MAX_SAFE_INTEGER ? ms : undefined;
}

/**
 * The minimum wait an error asks for, or `undefined`: its own `retryAfterMs`, else the `Retry-After` header of its
 * `headers`, of its `response.headers`, or of itself when it is a thrown `Response`.
 */
export function retryAfterMsOf(error: unknown, dateNow: () => number): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const carrier = error as { retryAfterMs?: unknown; headers?: unknown; response?: { headers?: unknown } | null };
  const own = carrier.retryAfterMs;
  if (typeof own === 'number' && own >= 0) return own;
  const headers = carrier.headers ?? carrier.response?.headers;
  const value = headerValue(headers, 'retry-after');
  return value === undefined ? undefined : parseRetryAfter(value, dateNow());
}

/** Reads one header (by its lower-case name) from a `Headers`-like or plain object; `undefined` if absent. */
export function headerValue(headers: unknown, name: string): unknown {
  if (typeof headers !== 'object' || headers === null) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): unknown }).get(name) ?? undefined;
  }
  const record = headers as Record<string, unknown>;
  const value = record[name];
  if (value !== undefined) return value;
  // Plain objects built by hand may keep the canonical capitalisation.
  const wanted = name.toLowerCase();
  for (const key in record) if (key.toLowerCase() === wanted) return record[key];
  return undefined;
}

function parseHttpDate(value: string, now: number): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = RFC850_DATE.exec(value);
  if (m) {
    // RFC 9110: a two-digit year more than 50 years ahead means the most recent past year with those digits.
    const thisYear = new Date(now).getUTCFullYear();
    let year = thisYear - (thisYear % 100) + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME_DATE.exec(value);
  if (m) return utc(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!);
  return undefined;
}

function utc(year: number, monthName: string, day: number, hh: string, mm: string, ss: string): number | undefined {
  const month = MONTHS.indexOf(monthName.toLowerCase());
  const hours = Number(hh);
  const minutes = Number(mm);
  const seconds = Number(ss);
  if (month < 0 || day < 1 || hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const ms = Date.UTC(year, month, day, hours, minutes, seconds);
  // Reject dates that Date.UTC silently rolls over, such as 31 Feb.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}
