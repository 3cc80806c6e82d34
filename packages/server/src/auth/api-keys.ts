import { createHash, timingSafeEqual } from 'node:crypto';
import { describe } from '@weft/reactor';
import { checkPrincipal, type Principal } from './principal';

/** Where API keys are found: a table of key → principal, or a lookup (a database, a cache). */
export type ApiKeySource = Readonly<Record<string, Principal>> | ReadonlyMap<string, Principal> | ApiKeyLookup;

/**
 * Finds the principal of a presented key; `undefined`/`null` when the key is unknown. `digest` is the key's
 * SHA-256 as `sha256:<hex>`, so a store can keep hashes only. A lookup that throws fails the request (500).
 */
export type ApiKeyLookup = (
  key: string,
  digest: string,
) => Principal | undefined | null | Promise<Principal | undefined | null>;

const hashed = /^sha256:([0-9a-f]{64})$/i;

/**
 * The SHA-256 of an API key as `sha256:<hex>`: put this in config files instead of the key itself.
 *
 * @example
 * ```ts
 * hashApiKey('k_live_123'); // 'sha256:…' — use it as the key of `apiKeys` in weft.config.json
 * ```
 */
export function hashApiKey(key: string): string {
  if (typeof key !== 'string' || key === '')
    throw new TypeError(`key: expected a non-empty string, got ${describe(key)}`);
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

interface Entry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/**
 * Resolves presented API keys to principals. A table is indexed by the SHA-256 of each key (keys may be given as
 * `sha256:<hex>`); a presented key is hashed, the index is probed with the hash, and the stored and presented digests
 * are then compared with `timingSafeEqual`. Lookup time thus depends only on a one-way hash of the presented key,
 * never on its length or on how many leading characters match a real key.
 */
export class ApiKeys {
  readonly #table: Map<string, Entry> | undefined;
  readonly #lookup: ApiKeyLookup | undefined;

  constructor(source: ApiKeySource, what = 'apiKeys') {
    if (typeof source === 'function') {
      this.#lookup = source;
      return;
    }
    const entries =
      source instanceof Map
        ? [...source.entries()]
        : typeof source === 'object' && source !== null && !Array.isArray(source)
          ? Object.entries(source)
          : undefined;
    if (entries === undefined) {
      throw new TypeError(
        `${what}: expected an object or Map of key → principal, or a lookup function, got ${describe(source)}`,
      );
    }
    const table = new Map<string, Entry>();
    for (const [key, principal] of entries) {
      const at = `${what}[${JSON.stringify(redact(key))}]`;
      if (typeof key !== 'string' || key === '') throw new TypeError(`${what}: keys must be non-empty strings`);
      const digest = hashed.exec(key)?.[1]?.toLowerCase() ?? createHash('sha256').update(key, 'utf8').digest('hex');
      if (table.has(digest)) throw new TypeError(`${at}: the same key is listed twice`);
      // Stored with its scheme, so an admitted request allocates no principal of its own.
      const checked = checkPrincipal(principal, at);
      table.set(digest, {
        digest: Buffer.from(digest, 'hex'),
        principal: Object.freeze({ ...checked, scheme: 'apiKey' }),
      });
    }
    this.#table = table;
  }

  /** The principal of `key` (with `scheme: 'apiKey'`), or undefined when it is not a known key. */
  async find(key: string): Promise<Principal | undefined> {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    if (this.#lookup !== undefined) {
      const found = await this.#lookup(key, `sha256:${digest.toString('hex')}`);
      if (found === null || found === undefined) return undefined;
      const principal = checkPrincipal(found, 'apiKeys lookup result');
      return principal.scheme === 'apiKey' ? principal : { ...principal, scheme: 'apiKey' };
    }
    const entry = this.#table!.get(digest.toString('hex'));
    // Both are 32-byte digests: equal length by construction, so nothing about the key's length leaks.
    return entry !== undefined && timingSafeEqual(entry.digest, digest) ? entry.principal : undefined;
  }
}

/** Enough of a key to name it in an error without printing a secret. */
function redact(key: unknown): string {
  if (typeof key !== 'string') return String(key);
  return hashed.test(key) ? key : `${key.slice(0, 4)}…`;
}
