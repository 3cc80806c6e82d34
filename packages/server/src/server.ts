import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';
import type { BrokenCircuitError, BulkheadFullError, CircuitState, OpenReason } from '@weft/breaker';
import type { Bus } from '@weft/bus';
import type { Supervisor } from '@weft/cluster';
import { compose, type Middleware, type Next } from '@weft/compose';
import { Emitter } from '@weft/emitter';
import type { Store } from '@weft/ratelimit';
import { describe } from '@weft/reactor';
import type { AuthenticatedEvent, AuthFailedEvent } from './auth/authenticate';
import { type ServerBus, serverBus } from './bus';
import { attachWorker, type ClusterRole, clusterRole, superviseApp, workerRateLimitStore } from './cluster-mode';
import {
  abortContext,
  abortReasonOf,
  bodyOf,
  Context,
  type ContextSettings,
  contentTypeOf,
  deferredHeadersOf,
  type ResponseBody,
  routeInfoOf,
  setTimerOf,
  statusOf,
  timerOf,
} from './context';
import { HttpError, toProblem } from './errors';
import { Inflight } from './inflight';
import { type InjectRequest, type InjectResponse, inject } from './inject';
import { createLifecycle, type Lifecycle } from './lifecycle';
import { Metrics, type SeriesHolder } from './metrics';
import {
  integer,
  isPlainObject,
  type ResolvedOptions,
  resolveOptions,
  resolveUpstream,
  type ServerOptions,
} from './options';
import { type RateLimitLayer, rateLimitLayer, Shedder } from './protection';
import { writeBody, writeProblem } from './respond';
import { type HttpMethod, httpMethods, RouteTable } from './router';
import { Upstream } from './upstream';

/** A handler or middleware: `(ctx, next) => …`. A route handler's non-undefined return value becomes the body. */
export type Handler<State extends Record<string, unknown> = Record<string, unknown>> = (
  ctx: Context<State>,
  next: Next,
) => unknown;

/** Options of one route. */
export interface RouteOptions {
  /** Deadline of this route's chain in ms (overrides `timeouts.handlerMs`; 0 = none). */
  timeoutMs?: number;
  /** Body limit of this route in bytes (overrides `bodyLimit`). */
  bodyLimit?: number;
}

/** Where a server listens. */
export interface ListenOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
}

/** The bound address, as `listen()` resolves it. */
export interface ServerAddress {
  address: string;
  port: number;
  family: string;
  /** `http://host:port`, ready for a client. */
  url: string;
}

/** States of a server's lifecycle. */
export type LifecycleState = 'idle' | 'starting' | 'listening' | 'draining' | 'closed';

/** The events of `app.events`. */
export type ServerEvents = {
  /** A request arrived and is about to enter the middleware chain. */
  request: [ctx: Context];
  /** A response has been written completely (or abandoned by the client); `durationMs` from arrival. */
  response: [ctx: Context, durationMs: number];
  /** An unexpected error (a 5xx, a failed stream); `ctx` when it belongs to a request. */
  error: [error: unknown, ctx: Context | undefined];
  /** The server is listening. */
  listening: [address: ServerAddress];
  /** `close()` began: no new connections, in-flight requests finishing. */
  draining: [];
  /** Every connection is closed. */
  closed: [];
  /** A request was answered 503 by load shedding before any work. */
  shed: [req: IncomingMessage];
  /** A request was answered 429 by the rate limiter. */
  limited: [ctx: Context, retryAfterMs: number];
  /** The circuit breaker of an upstream changed state (emitted before the event of the new state). */
  breakerStateChange: [upstream: string, from: CircuitState, to: CircuitState];
  /** The circuit breaker of an upstream opened: its calls are answered 503 at once. */
  breakerOpen: [upstream: string, reason: OpenReason];
  /** The circuit breaker of an upstream went half-open after `openForMs`: the next calls probe it. */
  breakerHalfOpen: [upstream: string, openForMs: number];
  /** The circuit breaker of an upstream closed again after `notClosedForMs`. */
  breakerClose: [upstream: string, notClosedForMs: number];
  /** A call to an upstream was rejected by its open circuit breaker (and answered 503). */
  breakerReject: [upstream: string, error: BrokenCircuitError | BulkheadFullError];
  /** A request proved who it is (`authenticate` with `events: app.events`); `ctx.state.principal` is set. */
  authenticated: [event: AuthenticatedEvent];
  /** A request was refused by `authenticate` with 401/403/431; `event.reason` says why. */
  authFailed: [event: AuthFailedEvent];
};

interface RouteDefinition<State extends Record<string, unknown>> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handlers: readonly Handler<State>[];
  readonly options: RouteOptions;
}

interface Route extends SeriesHolder {
  readonly pattern: string;
  readonly bodyLimit: number | undefined;
  readonly timeoutMs: number;
  /** Handlers only, without the app's middleware (operations endpoints). */
  readonly bare: boolean;
  readonly handlers: readonly Middleware<Context>[];
  chain: ((ctx: Context) => unknown) | undefined;
  chainVersion: number;
}

// What a composed chain returns when every layer finished synchronously (compose shares one resolved promise for
// that); the server then answers at once instead of in a microtask. Any other result is awaited.
const settled: unknown = compose([])(undefined);
const lastNext: Next = () => settled as Promise<void>;

const routeOptionKeys = new Set(['timeoutMs', 'bodyLimit']);
/** How long close() leaves idle keep-alive sockets open, so a request a client is sending on one is not reset. */
const idleGraceMs = 500;
/** How often close() looks for disconnected clients and (after the grace) idle sockets. */
const sweepMs = 50;
/**
 * The chain stops entering layers once the request is aborted (client gone, deadline, shutdown): `next()` then
 * rejects with the abort reason. A field check per layer, so requests that never read `ctx.signal` need no
 * AbortController.
 */
function guarded(layer: Middleware<Context>): Middleware<Context> {
  return (ctx, next) => {
    const reason = abortReasonOf(ctx);
    return reason === undefined ? layer(ctx, next) : Promise.reject(reason);
  };
}

/**
 * An HTTP server and gateway: middleware in onion order (`@weft/compose`), routes on find-my-way, graceful close,
 * problem responses, events. Create one with {@link createServer}.
 */
export class App<State extends Record<string, unknown> = Record<string, unknown>> {
  /** Everything that happens, for logs, metrics and tests. */
  readonly events = new Emitter<ServerEvents>();
  /** The underlying `node:http` server. */
  readonly server: Server;
  /** The validated options with defaults. */
  readonly options: ResolvedOptions;

  readonly #middleware: Middleware<Context<State>>[] = [];
  readonly #definitions: RouteDefinition<State>[] = [];
  readonly #table = new RouteTable<Route>();
  readonly #inflight = new Inflight();
  readonly #upstreams = new Map<string, Upstream>();
  readonly #shedder: Shedder | undefined;
  readonly #metrics: Metrics | undefined;
  readonly #rateLimit: RateLimitLayer | undefined;
  readonly #settings: ContextSettings;
  #version = 0;
  #fallback: Route;
  #state: LifecycleState = 'idle';
  /**
   * The lifecycle as an `@weft/fsm` actor (idle → starting → listening → draining → closed): `subscribe` to watch it,
   * `getSnapshot().value` to read it, `toMermaid(lifecycleMachine)` to draw it.
   */
  readonly lifecycle: Lifecycle = createLifecycle();
  #closing: Promise<void> | undefined;
  /** The shutdown deadline has passed: requests still arriving get 503. */
  #pastDeadline = false;
  #drained: (() => void) | undefined;
  readonly #role: ClusterRole;
  #supervisor: Supervisor | undefined;
  #sharedStore: Store | undefined;
  readonly #bus: ServerBus | undefined;

  constructor(options?: ServerOptions) {
    this.options = resolveOptions(options);
    const { timeouts } = this.options;
    if (timeouts.requestMs > 0 && timeouts.headersMs > timeouts.requestMs) {
      throw new RangeError(
        `timeouts.headersMs: expected at most timeouts.requestMs (${timeouts.requestMs}), got ${timeouts.headersMs}`,
      );
    }
    this.#settings = {
      trustProxy: this.options.trustProxy,
      bodyLimit: this.options.bodyLimit,
      // The response is over when the client leaves; the handler learns it from ctx.signal.
      disconnected: (ctx) => this.#complete(ctx),
      upstream: (nameOrUrl) => this.#upstream(nameOrUrl),
    };
    const shortest = Math.min(timeouts.headersMs || 30_000, timeouts.requestMs || 30_000);
    this.server = createHttpServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        // Node checks header/request deadlines on this interval (30 s by default). Every second at most (a quarter
        // of a short deadline): a slowloris socket is cut off at most a second late instead of up to 30 s, and the
        // sockets timing out together (each answered 408 and closed, often reconnected at once by the attacker)
        // come in small batches rather than one burst that stalls the other clients.
        connectionsCheckingInterval: Math.max(250, Math.min(1_000, Math.floor(shortest / 4))),
      },
      (req, res) => this.#handle(req, res),
    );
    const { clock, loadShedding, rateLimit, operations } = this.options;
    this.#role = clusterRole(this.options.workers);
    this.#shedder = loadShedding ? new Shedder(loadShedding, clock) : undefined;
    this.#rateLimit = rateLimit
      ? rateLimitLayer(
          rateLimit,
          clock,
          (ctx, result) => this.events.emit('limited', ctx, result.retryAfterMs),
          (error) => this.#reportError(error, undefined),
          // Counts kept per worker would multiply the limit by the number of workers: the primary keeps them.
          this.sharedRateLimitStore,
        )
      : undefined;
    if (this.#role === 'worker') attachWorker(() => this.close());
    for (const name of this.options.upstreams.keys()) this.#upstream(name);
    this.#bus = options?.bus === undefined ? undefined : serverBus(options.bus, clock);
    if (this.#bus?.publishEvents) this.#publishEvents(this.#bus.bus);
    if (operations.metrics) {
      const bus = this.#bus?.bus;
      const metrics = new Metrics(
        () => this.#inflight.size,
        () => this.#upstreams.values(),
        bus === undefined ? undefined : () => bus.lag(),
      );
      this.#metrics = metrics;
      this.events.on('limited', () => metrics.limited());
      this.events.on('shed', () => metrics.shed());
      this.events.on('breakerReject', (upstream) => metrics.breakerRejected(upstream));
      this.events.on('authFailed', (event) => metrics.authFailed(event.reason));
    }
    this.#fallback = this.#makeRoute(undefined, [this.#notFound], {}, false);
    this.#addOperations();
    if (this.options.logger) this.#attachLogger();
  }

  /** The lifecycle state: idle → starting → listening → draining → closed. */
  get state(): LifecycleState {
    return this.#state;
  }

  /**
   * How this process runs the app: `'single'` without `workers`; with it, `'primary'` in the supervising process
   * (which forks the workers and serves no request itself) and `'worker'` in each forked process.
   */
  get role(): ClusterRole {
    return this.#role;
  }

  /**
   * In a cluster-mode worker: a rate-limit store (`@weft/ratelimit`) whose counts live in the primary, so a limit
   * built on it holds across all workers rather than once per worker; undefined in a single process and in the
   * primary (a `MemoryStore` is right there). The server's own per-IP limit already uses it; pass it to your own
   * limiters, e.g. `tierRateLimit({ tiers, store: app.sharedRateLimitStore })` (the config's `auth.tiers` does).
   */
  get sharedRateLimitStore(): Store | undefined {
    if (this.#role !== 'worker') return undefined;
    this.#sharedStore ??= workerRateLimitStore(this.options.rateLimit ? this.options.rateLimit.storeTimeoutMs : 100);
    return this.#sharedStore;
  }

  /** In the primary of cluster mode once listening: the `@weft/cluster` supervisor (workers, events, `reload()`). */
  get supervisor(): Supervisor | undefined {
    return this.#supervisor;
  }

  /**
   * The event bus (`@weft/bus`) of the `bus` option, undefined without it. With `bus.publishEvents` the server
   * publishes `request.limited` and `breaker.stateChange` on it (see `ServerBusTopics`).
   *
   * @example
   * ```ts
   * const app = createServer({ bus: { transport: 'memory', publishEvents: true } });
   * await app.bus?.subscribe('request.limited', (event) => console.log('limited', event.payload));
   * ```
   */
  get bus(): Bus | undefined {
    return this.#bus?.bus;
  }

  /** Publishes the server's own events on the bus; a failed publish is reported as an `error` event. */
  #publishEvents(bus: Bus): void {
    const publish = (topic: string, payload: unknown) => {
      bus.publish(topic, payload).catch((error: unknown) => this.#reportError(error, undefined));
    };
    this.events.on('limited', (ctx, retryAfterMs) =>
      publish('request.limited', { method: ctx.method, path: ctx.path, ip: ctx.ip, retryAfterMs }),
    );
    this.events.on('breakerStateChange', (upstream, from, to) =>
      publish('breaker.stateChange', { upstream, from, to }),
    );
  }

  /** Requests being handled now. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** Adds middleware that runs, in order, around every route (and around 404/405 answers). */
  use(...middleware: Handler<State>[]): this {
    middleware.forEach((mw, i) => {
      if (typeof mw !== 'function')
        throw new TypeError(`use: middleware ${i}: expected a function, got ${describe(mw)}`);
    });
    this.#middleware.push(...(middleware as Middleware<Context<State>>[]));
    this.#version++;
    return this;
  }

  /** Adds a GET route (which also answers HEAD). */
  get(path: string, ...handlers: [RouteOptions, ...Handler<State>[]] | Handler<State>[]): this {
    return this.#add(['GET'], path, handlers);
  }
  /** Adds a POST route. */
  post(path: string, ...handlers: [RouteOptions, ...Handler<State>[]] | Handler<State>[]): this {
    return this.#add(['POST'], path, handlers);
  }
  /** Adds a PUT route. */
  put(path: string, ...handlers: [RouteOptions, ...Handler<State>[]] | Handler<State>[]): this {
    return this.#add(['PUT'], path, handlers);
  }
  /** Adds a PATCH route. */
  patch(path: string, ...handlers: [RouteOptions, ...Handler<State>[]] | Handler<State>[]): this {
    return this.#add(['PATCH'], path, handlers);
  }
  /** Adds a DELETE route. */
  delete(path: string, ...handlers: [RouteOptions, ...Handler<State>[]] | Handler<State>[]): this {
    return this.#add(['DELETE'], path, handlers);
  }
  /** Adds a route for every method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS). */
  all(path: string, ...handlers: [RouteOptions, ...Handler<State>[]] | Handler<State>[]): this {
    return this.#add(httpMethods, path, handlers);
  }

  /** Adds a route for the given methods (any of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS). */
  add(
    methods: HttpMethod | readonly HttpMethod[],
    path: string,
    ...handlers: [RouteOptions, ...Handler<State>[]] | Handler<State>[]
  ): this {
    const list = typeof methods === 'string' ? [methods] : methods;
    if (!Array.isArray(list) || list.length === 0 || list.some((m) => !httpMethods.includes(m))) {
      throw new TypeError(`add: methods: expected some of ${httpMethods.join(', ')}, got ${describe(methods)}`);
    }
    return this.#add(list, path, handlers);
  }

  /**
   * Mounts the routes of `subApp` under `prefix`, each wrapped in `subApp`'s middleware (which applies to those routes
   * only). Routes added to `subApp` after mounting are not seen.
   */
  route(prefix: string, subApp: App<State>): this {
    if (typeof prefix !== 'string' || !prefix.startsWith('/')) {
      throw new TypeError(`route: prefix: expected a path starting with "/", got ${describe(prefix)}`);
    }
    if (!(subApp instanceof App))
      throw new TypeError(`route: subApp: expected an app from createServer, got ${describe(subApp)}`);
    if (subApp === this) throw new TypeError('route: subApp: cannot mount an app into itself');
    const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    const scoped = subApp.#middleware.slice() as Handler<State>[];
    for (const def of subApp.#definitions) {
      const path = def.path === '/' ? base || '/' : `${base}${def.path}`;
      this.#register([def.method], path, [...scoped, ...def.handlers], def.options, false, true);
    }
    return this;
  }

  /** Starts listening; resolves with the bound address. */
  listen(options: ListenOptions = {}): Promise<ServerAddress> {
    if (!isPlainObject(options)) throw new TypeError(`listen: options: expected an object, got ${describe(options)}`);
    const port = integer(options.port, 'listen.port', 0, 0);
    if (port > 65_535) throw new RangeError(`listen.port: expected an integer from 0 to 65535, got ${port}`);
    const host = options.host ?? '127.0.0.1';
    if (typeof host !== 'string' || host === '')
      throw new TypeError(`listen.host: expected a host name, got ${describe(host)}`);
    if (this.#state !== 'idle') {
      return Promise.reject(new Error(`listen: the server is ${this.#state}; an app listens once`));
    }
    this.#transition('START');
    return this.#role === 'primary' ? this.#startPrimary(host) : this.#start(port, host);
  }

  async #startPrimary(host: string): Promise<ServerAddress> {
    let started: Awaited<ReturnType<typeof superviseApp>>;
    try {
      started = await superviseApp({
        workers: this.options.workers as number | 'auto',
        shutdownTimeoutMs: this.options.shutdownTimeoutMs,
        clock: this.options.clock,
        logger: this.options.logger,
      });
    } catch (error) {
      this.#transition('FAILED');
      throw error;
    }
    this.#supervisor = started.supervisor;
    const { port, family } = started.address;
    const shown = started.address.address || host;
    const address: ServerAddress = {
      address: shown,
      port,
      family,
      url: `http://${family === 'IPv6' ? `[${shown}]` : shown}:${port}`,
    };
    this.#transition('LISTENING');
    this.events.emit('listening', address);
    return address;
  }

  async #start(port: number, host: string): Promise<ServerAddress> {
    try {
      await this.#rateLimit?.ready();
      await this.#bus?.ready();
    } catch (error) {
      this.#transition('FAILED');
      throw error;
    }
    this.#metrics?.collectDefaults();
    return new Promise<ServerAddress>((resolve, reject) => {
      const onError = (error: Error) => {
        this.#transition('FAILED');
        reject(error);
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (error) => this.#reportError(error, undefined));
        const info = this.server.address() as AddressInfo;
        const hostPart = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        const address: ServerAddress = {
          address: info.address,
          port: info.port,
          family: info.family,
          url: `http://${hostPart}:${info.port}`,
        };
        this.#transition('LISTENING');
        this.#shedder?.start();
        this.events.emit('listening', address);
        resolve(address);
      });
    });
  }

  /**
   * Closes gracefully: stops accepting connections at once; serves a request that arrives on an already open
   * connection as usual but with `Connection: close` (so a connection accepted just before a reload loses nothing);
   * closes idle keep-alive sockets after a short grace (at most 500 ms, or the keep-alive timeout if shorter), so a
   * request already on the wire is answered rather than reset; lets in-flight requests finish within
   * `shutdownTimeoutMs`, then aborts the stragglers' `ctx.signal` and ends their responses with 503, and answers any
   * later request with 503 + `Connection: close`. Resolves once every connection is closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Sends a request through the app without a network socket (same parser, middleware and routes). */
  inject(request: InjectRequest | string): Promise<InjectResponse> {
    return inject(this.server, typeof request === 'string' ? { url: request } : request);
  }

  async #shutdown(): Promise<void> {
    if (this.#role === 'primary') {
      this.#transition('CLOSE');
      this.events.emit('draining');
      await this.#supervisor?.shutdown();
      await Promise.all([...this.#upstreams.values()].map((upstream) => upstream.close()));
      if (this.#bus?.owned) await this.#bus.close();
      this.#transition('CLOSED');
      this.events.emit('closed');
      return;
    }
    const wasListening = this.server.listening;
    this.#shedder?.stop();
    this.#transition('CLOSE');
    this.events.emit('draining');
    // net's close, not http's: http's also closes idle keep-alive sockets at once, resetting a request a client is
    // sending on one right now. Those close after the grace below; requests on open connections get Connection: close.
    const closed = new Promise<void>((resolve) => {
      if (!wasListening) return resolve();
      NetServer.prototype.close.call(this.server, () => resolve());
    });
    const { clock, shutdownTimeoutMs } = this.options;
    const graceMs = Math.min(idleGraceMs, this.server.keepAliveTimeout || idleGraceMs, shutdownTimeoutMs);
    let sweeps = 0;
    // A connection whose response has just been written turns idle only once Node has detached it: sweep until
    // every connection is gone, so a keep-alive socket never holds close() up to its keep-alive timeout.
    const sweep = setInterval(() => {
      this.#sweepDisconnected();
      if (++sweeps * sweepMs >= graceMs) this.server.closeIdleConnections();
    }, sweepMs);
    this.#sweepDisconnected();
    const deadline = clock.setTimeout(() => {
      this.#pastDeadline = true;
      for (const ctx of this.#inflight.snapshot()) this.#abandon(ctx, 'shutdown');
      this.server.closeIdleConnections();
    }, shutdownTimeoutMs);
    await closed;
    clearInterval(sweep);
    // Every connection is gone, so whatever is still in flight lost its client: its handler sees ctx.signal abort.
    this.#sweepDisconnected();
    // Handlers still running (now aborted, or until the deadline aborts them) are waited for.
    if (this.#inflight.size > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    this.#drained = undefined;
    clock.clearTimeout(deadline);
    // http's own close work (its timeout checker); the listener is already closed, so the callback's error is moot.
    if (wasListening) this.server.close(() => {});
    await Promise.all([...this.#upstreams.values()].map((upstream) => upstream.close()));
    this.#upstreams.clear();
    await this.#rateLimit?.close();
    if (this.#bus?.owned) await this.#bus.close();
    this.#transition('CLOSED');
    this.events.emit('closed');
  }

  /** Completes in-flight requests whose client has gone (their handlers see it through ctx.signal). */
  #sweepDisconnected(): void {
    for (const ctx of this.#inflight.snapshot()) abortReasonOf(ctx);
  }

  /** Moves the lifecycle actor and mirrors its state in a field the hot path reads. */
  #transition(type: 'START' | 'LISTENING' | 'FAILED' | 'CLOSE' | 'CLOSED'): void {
    this.lifecycle.send({ type });
    this.#state = this.lifecycle.getSnapshot().value as LifecycleState;
  }

  #upstream(nameOrUrl: string): Upstream {
    let upstream = this.#upstreams.get(nameOrUrl);
    if (upstream === undefined) {
      const configured = this.options.upstreams.get(nameOrUrl);
      if (configured === undefined && !/^https?:\/\//.test(nameOrUrl)) {
        throw new Error(
          `proxy: unknown upstream "${nameOrUrl}" (configured: ${[...this.options.upstreams.keys()].join(', ') || 'none'})`,
        );
      }
      upstream = new Upstream(
        configured ?? resolveUpstream(nameOrUrl, nameOrUrl, 'proxy: upstream'),
        this.options.clock,
      );
      this.#upstreams.set(nameOrUrl, upstream);
      this.#relayBreaker(upstream);
    }
    return upstream;
  }

  /** Re-emits an upstream's breaker events on `app.events`, named after the upstream. */
  #relayBreaker(upstream: Upstream): void {
    const breaker = upstream.breaker;
    if (breaker === undefined) return;
    const { name } = upstream;
    const events = this.events;
    breaker.events.on('stateChange', (from, to) => events.emit('breakerStateChange', name, from, to));
    breaker.events.on('open', (reason) => events.emit('breakerOpen', name, reason));
    breaker.events.on('halfOpen', (openForMs) => events.emit('breakerHalfOpen', name, openForMs));
    breaker.events.on('close', (notClosedForMs) => events.emit('breakerClose', name, notClosedForMs));
    breaker.events.on('reject', (error) => events.emit('breakerReject', name, error));
  }

  #add(methods: readonly HttpMethod[], path: string, args: unknown[]): this {
    let options: RouteOptions = {};
    let handlers = args;
    if (args.length > 0 && typeof args[0] === 'object' && args[0] !== null) {
      options = args[0] as RouteOptions;
      handlers = args.slice(1);
      for (const key of Object.keys(options)) {
        if (!routeOptionKeys.has(key))
          throw new TypeError(`${path}: ${key}: unknown route option (expected timeoutMs, bodyLimit)`);
      }
      if (options.timeoutMs !== undefined) integer(options.timeoutMs, `${path}: timeoutMs`, 0, 0);
      if (options.bodyLimit !== undefined) integer(options.bodyLimit, `${path}: bodyLimit`, 0, 0);
    }
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(`route path: expected a string starting with "/", got ${describe(path)}`);
    }
    if (handlers.length === 0) throw new TypeError(`${path}: expected at least one handler`);
    handlers.forEach((h, i) => {
      if (typeof h !== 'function')
        throw new TypeError(`${path}: handler ${i}: expected a function, got ${describe(h)}`);
    });
    this.#register(methods, path, handlers as Handler<State>[], options, false, false);
    return this;
  }

  #register(
    methods: readonly HttpMethod[],
    path: string,
    handlers: readonly Handler<State>[],
    options: RouteOptions,
    bare: boolean,
    wrapped: boolean,
  ): void {
    const wrappedHandlers = wrapped ? handlers : handlers.map(adoptReturn);
    const route = this.#makeRoute(path, wrappedHandlers as Middleware<Context>[], options, bare);
    for (const method of methods) {
      this.#table.add(method, path, route);
      if (!bare) this.#definitions.push({ method, path, handlers: wrappedHandlers, options });
    }
  }

  #makeRoute(
    pattern: string | undefined,
    handlers: readonly Middleware<Context>[],
    options: RouteOptions,
    bare: boolean,
  ): Route & { pattern: string } {
    return {
      pattern: pattern as string,
      bodyLimit: options.bodyLimit,
      timeoutMs: options.timeoutMs ?? this.options.timeouts.handlerMs,
      bare,
      handlers,
      chain: undefined,
      chainVersion: -1,
    };
  }

  #chainOf(route: Route): (ctx: Context) => unknown {
    if (route.chain === undefined || route.chainVersion !== this.#version) {
      const layers = route.bare
        ? route.handlers
        : [
            ...(this.#rateLimit ? [this.#rateLimit.layer] : []),
            ...(this.#middleware as Middleware<Context>[]),
            ...route.handlers,
          ];
      // The first layer runs in the same turn the request was read in, when it cannot have been aborted yet; only
      // the layers after it check.
      if (layers.length === 1) {
        // One layer needs no onion: call it (its next() is the end of the chain).
        const only = layers[0] as Middleware<Context>;
        route.chain = (ctx) => only(ctx, lastNext);
      } else {
        route.chain = compose(layers.map((layer, i) => (i === 0 ? layer : guarded(layer)))) as (
          ctx: Context,
        ) => unknown;
      }
      route.chainVersion = this.#version;
    }
    return route.chain;
  }

  readonly #notFound: Middleware<Context> = (ctx) => {
    const allowed = this.#table.allowed(ctx.req.url ?? '/');
    if (allowed.length === 0) throw new HttpError(404, `no route for ${ctx.method} ${ctx.path}`);
    const allow = allowed.join(', ');
    if (ctx.method === 'OPTIONS') {
      ctx.set('allow', allow);
      ctx.status = 204;
      return;
    }
    throw new HttpError(405, `${ctx.method} is not allowed on ${ctx.path}`, { headers: { allow } });
  };

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const match = this.#table.find(req.method ?? 'GET', url);
    const route = match === undefined ? this.#fallback : match.store;
    if (this.#state === 'draining' && !this.#pastDeadline) {
      // Served as usual (the client may have sent it before it could know), but this connection ends with it.
      res.setHeader('connection', 'close');
    } else if ((this.#state === 'draining' || this.#state === 'closed') && !route.bare) {
      const error = new HttpError(503, 'the server is shutting down', {
        headers: { 'retry-after': '1' },
        expose: true,
      });
      writeProblem(res, toProblem(error, url, false), true);
      return;
    }
    if (this.#shedder !== undefined && !route.bare && this.#shedder.overloaded) {
      this.events.emit('shed', req);
      writeProblem(res, toProblem(this.#shedder.error, url, false), false);
      return;
    }
    const ctx = new Context(
      req,
      res,
      this.#settings,
      match === undefined ? undefined : route,
      match?.params,
      this.options.clock.now(),
    );
    this.#inflight.add(ctx);
    if (route.timeoutMs > 0) {
      setTimerOf(
        ctx,
        this.options.clock.setTimeout(() => this.#abandon(ctx, 'deadline'), route.timeoutMs),
      );
    }
    if (this.events.listenerCount('request') > 0) this.events.emit('request', ctx);
    let done: unknown;
    try {
      done = this.#chainOf(route)(ctx);
    } catch (error) {
      this.#fail(ctx, error);
      return;
    }
    if (done === settled || done === undefined) {
      this.#respond(ctx);
    } else {
      (done as Promise<unknown>).then(
        () => this.#respond(ctx),
        (error: unknown) => this.#fail(ctx, error),
      );
    }
  }

  #respond(ctx: Context): void {
    if (!this.#inflight.has(ctx)) return;
    const { res } = ctx;
    if (res.headersSent || res.writableEnded) {
      // The handler wrote to ctx.res itself; the response is over once Node says so.
      if (res.writableFinished || res.destroyed) this.#complete(ctx);
      else res.once('close', () => this.#complete(ctx));
      return;
    }
    if (this.#state === 'draining') res.setHeader('connection', 'close');
    const body = bodyOf(ctx);
    const streaming = writeBody(
      res,
      statusOf(ctx) ?? (body === undefined ? 204 : 200),
      body,
      contentTypeOf(ctx),
      deferredHeadersOf(ctx),
    );
    if (streaming === undefined) {
      this.#complete(ctx);
    } else {
      streaming.then(() => {
        if (!res.writableFinished) {
          if (res.errored) this.#reportError(res.errored, ctx);
          abortContext(ctx, 'disconnect');
        }
        this.#complete(ctx);
      });
    }
  }

  #fail(ctx: Context, error: unknown): void {
    if (!this.#inflight.has(ctx)) return;
    const { res } = ctx;
    const problem = toProblem(error, ctx.path, this.options.dev);
    if (problem.status >= 500) this.#reportError(error, ctx);
    if (res.headersSent) {
      res.destroy();
    } else if (!res.destroyed) {
      writeProblem(res, problem, this.#state === 'draining' || problem.headers?.connection === 'close');
    }
    this.#complete(ctx);
  }

  /** Ends a request that outlived its deadline or the shutdown grace: aborts its signal and answers 503. */
  #abandon(ctx: Context, cause: 'deadline' | 'shutdown'): void {
    if (!this.#inflight.has(ctx)) return;
    abortContext(ctx, cause);
    const { res } = ctx;
    if (res.headersSent) {
      res.destroy();
    } else if (!res.destroyed) {
      const detail = cause === 'deadline' ? 'the handler did not finish in time' : 'the server is shutting down';
      writeProblem(res, toProblem(new HttpError(503, detail, { expose: true }), ctx.path, false), cause === 'shutdown');
    }
    this.#complete(ctx);
  }

  #complete(ctx: Context): void {
    if (!this.#inflight.delete(ctx)) return;
    const timer = timerOf(ctx);
    if (timer !== undefined) {
      this.options.clock.clearTimeout(timer);
      setTimerOf(ctx, undefined);
    }
    const metrics = this.#metrics;
    const listening = this.events.listenerCount('response') > 0;
    if (metrics !== undefined || listening) {
      const durationMs = this.options.clock.now() - ctx.startedAt;
      metrics?.observe(routeInfoOf(ctx) as Route | undefined, ctx.method, ctx.res.statusCode, durationMs);
      if (listening) this.events.emit('response', ctx, durationMs);
    }
    if (this.#drained !== undefined && this.#inflight.size === 0) this.#drained();
  }

  #reportError(error: unknown, ctx: Context | undefined): void {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error, ctx);
  }

  #addOperations(): void {
    const { health, ready, metrics } = this.options.operations;
    if (metrics && this.#metrics) {
      const registry = this.#metrics;
      this.#register(
        ['GET'],
        metrics,
        [
          async (ctx) => {
            ctx.set('content-type', registry.contentType);
            ctx.set('cache-control', 'no-store');
            ctx.send(await registry.text());
          },
        ],
        {},
        true,
        true,
      );
    }
    const json = (ctx: Context, status: number, value: unknown) => {
      ctx.set('cache-control', 'no-store');
      ctx.json(value, status);
    };
    if (health) {
      this.#register(['GET'], health, [(ctx) => json(ctx, 200, { status: 'ok' })], {}, true, true);
    }
    if (ready) {
      this.#register(
        ['GET'],
        ready,
        [
          (ctx) =>
            json(ctx, this.#state === 'listening' ? 200 : 503, {
              status: this.#state,
              ready: this.#state === 'listening',
            }),
        ],
        {},
        true,
        true,
      );
    }
  }

  #attachLogger(): void {
    const logger = this.options.logger!;
    this.events.on('response', (ctx, durationMs) => {
      logger.info(
        {
          method: ctx.method,
          url: ctx.req.url,
          route: ctx.route,
          status: ctx.res.statusCode,
          durationMs: Math.round(durationMs * 1000) / 1000,
          ip: ctx.ip,
        },
        'request completed',
      );
    });
    this.events.on('error', (error, ctx) => {
      logger.error({ err: error, method: ctx?.method, url: ctx?.req.url }, 'request failed');
    });
    this.events.on('listening', (address) => logger.info({ url: address.url }, 'listening'));
    this.events.on('draining', () => logger.info('draining'));
    this.events.on('closed', () => logger.info('closed'));
  }
}

/** Wraps a route handler so that a value it returns (or resolves to) becomes the body when none was set. */
function adoptReturn<State extends Record<string, unknown>>(handler: Handler<State>): Handler<State> {
  return (ctx, next) => {
    const result = handler(ctx, next);
    if (result === undefined) return undefined;
    if (result instanceof Promise) {
      return result.then((value: unknown) => {
        if (value !== undefined && !ctx.hasBody) adopt(ctx, value);
      });
    }
    if (!ctx.hasBody) adopt(ctx, result);
    return undefined;
  };
}

function adopt(ctx: Context<Record<string, unknown>>, value: unknown): void {
  if (typeof value === 'string' || value instanceof Uint8Array) ctx.send(value);
  else if (value !== null && typeof value === 'object' && isStreamLike(value)) ctx.send(value as ResponseBody);
  else ctx.json(value);
}

function isStreamLike(value: object): boolean {
  return (
    typeof (value as { pipe?: unknown }).pipe === 'function' ||
    typeof (value as { getReader?: unknown }).getReader === 'function' ||
    Symbol.asyncIterator in value
  );
}

/**
 * Creates an app: an HTTP server with middleware, routing, graceful close, problem responses and events.
 *
 * @example
 * ```ts
 * import { createServer } from '@weft/server';
 *
 * const app = createServer({ bodyLimit: 64 * 1024 });
 * app.use(async (ctx, next) => {
 *   await next();
 *   ctx.set('x-powered-by', 'weft');
 * });
 * app.get('/hello/:name', (ctx) => ({ hello: ctx.params.name }));
 * const { url } = await app.listen({ port: 3000 });
 * process.once('SIGTERM', () => app.close());
 * ```
 */
export function createServer<State extends Record<string, unknown> = Record<string, unknown>>(
  options?: ServerOptions,
): App<State> {
  return new App<State>(options);
}
