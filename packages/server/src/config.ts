import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import schemaJson from '../schema/weft.config.schema.json';
import type { RouteAuth } from './auth/authenticate';
import { type AuthConfig, authConfigErrors, authFromConfig } from './auth/config';
import { gatewayPipeline } from './auth/gateway-pipeline';
import { type JsonSchema, validate } from './json-schema';
import type { ServerOptions, UpstreamOptions, UpstreamRetryOptions } from './options';
import { proxy } from './proxy';
import type { HttpMethod } from './router';
import { type App, createServer, type Handler } from './server';

const schema = schemaJson as JsonSchema;
const configBrand = Symbol.for('weft.server.ConfigError');

/** A static response of a configured route. */
export interface StaticResponseConfig {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as text/plain (instead of `body`). */
  text?: string;
}

/** A proxied route's settings. */
export interface ProxyRouteConfig {
  upstream: string;
  timeoutMs?: number;
  retry?: false | UpstreamRetryOptions;
  breaker?: boolean;
  rewrite?: { stripPrefix?: string; prefix?: string };
}

/** A route of the config file: a static response or a proxy. */
export interface RouteConfig {
  method?: string | string[];
  path: string;
  timeoutMs?: number;
  bodyLimit?: number;
  response?: StaticResponseConfig;
  proxy?: ProxyRouteConfig;
  /**
   * Who may call this route (needs the config's `auth` section): `false` public, `true` any authenticated caller,
   * `{ scopes: [...] }` callers holding every listed scope (403 otherwise). Default: `auth.default`.
   */
  auth?: RouteAuth;
}

/** The JSON config of `weft serve` (see `schema/weft.config.schema.json`, exported as `@weft/server/schema.json`). */
export interface GatewayConfig extends Omit<ServerOptions, 'clock' | 'logger' | 'upstreams'> {
  $schema?: string;
  port?: number;
  host?: string;
  workers?: number | 'auto';
  logger?: boolean | { level?: string };
  upstreams?: Record<string, string | UpstreamOptions>;
  routes?: RouteConfig[];
  /** Authentication (API keys, JWTs) and per-tier rate limits; see `authConfigSchema`. */
  auth?: AuthConfig;
}

/** Options of {@link createGateway} and {@link validateConfig}. */
export interface CreateGatewayOptions {
  /** Directory relative paths of the config (`auth.jwt.jwksFile`) start from: the config file's. Default: cwd. */
  baseDir?: string | undefined;
  /** Where `auth.jwt.secretEnv` is looked up. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** A config that cannot be used; `errors` has one message per bad field, each starting with its path. */
export class ConfigError extends Error {
  /** Stable code. */
  readonly code = 'ERR_WEFT_CONFIG';
  /** Every problem found, e.g. `routes[0].proxy.upstream: unknown upstream "ap"`. */
  readonly errors: readonly string[];
  readonly [configBrand] = true;

  constructor(errors: readonly string[], source = 'config', options?: { cause?: unknown }) {
    super(`${source}: ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n  ${errors.join('\n  ')}`, options);
    this.name = 'ConfigError';
    this.errors = errors;
  }
}

/** True when `error` is a {@link ConfigError}. */
export function isConfigError(error: unknown): error is ConfigError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[configBrand] === true;
}

/**
 * Checks a parsed config against the schema and the rules a schema cannot say (a route has either `response` or
 * `proxy`, upstreams it names exist, no route twice, the `auth` section's keys, tiers and JWT key source); throws a
 * {@link ConfigError} listing every problem, each starting with its path (`auth.jwt.issuer: …`).
 */
export function validateConfig(value: unknown, source = 'config', options: CreateGatewayOptions = {}): GatewayConfig {
  const errors = validate(value, schema);
  if (typeof value === 'object' && value !== null) {
    const config = value as GatewayConfig;
    const routes = Array.isArray(config.routes) ? config.routes : [];
    if (config.auth !== undefined) {
      const seen = new Set(errors);
      for (const error of authConfigErrors(config.auth, { routes, ...options })) {
        if (!seen.has(error)) errors.push(error);
      }
    } else {
      routes.forEach((route, i) => {
        if (typeof route === 'object' && route !== null && route.auth !== undefined && route.auth !== false) {
          errors.push(`routes[${i}].auth: needs an "auth" section saying how callers authenticate`);
        }
      });
    }
  }
  if (typeof value === 'object' && value !== null && Array.isArray((value as GatewayConfig).routes)) {
    const config = value as GatewayConfig;
    const upstreams = new Set(
      typeof config.upstreams === 'object' && config.upstreams !== null ? Object.keys(config.upstreams) : [],
    );
    const seen = new Map<string, number>();
    config.routes?.forEach((route, i) => {
      if (typeof route !== 'object' || route === null) return;
      if ((route.response === undefined) === (route.proxy === undefined)) {
        errors.push(`routes[${i}]: expected exactly one of "response" or "proxy"`);
      }
      if (route.response?.body !== undefined && route.response.text !== undefined) {
        errors.push(`routes[${i}].response: expected "body" or "text", not both`);
      }
      const target = route.proxy?.upstream;
      if (typeof target === 'string' && !upstreams.has(target) && !/^https?:\/\//.test(target)) {
        errors.push(
          `routes[${i}].proxy.upstream: unknown upstream ${JSON.stringify(target)} (expected one of: ${[...upstreams].join(', ') || 'none defined'}, or a URL)`,
        );
      }
      if (typeof route.path !== 'string') return;
      for (const method of methodsOf(route)) {
        const key = `${method} ${route.path}`;
        const first = seen.get(key);
        if (first !== undefined) errors.push(`routes[${i}]: ${key} is already routed by routes[${first}]`);
        else seen.set(key, i);
      }
    });
  }
  if (errors.length > 0) throw new ConfigError(errors, source);
  return value as GatewayConfig;
}

/** Reads, parses and validates a JSON config file; bad JSON or bad fields throw a {@link ConfigError}. */
export async function loadConfig(file: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([`cannot read the file: ${(cause as Error).message}`], file, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError([`not valid JSON: ${(cause as Error).message}`], file, { cause });
  }
  return validateConfig(parsed, file, { baseDir: dirname(file) });
}

const allMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function methodsOf(route: RouteConfig): string[] {
  const methods = route.method === undefined ? ['GET'] : Array.isArray(route.method) ? route.method : [route.method];
  return methods.includes('*') ? allMethods : methods.filter((m) => typeof m === 'string');
}

/**
 * Builds the app a (validated) config describes: its server options, upstreams and routes. With an `auth` section
 * every request goes through, in this order: load shedding (503) → per-IP rate limit (429) → authenticate (401/403)
 * → per-principal rate limit by tier (429) → the route; so an unauthenticated flood is stopped before any key lookup.
 *
 * @example
 * ```ts
 * import { dirname } from 'node:path';
 * import { createGateway, loadConfig } from '@weft/server';
 * const file = 'weft.config.json';
 * const app = createGateway(await loadConfig(file), { baseDir: dirname(file) });
 * await app.listen({ port: 3000 });
 * ```
 */
export function createGateway(config: GatewayConfig, settings: CreateGatewayOptions = {}): App {
  const { $schema: _schema, port: _port, host: _host, routes = [], auth, ...options } = config;
  const app = createServer(options as ServerOptions);
  if (auth !== undefined) {
    // Shedding and the per-IP limit run inside the server before any middleware; this is the first middleware.
    const setup = authFromConfig(auth, { routes, ...settings });
    app.use(
      gatewayPipeline({
        authenticate: { ...setup.authenticate, events: app.events },
        // In a cluster worker the tier counts live in the primary, like the per-IP ones: one limit for all workers.
        tiers: setup.tiers && { ...setup.tiers, clock: app.options.clock, store: app.sharedRateLimitStore },
      }),
    );
  }
  for (const route of routes) {
    const handler = route.proxy ? proxyHandler(route.proxy) : staticHandler(route.response ?? {});
    const routeOptions = {
      ...(route.timeoutMs === undefined ? {} : { timeoutMs: route.timeoutMs }),
      ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
    };
    app.add(methodsOf(route) as HttpMethod[], route.path, routeOptions, handler);
  }
  return app;
}

function staticHandler(response: StaticResponseConfig): Handler {
  const status = response.status ?? 200;
  const headers = Object.entries(response.headers ?? {});
  return (ctx) => {
    for (const [name, value] of headers) ctx.set(name, value);
    if (response.text !== undefined) ctx.send(response.text, status);
    else if (response.body !== undefined) ctx.json(response.body, status);
    else ctx.send(null, status);
  };
}

function proxyHandler(settings: ProxyRouteConfig): Handler {
  const { upstream, ...options } = settings;
  return proxy(upstream, options);
}
