import { errorMonitor } from './error-monitor';
import { describe, UnhandledError } from './errors';

/** A listener for an event whose arguments are the tuple `Args`. Its return value is ignored (or awaited). */
export type Listener<Args extends unknown[]> = (...args: Args) => unknown;

/** Any listener at all, whatever its arguments (every function is assignable to it). */
export type AnyListener = (...args: never[]) => unknown;

/** An event name: a string or a symbol, as in `node:events`. */
export type EventKey = string | symbol;

/**
 * The events every emitter has besides its own: `'newListener'` (before a listener is added),
 * `'removeListener'` (after one is removed), `'error'`, and {@link errorMonitor}, whose listeners get the
 * arguments of `'error'` (as the event map declares them, if it does). An event map may redeclare any of them.
 */
export interface BuiltinEvents<Events> {
  newListener: [eventName: keyof Events | keyof BuiltinEventNames, listener: AnyListener];
  removeListener: [eventName: keyof Events | keyof BuiltinEventNames, listener: AnyListener];
  error: [error: unknown];
  [errorMonitor]: Events extends { error: infer A extends unknown[] } ? A : [error: unknown];
}

interface BuiltinEventNames {
  newListener: unknown;
  removeListener: unknown;
  error: unknown;
  [errorMonitor]: unknown;
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
   * `'error'` listener, `emit` throws an `AggregateError` of the failures after the loop. Failing
   * {@link errorMonitor} listeners do not stop the `'error'` listeners either; their failures are thrown after them
   * (never routed to `'error'`). Default `false`.
   */
  isolateErrors?: boolean | undefined;
}

// Internal shapes: listeners are stored untyped; the public overloads carry the types.
type Fn = (this: unknown, ...args: unknown[]) => unknown;
interface WrappedFn extends Fn {
  listener: Fn;
}

/**
 * A `once` and/or signal-bound registration, stored in place of the bare function. A small object rather than a
 * wrapper closure with a `listener` property: one allocation of a fixed shape, no closure context and no property
 * added to a function. The function that `rawListeners()` exposes is made only if someone asks for it.
 */
class Registration {
  // `declare`d, so that no class-field definitions run before the constructor: the constructor's assignments
  // alone give every instance the same shape, and `once` stays a few nanoseconds cheaper.
  declare readonly listener: Fn;
  declare readonly once: boolean;
  // Set when a once registration runs: a nested emit may reach it before the outer emit does; it runs only once.
  declare fired: boolean;
  // What rawListeners() returns for it (made on first request, then the same function every time).
  declare raw: WrappedFn | undefined;
  // Stops listening to the abort signal; set for signal-bound registrations until they are removed.
  declare detach: (() => void) | undefined;

  constructor(listener: Fn, once: boolean) {
    this.listener = listener;
    this.once = once;
    this.fired = false;
    this.raw = undefined;
    this.detach = undefined;
  }
}

type Entry = Fn | Registration;

/**
 * Two or more entries of which at least one is a {@link Registration}. Lists of bare functions (the common case)
 * are plain arrays, so that emit loops over them without checking each entry; this class marks the others.
 * Copy-on-write like the plain lists.
 */
class MixedList {
  declare readonly entries: Entry[];
  constructor(entries: Entry[]) {
    this.entries = entries;
  }
}

// What the table holds for an event: one entry, or a list of two or more.
type Slot = Entry | Fn[] | MixedList;
type Table = Record<EventKey, Slot | undefined>;
// The internals the module-level helpers reach (private members are not visible to a structural type).
interface Internal {
  _calling: Fn | undefined;
  _removeEntry(type: EventKey, entry: Entry): void;
  _removeSingle(type: EventKey, entry: Entry): void;
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
// Set when an errorMonitor listener is added, so that emit sends its calls to the general path (_emitArgs), which
// runs the monitors before the 'error' listeners; cleared there once the last monitor is gone. emit itself never
// tests for monitors, so emitters without one pay nothing for them.
const MONITORED = 4;

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

/** The function a user registered: what listeners() shows and the meta events pass. */
function unwrap(entry: Entry): Fn {
  return typeof entry === 'function' ? ((entry as WrappedFn).listener ?? entry) : entry.listener;
}

/** Whether `fn` names `entry` for removal and counting: itself, the listener it wraps, or its rawListeners() wrapper. */
function matches(entry: Entry, fn: Fn): boolean {
  return entry === fn || (entry as WrappedFn).listener === fn || (typeof entry !== 'function' && entry.raw === fn);
}

/** What `emit('error', value)` does with no `'error'` listener: throw the Error, or wrap anything else. */
function throwUnhandled(value: unknown): never {
  throw value instanceof Error ? value : new UnhandledError(value);
}

// Copy-on-write: a change makes a fresh array, so that a running emit keeps the one it started with. Plain loops,
// because Array.prototype.concat is about ten times slower for these small arrays.
function copyWith(list: Entry[], entry: Entry, prepend: boolean): Entry[] {
  const n = list.length;
  const next = new Array<Entry>(n + 1);
  const offset = prepend ? 1 : 0;
  for (let i = 0; i < n; i++) next[i + offset] = list[i]!;
  next[prepend ? 0 : n] = entry;
  return next;
}

function copyWithout(list: Entry[], index: number): Entry[] {
  const n = list.length - 1;
  const next = new Array<Entry>(n);
  for (let i = 0; i < n; i++) next[i] = list[i < index ? i : i + 1]!;
  return next;
}

function entriesOf(slot: Slot): Entry[] {
  return Array.isArray(slot) ? slot : slot instanceof MixedList ? slot.entries : [slot];
}

/** The slot for a list of one or more entries. */
function slotOf(list: Entry[]): Slot {
  if (list.length === 1) return list[0]!;
  for (let i = 0; i < list.length; i++) if (typeof list[i] !== 'function') return new MixedList(list);
  return list as Fn[];
}

/** The slot with `entry` added at the end (or the front). */
function withEntry(slot: Slot, entry: Entry, prepend: boolean): Fn[] | MixedList {
  if (typeof entry === 'function') {
    if (Array.isArray(slot)) return copyWith(slot, entry, prepend) as Fn[];
    if (typeof slot === 'function') return prepend ? [entry, slot] : [slot, entry];
  }
  return new MixedList(copyWith(entriesOf(slot), entry, prepend));
}

/** Calls a list of bare functions (copy-on-write, so never modified) with up to three arguments. */
function callEach(emitter: Internal, list: Fn[], argc: number, a: unknown, b: unknown, c: unknown): true {
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

/** Calls `fn` as a method of the emitter with up to three arguments. */
function callOne(emitter: Internal, fn: Fn, argc: number, a: unknown, b: unknown, c: unknown): true {
  emitter._calling = fn;
  if (argc === 2) emitter._calling(a);
  else if (argc === 1) emitter._calling();
  else if (argc === 3) emitter._calling(a, b);
  else emitter._calling(a, b, c);
  emitter._calling = undefined;
  return true;
}

/** Whether a registration is to be called now: a once one is removed first, and is called only the first time. */
function claim(emitter: Internal, type: EventKey, entry: Registration): boolean {
  if (!entry.once) return true;
  if (entry.fired) return false;
  entry.fired = true;
  emitter._removeEntry(type, entry);
  return true;
}

// The functions on the path of emit are kept small: V8 inlines a call chain only within a total bytecode budget,
// and a once + emit that fits in it runs about twice as fast as one that does not.

/** Calls what emit found when it is not a bare function: a list, a registration or a mixed list. */
function callSlot(
  emitter: Internal,
  type: EventKey,
  slot: Registration | Fn[] | MixedList,
  argc: number,
  a: unknown,
  b: unknown,
  c: unknown,
): true {
  if (Array.isArray(slot)) return callEach(emitter, slot, argc, a, b, c);
  if (slot instanceof MixedList) return callMixed(emitter, type, slot.entries, argc, a, b, c);
  if (slot.once) {
    if (slot.fired) return true;
    slot.fired = true;
    // It is the event's only entry: emit has just read it and nothing ran since.
    emitter._removeSingle(type, slot);
  }
  return callOne(emitter, slot.listener, argc, a, b, c);
}

function callMixed(
  emitter: Internal,
  type: EventKey,
  list: Entry[],
  argc: number,
  a: unknown,
  b: unknown,
  c: unknown,
): true {
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!;
    if (typeof entry === 'function') callOne(emitter, entry, argc, a, b, c);
    else if (claim(emitter, type, entry)) callOne(emitter, entry.listener, argc, a, b, c);
  }
  return true;
}

/** Calls one entry with an array of arguments (the rare paths: many arguments, options, emitAsync). */
function applyEntry(emitter: Internal, type: EventKey, entry: Entry, args: unknown[]): unknown {
  if (typeof entry === 'function') return entry.apply(emitter, args);
  return claim(emitter, type, entry) ? entry.listener.apply(emitter, args) : undefined;
}

/** The function rawListeners() shows for a registration: it has `.listener`, and calling it fires a once one. */
function rawWrapper(emitter: Internal, type: EventKey, entry: Registration): WrappedFn {
  const raw = function (this: unknown) {
    // biome-ignore lint/complexity/noArguments: forwards exactly the arguments given
    return applyEntry(emitter, type, entry, arguments as unknown as unknown[]);
  } as WrappedFn;
  raw.listener = entry.listener;
  return raw;
}

// Signal-bound registrations stop listening to the signal once they are gone, so that a long-lived signal does not
// keep removed listeners (and their emitter) alive.
function release(entry: Registration): void {
  const detach = entry.detach;
  if (detach !== undefined) {
    entry.detach = undefined;
    detach();
  }
}

function releaseSlot(slot: Slot): void {
  if (slot instanceof Registration) release(slot);
  else if (slot instanceof MixedList) for (const entry of slot.entries) if (typeof entry !== 'function') release(entry);
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

  /**
   * The {@link errorMonitor} symbol, as `EventEmitter.errorMonitor` is in `node:events` (on Node, the same symbol).
   */
  static readonly errorMonitor: typeof errorMonitor = errorMonitor;

  /** Type-only: the event map, for inference ({@link EventsOf}); there is no such property at runtime. */
  declare readonly [eventMap]?: Events;

  // Event name → one entry (stored directly) or two and more (a copy-on-write array: every change makes a new
  // array, so emit iterates the one it read without a defensive copy and sees the listeners of its start). An
  // entry is the listener itself, or a Registration for once and signal-bound ones.
  private _events: Table;
  private _eventsCount: number;
  // With no listener left, the table keeps the key of the last one removed, set to undefined (and _vacant names
  // it), instead of being replaced: adding that event again then allocates nothing and keeps the table's shape,
  // which makes on/off and once/emit cycles on an otherwise empty emitter allocation-free. Adding another event
  // first starts a fresh table, so eventNames() keeps node's order.
  private _vacant: EventKey | undefined;
  private _maxListeners: number; // -1: Emitter.defaultMaxListeners
  private _flags: number;
  private _warned: Set<EventKey> | undefined;
  // The listener being called. Calling it as `this._calling(...)` passes the emitter as `this` (as node:events
  // does) through an ordinary method call, whose call-site feedback lets V8 inline the listener; `fn.call(this)`
  // would hide the listener from that feedback. Cleared after the calls (after a throw it keeps one reference
  // until the next emit).
  private _calling: Fn | undefined;

  constructor(options?: EmitterOptions) {
    this._events = new ListenerTable();
    this._eventsCount = 0;
    this._vacant = undefined;
    this._maxListeners = -1;
    this._flags = 0;
    this._warned = undefined;
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
    const type = name as EventKey;
    const listener = fn as Fn;
    assertListener(type, listener);
    const slot = this._events[type];
    if (slot === undefined) return this;
    if (Array.isArray(slot)) {
      // Bare functions only: nothing to look into but a `listener` property (as node:events does).
      for (let i = slot.length - 1; i >= 0; i--) {
        const entry = slot[i]!;
        if (entry === listener || (entry as WrappedFn).listener === listener) {
          this._events[type] = slot.length === 2 ? slot[1 - i]! : (copyWithout(slot, i) as Fn[]);
          this._removed(type, entry);
          break;
        }
      }
    } else if (slot instanceof MixedList) this._removeFromList(type, slot, listener, false);
    else if (matches(slot, listener)) this._removeSingle(type, slot);
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
        this._vacant = undefined;
        for (const key of Reflect.ownKeys(events)) {
          const slot = events[key];
          if (slot !== undefined) releaseSlot(slot);
        }
      } else {
        const list = events[eventName as EventKey];
        if (list !== undefined) {
          if (--this._eventsCount === 0) this._events = new ListenerTable();
          else delete events[eventName as EventKey];
          releaseSlot(list);
        }
      }
      return this;
    }
    if (eventName === undefined) {
      for (const key of Reflect.ownKeys(events)) {
        if (key !== 'removeListener') this.removeAllListeners(key as keyof EventMapOf<Events>);
      }
      this.removeAllListeners('removeListener' as keyof EventMapOf<Events>);
      return this;
    }
    const list = events[eventName as EventKey];
    if (list === undefined) return this;
    const entries = entriesOf(list);
    for (let i = entries.length - 1; i >= 0; i--) this._removeEntry(eventName as EventKey, entries[i]!);
    return this;
  }

  /**
   * Calls every listener of `eventName` synchronously, in order, with `args`; returns whether there was any.
   * `emit('error', err)` first calls the {@link errorMonitor} listeners, then the `'error'` listeners; with none,
   * it throws `err` (or an {@link UnhandledError} for a non-Error).
   */
  // The implementation names three arguments instead of taking a rest array, so that emit allocates nothing; tsc
  // cannot relate a generic rest tuple to named parameters, hence the expected (and only) type error here.
  // @ts-expect-error TS2394: the overload is the public type, the implementation reads `arguments.length`.
  emit<K extends keyof EventMapOf<Events>>(eventName: K, ...args: EventArgs<Events, K>): boolean;
  emit(name: PropertyKey, a?: unknown, b?: unknown, c?: unknown): boolean {
    // Kept small on purpose: V8 inlines emit into its callers only below a bytecode size limit, and an inlined
    // emit costs a few nanoseconds. Rare cases (over three arguments, options) leave through _emitArgs.
    // An 'error' without listeners (it throws, after any errorMonitor listeners) also leaves through _emitArgs:
    // the branches are arranged so that the other cases make the same tests as without monitors.
    const handler = this._events[name as EventKey];
    if (handler !== undefined) {
      // biome-ignore lint/complexity/noArguments: reading only its length (and elements) keeps emit allocation-free
      const argc = arguments.length;
      if (argc <= 4 && this._flags === 0) {
        if (typeof handler !== 'function')
          return callSlot(this as unknown as Internal, name as EventKey, handler, argc, a, b, c);
        this._calling = handler;
        if (argc === 2) this._calling(a);
        else if (argc === 1) this._calling();
        else if (argc === 3) this._calling(a, b);
        else this._calling(a, b, c);
        this._calling = undefined;
        return true;
      }
    } else if (name !== 'error') return false;
    // Sized up front: growing an empty array by push made this path about twice as slow (garbage collection).
    // biome-ignore lint/complexity/noArguments: see above
    const args = new Array<unknown>(arguments.length - 1);
    // biome-ignore lint/complexity/noArguments: see above
    for (let i = 0; i < args.length; i++) args[i] = arguments[i + 1];
    return this._emitArgs(name as EventKey, handler, args);
  }

  /**
   * Calls every listener of `eventName` (in order, without waiting in between) and resolves once all the promises
   * they return have settled. If any listener threw or rejected, rejects with an `AggregateError` of the failures
   * in listener order. An unhandled `'error'` rejects as `emit` would throw. For `'error'`, the {@link errorMonitor}
   * listeners are started first and awaited with the others.
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
    const settled: Promise<unknown>[] = [];
    // For 'error', the errorMonitor listeners are started first and awaited with the others, as emit calls them.
    const monitors = eventName === 'error' ? this._events[errorMonitor] : undefined;
    if (monitors !== undefined) this._start(errorMonitor, monitors, args, settled);
    const handler = this._events[eventName];
    let unhandled: Error | undefined;
    if (handler !== undefined) this._start(eventName, handler, args, settled);
    else if (eventName === 'error') unhandled = args[0] instanceof Error ? args[0] : new UnhandledError(args[0]);
    else return;
    const failures: unknown[] = [];
    for (const outcome of await Promise.allSettled(settled)) {
      if (outcome.status === 'rejected') failures.push(outcome.reason);
    }
    if (unhandled !== undefined) {
      // No 'error' listener: reject as emit throws, once the monitors settled; with their failures, if any.
      if (failures.length === 0) throw unhandled;
      failures.push(unhandled);
      throw new AggregateError(
        failures,
        `unhandled ${describe(eventName)}, and ${failures.length - 1} monitor(s) failed`,
      );
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `${failures.length} of ${settled.length} listener(s) of ${describe(eventName)} failed`,
      );
    }
  }

  // Starts every listener of `handler` for emitAsync, adding what each returned (or threw) to `settled`.
  private _start(type: EventKey, handler: Slot, args: unknown[], settled: Promise<unknown>[]): void {
    for (const entry of entriesOf(handler)) {
      try {
        settled.push(Promise.resolve(applyEntry(this as unknown as Internal, type, entry, args)));
      } catch (error) {
        settled.push(Promise.reject(error));
      }
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
    const entries = entriesOf(list);
    if (listener === undefined) return entries.length;
    let count = 0;
    for (const entry of entries) if (matches(entry, listener)) count++;
    return count;
  }

  /** A copy of the listeners of `eventName`, in call order (`once` listeners as given, not wrapped). */
  listeners<K extends keyof EventMapOf<Events>>(eventName: K): Listener<EventArgs<Events, K>>[];
  listeners(eventName: PropertyKey): AnyListener[] {
    const list = this._events[eventName as EventKey];
    if (list === undefined) return [];
    return entriesOf(list).map(unwrap);
  }

  /** A copy of the listeners of `eventName` as stored: `once` and signal-bound ones are wrappers with `.listener`. */
  rawListeners<K extends keyof EventMapOf<Events>>(eventName: K): Listener<EventArgs<Events, K>>[];
  rawListeners(eventName: PropertyKey): AnyListener[] {
    const type = eventName as EventKey;
    const list = this._events[type];
    if (list === undefined) return [];
    const raw = (entry: Entry): Fn => {
      if (typeof entry === 'function') return entry;
      if (entry.raw === undefined) entry.raw = rawWrapper(this as unknown as Internal, type, entry);
      return entry.raw;
    };
    return entriesOf(list).map(raw);
  }

  /** The names of the events that have listeners, in the order `node:events` gives them. */
  eventNames(): (keyof EventMapOf<Events>)[] {
    return (this._eventsCount === 0 ? [] : Reflect.ownKeys(this._events)) as (keyof EventMapOf<Events>)[];
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

  // Kept small (as emit is) for V8's inlining budget: the rare work lives in _prepare, _append and _reuse.
  private _register(type: EventKey, listener: Fn, prepend: boolean, once: boolean, options?: ListenerOptions): this {
    assertListener(type, listener);
    const stored =
      options !== undefined
        ? this._prepare(type, listener, once, options)
        : once
          ? new Registration(listener, true)
          : listener;
    if (stored === undefined) return this;
    let events = this._events;
    if (events.newListener !== undefined) {
      (this as unknown as RawEmitter).emit('newListener', type, listener);
      events = this._events;
    }
    const existing = events[type];
    if (existing !== undefined) this._append(type, existing, stored, prepend);
    else {
      if (this._vacant !== undefined) events = this._reuse(type);
      events[type] = stored;
      this._eventsCount++;
      // A typeof test and a call rather than a comparison with errorMonitor here: this keeps _register small
      // enough to inline (measured: on + off about 40% slower otherwise).
      if (typeof type === 'symbol') this._addedSymbol(type);
    }
    this.listenerAdded(type);
    return this;
  }

  /**
   * Called after a listener was added to `eventName` by any of `on`, `addListener`, `once`, `prependListener` or
   * `prependOnceListener`. Does nothing; a subclass overrides it to react to listeners (a stream starts flowing
   * when a `'data'` listener is added) without overriding each of those methods.
   */
  protected listenerAdded(_eventName: PropertyKey): void {}

  private _append(type: EventKey, existing: Slot, entry: Entry, prepend: boolean): void {
    const next =
      Array.isArray(existing) && typeof entry === 'function'
        ? (copyWith(existing, entry, prepend) as Fn[])
        : withEntry(existing, entry, prepend);
    this._events[type] = next;
    this._checkMax(type, Array.isArray(next) ? next.length : next.entries.length);
  }

  // What to store for a registration with options; undefined when the signal already aborted.
  private _prepare(type: EventKey, listener: Fn, once: boolean, options: ListenerOptions): Entry | undefined {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, got ${describe(options)}`);
    }
    const signal = options.signal;
    if (signal === undefined) return once ? new Registration(listener, true) : listener;
    if (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function') {
      throw new TypeError(`options.signal: expected an AbortSignal, got ${describe(signal)}`);
    }
    if (signal.aborted) return undefined;
    const entry = new Registration(listener, once);
    const onAbort = () => this._removeEntry(type, entry);
    signal.addEventListener('abort', onAbort, { once: true });
    entry.detach = () => signal.removeEventListener('abort', onAbort);
    return entry;
  }

  private _checkMax(type: EventKey, count: number): void {
    const max = this._maxListeners < 0 ? defaultMaxListeners : this._maxListeners;
    if (max > 0 && count > max) this._warn(type, count, max);
  }

  // The table to add the first listener to when a key is vacant: the same one for that key, else a fresh one.
  private _reuse(type: EventKey): Table {
    const vacant = this._vacant;
    this._vacant = undefined;
    if (vacant !== type) this._events = new ListenerTable();
    return this._events;
  }

  // The first listener of a symbol-named event was added: if it is errorMonitor, emits take the general path.
  private _addedSymbol(type: symbol): void {
    if (type === errorMonitor) this._flags |= MONITORED;
  }

  // Removes this very entry (a once registration that fires, an aborted one, removeAllListeners), if still there.
  private _removeEntry(type: EventKey, entry: Entry): void {
    const slot = this._events[type];
    if (slot === entry) this._removeSingle(type, entry);
    else if (Array.isArray(slot) || slot instanceof MixedList) this._removeFromList(type, slot, entry, true);
  }

  // Removes the event's only entry.
  private _removeSingle(type: EventKey, entry: Entry): void {
    if (--this._eventsCount === 0) {
      this._events[type] = undefined;
      this._vacant = type;
    } else delete this._events[type];
    this._removed(type, entry);
  }

  // Removes from the event's list the last entry that is `target` (exact) or that `target` names (see matches).
  private _removeFromList(type: EventKey, slot: Fn[] | MixedList, target: Entry, exact: boolean): void {
    const list: Entry[] = Array.isArray(slot) ? slot : slot.entries;
    let i = list.length - 1;
    while (i >= 0 && list[i] !== target && (exact || !matches(list[i]!, target as Fn))) i--;
    if (i < 0) return;
    const removed = list[i]!;
    this._events[type] =
      list.length === 2
        ? list[1 - i]!
        : Array.isArray(slot)
          ? (copyWithout(list, i) as Fn[])
          : slotOf(copyWithout(list, i));
    this._removed(type, removed);
  }

  // After an entry is gone: stop listening to its signal; emit 'removeListener' if anything listens for it (in a
  // method of its own: an emit call site here makes this hot function about a third slower).
  private _removed(type: EventKey, entry: Entry): void {
    if (typeof entry !== 'function') release(entry);
    if (this._events.removeListener !== undefined) this._emitRemoved(type, entry);
  }

  private _emitRemoved(type: EventKey, entry: Entry): void {
    (this as unknown as RawEmitter).emit('removeListener', type, unwrap(entry));
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

  // Emits with the arguments as an array: more than three of them, an emitter with options or error monitors, or
  // an 'error' without listeners (handler undefined only then).
  private _emitArgs(type: EventKey, handler: Slot | undefined, args: unknown[]): boolean {
    if ((this._flags & MONITORED) !== 0 && this._events[errorMonitor] === undefined) this._flags &= ~MONITORED;
    if (type === 'error' && (handler === undefined || (this._flags & MONITORED) !== 0)) return this._emitError(args);
    return this._dispatch(type, handler!, args);
  }

  // emit('error', ...args) with monitors or without 'error' listeners. As in node:events: the monitors run first
  // (a monitor that throws ends the emit there), then the 'error' listeners as they are after the monitors ran (a
  // monitor may add or remove some); with none, the error is thrown.
  private _emitError(args: unknown[]): boolean {
    const monitors = this._events[errorMonitor];
    if (monitors !== undefined) {
      if ((this._flags & ISOLATE_ERRORS) === 0) this._dispatch(errorMonitor, monitors, args);
      else {
        try {
          this._dispatch(errorMonitor, monitors, args);
        } catch (failure) {
          return this._afterMonitorFailure(failure, args);
        }
      }
    }
    const handler = this._events.error;
    if (handler === undefined) return throwUnhandled(args[0]);
    return this._dispatch('error', handler, args);
  }

  // With isolateErrors, monitors that threw do not keep the 'error' listeners from running; the monitors' failures
  // (never routed to 'error', which would call the monitors again) are thrown afterwards with any others.
  private _afterMonitorFailure(failure: unknown, args: unknown[]): never {
    const failures = failure instanceof AggregateError ? [...failure.errors] : [failure];
    const handler = this._events.error;
    if (handler === undefined) failures.push(args[0] instanceof Error ? args[0] : new UnhandledError(args[0]));
    else {
      try {
        this._dispatch('error', handler, args);
      } catch (error) {
        if (error instanceof AggregateError) failures.push(...error.errors);
        else failures.push(error);
      }
    }
    throw new AggregateError(failures, `${failures.length} failure(s) while emitting ${describe('error')}`);
  }

  // Calls the listeners of `handler` with an array of arguments.
  private _dispatch(type: EventKey, handler: Slot, args: unknown[]): boolean {
    if ((this._flags & (CAPTURE_REJECTIONS | ISOLATE_ERRORS)) !== 0) return this._emitGuarded(type, handler, args);
    const emitter = this as unknown as Internal;
    if (typeof handler === 'function') handler.apply(this, args);
    else {
      const list = entriesOf(handler);
      for (let i = 0; i < list.length; i++) applyEntry(emitter, type, list[i]!, args);
    }
    return true;
  }

  // The emit of emitters created with captureRejections or isolateErrors.
  private _emitGuarded(type: EventKey, handler: Slot, args: unknown[]): boolean {
    const flags = this._flags;
    const emitter = this as unknown as Internal;
    const list = entriesOf(handler);
    if ((flags & ISOLATE_ERRORS) === 0) {
      for (let i = 0; i < list.length; i++) this._capture(applyEntry(emitter, type, list[i]!, args));
      return true;
    }
    let failures: unknown[] | undefined;
    for (let i = 0; i < list.length; i++) {
      try {
        this._capture(applyEntry(emitter, type, list[i]!, args));
      } catch (error) {
        if (failures === undefined) failures = [];
        failures.push(error);
      }
    }
    if (failures === undefined) return true;
    const raw = this as unknown as RawEmitter;
    if (type === 'error' || type === errorMonitor || this._events.error === undefined) {
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
        // Rejections of 'error' (and errorMonitor) listeners themselves are not captured again (no loop), as in
        // Node. Only this bit is restored: a listener may have added or removed a monitor meanwhile.
        this._flags &= ~CAPTURE_REJECTIONS;
        try {
          (this as unknown as RawEmitter).emit('error', error);
        } finally {
          this._flags |= CAPTURE_REJECTIONS;
        }
      });
    });
  }
}

// As in node:events, `off` is `removeListener` and `addListener` is `on` (one call less on the hot path; a subclass
// overriding `removeListener` or `on` should override the alias too, as with Node).
Emitter.prototype.off = Emitter.prototype.removeListener;
Emitter.prototype.addListener = Emitter.prototype.on;
