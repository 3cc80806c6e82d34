/** Default `highWaterMark` when counting items (object mode): 16 items, as Node's object mode. */
export const DEFAULT_ITEMS_HIGH_WATER_MARK = 16;
/** Default `highWaterMark` when counting bytes: 64 KiB, as Node 22's byte streams. */
export const DEFAULT_BYTES_HIGH_WATER_MARK = 64 * 1024;

const encoder = /* @__PURE__ */ new TextEncoder();

/**
 * The size of a chunk in bytes: `byteLength` of a `Buffer`/typed array/`DataView`/`ArrayBuffer`, the UTF-8
 * length of a string, and 1 for anything else. Pass it as the `size` option (or set `bytes: true`) to make
 * `highWaterMark` count bytes.
 *
 * @example
 * ```ts
 * import { Writable, byteLength } from '@weft/streams';
 * const sink = new Writable<Uint8Array>({ size: byteLength, highWaterMark: 1024, write() {} });
 * ```
 */
export function byteLength(chunk: unknown): number {
  if (ArrayBuffer.isView(chunk) || chunk instanceof ArrayBuffer) return chunk.byteLength;
  if (typeof chunk === 'string') return utf8Length(chunk);
  return 1;
}

function utf8Length(text: string): number {
  // Pure ASCII is by far the common case and needs no encoding.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  return ascii ? text.length : encoder.encode(text).byteLength;
}

/** The sizing options every stream takes. */
export interface SizeOptions<T> {
  /**
   * The buffered size at which `write()`/`push()` start returning `false`. Counts items by default (16), bytes when
   * `bytes` is set or `size` is {@link byteLength} (64 KiB), or whatever `size` returns.
   */
  highWaterMark?: number | undefined;
  /** Measures one chunk; the default counts each chunk as 1. Must return a finite number ≥ 0. */
  size?: ((chunk: T) => number) | undefined;
  /** Shorthand for `size: byteLength`. */
  bytes?: boolean | undefined;
}

/** The resolved sizing of one side of a stream. `size` is `undefined` when counting items (the fast path). */
export interface Sizing<T> {
  highWaterMark: number;
  size: ((chunk: T) => number) | undefined;
  objectMode: boolean;
}

/** Validates and resolves {@link SizeOptions}; `prefix` names the option in error messages (e.g. `readable`). */
export function resolveSizing<T>(options: SizeOptions<T> | undefined, prefix = ''): Sizing<T> {
  const { highWaterMark, size, bytes } = options ?? {};
  if (size !== undefined && typeof size !== 'function') {
    throw new TypeError(`${prefix}size: expected a function (chunk) => number, got ${describe(size)}`);
  }
  if (bytes !== undefined && typeof bytes !== 'boolean') {
    throw new TypeError(`${prefix}bytes: expected a boolean, got ${describe(bytes)}`);
  }
  const measure = size ?? (bytes ? byteLength : undefined);
  const objectMode = measure === undefined;
  let hwm: number;
  if (highWaterMark === undefined) {
    hwm = objectMode ? DEFAULT_ITEMS_HIGH_WATER_MARK : DEFAULT_BYTES_HIGH_WATER_MARK;
  } else if (typeof highWaterMark !== 'number' || Number.isNaN(highWaterMark) || highWaterMark < 0) {
    throw new RangeError(`${prefix}highWaterMark: expected a number ≥ 0 (or Infinity), got ${describe(highWaterMark)}`);
  } else {
    hwm = highWaterMark;
  }
  return { highWaterMark: hwm, size: measure as ((chunk: T) => number) | undefined, objectMode };
}

/** Measures a chunk with a user `size` function, rejecting answers that would break the accounting. */
export function measure<T>(size: (chunk: T) => number, chunk: T): number {
  const n = size(chunk);
  if (typeof n !== 'number' || !(n >= 0) || n === Number.POSITIVE_INFINITY) {
    throw new RangeError(`size: expected the size function to return a finite number ≥ 0, got ${describe(n)}`);
  }
  return n;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * A size function as a stream keeps it. Written as a method signature, which TypeScript compares bivariantly, so
 * that holding one does not make a stream invariant in its chunk type: a `Readable<string>` is then usable where a
 * `Readable<unknown>` is expected, as reading it only ever yields strings. @internal
 */
export type StoredSize<T> = { size(chunk: T): number }['size'];
