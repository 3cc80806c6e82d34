/**
 * Turns payloads into strings for the wire and back. `encode` must throw for a value it cannot represent
 * faithfully; `publish` then rejects with a `CodecError` and writes nothing.
 *
 * @example
 * ```ts
 * import superjson from 'superjson';
 * const codec: Codec = { encode: (v) => superjson.stringify(v), decode: (s) => superjson.parse(s) };
 * ```
 */
export interface Codec {
  /** Serialises a payload; throws if it cannot. */
  encode(value: unknown): string;
  /** Parses what `encode` produced. */
  decode(text: string): unknown;
}

function strictReplacer(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw new TypeError(`${where(key)} is ${value}, which JSON cannot represent`);
    case 'object':
      if (value === null || Array.isArray(value)) return value;
      if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet) {
        throw new TypeError(`${where(key)} is a ${value.constructor.name}, which JSON would turn into {}`);
      }
      return value;
    case 'undefined':
      // An `undefined` property is dropped by JSON anyway, as users expect; an `undefined` array item or payload is not.
      if (key === '' || Array.isArray(this)) throw new TypeError(`${where(key)} is undefined`);
      return value;
    default:
      throw new TypeError(`${where(key)} is a ${typeof value}, which JSON cannot represent`);
  }
}

const MAX_PLAIN_DEPTH = 32;

/**
 * True if `JSON.stringify` encodes `value` faithfully without help: strings, booleans, finite numbers, `null`,
 * arrays without `undefined` items and objects of plain prototype without `toJSON`, made of the same. `false` only
 * means "not sure" (a class instance, a `Date`, a cycle or deep nesting, …): the replacer then decides.
 */
function isPlain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth === 0) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined || !isPlain(item, depth - 1)) return false;
        }
        return !('toJSON' in value);
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return false;
      for (const key in value) {
        const item: unknown = (value as Record<string, unknown>)[key];
        if (item !== undefined && !isPlain(item, depth - 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function where(key: string): string {
  return key === '' ? 'the payload' : `property ${JSON.stringify(key)}`;
}

/**
 * The default codec: JSON that refuses what JSON would silently lose or mangle (functions, symbols, bigints, `NaN`
 * and `±Infinity`, `Map`/`Set`, an `undefined` payload or array item) instead of delivering something else. Cycles
 * throw too. `Date`s become ISO strings (their `toJSON`).
 */
export const jsonCodec: Codec = Object.freeze({
  encode(value: unknown): string {
    // Plain data (the usual payload) needs no replacer: checking it first and encoding it without one is about
    // twice as fast as a replacer call per value. Anything else takes the checked path, which throws precisely.
    return isPlain(value, MAX_PLAIN_DEPTH) ? JSON.stringify(value) : JSON.stringify(value, strictReplacer);
  },
  decode(text: string): unknown {
    return JSON.parse(text);
  },
});
