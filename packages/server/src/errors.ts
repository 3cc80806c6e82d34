import { STATUS_CODES } from 'node:http';

const httpErrorBrand = Symbol.for('weft.server.HttpError');

/** Options of {@link HttpError}. */
export interface HttpErrorOptions {
  /** The error this one wraps; never sent to the client. */
  cause?: unknown;
  /** Response headers sent with the problem response (e.g. `Allow`, `Retry-After`). */
  headers?: Readonly<Record<string, string | number | readonly string[]>>;
  /** RFC 9457 `type`, a URI naming the kind of problem; `'about:blank'` by default. */
  type?: string;
  /** RFC 9457 `title`; the status phrase (`'Not Found'`) by default. */
  title?: string;
  /**
   * Whether `detail` is shown to the client. Defaults to true below 500 and false from 500 on, so a server error's
   * message does not leak unless the server runs with `dev: true`.
   */
  expose?: boolean;
  /** Extra members of the problem object (RFC 9457 extensions), e.g. `{ errors: [...] }`. */
  extensions?: Readonly<Record<string, unknown>>;
}

/**
 * An error that becomes an RFC 9457 `application/problem+json` response with the given status.
 * Throw it from any middleware or handler.
 *
 * @example
 * ```ts
 * import { HttpError } from '@weft/server';
 * app.get('/users/:id', (ctx) => {
 *   throw new HttpError(404, `no user ${ctx.params.id}`);
 * });
 * ```
 */
export class HttpError extends Error {
  /** Stable code shared by every HTTP error. */
  readonly code = 'ERR_WEFT_HTTP';
  /** The response status, 400–599. */
  readonly status: number;
  /** RFC 9457 `type`. */
  readonly type: string;
  /** RFC 9457 `title`. */
  readonly title: string;
  /** Whether `message` is sent as the problem's `detail`. */
  readonly expose: boolean;
  /** Headers sent with the problem response. */
  readonly headers: Readonly<Record<string, string | number | readonly string[]>> | undefined;
  /** Extra members of the problem object. */
  readonly extensions: Readonly<Record<string, unknown>> | undefined;
  readonly [httpErrorBrand] = true;

  constructor(status: number, detail?: string, options: HttpErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`status: expected an integer from 400 to 599, got ${String(status)}`);
    }
    const title = options.title ?? STATUS_CODES[status] ?? 'Error';
    super(detail ?? title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.type = options.type ?? 'about:blank';
    this.title = title;
    this.expose = options.expose ?? status < 500;
    this.headers = options.headers;
    this.extensions = options.extensions;
  }
}

/** True when `error` is an {@link HttpError} (from any copy of this package). */
export function isHttpError(error: unknown): error is HttpError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[httpErrorBrand] === true;
}

/** An RFC 9457 problem details object as weft sends it. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** What an arbitrary thrown value turns into: a status, a problem body and headers. */
export interface ProblemResponse {
  status: number;
  body: ProblemDetails;
  headers: Readonly<Record<string, string | number | readonly string[]>> | undefined;
}

/**
 * Turns anything thrown into a problem response. {@link HttpError}s keep their status; errors carrying a numeric
 * `status`/`statusCode` in 400–599 (the http-errors convention) keep it too; everything else is a 500. The message of
 * a 5xx is shown only with `dev`, which also adds the stack.
 */
export function toProblem(error: unknown, instance: string | undefined, dev: boolean): ProblemResponse {
  if (isHttpError(error)) {
    const body: ProblemDetails = { type: error.type, title: error.title, status: error.status };
    if (error.expose || dev) body.detail = error.message;
    if (instance !== undefined) body.instance = instance;
    if (error.extensions) Object.assign(body, error.extensions, { type: body.type, status: body.status });
    if (dev && error.status >= 500 && error.stack) body.stack = error.stack;
    return { status: error.status, body, headers: error.headers };
  }
  const carried = statusOf(error);
  const status = carried ?? 500;
  const body: ProblemDetails = { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status };
  const exposed = carried !== undefined && carried < 500 && (error as { expose?: unknown }).expose !== false;
  if ((exposed || dev) && error instanceof Error) body.detail = error.message;
  if (instance !== undefined) body.instance = instance;
  if (dev && error instanceof Error && error.stack) body.stack = error.stack;
  return { status, body, headers: undefined };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599 ? value : undefined;
}

const abortedBrand = Symbol.for('weft.server.RequestAbortedError');

/** Why a request's `ctx.signal` aborted. */
export type AbortCause = 'disconnect' | 'deadline' | 'shutdown';

/**
 * The reason `ctx.signal` aborts with: the client went away (`'disconnect'`), the handler deadline passed
 * (`'deadline'`), or the server is shutting down and the request outlived `shutdownTimeoutMs` (`'shutdown'`).
 * Its `name` is `'AbortError'`, so code that checks for aborts (`isAbortError`) treats it as one.
 */
export class RequestAbortedError extends Error {
  /** Stable code. */
  readonly code = 'ERR_WEFT_REQUEST_ABORTED';
  /** What aborted the request. */
  readonly reason: AbortCause;
  readonly [abortedBrand] = true;

  constructor(reason: AbortCause) {
    super(
      reason === 'disconnect'
        ? 'the client closed the connection'
        : reason === 'deadline'
          ? 'the handler deadline passed'
          : 'the server is shutting down',
    );
    this.name = 'AbortError';
    this.reason = reason;
  }
}

/** True when `error` is a {@link RequestAbortedError}. */
export function isRequestAbortedError(error: unknown): error is RequestAbortedError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[abortedBrand] === true;
}
