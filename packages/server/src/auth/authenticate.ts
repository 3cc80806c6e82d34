import type { IncomingHttpHeaders } from 'node:http';
import type { Next } from '@weft/compose';
import { describe } from '@weft/reactor';
import { HttpError } from '../errors';
import { type ApiKeySource, ApiKeys } from './api-keys';
import { AuthError, type AuthFailureReason } from './errors';
import { JwksUnavailableError, type JwtOptions, JwtVerifier } from './jwt';
import { type AuthScheme, checkScopes, hasScopes, type Principal } from './principal';

/** The parts of a request context {@link authenticate} reads (weft's `Context` has them all). */
export interface AuthContext {
  readonly method: string;
  /** The matched route pattern (`/orders/:id`), undefined when no route matched. */
  readonly route?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  state: Record<string, unknown>;
}

/**
 * What a route asks of its callers: `false` public (no credentials looked at), `true` authenticated,
 * `{ scopes }` authenticated and holding every listed scope (else 403), `{ optional: true }` credentials checked when
 * sent (bad ones still 401) but not required.
 */
export type RouteAuth = boolean | { readonly scopes?: readonly string[]; readonly optional?: boolean };

/** The payload of the `authenticated` event. */
export interface AuthenticatedEvent {
  readonly ctx: AuthContext;
  readonly principal: Principal;
  readonly scheme: AuthScheme;
}

/** The payload of the `authFailed` event. */
export interface AuthFailedEvent {
  readonly ctx: AuthContext;
  readonly reason: AuthFailureReason;
  /** The credential kind that failed; undefined when none was sent. */
  readonly scheme: AuthScheme | undefined;
  /** The response status: 401, 403 (`scope`) or 431 (oversized token). */
  readonly status: number;
  /** What was wrong, as sent in the problem's `detail`. */
  readonly detail: string;
}

/** The events {@link authenticate} emits; merge them into an emitter's event map (`ServerEvents & AuthEvents`). */
export type AuthEvents = {
  /** A request proved who it is; `ctx.state.principal` is set. */
  authenticated: [event: AuthenticatedEvent];
  /** A request was refused with 401/403/431. */
  authFailed: [event: AuthFailedEvent];
};

/**
 * Anything with `emit(name, payload)`, such as `app.events` or a `node:events` emitter. Typed loosely (both
 * parameters `never`) so that any emitter fits, including one whose event map does not list {@link AuthEvents} and
 * one whose event names include symbols (`errorMonitor`); listeners receive the payloads described there.
 */
export interface AuthEventSink {
  emit(name: never, event: never): unknown;
}

/** Counters for metrics; read them from {@link Authenticator.stats}. */
export interface AuthStats {
  /** Requests that proved who they are. */
  authenticated: number;
  /** Refused requests by reason. */
  failures: Record<AuthFailureReason, number>;
}

/** Options of {@link authenticate}. Give `apiKeys`, `jwt`, or both. */
export interface AuthenticateOptions {
  /**
   * API keys, read from `x-api-key` (see `apiKeyHeader`) or `Authorization: Bearer <key>`: a table key →
   * principal (keys may be written `sha256:<hex>`, see `hashApiKey`), or a lookup function. When a request sends
   * both headers the key header wins (its Authorization header may carry a token meant for the upstream). A Bearer
   * token shaped like a JWS (`a.b.c`) goes to `jwt` when that is configured, anything else to `apiKeys`.
   */
  apiKeys?: ApiKeySource | undefined;
  /** JWTs, read from `Authorization: Bearer <jwt>` and verified with `jose`. */
  jwt?: JwtOptions | undefined;
  /** The realm named in `WWW-Authenticate`. Default `'api'`. */
  realm?: string | undefined;
  /** The header carrying an API key. Default `'x-api-key'`. */
  apiKeyHeader?: string | undefined;
  /** Longest token accepted, bytes; longer ones get 431 without being parsed. Default 8192. */
  maxTokenBytes?: number | undefined;
  /** What routes without a rule ask (also requests that matched no route). Default `true`. */
  default?: RouteAuth | undefined;
  /**
   * Per-route rules keyed by route pattern, optionally preceded by a method: `{ '/health': false,
   * 'POST /orders': { scopes: ['orders:write'] } }`. A method-specific rule wins; HEAD uses GET's.
   */
  routes?: Readonly<Record<string, RouteAuth>> | undefined;
  /** Decides a request's rule instead (or undefined to fall back to `routes`/`default`). */
  requirement?: ((ctx: AuthContext) => RouteAuth | undefined) | undefined;
  /** Receives `authenticated` and `authFailed` events (pass `app.events`). */
  events?: AuthEventSink | undefined;
}

/** The middleware {@link authenticate} returns, with its counters. */
export interface Authenticator {
  (ctx: AuthContext, next: Next): Promise<void>;
  /** Live counters: authenticated requests and failures by reason. */
  readonly stats: Readonly<AuthStats>;
  /**
   * Route middleware that demands a principal (set by this authenticator) holding `scopes`, answering like the
   * authenticator does (401 when none, 403 when a scope is missing) and counting the same way.
   */
  require(requirement?: { readonly scopes?: readonly string[] }): (ctx: AuthContext, next: Next) => Promise<void>;
}

/** A {@link RouteAuth} normalised. */
export interface Requirement {
  readonly public: boolean;
  readonly optional: boolean;
  readonly scopes: readonly string[];
}

interface RouteRules {
  any: Requirement | undefined;
  readonly byMethod: Map<string, Requirement>;
}

/** How the credential travelled, which decides the `WWW-Authenticate` challenge. */
type Transport = 'Bearer' | 'ApiKey';

const schemePattern = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?: +|$)/;
const token68Pattern = /^([A-Za-z0-9\-._~+/]+=*) *$/;
const jwsPattern = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const apiKeyPattern = /^[\x21-\x7e]+$/;
const realmPattern = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;
const headerNamePattern = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const methodRule = /^([A-Z]+) +(\/.*)$/;

/**
 * Authentication middleware: finds who is calling from an API key or a JWT, stores the {@link Principal} on
 * `ctx.state.principal`, and refuses the request otherwise: 401 `application/problem+json` with `WWW-Authenticate`
 * (RFC 6750 `Bearer` challenges; `ApiKey` for the key header) and a `reason` of missing, invalid or expired; 403 with
 * reason `scope` for a principal lacking a required scope; 431 for a token over `maxTokenBytes`. Never a 500 for bad
 * input; a JWKS endpoint that cannot be reached gives 503.
 *
 * Put it after the server's own protection, which runs first: load shedding, then the per-IP rate limit (the server's
 * `rateLimit` option), then this, then {@link tierRateLimit}, then the route. An unauthenticated flood is thus stopped
 * by the IP limit before any key lookup or signature check.
 *
 * @example
 * ```ts
 * import { authenticate, createServer, tierRateLimit } from '@weft/server';
 *
 * const app = createServer({ rateLimit: { limit: 100, windowMs: 1_000 } });
 * const auth = authenticate({
 *   apiKeys: { 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08': { id: 'acme', tier: 'pro' } },
 *   jwt: { jwksUrl: 'https://issuer.example/.well-known/jwks.json', issuer: 'https://issuer.example', audience: 'api' },
 *   routes: { '/status': false, 'POST /orders': { scopes: ['orders:write'] } },
 *   events: app.events,
 * });
 * app.use(auth, tierRateLimit({ tiers: { free: { limit: 10, windowMs: 1_000 }, pro: { limit: 100, windowMs: 1_000 } } }));
 * app.post('/orders', (ctx) => ({ by: ctx.state.principal }));
 * ```
 */
export function authenticate(options: AuthenticateOptions): Authenticator {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`authenticate: options: expected an object, got ${describe(options)}`);
  }
  if (options.apiKeys === undefined && options.jwt === undefined) {
    throw new TypeError('authenticate: expected apiKeys, jwt or both, got neither');
  }
  const apiKeys = options.apiKeys === undefined ? undefined : new ApiKeys(options.apiKeys);
  const jwt = options.jwt === undefined ? undefined : new JwtVerifier(options.jwt);
  const realm = options.realm ?? 'api';
  if (typeof realm !== 'string' || !realmPattern.test(realm)) {
    throw new TypeError(`realm: expected printable ASCII without quotes or backslashes, got ${describe(realm)}`);
  }
  const apiKeyHeader = options.apiKeyHeader ?? 'x-api-key';
  if (typeof apiKeyHeader !== 'string' || !headerNamePattern.test(apiKeyHeader)) {
    throw new TypeError(`apiKeyHeader: expected a header name, got ${describe(apiKeyHeader)}`);
  }
  const keyHeader = apiKeyHeader.toLowerCase();
  const maxTokenBytes = options.maxTokenBytes ?? 8192;
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 16) {
    throw new RangeError(`maxTokenBytes: expected an integer of at least 16, got ${describe(maxTokenBytes)}`);
  }
  // "Bearer " and the token: a longer header is refused before any parsing.
  const maxAuthorizationBytes = maxTokenBytes + 7;
  const fallback = requirementOf(options.default ?? true, 'default');
  const rules = compileRules(options.routes);
  const decide = options.requirement;
  if (decide !== undefined && typeof decide !== 'function') {
    throw new TypeError(`requirement: expected a function (ctx) => RouteAuth, got ${describe(decide)}`);
  }
  const events = options.events;
  if (events !== undefined && typeof (events as { emit?: unknown }).emit !== 'function') {
    throw new TypeError(`events: expected an emitter with emit(name, payload), got ${describe(events)}`);
  }
  const stats: AuthStats = { authenticated: 0, failures: { missing: 0, invalid: 0, expired: 0, scope: 0 } };
  const emit = events as { emit(name: string, event: unknown): unknown } | undefined;
  const apiKeyChallenge = `ApiKey realm="${realm}", header="${apiKeyHeader}"`;

  const challenge = (transport: Transport | undefined, error?: string, extra?: string): string[] => {
    const params = error === undefined ? '' : `, error="${error}"${extra ?? ''}`;
    if (transport === 'ApiKey') return [`ApiKey realm="${realm}"${params}`];
    if (transport === 'Bearer' || apiKeys === undefined) return [`Bearer realm="${realm}"${params}`];
    return [`Bearer realm="${realm}"`, apiKeyChallenge];
  };

  const fail = (
    ctx: AuthContext,
    reason: AuthFailureReason,
    detail: string,
    scheme: AuthScheme | undefined,
    status: number,
    challenges: readonly string[],
    cause?: unknown,
  ): never => {
    stats.failures[reason]++;
    emit?.emit('authFailed', { ctx, reason, scheme, status, detail } satisfies AuthFailedEvent);
    throw new AuthError(reason, detail, { status, scheme, challenges, cause });
  };

  const refuse = (
    ctx: AuthContext,
    reason: AuthFailureReason,
    detail: string,
    scheme: AuthScheme | undefined,
    transport: Transport | undefined,
    cause?: unknown,
  ): never => {
    const error =
      reason === 'missing'
        ? undefined
        : transport === 'Bearer' && reason !== 'expired' && scheme === undefined
          ? 'invalid_request'
          : transport === 'ApiKey'
            ? 'invalid_key'
            : 'invalid_token';
    const description = error === undefined ? '' : `, error_description="${detail}"`;
    return fail(ctx, reason, detail, scheme, 401, challenge(transport, error, description), cause);
  };

  const oversized = (ctx: AuthContext, scheme: AuthScheme | undefined): never =>
    fail(ctx, 'invalid', `the credential is larger than ${maxTokenBytes} bytes`, scheme, 431, []);

  const checkKey = async (ctx: AuthContext, key: string, transport: Transport): Promise<Principal> => {
    const principal = await apiKeys!.find(key);
    if (principal === undefined) return refuse(ctx, 'invalid', 'the API key is not valid', 'apiKey', transport);
    return principal;
  };

  const checkJwt = async (ctx: AuthContext, token: string): Promise<Principal> => {
    let outcome: Awaited<ReturnType<JwtVerifier['verify']>>;
    try {
      outcome = await jwt!.verify(token);
    } catch (error) {
      if (error instanceof JwksUnavailableError) {
        throw new HttpError(503, 'the token cannot be checked now; retry later', {
          cause: error,
          expose: true,
          headers: { 'retry-after': '5' },
        });
      }
      throw error;
    }
    if (outcome.ok) return outcome.principal;
    return refuse(ctx, outcome.reason, outcome.detail, 'jwt', 'Bearer', outcome.cause);
  };

  /** The caller's principal, undefined when no credentials were sent and they are optional; throws otherwise. */
  const identify = (ctx: AuthContext, optional: boolean): Promise<Principal | undefined> | undefined => {
    const headers = ctx.headers;
    if (apiKeys !== undefined) {
      const key = headers[keyHeader];
      if (key !== undefined) {
        if (typeof key !== 'string' || key.length > maxTokenBytes) {
          if (typeof key === 'string') return oversized(ctx, 'apiKey');
          return refuse(ctx, 'invalid', `send one ${apiKeyHeader} header`, 'apiKey', 'ApiKey');
        }
        if (!apiKeyPattern.test(key)) return refuse(ctx, 'invalid', 'the API key is malformed', 'apiKey', 'ApiKey');
        return checkKey(ctx, key, 'ApiKey');
      }
    }
    const authorization = headers.authorization;
    if (authorization === undefined || authorization === '') {
      if (optional) return undefined;
      return refuse(ctx, 'missing', 'credentials are required', undefined, undefined);
    }
    if (authorization.length > maxAuthorizationBytes) return oversized(ctx, undefined);
    const scheme = schemePattern.exec(authorization);
    if (scheme === null) return refuse(ctx, 'invalid', 'the Authorization header is malformed', undefined, 'Bearer');
    if (scheme[1]!.toLowerCase() !== 'bearer') {
      // RFC 6750 §3.1: a scheme this server does not take counts as no credentials (no error code).
      return refuse(ctx, 'missing', `expected Bearer credentials, got ${scheme[1]}`, undefined, undefined);
    }
    const rest = authorization.slice(scheme[0].length);
    const match = token68Pattern.exec(rest);
    if (match === null) {
      const detail = rest.trim() === '' ? 'the Bearer token is missing' : 'the Bearer token is malformed';
      return refuse(ctx, 'invalid', detail, undefined, 'Bearer');
    }
    const token = match[1]!;
    if (token.length > maxTokenBytes) return oversized(ctx, undefined);
    if (jwt !== undefined && jwsPattern.test(token)) return checkJwt(ctx, token);
    if (apiKeys !== undefined) return checkKey(ctx, token, 'Bearer');
    return refuse(ctx, 'invalid', 'the token is malformed', 'jwt', 'Bearer');
  };

  const transportOf = (ctx: AuthContext): Transport =>
    apiKeys !== undefined && ctx.headers[keyHeader] !== undefined ? 'ApiKey' : 'Bearer';

  const scopeFailure = (ctx: AuthContext, principal: Principal, scopes: readonly string[]): never => {
    const transport = principal.scheme === 'apiKey' ? transportOf(ctx) : 'Bearer';
    return fail(
      ctx,
      'scope',
      `the ${principal.scheme === 'jwt' ? 'token' : 'API key'} lacks a required scope (${scopes.join(' ')})`,
      principal.scheme,
      403,
      challenge(transport, 'insufficient_scope', `, scope="${scopes.join(' ')}"`),
    );
  };

  const admit = (ctx: AuthContext, principal: Principal, scopes: readonly string[], next: Next): Promise<void> => {
    if (!hasScopes(principal, scopes)) return scopeFailure(ctx, principal, scopes);
    ctx.state.principal = principal;
    stats.authenticated++;
    emit?.emit('authenticated', {
      ctx,
      principal,
      scheme: principal.scheme ?? 'apiKey',
    } satisfies AuthenticatedEvent);
    return next();
  };

  const requirementFor = (ctx: AuthContext): Requirement => {
    if (decide !== undefined) {
      const decided = decide(ctx);
      if (decided !== undefined) return requirementOf(decided, 'requirement(ctx) result');
    }
    if (rules !== undefined && ctx.route !== undefined) {
      const route = rules.get(ctx.route);
      if (route !== undefined) {
        const specific =
          route.byMethod.get(ctx.method) ?? (ctx.method === 'HEAD' ? route.byMethod.get('GET') : undefined);
        const rule = specific ?? route.any;
        if (rule !== undefined) return rule;
      }
    }
    return fallback;
  };

  const middleware = async (ctx: AuthContext, next: Next): Promise<void> => {
    const requirement = requirementFor(ctx);
    if (requirement.public) return next();
    const pending = identify(ctx, requirement.optional);
    const principal = pending === undefined ? undefined : await pending;
    if (principal === undefined) return next();
    return admit(ctx, principal, requirement.scopes, next);
  };

  const require = (requirement: { readonly scopes?: readonly string[] } = {}) => {
    const scopes = checkScopes(requirement.scopes, 'require: scopes') ?? [];
    return async (ctx: AuthContext, next: Next): Promise<void> => {
      const principal = ctx.state.principal as Principal | undefined;
      if (principal === undefined) return refuse(ctx, 'missing', 'credentials are required', undefined, undefined);
      if (!hasScopes(principal, scopes)) return scopeFailure(ctx, principal, scopes);
      return next();
    };
  };

  return Object.assign(middleware, { stats: stats as Readonly<AuthStats>, require });
}

/**
 * Route middleware demanding an authenticated principal with `scopes` (401 when there is none, 403 when a scope is
 * missing). Use it after {@link authenticate}, on routes in code; `auth.require()` does the same and also counts and
 * emits through that authenticator.
 *
 * @example
 * ```ts
 * app.post('/orders', requireAuth({ scopes: ['orders:write'] }), (ctx) => createOrder(ctx));
 * ```
 */
export function requireAuth(
  requirement: { readonly scopes?: readonly string[]; readonly realm?: string } = {},
): (ctx: AuthContext, next: Next) => Promise<void> {
  if (typeof requirement !== 'object' || requirement === null) {
    throw new TypeError(`requireAuth: expected { scopes? }, got ${describe(requirement)}`);
  }
  const scopes = checkScopes(requirement.scopes, 'requireAuth: scopes') ?? [];
  const realm = requirement.realm ?? 'api';
  if (typeof realm !== 'string' || !realmPattern.test(realm)) {
    throw new TypeError(`requireAuth: realm: expected printable ASCII without quotes, got ${describe(realm)}`);
  }
  return async (ctx, next) => {
    const principal = ctx.state.principal as Principal | undefined;
    if (principal === undefined) {
      throw new AuthError('missing', 'credentials are required', { challenges: [`Bearer realm="${realm}"`] });
    }
    if (!hasScopes(principal, scopes)) {
      const list = scopes.join(' ');
      throw new AuthError('scope', `a required scope is missing (${list})`, {
        scheme: principal.scheme,
        challenges: [`Bearer realm="${realm}", error="insufficient_scope", scope="${list}"`],
      });
    }
    return next();
  };
}

/** Normalises a {@link RouteAuth}; `what` names it in errors. */
export function requirementOf(value: RouteAuth, what: string): Requirement {
  if (value === false) return { public: true, optional: false, scopes: [] };
  if (value === true) return { public: false, optional: false, scopes: [] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${what}: expected false, true or { scopes?, optional? }, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (key !== 'scopes' && key !== 'optional') {
      throw new TypeError(`${what}.${key}: unknown field (expected scopes, optional)`);
    }
  }
  const scopes = checkScopes(value.scopes, `${what}.scopes`) ?? [];
  const optional = value.optional ?? false;
  if (typeof optional !== 'boolean')
    throw new TypeError(`${what}.optional: expected a boolean, got ${describe(optional)}`);
  if (optional && scopes.length > 0) {
    throw new TypeError(`${what}: scopes cannot be required of an optional caller; drop optional or scopes`);
  }
  return { public: false, optional, scopes };
}

function compileRules(routes: Readonly<Record<string, RouteAuth>> | undefined): Map<string, RouteRules> | undefined {
  if (routes === undefined) return undefined;
  if (typeof routes !== 'object' || routes === null || Array.isArray(routes)) {
    throw new TypeError(`routes: expected an object of route pattern → rule, got ${describe(routes)}`);
  }
  const table = new Map<string, RouteRules>();
  for (const [key, value] of Object.entries(routes)) {
    const what = `routes[${JSON.stringify(key)}]`;
    const match = methodRule.exec(key);
    const pattern = match === null ? key : match[2]!;
    if (!pattern.startsWith('/')) {
      throw new TypeError(`${what}: expected a route pattern ("/orders/:id") or "METHOD /pattern"`);
    }
    let entry = table.get(pattern);
    if (entry === undefined) {
      entry = { any: undefined, byMethod: new Map() };
      table.set(pattern, entry);
    }
    const requirement = requirementOf(value, what);
    if (match === null) entry.any = requirement;
    else entry.byMethod.set(match[1]!, requirement);
  }
  return table;
}
