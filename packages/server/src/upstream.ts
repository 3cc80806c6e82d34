import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { CircuitBreaker, isBrokenCircuitError } from '@weft/breaker';
import { type Clock, sleep } from '@weft/reactor';
import { exponential, parseRetryAfter, retry } from '@weft/retry';
import { type Dispatcher, Pool } from 'undici';
import { type Context, deferHeaders, resetContentType, routeInfoOf, settingsOf } from './context';
import { HttpError } from './errors';
import type { ResolvedUpstream, UpstreamRetryOptions } from './options';

/** How `proxy()` maps the incoming path to the upstream's: a function, or a prefix to strip and one to add. */
export type Rewrite = ((path: string, ctx: Context) => string) | { stripPrefix?: string; prefix?: string };

/** One forwarding call's settings (from `proxy()` options over the upstream's defaults). */
export interface ForwardOptions {
  timeoutMs: number;
  retry: false | Required<UpstreamRetryOptions>;
  rewrite: Rewrite | undefined;
  /** Whether the call goes through the upstream's circuit breaker. */
  breaker: boolean;
}

// RFC 9110 §7.6.1: connection-specific headers a proxy must not forward.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const retryStatuses = new Set([502, 503, 504]);
/** How long past an attempt's deadline undici's own headers timeout waits, as a backstop. */
const headersBackstopMs = 1_000;

/** Network errors (502) and retryable answers are retried; a timeout (504) or an open circuit (503) is not. */
function isRetryable(error: unknown): boolean {
  return error instanceof RetryableStatus || (error instanceof HttpError && error.status === 502);
}

/** One forwarding call: what every attempt sends. */
interface Call {
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  /** The request body, counted against the body limit as it streams; null without one. */
  readonly body: AsyncIterable<Buffer> | null;
  readonly ctx: Context;
  readonly options: ForwardOptions;
  readonly breaker: CircuitBreaker | undefined;
}

/** An upstream answered with a status worth retrying; carries its headers so `Retry-After` is honoured. */
class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super(`upstream answered ${status}`);
  }
}

/** The per-attempt deadline passed before the upstream's response head arrived. */
class UpstreamTimeout extends Error {
  readonly code = 'UND_ERR_HEADERS_TIMEOUT';
}

/**
 * An upstream answered 5xx: a failure for its circuit breaker, though the answer itself still goes to the client
 * (unless a retry replaces it), so the error carries the response with its unread body.
 */
class FailedStatus extends Error {
  constructor(readonly response: Dispatcher.ResponseData) {
    super(`upstream answered ${response.statusCode}`);
  }
}

/**
 * A named upstream: a pooled undici connection set to one origin, behind one `@weft/breaker` circuit breaker,
 * with the retry settings every route proxying to it shares.
 */
export class Upstream {
  readonly name: string;
  readonly settings: ResolvedUpstream;
  /**
   * The upstream's circuit breaker (undefined when `breaker: false`): network errors, timeouts and 5xx answers
   * count as failures; while it is open, calls are answered 503 at once without touching the upstream.
   */
  readonly breaker: CircuitBreaker | undefined;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #clock: Clock;

  constructor(settings: ResolvedUpstream, clock: Clock) {
    this.name = settings.name;
    this.settings = settings;
    this.#pool = new Pool(settings.url.origin, { connections: settings.connections });
    this.#basePath = settings.url.pathname === '/' ? '' : settings.url.pathname.replace(/\/$/, '');
    this.#clock = clock;
    const b = settings.breaker;
    this.breaker =
      b === false
        ? undefined
        : new CircuitBreaker({
            name: settings.name,
            window: { type: 'count', size: b.windowSize },
            failureRateThreshold: b.failureRateThreshold,
            minimumCalls: Math.min(b.minimumCalls, b.windowSize),
            openDurationMs: b.openDurationMs,
            halfOpenMaxCalls: b.halfOpenMaxCalls,
            // A client error (4xx) or a caller that gave up says nothing about the upstream's health.
            isFailure: (error) => !(error instanceof HttpError) || error.status >= 500,
            clock,
          });
  }

  /** Forwards the request of `ctx` and sets its status, headers and (streamed) body from the upstream's answer. */
  async forward(ctx: Context, options: ForwardOptions): Promise<void> {
    const hasBody = requestHasBody(ctx);
    let body: AsyncIterable<Buffer> | null = null;
    if (hasBody) {
      const limit = routeInfoOf(ctx)?.bodyLimit ?? settingsOf(ctx).bodyLimit;
      const declared = ctx.req.headers['content-length'];
      if (declared !== undefined && Number(declared) > limit) throw bodyTooLarge(limit);
      body = limitedBody(ctx.req, limit);
    }
    const policy = options.retry;
    const attempts = policy && idempotent.has(ctx.method) && !hasBody ? policy.maxAttempts : 1;
    const call: Call = {
      path: this.#targetPath(ctx, options.rewrite),
      headers: forwardedHeaders(ctx),
      body,
      ctx,
      options,
      breaker: options.breaker ? this.breaker : undefined,
    };
    let response: Dispatcher.ResponseData;
    try {
      // The first attempt runs without the retry machinery, which only the failures need.
      response = await this.#send(call, attempts > 1);
    } catch (error) {
      if (attempts === 1 || !policy || !isRetryable(error)) throw error;
      response = await this.#retry(call, policy, attempts, error);
    }
    ctx.status = response.statusCode;
    // The upstream's headers go out with the status line; a header the app sets with ctx.set() wins.
    const list: string[] = [];
    const upstreamHeaders = response.headers;
    for (const name in upstreamHeaders) {
      const value = upstreamHeaders[name];
      if (value === undefined || hopByHop.has(name)) continue;
      if (typeof value === 'string') list.push(name, value);
      else for (const item of value) list.push(name, item);
    }
    deferHeaders(ctx, list);
    ctx.send(response.body);
    // send() chose octet-stream; the upstream's content-type (in the list) is the one that counts.
    resetContentType(ctx);
  }

  /** Attempts 2 … `attempts`, after a backoff delay each. */
  async #retry(
    call: Call,
    policy: Required<UpstreamRetryOptions>,
    attempts: number,
    failure: unknown,
  ): Promise<Dispatcher.ResponseData> {
    const { ctx } = call;
    const delays = exponential({ initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs })();
    const first = delays.next();
    // The first failure's Retry-After counts as it does for the later ones (#mayWait bounded it already).
    const asked = failure instanceof RetryableStatus ? parseRetryAfter(failure.headers['retry-after']) : undefined;
    const backoff = first.done === true ? 0 : first.value;
    await sleep(asked !== undefined && asked > backoff ? asked : backoff, { signal: ctx.signal, clock: this.#clock });
    return retry(({ attempt }) => this.#send(call, attempt + 1 < attempts), {
      maxAttempts: attempts - 1,
      backoff: () => delays,
      shouldRetry: isRetryable,
      signal: ctx.signal,
      clock: this.#clock,
    }).catch((error: unknown) => {
      throw (error as { cause?: unknown }).cause instanceof HttpError ? (error as { cause: unknown }).cause : error;
    });
  }

  /**
   * One attempt, through the circuit breaker if it applies. An answer worth retrying throws `RetryableStatus` when
   * `more` attempts are left; otherwise every answer (5xx included) is returned.
   */
  async #send(call: Call, more: boolean): Promise<Dispatcher.ResponseData> {
    let response: Dispatcher.ResponseData;
    const { breaker, ctx } = call;
    if (breaker === undefined) {
      response = await this.#attempt(call);
    } else {
      try {
        // The caller's signal: a client that leaves says nothing about the upstream, so the call is not counted.
        response = await breaker.executeWith({ signal: ctx.signal }, () => this.#attempt(call));
      } catch (error) {
        if (error instanceof FailedStatus) response = error.response;
        else if (isBrokenCircuitError(error)) throw this.#circuitOpen(error.retryAfterMs, error);
        else throw error;
      }
    }
    if (more && retryStatuses.has(response.statusCode) && this.#mayWait(call, response)) {
      await response.body.dump().catch(() => undefined);
      throw new RetryableStatus(response.statusCode, response.headers);
    }
    return response;
  }

  /**
   * The request itself, cancelled when the client leaves (or the request's deadline or shutdown aborts it) and when
   * the attempt's deadline passes. The deadline runs on the server's clock and covers the wait for the response
   * head, to the millisecond of that clock; a streaming body is then bounded by undici's idle `bodyTimeout`, so a
   * long download is not cut off.
   */
  #attempt(call: Call): Promise<Dispatcher.ResponseData> {
    const { ctx, options } = call;
    const controller = new AbortController();
    const caller = ctx.signal;
    const onAbort = () => controller.abort(caller.reason);
    if (caller.aborted) onAbort();
    else caller.addEventListener('abort', onAbort);
    const timer = this.#clock.setTimeout(() => controller.abort(new UpstreamTimeout()), options.timeoutMs);
    return this.#pool
      .request({
        path: call.path,
        method: ctx.method as Dispatcher.HttpMethod,
        headers: call.headers,
        // undici streams an async iterable body (its typings name only Readable).
        body: call.body as Readable | null,
        signal: controller.signal,
        // The deadline is the timer above (undici's timers have a resolution of about a second); its own headers
        // timeout only backs it up, should the clock be one that never fires (a stopped virtual clock).
        headersTimeout: options.timeoutMs + headersBackstopMs,
        bodyTimeout: options.timeoutMs,
      })
      .then(
        (response) => {
          this.#clock.clearTimeout(timer);
          caller.removeEventListener('abort', onAbort);
          if (call.breaker !== undefined && response.statusCode >= 500) throw new FailedStatus(response);
          return response;
        },
        (error: unknown) => {
          this.#clock.clearTimeout(timer);
          caller.removeEventListener('abort', onAbort);
          const reason = controller.signal.reason as unknown;
          if (error instanceof BodyTooLarge) throw bodyTooLarge(error.limit);
          throw this.#gatewayError(reason instanceof UpstreamTimeout ? reason : error, ctx);
        },
      );
  }

  /**
   * Whether a retryable answer's `Retry-After` (if any) is one a retry may honour: no longer than the policy's
   * largest backoff delay. An upstream asking for more (an hour, say) is not retried: holding the request that long
   * helps no one, so its answer, `Retry-After` included, goes to the client instead.
   */
  #mayWait(call: Call, response: Dispatcher.ResponseData): boolean {
    const header = response.headers['retry-after'];
    if (header === undefined) return true;
    const waitMs = parseRetryAfter(header);
    const policy = call.options.retry;
    return waitMs === undefined || (policy !== false && waitMs <= policy.maxDelayMs);
  }

  /** The fallback while the circuit is open: a 503 problem with `Retry-After` (when the circuit may close). */
  #circuitOpen(retryAfterMs: number, cause: unknown): HttpError {
    const seconds = Number.isFinite(retryAfterMs) ? Math.max(1, Math.ceil(retryAfterMs / 1_000)) : undefined;
    return new HttpError(503, `upstream "${this.name}" is failing; its circuit breaker is open`, {
      cause,
      expose: true,
      headers: seconds === undefined ? undefined : { 'retry-after': String(seconds) },
      extensions: { upstream: this.name },
    });
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  #targetPath(ctx: Context, rewrite: Rewrite | undefined): string {
    let path = ctx.path;
    if (typeof rewrite === 'function') {
      path = rewrite(path, ctx);
    } else if (rewrite !== undefined) {
      if (rewrite.stripPrefix && path.startsWith(rewrite.stripPrefix)) {
        path = path.slice(rewrite.stripPrefix.length);
        if (!path.startsWith('/')) path = `/${path}`;
      }
      if (rewrite.prefix) path = `${rewrite.prefix.replace(/\/$/, '')}${path}`;
    }
    const url = ctx.req.url ?? '/';
    const q = url.indexOf('?');
    return `${this.#basePath}${path}${q === -1 ? '' : url.slice(q)}`;
  }

  #gatewayError(error: unknown, ctx: Context): unknown {
    if (ctx.signal.aborted) return ctx.signal.reason;
    const code = (error as { code?: unknown }).code;
    // undici refusing what the client sent (a header it does not allow) is the client's fault, not the upstream's:
    // a 400, which the circuit breaker does not count.
    if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
      return new HttpError(400, 'the request cannot be forwarded as sent', { cause: error, expose: true });
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new HttpError(504, `upstream "${this.name}" did not answer in time`, { cause: error, expose: true });
    }
    return new HttpError(502, `upstream "${this.name}" is unreachable`, { cause: error, expose: true });
  }
}

/** A streamed request body went past the body limit. */
class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** The 413 of a body over the limit; the connection closes, since the rest of the body is not read. */
function bodyTooLarge(limit: number): HttpError {
  return new HttpError(413, `request body larger than ${limit} bytes`, {
    headers: { connection: 'close' },
    expose: true,
  });
}

/**
 * The request body as it streams, failing with `BodyTooLarge` once more than `limit` bytes arrived (a chunked body
 * declares no length). The request stream is left undestroyed, so the 413 can still be written.
 */
async function* limitedBody(req: Readable, limit: number): AsyncGenerator<Buffer> {
  let received = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    received += (chunk as Buffer).length;
    if (received > limit) throw new BodyTooLarge(limit);
    yield chunk as Buffer;
  }
}

function requestHasBody(ctx: Context): boolean {
  const { headers } = ctx.req;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/** The request headers minus hop-by-hop ones, plus `X-Forwarded-For/-Proto/-Host`. */
function forwardedHeaders(ctx: Context): Record<string, string | string[]> {
  const incoming: IncomingHttpHeaders = ctx.req.headers;
  const connection = incoming.connection;
  // Most clients send no Connection header or a bare keep-alive/close: nothing more to drop then.
  const listed =
    connection === undefined || connection === 'keep-alive' || connection === 'close'
      ? undefined
      : new Set(
          connection
            .split(',')
            .map((token) => token.trim().toLowerCase())
            .filter(Boolean),
        );
  const headers: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    // Expect is answered here: Node sends the client its 100 Continue, the body then streams to the upstream.
    if (value === undefined || name === 'host' || name === 'expect' || hopByHop.has(name) || listed?.has(name) === true)
      continue;
    headers[name] = value;
  }
  const peer = ctx.req.socket.remoteAddress ?? '';
  const prior = incoming['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}` : peer;
  headers['x-forwarded-proto'] = (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  if (incoming.host !== undefined) headers['x-forwarded-host'] = incoming.host;
  return headers;
}
