import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Clock } from '@weft/reactor';
import { exponential, retry } from '@weft/retry';
import { Pool } from 'undici';
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
 * A named upstream: a pooled undici connection set to one origin, with the retry (and, once `@weft/breaker` is
 * available, circuit-breaker) settings every route proxying to it shares.
 */
export class Upstream {
  readonly name: string;
  readonly settings: ResolvedUpstream;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #clock: Clock;

  constructor(settings: ResolvedUpstream, clock: Clock) {
    this.name = settings.name;
    this.settings = settings;
    this.#pool = new Pool(settings.url.origin, { connections: settings.connections });
    this.#basePath = settings.url.pathname === '/' ? '' : settings.url.pathname.replace(/\/$/, '');
    this.#clock = clock;
  }

  /** Forwards the request of `ctx` and sets its status, headers and (streamed) body from the upstream's answer. */
  async forward(ctx: Context, options: ForwardOptions): Promise<void> {
    const path = this.#targetPath(ctx, options.rewrite);
    const headers = forwardedHeaders(ctx);
    const hasBody = requestHasBody(ctx);
    const method = ctx.method;
    const policy = options.retry;
    const attempts = policy && idempotent.has(method) && !hasBody ? policy.maxAttempts : 1;
    const send = async (attempt: number) => {
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
            shouldRetry: (error) =>
              error instanceof RetryableStatus || (error instanceof HttpError && error.status !== 504),
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
