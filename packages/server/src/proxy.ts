import { describe } from '@weft/reactor';
import { settingsOf } from './context';
import { integer, isPlainObject, type UpstreamRetryOptions } from './options';
import type { Handler } from './server';
import type { ForwardOptions, Rewrite, Upstream } from './upstream';

/** Options of {@link proxy}; each overrides the upstream's own setting for this route. */
export interface ProxyOptions {
  /** Per-attempt timeout in ms (504 when it passes). Default: the upstream's `timeoutMs`. */
  timeoutMs?: number;
  /** Retries for idempotent requests without a body; `false` for none. Default: the upstream's `retry`. */
  retry?: false | UpstreamRetryOptions;
  /** Whether calls go through the upstream's circuit breaker. Default true. */
  breaker?: boolean;
  /** Maps the request path to the upstream's path; the query string is kept. */
  rewrite?: Rewrite;
}

const proxyKeys = new Set(['timeoutMs', 'retry', 'breaker', 'rewrite']);

/**
 * A handler that forwards the request to an upstream with undici (pooled connections, bodies streamed both ways with
 * backpressure, hop-by-hop headers removed, `X-Forwarded-For/-Proto/-Host` set) and answers with its response.
 * `upstream` is the name of one of the server's `upstreams`, or a URL. An unreachable upstream is a 502 problem, a
 * timeout a 504; idempotent requests without a body are retried with backoff on network errors and 502/503/504.
 *
 * @example
 * ```ts
 * import { createServer, proxy } from '@weft/server';
 * const app = createServer({ upstreams: { users: 'http://127.0.0.1:4000' } });
 * app.all('/api/users/*', proxy('users', { rewrite: { stripPrefix: '/api' }, timeoutMs: 2_000 }));
 * ```
 */
export function proxy(upstream: string, proxyOptions: ProxyOptions = {}): Handler {
  const options = proxyOptions;
  if (typeof upstream !== 'string' || upstream === '') {
    throw new TypeError(`proxy: upstream: expected an upstream name or URL, got ${describe(upstream)}`);
  }
  if (!isPlainObject(proxyOptions)) throw new TypeError(`proxy: options: expected an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!proxyKeys.has(key))
      throw new TypeError(`proxy: ${key}: unknown option (expected ${[...proxyKeys].join(', ')})`);
  }
  if (options.timeoutMs !== undefined) integer(options.timeoutMs, 'proxy: timeoutMs', 0, 1);
  const { rewrite } = options;
  if (rewrite !== undefined && typeof rewrite !== 'function' && !isPlainObject(rewrite as unknown)) {
    throw new TypeError(`proxy: rewrite: expected a function or { stripPrefix, prefix }, got ${describe(rewrite)}`);
  }
  if (options.retry !== undefined && options.retry !== false) {
    if (!isPlainObject(options.retry as unknown)) {
      throw new TypeError(`proxy: retry: expected false or an object, got ${describe(options.retry)}`);
    }
    integer(options.retry.maxAttempts, 'proxy: retry.maxAttempts', 1, 1);
    integer(options.retry.initialDelayMs, 'proxy: retry.initialDelayMs', 0, 0);
    integer(options.retry.maxDelayMs, 'proxy: retry.maxDelayMs', 0, 0);
  }
  let resolved: { target: Upstream; forward: ForwardOptions } | undefined;
  return (ctx) => {
    if (resolved === undefined) {
      const target = settingsOf(ctx).upstream(upstream);
      const base = target.settings;
      const retry =
        options.retry === undefined
          ? base.retry
          : options.retry === false
            ? false
            : {
                maxAttempts: options.retry.maxAttempts ?? (base.retry ? base.retry.maxAttempts : 3),
                initialDelayMs: options.retry.initialDelayMs ?? (base.retry ? base.retry.initialDelayMs : 50),
                maxDelayMs: options.retry.maxDelayMs ?? (base.retry ? base.retry.maxDelayMs : 1_000),
              };
      resolved = {
        target,
        forward: { timeoutMs: options.timeoutMs ?? base.timeoutMs, retry, rewrite, breaker: options.breaker !== false },
      };
    }
    return resolved.target.forward(ctx, resolved.forward);
  };
}
