/**
 * HTTP clients of the suite: one request with a hard client-side timeout, a bounded closed-loop load generator,
 * raw socket exchanges for inputs an HTTP client refuses to send, and free ports. All on 127.0.0.1.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer } from 'node:net';
import { bump, percentile } from './stats';

export const HOST = '127.0.0.1';

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** An answered request. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** From sending to the end of the body. */
  readonly ms: number;
}

/** Options of {@link send}. */
export interface SendOptions {
  port: number;
  path?: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** A keep-alive agent, or false for a fresh connection (default). */
  agent?: Agent | false;
  /** Client-side deadline for the whole exchange; the request is destroyed and rejects with `ECLIENTTIMEOUT`. */
  timeoutMs?: number;
}

/** An error with a `code`, as the network and the client-side timeout raise them. */
export interface CodedError extends Error {
  code?: string;
}

/** Sends one request and reads the whole answer; rejects on network errors and on the client-side timeout. */
export function send(options: SendOptions): Promise<Reply> {
  const started = performance.now();
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(
      {
        host: HOST,
        port: options.port,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          });
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.on('aborted', () => {
          clearTimeout(timer);
          const error: CodedError = new Error('response aborted');
          error.code = 'ECONNRESET';
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => {
      const error: CodedError = new Error(`no complete answer within ${options.timeoutMs} ms`);
      error.code = 'ECLIENTTIMEOUT';
      req.destroy(error);
    }, options.timeoutMs ?? 10_000);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(options.body);
  });
}

/** A keep-alive agent holding up to `sockets` connections. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, keepAliveMsecs: 1_000 });
}

/** What a closed-loop load run saw. */
export interface LoadStats {
  sent: number;
  byStatus: Map<number, number>;
  errors: Map<string, number>;
  latencies: number[];
  /** Every reply or error with its start time (relative to the run) when `keep` is set. */
  log: { at: number; status: number | string; ms: number }[];
  elapsedMs: number;
}

/** Options of {@link load}. */
export interface LoadOptions {
  port: number;
  /** The path of each request (may vary with the request number). */
  path: string | ((n: number) => string);
  /** Requests in flight at once (each worker sends its next request when the previous one ended). */
  concurrency: number;
  durationMs: number;
  agent?: Agent | false;
  timeoutMs?: number;
  /** Pause between a worker's requests, ms (0: none). */
  pauseMs?: number;
  /** Keep a per-request log (for phase analysis). */
  keep?: boolean;
  /** Stop early when aborted. */
  signal?: AbortSignal;
  /** Sees each reply (e.g. to check headers). */
  onReply?: (reply: Reply, n: number) => void;
}

/** Runs a closed-loop load for `durationMs`: `concurrency` workers, each sending one request after another. */
export async function load(options: LoadOptions): Promise<LoadStats> {
  const stats: LoadStats = { sent: 0, byStatus: new Map(), errors: new Map(), latencies: [], log: [], elapsedMs: 0 };
  const started = performance.now();
  const until = started + options.durationMs;
  const pathOf = typeof options.path === 'string' ? () => options.path as string : options.path;
  const worker = async () => {
    while (performance.now() < until && !options.signal?.aborted) {
      const n = stats.sent++;
      const at = performance.now() - started;
      try {
        const reply = await send({
          port: options.port,
          path: pathOf(n),
          agent: options.agent,
          timeoutMs: options.timeoutMs ?? 10_000,
        });
        bump(stats.byStatus, reply.status);
        stats.latencies.push(reply.ms);
        if (options.keep) stats.log.push({ at, status: reply.status, ms: reply.ms });
        options.onReply?.(reply, n);
      } catch (error) {
        const code = (error as CodedError).code ?? (error as Error).message;
        bump(stats.errors, code);
        if (options.keep) stats.log.push({ at, status: code, ms: performance.now() - started - at });
      }
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  stats.elapsedMs = performance.now() - started;
  return stats;
}

/** Requests that did not get a 2xx answer (any other status or a network error). */
export function failures(stats: LoadStats, allowed: readonly number[] = []): number {
  let n = 0;
  for (const [status, k] of stats.byStatus) if ((status < 200 || status > 299) && !allowed.includes(status)) n += k;
  for (const k of stats.errors.values()) n += k;
  return n;
}

/** p50/p99/max of a run's latencies. */
export function latency(stats: LoadStats): { p50: number; p99: number; max: number } {
  return {
    p50: percentile(stats.latencies, 50),
    p99: percentile(stats.latencies, 99),
    max: stats.latencies.reduce((a, b) => Math.max(a, b), 0),
  };
}

/** What came back on a raw socket: the status of the first response line (0 if none) and whether it closed. */
export interface RawReply {
  readonly status: number;
  readonly text: string;
  readonly closed: boolean;
  readonly ms: number;
}

/**
 * Writes `payload` on a fresh socket and reads until the server closes it, the first response is complete enough to
 * read its status line and headers, or `timeoutMs` passes.
 */
export function raw(port: number, payload: Buffer | string, timeoutMs = 5_000): Promise<RawReply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ port, host: HOST });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : 0, text, closed, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      let text = Buffer.concat(chunks).toString('latin1');
      // Interim answers (100 Continue) come before the response: skip them.
      while (/^HTTP\/1\.[01] 1\d\d/.test(text) && text.includes('\r\n\r\n')) {
        text = text.slice(text.indexOf('\r\n\r\n') + 4);
        chunks.length = 0;
        chunks.push(Buffer.from(text, 'latin1'));
      }
      const head = text.indexOf('\r\n\r\n');
      if (head === -1) return;
      // Complete once the declared body has arrived (or at once when there is none to wait for).
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head));
      if (length === null || text.length - head - 4 >= Number(length[1])) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => socket.write(payload));
  });
}

/** Connects and resolves true when the connection was accepted, false when refused (or not answered in time). */
export function canConnect(port: number, timeoutMs = 1_000): Promise<{ ok: boolean; code: string | undefined }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: HOST });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, code: 'ETIMEDOUT' });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, code: undefined });
    });
    socket.once('error', (error: CodedError) => {
      clearTimeout(timer);
      resolve({ ok: false, code: error.code });
    });
  });
}
