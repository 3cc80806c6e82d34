import { describe, UnhandledError } from './errors';

/** A listener for an event whose arguments are the tuple `Args`. Its return value is ignored (or awaited). */
export type Listener<Args extends unknown[]> = (...args: Args) => unknown;

/** Any listener at all, whatever its arguments (every function is assignable to it). */
export type AnyListener = (...args: never[]) => unknown;

/** An event name: a string or a symbol, as in `node:events`. */
export type EventKey = string | symbol;

/**
 * The events every emitter has besides its own: `'newListener'` (before a listener is added),
 * `'removeListener'` (after one is removed) and `'error'`. An event map may redeclare any of them.
 */
export interface BuiltinEvents<Events> {
  newListener: [eventName: keyof Events | keyof BuiltinEventNames, listener: AnyListener];
  removeListener: [eventName: keyof Events | keyof BuiltinEventNames, listener: AnyListener];
  error: [error: unknown];
}

interface BuiltinEventNames {
  newListener: unknown;
  removeListener: unknown;
  error: unknown;
}

/** An emitter's event map with the {@link BuiltinEvents} it did not declare itself. */
export type EventMapOf<Events> = Events & Omit<BuiltinEvents<Events>, keyof Events>;

/** The argument tuple of event `K` in the event map `Events` (built-in events included). */
export type EventArgs<Events, K extends keyof EventMapOf<Events>> = EventMapOf<Events>[K] extends infer A extends
  unknown[]
  ? A
  : never;

// A type-only key (nothing exists at runtime) under which an Emitter carries its event map, so that helpers can
// infer the events of any subclass.
declare const eventMap: unique symbol;

/** The event map of an {@link Emitter} (or of a subclass), `never` for anything else. */
export type EventsOf<S> = S extends { readonly [eventMap]?: infer E } ? E : never;

/** The event names `S` accepts: its typed names for an {@link Emitter}, any string or symbol otherwise. */
export type EventNameOf<S> = [EventsOf<S>] extends [never] ? EventKey : keyof EventMapOf<EventsOf<S>>;

/** The argument tuple of event `K` of `S`: typed for an {@link Emitter}, `unknown[]` otherwise. */
export type EventArgsOf<S, K> = [EventsOf<S>] extends [never]
  ? unknown[]
  : K extends keyof EventMapOf<EventsOf<S>>
    ? EventArgs<EventsOf<S>, K>
    : never;

/** Options of `on()` and `once()` and their variants. */
export interface ListenerOptions {
  /** Removes the listener when aborted; if it is already aborted the listener is not added. */
  signal?: AbortSignal | undefined;
}

/** Options of the {@link Emitter} constructor. */
export interface EmitterOptions {
  /**
   * Routes the rejection of a promise returned by a listener to the `'error'` event (on the next tick), as
   * Node's `captureRejections` does. Default `false`.
   */
  captureRejections?: boolean | undefined;
  /**
   * When a listener throws, keep calling the remaining listeners and route each failure to `'error'`; with no
   * `'error'` listener, `emit` throws an `AggregateError` of the failures after the loop. Default `false`.
   */
  isolateErrors?: boolean | undefined;
}

// Internal shapes: listeners are stored untyped; the public overloads carry the types.
type Fn = (this: unknown, ...args: unknown[]) => unknown;
interface WrappedFn extends Fn {
  listener: Fn;
}
type Slot = Fn | Fn[];
type Table = Record<EventKey, Slot | undefined>;
interface Calling {
  _calling: Fn | undefined;
}
interface RawEmitter {
  emit(type: EventKey, ...args: unknown[]): boolean;
  removeListener(type: EventKey, listener: Fn): unknown;
}

// A constructor of empty tables whose prototype is a null-prototype object: no inherited keys ('toString',
// '__proto__' are plain event names), and unlike `Object.create(null)` V8 keeps the objects in fast mode.
const ListenerTable = function ListenerTable() {} as unknown as new () => Table;
ListenerTable.prototype = Object.create(null);

const CAPTURE_REJECTIONS = 1;
const ISOLATE_ERRORS = 2;

let defaultMaxListeners = 10;

function assertListener(type: EventKey, listener: unknown): asserts listener is Fn {
  if (typeof listener !== 'function') {
    throw new TypeError(`listener for ${describe(type)}: expected a function, got ${describe(listener)}`);
  }
}

function assertMaxListeners(n: unknown, what: string): asserts n is number {
  if (typeof n !== 'number') {
    throw new TypeError(`${what}: expected a non-negative number (0 = unlimited), got ${describe(n)}`);
  }
  if (!(n >= 0)) throw new RangeError(`${what}: expected a non-negative number (0 = unlimited), got ${describe(n)}`);
}

function unwrap(fn: Fn): Fn {
  return (fn as WrappedFn).listener ?? fn;
}

/** What `emit('error', value)` does with no `'error'` listener: throw the Error, or wrap anything else. */
function throwUnhandled(value: unknown): never {
  throw value instanceof Error ? value : new UnhandledError(value);
}

// Copy-on-write: a change makes a fresh array, so that a running emit keeps the one it started with. Plain loops,
// because Array.prototype.concat is about ten times slower for these small arrays.
function copyWith(list: Fn[], fn: Fn, prepend: boolean): Fn[] {
  const n = list.length;
  const next = new Array<Fn>(n + 1);
  const offset = prepend ? 1 : 0;
  for (let i = 0; i < n; i++) next[i + offset] = list[i]!;
  next[prepend ? 0 : n] = fn;
  return next;
}

function copyWithout(list: Fn[], index: number): Fn[] {
  const n = list.length - 1;
  const next = new Array<Fn>(n);
  for (let i = 0; i < n; i++) next[i] = list[i < index ? i : i + 1]!;
  return next;
}

/** Calls a (copy-on-write, so never modified) list of listeners with up to three arguments. */
function callEach(emitter: Calling, list: Fn[], argc: number, a: unknown, b: unknown, c: unknown): true {
  const n = list.length;
  if (argc === 2) {
    for (let i = 0; i < n; i++) {
      emitter._calling = list[i];
      emitter._calling!(a);
    }
  } else if (argc === 1) {
    for (let i = 0; i < n; i++) {
      emitter._calling = list[i];
      emitter._calling!();
    }
  } else if (argc === 3) {
    for (let i = 0; i < n; i++) {
      emitter._calling = list[i];
      emitter._calling!(a, b);
    }
  } else {
    for (let i = 0; i < n; i++) {
      emitter._calling = list[i];
      emitter._calling!(a, b, c);
    }
  }
  emitter._calling = undefined;
  return true;
}

/**
 * A typed event emitter with the semantics of `node:events`: listeners run synchronously in registration order,
 * the listeners of an emit are fixed when it starts, `once` listeners are removed before they run, an unhandled
 * `'error'` throws, and `'newListener'`/`'removeListener'` are emitted. `Events` maps each event name to the
 * tuple of its listeners' arguments, so a wrong name or wrong arguments is a compile error.
 *
 * @example
 * ```ts
 * import { Emitter } from '@weft/emitter';
 *
 * type ServerEvents = { request: [method: string, url: string]; close: [] };
 * const events = new Emitter<ServerEvents>();
 * events.on('request', (method, url) => console.log(method, url));
 * events.emit('request', 'GET', '/'); // true: one listener ran
 * ```
 */
export class Emitter<Events extends Record<string, unknown[]> = Record<string, unknown[]>> {
  /** The maximum used by emitters that did not call `setMaxListeners` (10 unless changed; 0 = unlimited). */
  static get defaultMaxListeners(): number {
    return defaultMaxListeners;
  }
  static set defaultMaxListeners(n: number) {
    assertMaxListeners(n, 'defaultMaxListeners');
    defaultMaxListeners = n;
  }

  /** Type-only: the event map, for inference ({@link EventsOf}); there is no such property at runtime. */
  declare readonly [eventMap]?: Events;

  // Event name → one listener (stored directly) or two and more (a copy-on-write array: every change makes a new
  // array, so emit iterates the one it read without a defensive copy and sees the listeners of its start).
  private _events: Table;
  private _eventsCount: number;
  private _maxListeners: number; // -1: Emitter.defaultMaxListeners
  private _flags: number;
  private _warned: Set<EventKey> | undefined;
  private _detach: Map<Fn, () => void> | undefined;
  // The listener being called. Calling it as `this._calling(...)` passes the emitter as `this` (as node:events
  // does) through an ordinary method call, whose call-site feedback lets V8 inline the listener; `fn.call(this)`
  // would hide the listener from that feedback. Cleared after the calls (after a throw it keeps one reference
  // until the next emit).
  private _calling: Fn | undefined;

  constructor(options?: EmitterOptions) {
    this._events = new ListenerTable();
    this._eventsCount = 0;
    this._maxListeners = -1;
    this._flags = 0;
    this._warned = undefined;
    this._detach = undefined;
    this._calling = undefined;
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null) {
        throw new TypeError(`options: expected an object, got ${describe(options)}`);
      }
      if (options.captureRejections) this._flags |= CAPTURE_REJECTIONS;
      if (options.isolateErrors) this._flags |= ISOLATE_ERRORS;
    }
  }

  /** Adds `listener` at the end of the listeners of `eventName` (the same listener may be added twice). */
  on<K extends keyof EventMapOf<Events>>(
    eventName: K,
    listener: Listener<EventArgs<Events, K>>,
    options?: ListenerOptions,
  ): this;
  on(eventName: PropertyKey, listener: AnyListener, options?: ListenerOptions): this {
    return this._register(eventName as EventKey, listener as Fn, false, false, options);
  }

  /** The same as {@link Emitter.on}. */
  addListener<K extends keyof EventMapOf<Events>>(
    eventName: K,
    listener: Listener<EventArgs<Events, K>>,
    options?: ListenerOptions,
  ): this;
  addListener(eventName: PropertyKey, listener: AnyListener, options?: ListenerOptions): this {
    return this._register(eventName as EventKey, listener as Fn, false, false, options);
  }

  /** Adds `listener` at the front of the listeners of `eventName`. */
  prependListener<K extends keyof EventMapOf<Events>>(
    eventName: K,
    listener: Listener<EventArgs<Events, K>>,
    options?: ListenerOptions,
  ): this;
  prependListener(eventName: PropertyKey, listener: AnyListener, options?: ListenerOptions): this {
    return this._register(eventName as EventKey, listener as Fn, true, false, options);
  }

  /** Adds a listener that is removed the next time `eventName` is emitted, just before it runs. */
  once<K extends keyof EventMapOf<Events>>(
    eventName: K,
    listener: Listener<EventArgs<Events, K>>,
    options?: ListenerOptions,
  ): this;
  once(eventName: PropertyKey, listener: AnyListener, options?: ListenerOptions): this {
    return this._register(eventName as EventKey, listener as Fn, false, true, options);
  }

  /** Adds a one-time listener at the front of the listeners of `eventName`. */
  prependOnceListener<K extends keyof EventMapOf<Events>>(
    eventName: K,
    listener: Listener<EventArgs<Events, K>>,
    options?: ListenerOptions,
  ): this;
  prependOnceListener(eventName: PropertyKey, listener: AnyListener, options?: ListenerOptions): this {
    return this._register(eventName as EventKey, listener as Fn, true, true, options);
  }

  /**
   * Removes the most recently added instance of `listener` from `eventName` (a `once` listener by the function
   * given to `once`). An emit already running still calls it.
   */
  removeListener<K extends keyof EventMapOf<Events>>(eventName: K, listener: Listener<EventArgs<Events, K>>): this;
  removeListener(name: PropertyKey, fn: AnyListener): this {
    const eventName = name as EventKey;
    const listener = fn as Fn;
    assertListener(eventName, listener);
    const events = this._events;
    const list = events[eventName];
    if (list === undefined) return this;
    let removed: Fn;
    if (typeof list === 'function') {
      if (list !== listener && (list as WrappedFn).listener !== listener) return this;
      removed = list;
      if (--this._eventsCount === 0) this._events = new ListenerTable();
      else delete events[eventName];
    } else {
      let i = list.length - 1;
      for (; i >= 0; i--) {
        const fn = list[i]!;
        if (fn === listener || (fn as WrappedFn).listener === listener) break;
      }
      if (i < 0) return this;
      removed = list[i]!;
      events[eventName] = list.length === 2 ? list[1 - i]! : copyWithout(list, i);
    }
    if (this._detach !== undefined) this._release(removed);
    if (this._events.removeListener !== undefined) {
      (this as unknown as RawEmitter).emit('removeListener', eventName, unwrap(removed));
    }
    return this;
  }

  /** The same as {@link Emitter.removeListener} (the same function, as in `node:events`). */
  off<K extends keyof EventMapOf<Events>>(eventName: K, listener: Listener<EventArgs<Events, K>>): this;
  off(eventName: PropertyKey, listener: AnyListener): this {
    return (this as unknown as RawEmitter).removeListener(eventName as EventKey, listener as Fn) as this;
  }

  /**
   * Removes every listener of `eventName`, or of every event when no name is given. `'removeListener'` is
   * emitted for each one if anything listens for it.
   */
  removeAllListeners(eventName?: keyof EventMapOf<Events>): this {
    const events = this._events;
    if (events.removeListener === undefined) {
      if (eventName === undefined) {
        this._events = new ListenerTable();
        this._eventsCount = 0;
        if (this._detach !== undefined) this._releaseAll(events);
      } else {
        const list = events[eventName as EventKey];
        if (list !== undefined) {
          if (--this._eventsCount === 0) this._events = new ListenerTable();
          else delete events[eventName as EventKey];
          if (this._detach !== undefined) this._releaseSlot(list);
        }
      }
      return this;
    }
    const raw = this as unknown as RawEmitter;
    if (eventName === undefined) {
      for (const key of Reflect.ownKeys(events)) {
        if (key !== 'removeListener') this.removeAllListeners(key as keyof EventMapOf<Events>);
      }
      this.removeAllListeners('removeListener' as keyof EventMapOf<Events>);
      return this;
    }
    const list = events[eventName as EventKey];
    if (typeof list === 'function') raw.removeListener(eventName as EventKey, list);
    else if (list !== undefined) {
      for (let i = list.length - 1; i >= 0; i--) raw.removeListener(eventName as EventKey, list[i]!);
    }
    return this;
  }

  /**
   * Calls every listener of `eventName` synchronously, in order, with `args`; returns whether there was any.
   * `emit('error', err)` with no `'error'` listener throws `err` (or an {@link UnhandledError} for a non-Error).
   */
  // The implementation names three arguments instead of taking a rest array, so that emit allocates nothing; tsc
  // cannot relate a generic rest tuple to named parameters, hence the expected (and only) type error here.
  // @ts-expect-error TS2394: the overload is the public type, the implementation reads `arguments.length`.
  emit<K extends keyof EventMapOf<Events>>(eventName: K, ...args: EventArgs<Events, K>): boolean;
  emit(name: PropertyKey, a?: unknown, b?: unknown, c?: unknown): boolean {
    // Kept small on purpose: V8 inlines emit into its callers only below a bytecode size limit, and an inlined
    // emit costs a few nanoseconds. Rare cases (over three arguments, options) leave through _emitArgs.
    const handler = this._events[name as EventKey];
    if (handler === undefined) return name === 'error' ? throwUnhandled(a) : false;
    // biome-ignore lint/complexity/noArguments: reading only its length (and elements) keeps emit allocation-free
    const argc = arguments.length;
    if (argc > 4 || this._flags !== 0) {
      const args: unknown[] = [];
      // biome-ignore lint/complexity/noArguments: see above
      for (let i = 1; i < argc; i++) args.push(arguments[i]);
      return this._emitArgs(name as EventKey, handler, args);
    }
    if (typeof handler !== 'function') return callEach(this as unknown as Calling, handler, argc, a, b, c);
    this._calling = handler;
    if (argc === 2) this._calling(a);
    else if (argc === 1) this._calling();
    else if (argc === 3) this._calling(a, b);
    else this._calling(a, b, c);
    this._calling = undefined;
    return true;
  }

  /**
   * Calls every listener of `eventName` (in order, without waiting in between) and resolves once all the promises
   * they return have settled. If any listener threw or rejected, rejects with an `AggregateError` of the failures
   * in listener order. An unhandled `'error'` rejects as `emit` would throw.
   *
   * @example
   * ```ts
   * const events = new Emitter<{ shutdown: [reason: string] }>();
   * events.on('shutdown', async (reason) => console.log('flushing logs:', reason));
   * events.on('shutdown', () => new Promise<void>((resolve) => setTimeout(resolve, 10)));
   * await events.emitAsync('shutdown', 'SIGTERM'); // both ran in parallel and finished
   * ```
   */
  emitAsync<K extends keyof EventMapOf<Events>>(eventName: K, ...args: EventArgs<Events, K>): Promise<void>;
  async emitAsync(name: PropertyKey, ...args: unknown[]): Promise<void> {
    const eventName = name as EventKey;
    const handler = this._events[eventName];
    if (handler === undefined) {
      if (eventName === 'error') throw args[0] instanceof Error ? args[0] : new UnhandledError(args[0]);
      return;
    }
    const list = typeof handler === 'function' ? [handler] : handler;
    const settled: Promise<unknown>[] = [];
    for (const fn of list) {
      try {
        settled.push(Promise.resolve(fn.apply(this, args)));
      } catch (error) {
        settled.push(Promise.reject(error));
      }
    }
    const failures: unknown[] = [];
    for (const outcome of await Promise.allSettled(settled)) {
      if (outcome.status === 'rejected') failures.push(outcome.reason);
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `${failures.length} of ${list.length} listener(s) of ${describe(eventName)} failed`,
      );
    }
  }

  /**
   * The number of listeners of `eventName`; with `listener`, how many times that one is registered there.
   */
  listenerCount<K extends keyof EventMapOf<Events>>(eventName: K, listener?: Listener<EventArgs<Events, K>>): number;
  listenerCount(eventName: PropertyKey, fn?: AnyListener): number {
    const listener = fn as Fn | undefined;
    const list = this._events[eventName as EventKey];
    if (list === undefined) return 0;
    if (typeof list === 'function') {
      return listener === undefined || list === listener || (list as WrappedFn).listener === listener ? 1 : 0;
    }
    if (listener === undefined) return list.length;
    let count = 0;
    for (const fn of list) if (fn === listener || (fn as WrappedFn).listener === listener) count++;
    return count;
  }

  /** A copy of the listeners of `eventName`, in call order (`once` listeners as given, not wrapped). */
  listeners<K extends keyof EventMapOf<Events>>(eventName: K): Listener<EventArgs<Events, K>>[];
  listeners(eventName: PropertyKey): AnyListener[] {
    const list = this._events[eventName as EventKey];
    if (list === undefined) return [];
    if (typeof list === 'function') return [unwrap(list)];
    return list.map(unwrap);
  }

  /** A copy of the listeners of `eventName` as stored: `once` and signal-bound ones are wrappers with `.listener`. */
  rawListeners<K extends keyof EventMapOf<Events>>(eventName: K): Listener<EventArgs<Events, K>>[];
  rawListeners(eventName: PropertyKey): AnyListener[] {
    const list = this._events[eventName as EventKey];
    if (list === undefined) return [];
    return typeof list === 'function' ? [list] : list.slice();
  }

  /** The names of the events that have listeners, in the order `node:events` gives them. */
  eventNames(): (keyof EventMapOf<Events>)[] {
    return Reflect.ownKeys(this._events) as (keyof EventMapOf<Events>)[];
  }

  /**
   * Sets how many listeners one event may have before a `MaxListenersExceededWarning` is emitted (once per
   * event name) through `process.emitWarning`; 0 means unlimited.
   */
  setMaxListeners(n: number): this {
    assertMaxListeners(n, 'maxListeners');
    this._maxListeners = n;
    return this;
  }

  /** The current maximum (see {@link Emitter.setMaxListeners}), {@link Emitter.defaultMaxListeners} unless set. */
  getMaxListeners(): number {
    return this._maxListeners < 0 ? defaultMaxListeners : this._maxListeners;
  }

  // Kept under V8's inlining size limit (as emit is): the rare work lives in _prepare, copyWith and _checkMax.
  private _register(type: EventKey, listener: Fn, prepend: boolean, once: boolean, options?: ListenerOptions): this {
    assertListener(type, listener);
    const stored = options === undefined && !once ? listener : this._prepare(type, listener, once, options);
    if (stored === undefined) return this;
    let events = this._events;
    if (events.newListener !== undefined) {
      (this as unknown as RawEmitter).emit('newListener', type, listener);
      events = this._events;
    }
    const existing = events[type];
    if (existing === undefined) {
      events[type] = stored;
      this._eventsCount++;
      return this;
    }
    const next =
      typeof existing !== 'function'
        ? copyWith(existing, stored, prepend)
        : prepend
          ? [stored, existing]
          : [existing, stored];
    events[type] = next;
    this._checkMax(type, next.length);
    return this;
  }

  // The listener to store for once and/or signal-bound registrations; undefined when the signal already aborted.
  private _prepare(type: EventKey, listener: Fn, once: boolean, options: ListenerOptions | undefined): Fn | undefined {
    if (options === undefined) return this._wrap(type, listener, once, undefined);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, got ${describe(options)}`);
    }
    const signal = options.signal;
    if (signal === undefined) return once ? this._wrap(type, listener, true, undefined) : listener;
    if (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function') {
      throw new TypeError(`options.signal: expected an AbortSignal, got ${describe(signal)}`);
    }
    return signal.aborted ? undefined : this._wrap(type, listener, once, signal);
  }

  private _checkMax(type: EventKey, count: number): void {
    const max = this._maxListeners < 0 ? defaultMaxListeners : this._maxListeners;
    if (max > 0 && count > max) this._warn(type, count, max);
  }

  private _wrap(type: EventKey, listener: Fn, once: boolean, signal: AbortSignal | undefined): Fn {
    const emitter = this as unknown as RawEmitter;
    let wrapper: WrappedFn;
    if (once) {
      let fired = false;
      wrapper = function (this: unknown) {
        // A nested emit may reach a once listener again before the outer emit does; it runs only once.
        if (fired) return undefined;
        fired = true;
        emitter.removeListener(type, wrapper);
        // biome-ignore lint/complexity/noArguments: forwards exactly the arguments given
        return listener.apply(this, arguments as unknown as unknown[]);
      } as WrappedFn;
    } else {
      wrapper = function (this: unknown) {
        // biome-ignore lint/complexity/noArguments: forwards exactly the arguments given
        return listener.apply(this, arguments as unknown as unknown[]);
      } as WrappedFn;
    }
    wrapper.listener = listener;
    if (signal !== undefined) {
      const onAbort = () => emitter.removeListener(type, wrapper);
      signal.addEventListener('abort', onAbort, { once: true });
      if (this._detach === undefined) this._detach = new Map();
      this._detach.set(wrapper, () => signal.removeEventListener('abort', onAbort));
    }
    return wrapper;
  }

  // Signal-bound listeners: stop listening to the signal once the listener is gone, so a long-lived signal does
  // not keep removed listeners (and their emitter) alive.
  private _release(fn: Fn): void {
    const detach = this._detach!.get(fn);
    if (detach !== undefined) {
      this._detach!.delete(fn);
      detach();
    }
  }

  private _releaseSlot(slot: Slot): void {
    if (typeof slot === 'function') this._release(slot);
    else for (const fn of slot) this._release(fn);
  }

  private _releaseAll(events: Table): void {
    for (const key of Reflect.ownKeys(events)) this._releaseSlot(events[key]!);
  }

  private _warn(type: EventKey, count: number, max: number): void {
    if (this._warned === undefined) this._warned = new Set();
    else if (this._warned.has(type)) return;
    this._warned.add(type);
    const warning = new Error(
      `Possible EventEmitter memory leak detected. ${count} ${String(type)} listeners added to ` +
        `[${this.constructor.name}]. MaxListeners is ${max}. Use emitter.setMaxListeners() to increase limit`,
    ) as Error & { emitter: object; type: EventKey; count: number };
    warning.name = 'MaxListenersExceededWarning';
    warning.emitter = this;
    warning.type = type;
    warning.count = count;
    if (typeof process !== 'undefined' && typeof process.emitWarning === 'function') process.emitWarning(warning);
    else console.warn(warning.message);
  }

  // Emits with the arguments as an array: more than three of them, or an emitter with options.
  private _emitArgs(type: EventKey, handler: Slot, args: unknown[]): boolean {
    if (this._flags !== 0) return this._emitGuarded(type, handler, args);
    if (typeof handler === 'function') handler.apply(this, args);
    else for (let i = 0; i < handler.length; i++) handler[i]!.apply(this, args);
    return true;
  }

  // The emit of emitters created with captureRejections or isolateErrors.
  private _emitGuarded(type: EventKey, handler: Slot, args: unknown[]): boolean {
    const flags = this._flags;
    if (typeof handler === 'function') {
      if ((flags & ISOLATE_ERRORS) === 0) {
        this._capture(handler.apply(this, args));
        return true;
      }
      handler = [handler];
    } else if ((flags & ISOLATE_ERRORS) === 0) {
      for (let i = 0; i < handler.length; i++) this._capture(handler[i]!.apply(this, args));
      return true;
    }
    let failures: unknown[] | undefined;
    for (let i = 0; i < handler.length; i++) {
      try {
        this._capture(handler[i]!.apply(this, args));
      } catch (error) {
        if (failures === undefined) failures = [];
        failures.push(error);
      }
    }
    if (failures === undefined) return true;
    const raw = this as unknown as RawEmitter;
    if (type === 'error' || this._events.error === undefined) {
      throw new AggregateError(failures, `${failures.length} listener(s) of ${describe(type)} threw`);
    }
    const unrouted: unknown[] = [];
    for (const failure of failures) {
      try {
        raw.emit('error', failure);
      } catch (error) {
        unrouted.push(error);
      }
    }
    if (unrouted.length > 0) {
      throw new AggregateError(unrouted, `${unrouted.length} failure(s) of ${describe(type)} were not handled`);
    }
    return true;
  }

  private _capture(result: unknown): void {
    if ((this._flags & CAPTURE_REJECTIONS) === 0 || result === undefined || result === null) return;
    const then = (result as { then?: unknown }).then;
    if (typeof then !== 'function') return;
    then.call(result, undefined, (error: unknown) => {
      process.nextTick(() => {
        const flags = this._flags;
        // Rejections of 'error' listeners themselves are not captured again (no loop), as in Node.
        this._flags &= ~CAPTURE_REJECTIONS;
        try {
          (this as unknown as RawEmitter).emit('error', error);
        } finally {
          this._flags = flags;
        }
      });
    });
  }
}

// As in node:events, `off` is `removeListener` and `addListener` is `on` (one call less on the hot path; a subclass
// overriding `removeListener` or `on` should override the alias too, as with Node).
Emitter.prototype.off = Emitter.prototype.removeListener;
Emitter.prototype.addListener = Emitter.prototype.on;
