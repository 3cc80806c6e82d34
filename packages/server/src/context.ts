import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import { type ParsedUrlQuery, parse as parseQuery } from 'node:querystring';
import type { Readable } from 'node:stream';
import type { TimerHandle } from '@weft/reactor';
import { RequestBody } from './body';
import { type AbortCause, RequestAbortedError } from './errors';
import { clientAddress, type TrustProxyFn } from './trust-proxy';
import type { Upstream } from './upstream';

/**
 * What `ctx.send()` accepts: text, bytes, or a stream (Node `Readable`, Web `ReadableStream`, `@weft/streams`
 * `Readable` or any async iterable of bytes). Streams are written with the socket's backpressure honoured.
 */
export type ResponseBody =
  | string
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | null;

/** What a request needs from its server, shared by all its contexts. */
export interface ContextSettings {
  readonly trustProxy: TrustProxyFn;
  readonly bodyLimit: number;
  /** Called once when the client disconnects before the response finished. */
  readonly disconnected?: ((ctx: Context) => void) | undefined;
  /** Finds (or creates, for a URL) the upstream `proxy()` forwards to. */
  readonly upstream: (nameOrUrl: string) => Upstream;
}

/** Per-request settings that depend on the matched route. */
export interface RouteInfo {
  /** The route pattern, e.g. `/users/:id`; undefined when no route matched. */
  readonly pattern: string | undefined;
  /** Body limit of this route, bytes. */
  readonly bodyLimit: number | undefined;
}

const noParams: Readonly<Record<string, string>> = Object.freeze(Object.create(null));
const jsonType = 'application/json; charset=utf-8';
const textType = 'text/plain; charset=utf-8';
const binaryType = 'application/octet-stream';

/** Internal access to a context's response body (for the server), without making it public API. */
export let bodyOf: (ctx: Context) => ResponseBody | undefined;
/** The status set with `ctx.status`/`json`/`send`, if any. */
export let statusOf: (ctx: Context) => number | undefined;
/** The content type `json`/`send` chose, sent unless a `content-type` header was set. */
export let contentTypeOf: (ctx: Context) => string | undefined;
/** Headers added with {@link deferHeader}, as a flat name/value list, if any. */
export let deferredHeadersOf: (ctx: Context) => string[] | undefined;
/**
 * Adds a response header that is only written with the status line (one `writeHead` with a flat list, cheaper than
 * `setHeader`); a header of the same name set with `ctx.set()` wins. For the server's own layers (rate limiting).
 */
export let deferHeader: (ctx: Context, name: string, value: string) => void;
/** {@link deferHeader} for a flat name/value list (which the context may keep as it is). */
export let deferHeaders: (ctx: Context, list: string[]) => void;
/** Forgets the content type `json`/`send` chose (the body's headers say it, e.g. a proxied response's). */
export let resetContentType: (ctx: Context) => void;
/** The deadline timer of a context, kept on it so the hot path needs no map. */
export let timerOf: (ctx: Context) => TimerHandle | undefined;
/** The route a context was created for (the server's own record), undefined when none matched. */
export let routeInfoOf: (ctx: Context) => RouteInfo | undefined;
export let setTimerOf: (ctx: Context, timer: TimerHandle | undefined) => void;
/** Internal access to the settings a context was created with. */
export let settingsOf: (ctx: Context) => ContextSettings;
/** Aborts a context's signal (if created) with the given cause. */
export let abortContext: (ctx: Context, cause: AbortCause) => void;
/** The abort reason of a context once it has been aborted (or its client has gone), else undefined. */
export let abortReasonOf: (ctx: Context) => RequestAbortedError | undefined;
/** The index of a context in its server's in-flight list, -1 when it is not (or no longer) in flight. */
export let inflightSlotOf: (ctx: Context) => number;
export let setInflightSlot: (ctx: Context, slot: number) => void;

/**
 * One request and its response. Middleware and handlers receive it; `ctx.state` carries data between them.
 *
 * @example
 * ```ts
 * app.post('/echo/:id', async (ctx) => {
 *   const input = await ctx.body.json<{ name: string }>();
 *   ctx.set('cache-control', 'no-store');
 *   ctx.json({ id: ctx.params.id, name: input.name, from: ctx.ip });
 * });
 * ```
 */
export class Context<State extends Record<string, unknown> = Record<string, unknown>> {
  /** Node's request. */
  readonly req: IncomingMessage;
  /** Node's response. Writing to it directly bypasses `send`; weft then leaves the response alone. */
  readonly res: ServerResponse;
  /** The request method, upper case. */
  readonly method: string;
  /** The path of the request URL, without the query string (still percent-encoded). */
  readonly path: string;
  /** Route parameters (`/users/:id` → `{ id }`), decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The matched route's pattern (`/users/:id`), or undefined when none matched; metrics label by it. */
  readonly route: string | undefined;
  /** When the request started, on the server's clock (ms). */
  readonly startedAt: number;

  readonly #settings: ContextSettings;
  readonly #rawQuery: string;
  readonly #bodyLimit: number;
  #query: ParsedUrlQuery | undefined;
  #ip: string | undefined;
  #body: RequestBody | undefined;
  #status: number | undefined;
  #responseBody: ResponseBody | undefined;
  #controller: AbortController | undefined;
  #abortCause: AbortCause | undefined;
  #state: State | undefined;
  #contentType: string | undefined;
  #deferred: string[] | undefined;
  #timer: TimerHandle | undefined;
  #inflightSlot: number;
  readonly #routeInfo: RouteInfo | undefined;

  static {
    routeInfoOf = (ctx) => ctx.#routeInfo;
    bodyOf = (ctx) => ctx.#responseBody;
    statusOf = (ctx) => ctx.#status;
    contentTypeOf = (ctx) => ctx.#contentType;
    deferredHeadersOf = (ctx) => ctx.#deferred;
    deferHeader = (ctx, name, value) => {
      if (ctx.#deferred === undefined) ctx.#deferred = [name, value];
      else ctx.#deferred.push(name, value);
    };
    deferHeaders = (ctx, list) => {
      if (ctx.#deferred === undefined) ctx.#deferred = list;
      else ctx.#deferred.push(...list);
    };
    resetContentType = (ctx) => {
      ctx.#contentType = undefined;
    };
    timerOf = (ctx) => ctx.#timer;
    setTimerOf = (ctx, timer) => {
      ctx.#timer = timer;
    };
    settingsOf = (ctx) => ctx.#settings;
    inflightSlotOf = (ctx) => ctx.#inflightSlot;
    setInflightSlot = (ctx, slot) => {
      ctx.#inflightSlot = slot;
    };
    abortReasonOf = (ctx) => {
      if (ctx.#abortCause === undefined) {
        // No listener is attached unless ctx.signal was read, so a departed client is noticed here, cheaply.
        if (!ctx.res.destroyed || ctx.res.writableFinished) return undefined;
        ctx.#disconnect();
      }
      return (
        (ctx.#controller?.signal.reason as RequestAbortedError | undefined) ?? new RequestAbortedError(ctx.#abortCause!)
      );
    };
    abortContext = (ctx, cause) => {
      if (ctx.#abortCause !== undefined) return;
      ctx.#abortCause = cause;
      ctx.#controller?.abort(new RequestAbortedError(cause));
    };
  }

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    settings: ContextSettings,
    route: RouteInfo | undefined,
    params: Record<string, string> | undefined,
    startedAt: number,
  ) {
    this.req = req;
    this.res = res;
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.#rawQuery = q === -1 ? '' : url.slice(q + 1);
    this.params = params ?? noParams;
    this.route = route?.pattern;
    this.#routeInfo = route;
    this.#bodyLimit = route?.bodyLimit ?? settings.bodyLimit;
    this.#settings = settings;
    this.startedAt = startedAt;
    this.#inflightSlot = -1;
  }

  /** Data shared between middleware of this request (created on first use). */
  get state(): State {
    if (this.#state === undefined) this.#state = {} as State;
    return this.#state;
  }

  set state(value: State) {
    this.#state = value;
  }

  /** The query string parsed (`?a=1&a=2&b` → `{ a: ['1', '2'], b: '' }`). */
  get query(): ParsedUrlQuery {
    this.#query ??= parseQuery(this.#rawQuery);
    return this.#query;
  }

  /** Request headers, lower-cased names. */
  get headers(): IncomingHttpHeaders {
    return this.req.headers;
  }

  /** The client's address: the socket peer, or the forwarded client when the peer is a trusted proxy. */
  get ip(): string {
    this.#ip ??= clientAddress(
      this.req.socket.remoteAddress,
      this.req.headers['x-forwarded-for'],
      this.#settings.trustProxy,
    );
    return this.#ip;
  }

  /** The request body: `await ctx.body.json()`, `.text()`, `.buffer()`, with the size limit applied. */
  get body(): RequestBody {
    this.#body ??= new RequestBody(this.req, this.#bodyLimit);
    return this.#body;
  }

  /**
   * Aborts when the client disconnects, when the route's handler deadline passes, or when the server shuts down and
   * this request outlives `shutdownTimeoutMs`; the reason is a {@link RequestAbortedError}. Pass it to `fetch`, database
   * drivers and `@weft/reactor`'s `sleep` so abandoned work stops.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.#abortCause !== undefined) {
        controller.abort(new RequestAbortedError(this.#abortCause));
      } else if (this.res.destroyed && !this.res.writableFinished) {
        this.#disconnect();
      } else if (!this.res.writableFinished) {
        this.res.once('close', () => {
          if (!this.res.writableFinished) this.#disconnect();
        });
      }
    }
    return this.#controller.signal;
  }

  #disconnect(): void {
    abortContext(this, 'disconnect');
    this.#settings.disconnected?.(this as Context);
  }

  /** The response status; 200 unless set (204 when nothing is sent). */
  get status(): number {
    return this.#status ?? (this.#responseBody === undefined ? 204 : 200);
  }

  set status(code: number) {
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new RangeError(`status: expected an integer HTTP status from 100 to 999, got ${String(code)}`);
    }
    this.#status = code;
  }

  /** Sets a response header (replacing an earlier value); returns the context for chaining. */
  set(name: string, value: OutgoingHttpHeader): this {
    this.res.setHeader(name, value);
    return this;
  }

  /**
   * Sends `value` as JSON, optionally with a status. The content type is `application/json; charset=utf-8` unless a
   * `content-type` header is set (before or after).
   */
  json(value: unknown, status?: number): void {
    if (status !== undefined) this.status = status;
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`json: expected a JSON-serialisable value, got ${typeof value}`);
    this.#contentType = jsonType;
    this.#responseBody = text;
  }

  /**
   * Sets the response body, written once the middleware chain has unwound (so outer middleware can still add
   * headers). Unless a `content-type` header is set, strings go as `text/plain`, bytes and streams as
   * `application/octet-stream`.
   */
  send(body: ResponseBody, status?: number): void {
    if (status !== undefined) this.status = status;
    this.#contentType = body === null ? undefined : typeof body === 'string' ? textType : binaryType;
    this.#responseBody = body;
  }

  /** The content type the response will carry: the `content-type` header if set, else what `json`/`send` chose. */
  get type(): string | undefined {
    const header = this.res.getHeader('content-type');
    return header === undefined ? this.#contentType : String(header);
  }

  /** Whether a response body has been set with `send`/`json`. */
  get hasBody(): boolean {
    return this.#responseBody !== undefined;
  }
}
