import { describe, expect, it } from 'vitest';
import { jsonCodec } from './codec';

describe('jsonCodec', () => {
  it('round-trips JSON values and drops undefined properties as JSON does', () => {
    const value = { a: 1, b: 'x', c: [true, null, { d: 2.5 }], e: undefined };
    expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual({ a: 1, b: 'x', c: [true, null, { d: 2.5 }] });
    expect(jsonCodec.decode(jsonCodec.encode(new Date(0)))).toBe('1970-01-01T00:00:00.000Z');
  });

  it('throws, naming the property, for what JSON would lose or mangle', () => {
    expect(() => jsonCodec.encode({ total: Number.NaN })).toThrow(/property "total" is NaN/);
    expect(() => jsonCodec.encode({ big: 1n })).toThrow(/property "big" is a bigint/);
    expect(() => jsonCodec.encode({ fn() {} })).toThrow(/property "fn" is a function/);
    expect(() => jsonCodec.encode({ s: Symbol('x') })).toThrow(/property "s" is a symbol/);
    expect(() => jsonCodec.encode({ m: new Map() })).toThrow(/property "m" is a Map/);
    expect(() => jsonCodec.encode([1, undefined])).toThrow(/is undefined/);
    expect(() => jsonCodec.encode(undefined)).toThrow(/the payload is undefined/);
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => jsonCodec.encode(cyclic)).toThrow(TypeError);
  });
});
