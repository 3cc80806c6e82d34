import { describe } from '@weft/reactor';

/** Who is calling: set on `ctx.state.principal` by {@link authenticate}. */
export interface Principal {
  /** Stable identity (tenant, user or client id); the per-principal rate limit counts under it. */
  readonly id: string;
  /** The plan or class of caller (`'free'`, `'pro'`); picks the limits of {@link tierRateLimit}. */
  readonly tier?: string | undefined;
  /** What the caller may do (`'orders:write'`); routes may require some. */
  readonly scopes?: readonly string[] | undefined;
  /** How the caller proved it: `'apiKey'` or `'jwt'`. Set by {@link authenticate}. */
  readonly scheme?: AuthScheme | undefined;
  /** The verified JWT claims, for a JWT principal. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/** The credential kinds {@link authenticate} understands. */
export type AuthScheme = 'apiKey' | 'jwt';

/** The principal {@link authenticate} stored on the context, or undefined on a public route / before it ran. */
export function principalOf(ctx: { state: Record<string, unknown> }): Principal | undefined {
  return ctx.state.principal as Principal | undefined;
}

/** Whether `principal` holds every scope in `required`. */
export function hasScopes(principal: Principal, required: readonly string[]): boolean {
  if (required.length === 0) return true;
  const held = principal.scopes;
  if (held === undefined || held.length === 0) return false;
  for (const scope of required) if (!held.includes(scope)) return false;
  return true;
}

/** Checks a principal given in options or returned by a lookup; `what` names it in the error. */
export function checkPrincipal(value: unknown, what: string): Principal {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${what}: expected a principal { id, tier?, scopes? }, got ${describe(value)}`);
  }
  const { id, tier, scopes } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') {
    throw new TypeError(`${what}.id: expected a non-empty string, got ${describe(id)}`);
  }
  if (tier !== undefined && typeof tier !== 'string') {
    throw new TypeError(`${what}.tier: expected a string, got ${describe(tier)}`);
  }
  checkScopes(scopes, `${what}.scopes`);
  return value as Principal;
}

/** Throws unless `value` is undefined or an array of strings. */
export function checkScopes(value: unknown, what: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError(`${what}: expected an array of non-empty strings, got ${describe(value)}`);
  }
  return value as readonly string[];
}
