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

  it('checks nested values, class instances, toJSON results and deep nesting as strictly as top-level ones', () => {
    expect(() => jsonCodec.encode({ a: { b: [1, { c: Number.POSITIVE_INFINITY }] } })).toThrow(
      /property "c" is Infinity/,
    );
    expect(() => jsonCodec.encode([[1, [2, undefined]]])).toThrow(/is undefined/);
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    expect(jsonCodec.encode(new Point(1, 2))).toBe('{"x":1,"y":2}');
    expect(() => jsonCodec.encode(new Point(1, Number.NaN))).toThrow(/property "y" is NaN/);
    expect(() => jsonCodec.encode({ v: { toJSON: () => new Set() } })).toThrow(/property "v" is a Set/);
    expect(jsonCodec.encode({ v: { toJSON: () => 'x' } })).toBe('{"v":"x"}');
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(jsonCodec.decode(jsonCodec.encode(deep))).toEqual(deep);
    let deepBad: unknown = 1n;
    for (let i = 0; i < 100; i++) deepBad = [deepBad];
    expect(() => jsonCodec.encode(deepBad)).toThrow(/is a bigint/);
  });
});
