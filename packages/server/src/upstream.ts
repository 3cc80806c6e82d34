import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { CircuitBreaker, isBrokenCircuitError } from '@weft/breaker';
import type { Clock } from '@weft/reactor';
import { exponential, retry } from '@weft/retry';
import { type Dispatcher, Pool } from 'undici';
import type { Context } from './context';
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
    const path = this.#targetPath(ctx, options.rewrite);
    const headers = forwardedHeaders(ctx);
    const hasBody = requestHasBody(ctx);
    const method = ctx.method;
    const policy = options.retry;
    const attempts = policy && idempotent.has(method) && !hasBody ? policy.maxAttempts : 1;
    const breaker = options.breaker ? this.breaker : undefined;
    const call = async (): Promise<Dispatcher.ResponseData> => {
      // The attempt's deadline runs on the server's clock and covers the wait for the response head; a streaming body
      // is then bounded by undici's idle bodyTimeout instead, so a long download is not cut off.
      const deadline = new AbortController();
      const timer = this.#clock.setTimeout(() => deadline.abort(new UpstreamTimeout()), options.timeoutMs);
      const response = await this.#pool
        .request({
          path,
          method,
          headers,
          body: hasBody ? (ctx.req as Readable) : null,
          signal: AbortSignal.any([ctx.signal, deadline.signal]),
          bodyTimeout: options.timeoutMs,
        })
        .catch((error: unknown) => {
          throw this.#gatewayError(deadline.signal.aborted ? deadline.signal.reason : error, ctx);
        })
        .finally(() => this.#clock.clearTimeout(timer));
      if (breaker !== undefined && response.statusCode >= 500) throw new FailedStatus(response);
      return response;
    };
    const send = async (attempt: number) => {
      let response: Dispatcher.ResponseData;
      if (breaker === undefined) {
        response = await call();
      } else {
        try {
          response = await breaker.executeWith({ signal: ctx.signal }, call);
        } catch (error) {
          if (error instanceof FailedStatus) response = error.response;
          else if (isBrokenCircuitError(error)) throw this.#circuitOpen(error.retryAfterMs, error);
          else throw error;
        }
      }
      if (attempt < attempts && retryStatuses.has(response.statusCode)) {
        await response.body.dump().catch(() => undefined);
        throw new RetryableStatus(response.statusCode, response.headers);
      }
      return response;
    };
    const response =
      attempts === 1 || !policy
        ? await send(1)
        : await retry(({ attempt }) => send(attempt), {
            maxAttempts: attempts,
            backoff: exponential({ initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs }),
            // Network errors (502) are retried; a timeout (504) or an open circuit (503) is not.
            shouldRetry: (error) =>
              error instanceof RetryableStatus || (error instanceof HttpError && error.status === 502),
            signal: ctx.signal,
            clock: this.#clock,
          }).catch((error: unknown) => {
            throw (error as { cause?: unknown }).cause instanceof HttpError
              ? (error as { cause: unknown }).cause
              : error;
          });
    ctx.status = response.statusCode;
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && !hopByHop.has(name)) ctx.res.setHeader(name, value);
    }
    ctx.send(response.body);
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
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new HttpError(504, `upstream "${this.name}" did not answer in time`, { cause: error, expose: true });
    }
    return new HttpError(502, `upstream "${this.name}" is unreachable`, { cause: error, expose: true });
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
  const listed = new Set(
    String(incoming.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || hopByHop.has(name) || listed.has(name) || name === 'host') continue;
    headers[name] = value;
  }
  const peer = ctx.req.socket.remoteAddress ?? '';
  const prior = incoming['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}` : peer;
  headers['x-forwarded-proto'] = (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  if (incoming.host !== undefined) headers['x-forwarded-host'] = incoming.host;
  return headers;
}
