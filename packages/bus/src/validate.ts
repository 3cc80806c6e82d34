import { describe } from '@weft/reactor';

// Whitespace and control characters, and the wildcard characters of Redis globs (* ? [ ]), NATS/MQTT (> # +).
const FORBIDDEN = /[\s\p{Cc}*?[\]>#+]/u;

/** Throws a `TypeError` naming `what` unless `name` is a usable topic (or group, or consumer) name. */
export function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`${what}: expected a non-empty string, got ${describe(name)}`);
  }
  if (name.length > 256 || FORBIDDEN.test(name)) {
    throw new TypeError(
      `${what}: expected a name of at most 256 characters without spaces or wildcards (* ? [ ] > # +), got ${describe(name)}`,
    );
  }
}

/** Throws a `TypeError` naming the first key of `options` that is not in `known`. */
export function checkKnownOptions(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (expected one of ${known.join(', ')})`);
    }
  }
}

/** Throws unless `options` is an object or undefined. */
export function checkOptionsObject(options: unknown, where: string): asserts options is object | undefined {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(`${where}: expected an options object, got ${describe(options)}`);
  }
}

/** Throws a `TypeError`/`RangeError` unless `value` is undefined or an integer in `[min, max]`. */
export function checkInteger(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== 'number') throw new TypeError(`${what}: expected an integer ≥ ${min}, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what}: expected an integer in [${min}, ${max}], got ${describe(value)}`);
  }
}

/**
 * Checks the options every Redis transport shares: a client with `call()` and `duplicate()` (ioredis) and a
 * string key prefix. Throws a `TypeError` naming the option.
 */
export function checkRedisClientOptions(client: unknown, prefix: unknown): void {
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof (client as { call?: unknown }).call !== 'function' ||
    typeof (client as { duplicate?: unknown }).duplicate !== 'function'
  ) {
    throw new TypeError(
      `client: expected a Redis client with call() and duplicate() (ioredis), got ${describe(client)}`,
    );
  }
  if (typeof prefix !== 'string') throw new TypeError(`prefix: expected a string, got ${describe(prefix)}`);
}
