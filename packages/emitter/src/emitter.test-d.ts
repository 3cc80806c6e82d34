import { EventEmitter } from 'node:events';
import { describe, expectTypeOf, it } from 'vitest';
import { Emitter, type EventArgs } from './emitter';
import { errorMonitor } from './error-monitor';
import { on } from './on';
import { once } from './once';

type Events = {
  data: [chunk: string];
  pair: [a: number, b: boolean];
  tick: [];
};

describe('Emitter types', () => {
  it('types listener arguments from the event map', () => {
    const e = new Emitter<Events>();
    e.on('data', (chunk) => expectTypeOf(chunk).toEqualTypeOf<string>());
    e.once('pair', (a, b) => {
      expectTypeOf(a).toEqualTypeOf<number>();
      expectTypeOf(b).toEqualTypeOf<boolean>();
    });
    e.prependListener('tick', (...args) => expectTypeOf(args).toEqualTypeOf<[]>());
    expectTypeOf(e.listeners('data')).toEqualTypeOf<((chunk: string) => unknown)[]>();
    expectTypeOf<EventArgs<Events, 'pair'>>().toEqualTypeOf<[a: number, b: boolean]>();
  });

  it('rejects unknown events and wrong arguments at compile time', () => {
    const e = new Emitter<Events>();
    // @ts-expect-error: 'unknown' is not an event of this emitter
    e.on('unknown', () => {});
    // @ts-expect-error: 'unknown' is not an event of this emitter
    e.emit('unknown');
    // @ts-expect-error: data takes a string
    e.emit('data', 42);
    // @ts-expect-error: data takes exactly one argument
    e.emit('data');
    // @ts-expect-error: data takes exactly one argument
    e.emit('data', 'a', 'b');
    // @ts-expect-error: the listener expects a number where a string is emitted
    e.on('data', (chunk: number) => chunk);
    // @ts-expect-error: off is typed like on
    e.off('pair', (chunk: string) => chunk);
    expectTypeOf(e.emit('pair', 1, true)).toEqualTypeOf<boolean>();
    expectTypeOf(e.emitAsync('tick')).toEqualTypeOf<Promise<void>>();
  });

  it("has 'error', errorMonitor, 'newListener' and 'removeListener' unless the map redeclares them", () => {
    const e = new Emitter<Events>();
    e.on('error', (error) => expectTypeOf(error).toBeUnknown());
    e.on(errorMonitor, (error) => expectTypeOf(error).toBeUnknown());
    e.on('newListener', (name) =>
      expectTypeOf(name).toEqualTypeOf<
        'data' | 'pair' | 'tick' | 'newListener' | 'removeListener' | 'error' | typeof errorMonitor
      >(),
    );
    const typedErrors = new Emitter<{ error: [error: Error, attempt: number] }>();
    typedErrors.on('error', (error, attempt) => {
      expectTypeOf(error).toEqualTypeOf<Error>();
      expectTypeOf(attempt).toEqualTypeOf<number>();
    });
    // @ts-expect-error: this map's 'error' takes an Error and a number
    typedErrors.emit('error', 'text');
  });

  it("types errorMonitor listeners with the arguments of 'error'", () => {
    const typedErrors = new Emitter<{ error: [error: Error, attempt: number]; data: [chunk: string] }>();
    typedErrors.on(errorMonitor, (error, attempt) => {
      expectTypeOf(error).toEqualTypeOf<Error>();
      expectTypeOf(attempt).toEqualTypeOf<number>();
    });
    typedErrors.prependOnceListener(Emitter.errorMonitor, (error) => expectTypeOf(error).toEqualTypeOf<Error>());
    expectTypeOf(typedErrors.listeners(errorMonitor)).toEqualTypeOf<((error: Error, attempt: number) => unknown)[]>();
    expectTypeOf(once(typedErrors, errorMonitor)).toEqualTypeOf<Promise<[error: Error, attempt: number]>>();
    expectTypeOf(Emitter.errorMonitor).toEqualTypeOf<typeof errorMonitor>();
    // @ts-expect-error: a monitor gets what 'error' gets, an Error first
    typedErrors.on(errorMonitor, (error: string) => error);
    // @ts-expect-error: emitting the monitor event directly takes the arguments of 'error' too
    typedErrors.emit(errorMonitor, 'text');
    // @ts-expect-error: another symbol is not an event of this emitter
    typedErrors.on(Symbol('other'), () => {});
  });

  it('returns this from chaining methods, also for subclasses', () => {
    class Server extends Emitter<{ listening: [port: number] }> {
      port(): number {
        return 0;
      }
    }
    const server = new Server();
    expectTypeOf(server.on('listening', () => {})).toEqualTypeOf<Server>();
    expectTypeOf(server.setMaxListeners(20).port()).toEqualTypeOf<number>();
  });
});

describe('once() and on() types', () => {
  it('resolve and yield the typed argument tuple of a weft emitter', async () => {
    const e = new Emitter<Events>();
    expectTypeOf(once(e, 'pair')).toEqualTypeOf<Promise<[a: number, b: boolean]>>();
    for await (const [chunk] of on(e, 'data')) expectTypeOf(chunk).toEqualTypeOf<string>();
    // @ts-expect-error: not an event of this emitter
    void once(e, 'nope');
  });

  it('infer the events of a subclass', () => {
    class Server extends Emitter<{ listening: [port: number] }> {}
    expectTypeOf(once(new Server(), 'listening')).toEqualTypeOf<Promise<[port: number]>>();
  });

  it('accept node:events emitters and EventTargets with untyped tuples', () => {
    expectTypeOf(once(new EventEmitter(), 'data')).toEqualTypeOf<Promise<unknown[]>>();
    expectTypeOf(on(new EventTarget(), 'message').next()).resolves.toEqualTypeOf<
      IteratorResult<unknown[], undefined>
    >();
  });
});
