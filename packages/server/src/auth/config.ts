import { resolve } from 'node:path';
import { ConfigError } from '../config';
import { type JsonSchema, validate } from '../json-schema';
import type { AuthenticateOptions, RouteAuth } from './authenticate';
import { type JwtOptions, JwtVerifier, jwtAlgorithms } from './jwt';
import type { Principal } from './principal';
import type { TierLimit, TierRateLimitOptions } from './tier-rate-limit';

const ms = (description: string, fallback: number): JsonSchema => ({
  type: 'integer',
  minimum: 0,
  maximum: 2_147_483_647,
  default: fallback,
  description,
});

const stringOrList = (description: string): JsonSchema => ({
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  ],
  description,
});

/** JSON Schema of a route's `auth` field: `false` public, `true` authenticated, `{ scopes }`, `{ optional: true }`. */
export const routeAuthSchema: JsonSchema = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        scopes: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description: 'Scopes the caller must hold, all of them (403 otherwise).',
        },
        optional: {
          type: 'boolean',
          description: 'Check credentials when sent, but let anonymous callers through.',
        },
      },
    },
  ],
  description:
    'Who may call: false = public, true = any authenticated caller, { "scopes": [...] } = callers holding these scopes.',
};

const principalSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, description: 'Stable id of the caller; per-tier limits count under it.' },
    tier: { type: 'string', minLength: 1, description: 'Tier whose limits apply (see auth.tiers).' },
    scopes: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'What the caller may do.' },
  },
};

/**
 * JSON Schema (draft-07, self-contained) of the `auth` section of `weft.config.json`: API keys, JWT verification,
 * the default route rule and per-tier rate limits.
 */
export const authConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Authentication at the gateway (API keys and/or JWTs) and per-tier rate limits.',
  properties: {
    realm: { type: 'string', minLength: 1, default: 'api', description: 'Realm named in WWW-Authenticate.' },
    apiKeyHeader: { type: 'string', minLength: 1, default: 'x-api-key', description: 'Header carrying an API key.' },
    maxTokenBytes: {
      type: 'integer',
      minimum: 16,
      maximum: 1_000_000,
      default: 8192,
      description: 'Longest credential accepted; longer ones get 431 without being parsed.',
    },
    default: routeAuthSchema,
    apiKeys: {
      type: 'object',
      additionalProperties: principalSchema,
      description:
        'API key → principal. Write keys as "sha256:<64 hex digits>" (the SHA-256 of the key) to keep them out of the file.',
    },
    jwt: {
      type: 'object',
      additionalProperties: false,
      description: 'JWT verification (Authorization: Bearer <jwt>). Give one of jwksUrl, jwksFile, jwks or secretEnv.',
      properties: {
        issuer: stringOrList('Accepted "iss".'),
        audience: stringOrList('Accepted "aud".'),
        algorithms: {
          type: 'array',
          minItems: 1,
          items: { enum: [...jwtAlgorithms] },
          description: 'Accepted signature algorithms ("none" is never accepted).',
        },
        clockToleranceMs: ms('Leeway for exp/nbf/iat, ms.', 0),
        requiredClaims: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          default: ['exp'],
          description: 'Claims a token must carry.',
        },
        jwksUrl: { type: 'string', pattern: '^https?://', description: "URL of the issuer's JSON Web Key Set." },
        jwksFile: { type: 'string', minLength: 1, description: 'Path of a JWKS file, relative to the config file.' },
        jwks: {
          type: 'object',
          required: ['keys'],
          properties: { keys: { type: 'array', items: { type: 'object' }, description: 'The JSON Web Keys.' } },
          description: 'A JSON Web Key Set inline.',
        },
        secretEnv: {
          type: 'string',
          minLength: 1,
          description: 'Name of the environment variable holding an HS256/384/512 secret.',
        },
        cooldownMs: ms('Minimum time between two JWKS fetches caused by unknown key ids, ms.', 30_000),
        cacheMaxAgeMs: ms('How long fetched keys are used before being fetched again, ms.', 600_000),
        timeoutMs: ms('Deadline of a JWKS fetch, ms.', 5_000),
        tierClaim: { type: 'string', minLength: 1, default: 'tier', description: 'Claim holding the tier.' },
      },
    },
    tiers: {
      type: 'object',
      description: 'Per-principal rate limits by tier, e.g. { "free": { "limit": 10, "windowMs": 1000 } }.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['limit', 'windowMs'],
        properties: {
          limit: {
            type: 'integer',
            minimum: 1,
            maximum: 1_000_000_000,
            description: 'Requests per window (and burst).',
          },
          windowMs: { type: 'integer', minimum: 1, maximum: 2_147_483_647, description: 'Window, ms.' },
          algorithm: {
            enum: ['token-bucket', 'gcra', 'fixed-window', 'sliding-window'],
            default: 'token-bucket',
            description: 'How requests are counted (@weft/ratelimit).',
          },
        },
      },
    },
    defaultTier: {
      type: 'string',
      minLength: 1,
      description: 'Tier of callers without one (default: the first tier listed).',
    },
  },
};

/** The `auth` section of `weft.config.json` (see {@link authConfigSchema}). */
export interface AuthConfig {
  realm?: string;
  apiKeyHeader?: string;
  maxTokenBytes?: number;
  default?: RouteAuth;
  apiKeys?: Record<string, Principal>;
  jwt?: Omit<JwtOptions, 'jwks' | 'secret' | 'principal' | 'jwksUrl'> & {
    jwksUrl?: string;
    jwksFile?: string;
    jwks?: { keys: object[] };
    secretEnv?: string;
  };
  tiers?: Record<string, TierLimit>;
  defaultTier?: string;
}

/** A configured route as far as auth is concerned. */
export interface AuthRouteConfig {
  method?: string | readonly string[] | undefined;
  path: string;
  auth?: RouteAuth | undefined;
}

/** Options of {@link authFromConfig} and {@link authConfigErrors}. */
export interface AuthFromConfigOptions {
  /** The config's routes; their `auth` fields become per-route rules. */
  routes?: readonly AuthRouteConfig[] | undefined;
  /** Directory `jwt.jwksFile` is relative to (the config file's). Default: the working directory. */
  baseDir?: string | undefined;
  /** Where `jwt.secretEnv` is looked up. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Prefix of every error path. Default `'auth'`. */
  path?: string | undefined;
}

/** What {@link authFromConfig} produces; pass it to `gatewayPipeline` (add `events`, `clock`, `store` as needed). */
export interface AuthSetup {
  authenticate: AuthenticateOptions;
  tiers: TierRateLimitOptions | undefined;
}

const sha256Key = /^sha256:/i;
const sha256Hex = /^sha256:[0-9a-f]{64}$/i;

/**
 * Checks an `auth` config section (and the `auth` fields of `routes`); returns one message per problem, each starting
 * with the path of the bad field (`auth.jwt.issuer: expected a string ...`). Empty when valid.
 */
export function authConfigErrors(value: unknown, options: AuthFromConfigOptions = {}): string[] {
  return build(value, options).errors;
}

/**
 * Turns a validated-or-not `auth` config section into options for {@link gatewayPipeline} (or `authenticate` and
 * `tierRateLimit`); throws a `ConfigError` listing every problem, each naming its path.
 *
 * @example
 * ```ts
 * const config = await loadConfig('weft.config.json');
 * const setup = authFromConfig(config.auth, { routes: config.routes, baseDir: dirname('weft.config.json') });
 * app.use(gatewayPipeline({ authenticate: { ...setup.authenticate, events: app.events }, tiers: setup.tiers }));
 * ```
 */
export function authFromConfig(value: unknown, options: AuthFromConfigOptions = {}): AuthSetup {
  const { errors, setup } = build(value, options);
  if (errors.length > 0 || setup === undefined) throw new ConfigError(errors, options.path ?? 'auth');
  return setup;
}

function build(value: unknown, options: AuthFromConfigOptions): { errors: string[]; setup?: AuthSetup } {
  const root = options.path ?? 'auth';
  const errors = validate(
    { [root]: value },
    { type: 'object', required: [root], properties: { [root]: authConfigSchema } },
  );
  const routeRules: Record<string, RouteAuth> = {};
  const routes = options.routes ?? [];
  routes.forEach((route, i) => {
    if (route === null || typeof route !== 'object' || route.auth === undefined) return;
    const at = `routes[${i}].auth`;
    const routeErrors = validate({ [at]: route.auth }, { type: 'object', properties: { [at]: routeAuthSchema } });
    if (routeErrors.length > 0) {
      // validate() quotes keys it cannot write as identifiers; give the plain path instead.
      errors.push(...routeErrors.map((e) => e.replace(`[${JSON.stringify(at)}]`, at)));
      return;
    }
    const auth = route.auth as Exclude<RouteAuth, boolean>;
    if (typeof auth === 'object' && auth.optional === true && (auth.scopes?.length ?? 0) > 0) {
      errors.push(`${at}: expected scopes or optional, not both`);
      return;
    }
    const methods =
      route.method === undefined ? ['GET'] : typeof route.method === 'string' ? [route.method] : route.method;
    for (const method of methods) {
      routeRules[method === '*' ? route.path : `${method.toUpperCase()} ${route.path}`] = route.auth;
    }
  });
  if (errors.length > 0) return { errors };
  const config = value as AuthConfig;
  if (config.apiKeys === undefined && config.jwt === undefined) {
    errors.push(`${root}: expected apiKeys, jwt or both`);
  }
  const tierNames = Object.keys(config.tiers ?? {});
  if (config.defaultTier !== undefined && !tierNames.includes(config.defaultTier)) {
    errors.push(
      `${root}.defaultTier: expected one of the tiers (${tierNames.join(', ') || 'none defined'}), got ${JSON.stringify(config.defaultTier)}`,
    );
  }
  if (
    typeof config.default === 'object' &&
    config.default.optional === true &&
    (config.default.scopes?.length ?? 0) > 0
  ) {
    errors.push(`${root}.default: expected scopes or optional, not both`);
  }
  for (const [key, principal] of Object.entries(config.apiKeys ?? {})) {
    const shown = sha256Key.test(key) ? key : `${key.slice(0, 4)}…`;
    if (sha256Key.test(key) && !sha256Hex.test(key)) {
      errors.push(`${root}.apiKeys[${JSON.stringify(shown)}]: expected "sha256:" and 64 hex digits`);
    }
    if (principal.tier !== undefined && config.tiers !== undefined && !tierNames.includes(principal.tier)) {
      errors.push(
        `${root}.apiKeys[${JSON.stringify(shown)}].tier: unknown tier ${JSON.stringify(principal.tier)} (expected one of ${tierNames.join(', ')})`,
      );
    }
  }
  let jwt: JwtOptions | undefined;
  if (config.jwt !== undefined) {
    const { jwksFile, secretEnv, jwks, jwksUrl, ...rest } = config.jwt;
    const sources = [
      jwksUrl === undefined ? undefined : 'jwksUrl',
      jwksFile === undefined ? undefined : 'jwksFile',
      jwks === undefined ? undefined : 'jwks',
      secretEnv === undefined ? undefined : 'secretEnv',
    ].filter((s) => s !== undefined);
    if (sources.length !== 1) {
      errors.push(
        `${root}.jwt: expected exactly one of jwksUrl, jwksFile, jwks or secretEnv, got ${sources.length === 0 ? 'none' : sources.join(' and ')}`,
      );
    } else {
      jwt = { ...rest };
      if (jwksUrl !== undefined) jwt.jwksUrl = jwksUrl;
      if (jwks !== undefined) jwt.jwks = jwks as JwtOptions['jwks'];
      if (jwksFile !== undefined) jwt.jwks = resolve(options.baseDir ?? process.cwd(), jwksFile);
      if (secretEnv !== undefined) {
        const secret = (options.env ?? process.env)[secretEnv];
        if (secret === undefined || secret === '') {
          errors.push(`${root}.jwt.secretEnv: the environment variable ${secretEnv} is not set`);
        } else {
          jwt.secret = secret;
        }
      }
      if (errors.length === 0) {
        try {
          // Builds the verifier once to check what a schema cannot (algorithms vs key kind, a readable JWKS file).
          new JwtVerifier(jwt, `${root}.jwt`);
        } catch (error) {
          errors.push(
            (error as Error).message.replace(
              `${root}.jwt.jwks: `,
              `${root}.jwt.${jwksFile === undefined ? 'jwks' : 'jwksFile'}: `,
            ),
          );
        }
      }
    }
  }
  if (errors.length > 0) return { errors };
  const authenticate: AuthenticateOptions = {
    ...(config.apiKeys === undefined ? {} : { apiKeys: config.apiKeys }),
    ...(jwt === undefined ? {} : { jwt }),
    ...(config.realm === undefined ? {} : { realm: config.realm }),
    ...(config.apiKeyHeader === undefined ? {} : { apiKeyHeader: config.apiKeyHeader }),
    ...(config.maxTokenBytes === undefined ? {} : { maxTokenBytes: config.maxTokenBytes }),
    ...(config.default === undefined ? {} : { default: config.default }),
    ...(Object.keys(routeRules).length === 0 ? {} : { routes: routeRules }),
  };
  const tiers: TierRateLimitOptions | undefined =
    config.tiers === undefined || tierNames.length === 0
      ? undefined
      : { tiers: config.tiers, ...(config.defaultTier === undefined ? {} : { default: config.defaultTier }) };
  return { errors, setup: { authenticate, tiers } };
}
