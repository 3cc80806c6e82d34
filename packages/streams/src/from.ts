import type { ReadFn } from './read-side';
import { describe } from './size';

/** What `Readable.from` accepts. */
export type ReadableSource<T> = Iterable<T> | AsyncIterable<T>;

/** The read and destroy functions that turn an (async) iterable into a readable. */
export interface IterableSource {
  read: ReadFn;
  destroy: (error: unknown) => void | PromiseLike<void>;
}

type Push<T> = (chunk: T | null) => boolean;
type Fail = (error: unknown) => void;

function nullChunk(value: unknown): TypeError {
  return new TypeError(
    `Readable.from: the source yielded ${describe(value)}; null and undefined cannot be chunks (null ends a stream)`,
  );
}

/**
 * Reads one item from the iterator per call of the read function: the pull loop asks again only while the
 * buffer is below the highWaterMark, so the source is never read further ahead than that.
 */
export function iterableSource<T>(source: ReadableSource<T>, push: Push<T>, fail: Fail): IterableSource {
  const asyncFactory = (source as AsyncIterable<T>)[Symbol.asyncIterator];
  if (typeof asyncFactory === 'function') {
    const iterator = asyncFactory.call(source) as AsyncIterator<T>;
    let finished = false;
    const onResult = (result: IteratorResult<T>): void => {
      if (result.done) {
        finished = true;
        push(null);
        return;
      }
      const value = result.value;
      if (value === null || value === undefined) {
        finished = true;
        fail(nullChunk(value));
        return;
      }
      push(value);
    };
    const onError = (error: unknown): void => {
      finished = true;
      fail(error);
    };
    return {
      read: () => iterator.next().then(onResult, onError),
      destroy: async () => {
        if (finished || typeof iterator.return !== 'function') return;
        finished = true;
        await iterator.return();
      },
    };
  }
  const syncFactory = (source as Iterable<T>)[Symbol.iterator];
  if (typeof syncFactory !== 'function') {
    throw new TypeError(`source: expected an iterable or async iterable, got ${describe(source)}`);
  }
  const iterator = syncFactory.call(source) as Iterator<T>;
  let finished = false;
  return {
    read: () => {
      const result = iterator.next();
      if (result.done) {
        finished = true;
        push(null);
        return;
      }
      const value = result.value;
      if (value === null || value === undefined) {
        finished = true;
        throw nullChunk(value);
      }
      push(value);
    },
    destroy: () => {
      if (finished || typeof iterator.return !== 'function') return;
      finished = true;
      iterator.return();
    },
  };
}
