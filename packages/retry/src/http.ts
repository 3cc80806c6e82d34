import { isAbortError } from '@weft/reactor';
import { isNonRetryable } from './errors';
import { type HeadersLike, headerValue } from './retry-after';

/**
 * The shape {@link httpShouldRetry} reads from an error: the request it was for and the response, if one came.
 * ky's `HTTPError` (`request`, `response`) has it; so does any error you build as
 * `Object.assign(new Error('HTTP 503'), { request, response })`. A thrown fetch `Response` works too.
 */
export interface HttpFailure {
  /** The request: its method and headers (for `Idempotency-Key`). */
  request?: { readonly method?: string; readonly headers?: HeadersLike } | undefined;
  /** The response, when the server answered. `statusCode` is read when there is no `status` (Node's `IncomingMessage`). */
  response?: { readonly status?: number; readonly statusCode?: number; readonly headers?: HeadersLike } | undefined;
  /** A Node/undici network error code such as `'ECONNRESET'` (also looked for along the `cause` chain). */
  code?: string | undefined;
  /** The underlying error (fetch wraps network failures as `TypeError('fetch failed', { cause })`). */
  cause?: unknown;
}

/** HTTP statuses worth retrying: the request timed out, was throttled, or met a temporarily unavailable upstream. */
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

/** Methods whose repetition has the same effect as one call (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Network failures (Node's and undici's codes) after which the request may simply be sent again. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * A ready `shouldRetry` for HTTP clients: retries network errors (`ECONNRESET`, `ETIMEDOUT`, undici socket errors,
 * …) and the statuses 408, 429, 502, 503 and 504 — but never a non-idempotent method (`POST`, `PATCH`, …) unless
 * the request carries an `Idempotency-Key` header. A request whose method is unknown is treated as idempotent.
 * Errors marked `nonRetryable` and `AbortError`s are never retried. See {@link HttpFailure} for what it reads.
 *
 * @example
 * ```ts
 * import { httpShouldRetry, retry } from '@weft/retry';
 * const request = new Request('https://example.com/orders', { method: 'POST', headers: { 'Idempotency-Key': 'o-42' } });
 * await retry(
 *   async ({ signal }) => {
 *     const response = await fetch(request.clone(), { signal });
 *     if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { request, response });
 *     return response;
 *   },
 *   { shouldRetry: httpShouldRetry },
 * );
 * ```
 */
export function httpShouldRetry(error: unknown, _attempt?: number): boolean {
  if (typeof error !== 'object' || error === null || isAbortError(error) || isNonRetryable(error)) return false;
  const failure = error as HttpFailure & { status?: unknown; headers?: unknown };
  // A thrown fetch Response is its own response.
  const response: HttpFailure['response'] =
    failure.response ??
    (typeof failure.status === 'number' && failure.headers !== undefined ? { status: failure.status } : undefined);
  if (response != null) {
    const status = response.status ?? response.statusCode;
    if (typeof status !== 'number' || !RETRYABLE_STATUSES.has(status)) return false;
  } else if (!isNetworkError(error)) {
    return false;
  }
  const request = failure.request;
  const method = typeof request?.method === 'string' ? request.method.toUpperCase() : undefined;
  if (method === undefined || IDEMPOTENT_METHODS.has(method)) return true;
  const key = headerValue(request?.headers, 'idempotency-key');
  return typeof key === 'string' ? key.length > 0 : Array.isArray(key) && key.length > 0;
}

function isNetworkError(error: unknown): boolean {
  // Follow `cause` a few levels: fetch reports `TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })`.
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
