import { readFileSync } from 'node:fs';
import { describe } from '@weft/reactor';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import type { AuthFailureReason } from './errors';
import { checkPrincipal, type Principal } from './principal';

/** JWS algorithms a JWT may be signed with. `none` is not among them and is never accepted. */
export const jwtAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
] as const;

/** One of {@link jwtAlgorithms}. */
export type JwtAlgorithm = (typeof jwtAlgorithms)[number];

const hmac: readonly string[] = ['HS256', 'HS384', 'HS512'];
const asymmetric: readonly string[] = jwtAlgorithms.filter((alg) => !hmac.includes(alg));

/** JWT verification settings of {@link authenticate} (verification itself is done by `jose`). */
export interface JwtOptions {
  /** Accepted `iss`: a token from another issuer is `invalid`. */
  issuer?: string | readonly string[] | undefined;
  /** Accepted `aud`: a token for another audience is `invalid`. */
  audience?: string | readonly string[] | undefined;
  /**
   * Accepted signature algorithms. Default: every asymmetric one for key sets, the HS ones for `secret`. Mixing HS
   * with a key set is refused (algorithm confusion); `none` is refused always.
   */
  algorithms?: readonly JwtAlgorithm[] | undefined;
  /** Leeway for `exp`/`nbf`/`iat` in ms, for clock skew between issuer and gateway. Default 0. */
  clockToleranceMs?: number | undefined;
  /** Claims a token must carry. Default `['exp']`, so no token is valid forever; `[]` to allow that. */
  requiredClaims?: readonly string[] | undefined;
  /** Verification keys: a JWKS object, or the path of a JWKS JSON file (read once, at creation). */
  jwks?: JSONWebKeySet | string | undefined;
  /**
   * URL of the issuer's JWKS. Keys are cached for `cacheMaxAgeMs`; a token with an unknown `kid` triggers one
   * refetch, at most once per `cooldownMs`, so a rotated key is picked up and a flood of made-up `kid`s costs nothing.
   */
  jwksUrl?: string | URL | undefined;
  /** A shared secret for HS algorithms (instead of keys). */
  secret?: string | Uint8Array | undefined;
  /** Minimum time between two JWKS fetches caused by unknown `kid`s, ms. Default 30 000. */
  cooldownMs?: number | undefined;
  /** How long fetched keys are used before they are fetched again, ms. Default 600 000. */
  cacheMaxAgeMs?: number | undefined;
  /** Deadline of a JWKS fetch, ms; when it passes the request gets 503. Default 5 000. */
  timeoutMs?: number | undefined;
  /** The claim holding the principal's tier. Default `'tier'`. */
  tierClaim?: string | undefined;
  /**
   * Maps verified claims to the principal; by default `{ id: sub, tier: claims[tierClaim], scopes }` with scopes from
   * `scope` (space-separated) or `scp` (array or string). Return undefined to refuse the token (`invalid`).
   */
  principal?: ((claims: JWTPayload) => Principal | undefined) | undefined;
}

/** The outcome of verifying one token. */
export type JwtOutcome =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: AuthFailureReason; readonly detail: string; readonly cause?: unknown };

// jose error codes that mean "the token is bad" (the client's fault). Anything else (a JWKS fetch that failed or
// timed out) is the gateway's problem and becomes a 503.
const tokenFaults: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'a claim of the token is not valid',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'the token signature is not valid',
  ERR_JOSE_ALG_NOT_ALLOWED: 'the token algorithm is not allowed',
  ERR_JOSE_NOT_SUPPORTED: 'the token algorithm is not allowed',
  ERR_JWS_INVALID: 'the token is malformed',
  ERR_JWT_INVALID: 'the token is malformed',
  ERR_JWKS_NO_MATCHING_KEY: 'no key matches the token key id',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'several keys match the token key id',
};

const claimDetails: Readonly<Record<string, string>> = {
  nbf: 'the token is not valid yet',
  iss: 'the token issuer is not accepted',
  aud: 'the token audience is not accepted',
  iat: 'the token issue time is not valid',
  exp: 'the token has no expiry',
};

/**
 * The error thrown when the issuer's keys cannot be fetched: not the client's fault, answered 503.
 */
export class JwksUnavailableError extends Error {
  /** Stable code. */
  readonly code = 'ERR_WEFT_JWKS_UNAVAILABLE';
  constructor(cause: unknown) {
    super('the token signing keys cannot be fetched', { cause });
    this.name = 'JwksUnavailableError';
  }
}

/** Verifies JWTs with `jose` against one key source and maps claims to a {@link Principal}. */
export class JwtVerifier {
  readonly #key: JWTVerifyGetKey | Uint8Array;
  readonly #options: JWTVerifyOptions;
  readonly #tierClaim: string;
  readonly #principal: ((claims: JWTPayload) => Principal | undefined) | undefined;

  constructor(options: JwtOptions, what = 'jwt') {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${what}: expected an object, got ${describe(options)}`);
    }
    const sources = (['jwks', 'jwksUrl', 'secret'] as const).filter((name) => options[name] !== undefined);
    if (sources.length !== 1) {
      throw new TypeError(
        `${what}: expected exactly one of jwks, jwksUrl or secret, got ${sources.length === 0 ? 'none' : sources.join(' and ')}`,
      );
    }
    const symmetric = options.secret !== undefined;
    const algorithms = checkAlgorithms(options.algorithms, symmetric, `${what}.algorithms`);
    this.#key = symmetric ? secretKey(options.secret, `${what}.secret`) : keySet(options, what);
    const clockToleranceMs = options.clockToleranceMs ?? 0;
    if (typeof clockToleranceMs !== 'number' || !(clockToleranceMs >= 0) || !Number.isFinite(clockToleranceMs)) {
      throw new RangeError(
        `${what}.clockToleranceMs: expected a non-negative number of ms, got ${describe(clockToleranceMs)}`,
      );
    }
    const issuer = stringOrList(options.issuer, `${what}.issuer`);
    const audience = stringOrList(options.audience, `${what}.audience`);
    const requiredClaims = options.requiredClaims ?? ['exp'];
    if (!Array.isArray(requiredClaims) || requiredClaims.some((c) => typeof c !== 'string')) {
      throw new TypeError(`${what}.requiredClaims: expected an array of claim names, got ${describe(requiredClaims)}`);
    }
    this.#options = {
      algorithms: [...algorithms],
      clockTolerance: clockToleranceMs / 1000,
      requiredClaims: [...requiredClaims],
      ...(issuer === undefined ? {} : { issuer: issuer as string | string[] }),
      ...(audience === undefined ? {} : { audience: audience as string | string[] }),
    };
    const tierClaim = options.tierClaim ?? 'tier';
    if (typeof tierClaim !== 'string' || tierClaim === '') {
      throw new TypeError(`${what}.tierClaim: expected a claim name, got ${describe(tierClaim)}`);
    }
    this.#tierClaim = tierClaim;
    if (options.principal !== undefined && typeof options.principal !== 'function') {
      throw new TypeError(
        `${what}.principal: expected a function (claims) => principal, got ${describe(options.principal)}`,
      );
    }
    this.#principal = options.principal;
  }

  /**
   * Verifies `token` (signature, algorithm, `exp`/`nbf`, issuer, audience, required claims). Resolves with the
   * principal or the reason it was refused; rejects with {@link JwksUnavailableError} when keys cannot be fetched.
   */
  async verify(token: string): Promise<JwtOutcome> {
    let claims: JWTPayload;
    try {
      const key = this.#key;
      claims = (
        typeof key === 'function'
          ? await jwtVerify(token, key, this.#options)
          : await jwtVerify(token, key, this.#options)
      ).payload;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const fault = typeof code === 'string' ? tokenFaults[code] : undefined;
      if (fault === undefined) throw new JwksUnavailableError(error);
      if (code === 'ERR_JWT_EXPIRED') return { ok: false, reason: 'expired', detail: fault, cause: error };
      const claim = (error as { claim?: unknown }).claim;
      const detail =
        code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && typeof claim === 'string'
          ? (claimDetails[claim] ?? `the token claim "${claim}" is not valid`)
          : fault;
      return { ok: false, reason: 'invalid', detail, cause: error };
    }
    const principal = this.#principal ? this.#principal(claims) : this.#defaultPrincipal(claims);
    if (principal === undefined) return { ok: false, reason: 'invalid', detail: 'the token names no principal' };
    return { ok: true, principal: { ...checkPrincipal(principal, 'jwt.principal result'), scheme: 'jwt', claims } };
  }

  #defaultPrincipal(claims: JWTPayload): Principal | undefined {
    if (typeof claims.sub !== 'string' || claims.sub === '') return undefined;
    const tier = claims[this.#tierClaim];
    return { id: claims.sub, tier: typeof tier === 'string' ? tier : undefined, scopes: scopesOf(claims) };
  }
}

/** Scopes from the `scope` (RFC 8693, space-separated) or `scp` (array or string) claim. */
function scopesOf(claims: JWTPayload): readonly string[] {
  const value = claims.scope ?? claims.scp;
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string' && s !== '');
  return [];
}

function checkAlgorithms(value: unknown, symmetric: boolean, what: string): readonly string[] {
  if (value === undefined) return symmetric ? hmac : asymmetric;
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`${what}: expected a non-empty array of algorithm names, got ${describe(value)}`);
  }
  for (const alg of value) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw new RangeError(`${what}: "none" is never accepted (unsigned tokens prove nothing)`);
    }
    if (!(jwtAlgorithms as readonly unknown[]).includes(alg)) {
      throw new RangeError(`${what}: expected algorithms among ${jwtAlgorithms.join(', ')}, got ${describe(alg)}`);
    }
    if (hmac.includes(alg) !== symmetric) {
      throw new RangeError(
        symmetric
          ? `${what}: ${alg} needs a key set (jwks or jwksUrl), not a secret`
          : `${what}: ${alg} needs a secret, not a key set (mixing them allows algorithm confusion)`,
      );
    }
  }
  return value as readonly string[];
}

function secretKey(value: unknown, what: string): Uint8Array {
  if (typeof value === 'string' && value.length > 0) return new TextEncoder().encode(value);
  if (value instanceof Uint8Array && value.byteLength > 0) return value;
  throw new TypeError(`${what}: expected a non-empty string or Uint8Array, got ${describe(value)}`);
}

function keySet(options: JwtOptions, what: string): JWTVerifyGetKey {
  if (options.jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.jwksUrl);
    } catch (cause) {
      throw new TypeError(`${what}.jwksUrl: expected an http(s) URL, got ${describe(options.jwksUrl)}`, { cause });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`${what}.jwksUrl: expected an http(s) URL, got ${describe(options.jwksUrl)}`);
    }
    return createRemoteJWKSet(url, {
      cooldownDuration: duration(options.cooldownMs, 30_000, `${what}.cooldownMs`),
      cacheMaxAge: duration(options.cacheMaxAgeMs, 600_000, `${what}.cacheMaxAgeMs`),
      timeoutDuration: Math.ceil(duration(options.timeoutMs, 5_000, `${what}.timeoutMs`)),
    });
  }
  let jwks: unknown = options.jwks;
  if (typeof jwks === 'string') {
    let text: string;
    try {
      text = readFileSync(jwks, 'utf8');
    } catch (cause) {
      throw new TypeError(`${what}.jwks: cannot read the JWKS file ${jwks}: ${(cause as Error).message}`, { cause });
    }
    try {
      jwks = JSON.parse(text);
    } catch (cause) {
      throw new TypeError(`${what}.jwks: the file ${jwks} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  if (
    typeof jwks !== 'object' ||
    jwks === null ||
    !Array.isArray((jwks as JSONWebKeySet).keys) ||
    (jwks as JSONWebKeySet).keys.some((k) => typeof k !== 'object' || k === null)
  ) {
    throw new TypeError(`${what}.jwks: expected a JSON Web Key Set { keys: [...] }, got ${describe(jwks)}`);
  }
  return createLocalJWKSet(jwks as JSONWebKeySet);
}

function duration(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${what}: expected a non-negative number of ms, got ${describe(value)}`);
  }
  return value;
}

function stringOrList(value: unknown, what: string): string | readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')) return value;
  throw new TypeError(`${what}: expected a string or a non-empty array of strings, got ${describe(value)}`);
}
