import { describe, expect, it } from 'vitest';
import { byteLength, DEFAULT_BYTES_HIGH_WATER_MARK, DEFAULT_ITEMS_HIGH_WATER_MARK, resolveSizing } from './size';

describe('byteLength', () => {
  it('measures byte arrays, buffers, ArrayBuffers and UTF-8 strings', () => {
    expect(byteLength(Buffer.alloc(10))).toBe(10);
    expect(byteLength(new Uint16Array(4))).toBe(8);
    expect(byteLength(new DataView(new ArrayBuffer(6)))).toBe(6);
    expect(byteLength(new ArrayBuffer(3))).toBe(3);
    expect(byteLength('abc')).toBe(3);
    expect(byteLength('é€😀')).toBe(2 + 3 + 4);
    expect(byteLength({ any: 'object' })).toBe(1);
  });
});

describe('resolveSizing', () => {
  it('counts items by default (16) and bytes with bytes: true or size: byteLength (64 KiB)', () => {
    expect(resolveSizing(undefined)).toEqual({ highWaterMark: 16, size: undefined, objectMode: true });
    expect(DEFAULT_ITEMS_HIGH_WATER_MARK).toBe(16);
    expect(resolveSizing({ bytes: true })).toEqual({ highWaterMark: 65_536, size: byteLength, objectMode: false });
    expect(resolveSizing({ size: byteLength }).highWaterMark).toBe(DEFAULT_BYTES_HIGH_WATER_MARK);
    expect(resolveSizing({ highWaterMark: 0 }).highWaterMark).toBe(0);
    expect(resolveSizing({ highWaterMark: Number.POSITIVE_INFINITY }).highWaterMark).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects negative and NaN highWaterMarks with a RangeError and bad options with a TypeError', () => {
    expect(() => resolveSizing({ highWaterMark: -1 })).toThrow(
      new RangeError('highWaterMark: expected a number ≥ 0 (or Infinity), got -1'),
    );
    expect(() => resolveSizing({ highWaterMark: Number.NaN }, 'readable.')).toThrow(
      /^readable\.highWaterMark: .* got NaN$/,
    );
    expect(() => resolveSizing({ bytes: 'yes' as never })).toThrow(/bytes: expected a boolean, got "yes"/);
  });
});
