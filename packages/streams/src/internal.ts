import type { WriteSide } from './write-side';

/**
 * Where a `Writable` or `Transform` exposes its writable side to pipes, so that a pipe writes to it without going
 * through the public wrapper. Set only when `write` is not overridden by a subclass. Not part of the public types.
 */
const writeSideKey = Symbol('weft.streams.writeSide');

/** Registers `side` as the writable side of `stream` unless `stream.write` was overridden. */
export function exposeWriteSide(stream: { write: unknown }, original: unknown, side: WriteSide<never>): void {
  if (stream.write === original) (stream as unknown as Record<symbol, unknown>)[writeSideKey] = side;
}

/** The writable side registered by {@link exposeWriteSide}, if any. */
export function writeSideOf<T>(stream: object): WriteSide<T> | undefined {
  return (stream as Record<symbol, WriteSide<T> | undefined>)[writeSideKey];
}
