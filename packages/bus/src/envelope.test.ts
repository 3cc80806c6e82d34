import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frame, unframe, type WireMessage } from './envelope';

describe('frame / unframe', () => {
  it('round-trips any message, payloads with line breaks and keys with any other character included', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.integer({ min: 0, max: 2 ** 48 }),
        fc.option(
          fc.string({ minLength: 1 }).filter((k) => !k.includes('\n')),
          { nil: undefined },
        ),
        fc.dictionary(fc.string(), fc.string()),
        fc.string(),
        (id, publishedAt, key, headers, payload) => {
          const message: WireMessage = { id, topic: 't', key, headers, publishedAt, payload };
          expect(unframe('t', frame(message))).toEqual(message);
        },
      ),
    );
  });

  it('returns undefined for text that is not a frame', () => {
    expect(unframe('t', 'hello')).toBeUndefined();
    expect(unframe('t', '1\nid\n5')).toBeUndefined();
    expect(unframe('t', '1\nid\n5\n\n{bad\npayload')).toBeUndefined();
  });
});
