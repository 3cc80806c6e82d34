import { Readable as NodeReadable } from 'node:stream';
import { describe, expectTypeOf, it } from 'vitest';
import type { AnyStream } from './finished';
import { finished } from './finished';
import { pipeline } from './pipeline';
import { Readable } from './readable';
import { PassThrough, Transform } from './transform';
import { Writable } from './writable';

const source = new Readable<string>();
const parse = new Transform<string, number>({ transform: (s, push) => void push(Number(s)) });
const sink = new Writable<number>({ write() {} });

describe('AnyStream', () => {
  it('is not any, and takes every weft stream whatever its chunk types', () => {
    expectTypeOf<AnyStream>().not.toBeAny();
    expectTypeOf(source).toExtend<AnyStream>();
    expectTypeOf(sink).toExtend<AnyStream>();
    expectTypeOf(parse).toExtend<AnyStream>();
    expectTypeOf(new PassThrough<Uint8Array>()).toExtend<AnyStream>();
    expectTypeOf(new Writable<Buffer>({ write() {} })).toExtend<AnyStream>();
  });

  it('types what is read through it as unknown and lets nothing be written without narrowing', () => {
    const stream = source as AnyStream;
    if (stream instanceof Readable) expectTypeOf(stream.read()).toEqualTypeOf<unknown>();
    if (stream instanceof Writable) {
      // @ts-expect-error the chunk type of an AnyStream is not known
      stream.write('x');
    }
  });

  it('takes no other value, node streams included', () => {
    expectTypeOf<NodeReadable>().not.toExtend<AnyStream>();
    expectTypeOf<{ closed: boolean }>().not.toExtend<AnyStream>();
    expectTypeOf<string[]>().not.toExtend<AnyStream>();
  });

  it('keeps chunk types apart: a readable is covariant, a writable contravariant', () => {
    expectTypeOf<Readable<string>>().toExtend<Readable<unknown>>();
    expectTypeOf<Readable<string>>().not.toExtend<Readable<number>>();
    expectTypeOf<Writable<unknown>>().toExtend<Writable<string>>();
    expectTypeOf<Transform<string, number>>().not.toExtend<Transform<string, string>>();
  });
});

describe('finished', () => {
  it('accepts any weft stream and nothing else', () => {
    expectTypeOf(finished(source)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(finished(parse, { signal: AbortSignal.timeout(1) })).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error a node stream is not a weft stream
    void finished(new NodeReadable());
    // @ts-expect-error neither is a plain object
    void finished({ closed: true });
  });
});

describe('pipeline', () => {
  it('infers each joint from the stages', () => {
    expectTypeOf(pipeline(source, parse, sink)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(pipeline(['a', 'b'], parse, sink, { signal: AbortSignal.timeout(1) })).toEqualTypeOf<Promise<void>>();
    void pipeline(
      source,
      new Transform({
        transform: (chunk, push) => {
          expectTypeOf(chunk).toEqualTypeOf<string>();
          void push(chunk.length);
        },
      }),
      sink,
    );
  });

  it('rejects values that are not stages', () => {
    // @ts-expect-error a number is neither a stream nor an iterable
    void pipeline(source, 42, sink);
    // @ts-expect-error nor is a plain object
    void pipeline(source, { write() {} }, sink);
  });
});
