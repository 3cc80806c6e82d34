import { HttpError } from '../errors';
import type { AuthScheme } from './principal';

const authErrorBrand = Symbol.for('weft.server.AuthError');

/**
 * Why a request was not let through: no credentials (`missing`), bad ones (`invalid`: unknown key, bad signature,
 * wrong issuer or audience, unknown key id, malformed header, oversized token, not yet valid), an expired token
 * (`expired`), or a principal without a scope the route requires (`scope`, a 403).
 */
export type AuthFailureReason = 'missing' | 'invalid' | 'expired' | 'scope';

/** Options of {@link AuthError}. */
export interface AuthErrorOptions {
  /** 401 by default; 403 for `scope`, 431 for an oversized token. */
  status?: number;
  /** The credential kind that failed; undefined when none was sent. */
  scheme?: AuthScheme | undefined;
  /** `WWW-Authenticate` challenges, one per header line. */
  challenges?: readonly string[];
  /** The error this one wraps (a jose error); never sent to the client. */
  cause?: unknown;
}

/**
 * A failed authentication or authorization: an {@link HttpError} (401, 403 or 431) whose problem response carries
 * `reason` and whose `WWW-Authenticate` header names the scheme.
 *
 * @example
 * ```ts
 * app.use(async (ctx, next) => {
 *   try {
 *     await next();
 *   } catch (error) {
 *     if (isAuthError(error)) ctx.set('x-auth-failure', error.reason);
 *     throw error;
 *   }
 * });
 * ```
 */
export class AuthError extends HttpError {
  /** Why authentication failed. */
  readonly reason: AuthFailureReason;
  /** The credential kind that failed, if one was sent. */
  readonly scheme: AuthScheme | undefined;
  readonly [authErrorBrand] = true;

  constructor(reason: AuthFailureReason, detail: string, options: AuthErrorOptions = {}) {
    const status = options.status ?? (reason === 'scope' ? 403 : 401);
    const challenges = options.challenges ?? [];
    super(status, detail, {
      cause: options.cause,
      expose: true,
      extensions: { reason },
      ...(challenges.length === 0 ? {} : { headers: { 'www-authenticate': challenges } }),
    });
    this.name = 'AuthError';
    this.reason = reason;
    this.scheme = options.scheme;
  }
}

/** True when `error` is an {@link AuthError} (from any copy of this package). */
export function isAuthError(error: unknown): error is AuthError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[authErrorBrand] === true;
}
