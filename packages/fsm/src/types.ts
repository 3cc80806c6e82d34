/** Anything with a string `type` is an event. */
export interface EventObject {
  readonly type: string;
}

/**
 * The event type inferred for an `on` key `T`: `{ type: T }` plus any payload (read it as `unknown` and narrow).
 */
export interface EventFor<T extends string> {
  readonly type: T;
  readonly [payload: string]: unknown;
}

/**
 * The event an `on` key `K` handles: `EventFor<K>` for a machine that declares no events (`TEvent` is `undefined`),
 * else the declared event whose `type` is `K` (`never` if none is, so an undeclared key does not compile).
 */
export type EventOfType<TEvent, K extends string> = [TEvent] extends [undefined]
  ? EventFor<K>
  : Extract<TEvent, { readonly type: K }>;

/** Every event of a machine: `EventFor` of each `on` key (`TType`), or the declared union. */
export type EventsOf<TEvent, TType extends string> = [TEvent] extends [undefined]
  ? EventFor<TType>
  : Extract<TEvent, EventObject>;

/**
 * The `types` field of a machine config: declares the machine's events (and, optionally, its context) instead of
 * inferring them, so guards, actions and `assign` see each event's payload and `send` accepts only these events.
 * Only its type matters: write it as `types: {} as { events: …; context?: … }`.
 */
export interface MachineTypes<TContext, TEvent> {
  /** The union of the events the machine accepts, e.g. `{ type: 'FAIL'; error: Error } | { type: 'RESET' }`. */
  readonly events: TEvent;
  /** The context type, when the `context` value does not say enough (e.g. `{ lastError: Error | null }`). */
  readonly context?: TContext;
}

/**
 * Events the machine makes itself: `weft.init` (initial entry), `weft.after.<ms>.<state>` (a delayed
 * transition). Entry and exit actions may see them.
 */
export interface SystemEvent {
  readonly type: `weft.${string}`;
}

/** The context of a machine: an object, or `undefined` for a machine without one. */
// biome-ignore lint/suspicious/noExplicitAny: `any` in the constraint lets interfaces satisfy it; never surfaced.
export type MachineContext = Record<string, any> | undefined;

/** A side effect run when a transition is taken. Context updates go through {@link assign} instead. */
export type ActionFunction<TContext, TEvent> = (context: TContext, event: TEvent) => void;

/** A condition: the transition is taken only if it returns `true`. */
export type Guard<TContext, TEvent> = (context: TContext, event: TEvent) => boolean;

/** One action or a list of actions, run in order. */
export type Actions<TContext, TEvent> = ActionFunction<TContext, TEvent> | readonly ActionFunction<TContext, TEvent>[];

/** A transition written as an object. */
export interface TransitionConfig<TContext, TEvent> {
  /**
   * The state to go to: a sibling (`'open'`, `'open.waiting'`), a child (`'.waiting'`) or an absolute path
   * (`'#open.waiting'`). Without a target the transition only runs its actions: no state is exited or entered.
   */
  readonly target?: string;
  /** The transition is enabled only when the guard returns `true`. */
  readonly guard?: Guard<TContext, TEvent>;
  /** Run after the exit actions and before the entry actions. */
  readonly actions?: Actions<TContext, TEvent>;
  /** For a target inside the source: also exit and re-enter the source (default `false`). */
  readonly reenter?: boolean;
}

/** A target, a transition object, or a list of those: the first whose guard passes is taken. */
export type TransitionsConfig<TContext, TEvent> =
  | string
  | TransitionConfig<TContext, TEvent>
  | readonly (string | TransitionConfig<TContext, TEvent>)[];

/** The transitions of an `on` key, `never` for a key that names no declared event (so it does not compile). */
export type OnTransitions<TContext, TEvent> = [TEvent] extends [never] ? never : TransitionsConfig<TContext, TEvent>;

/**
 * The configuration of one state. `TType` is the union of the `on` keys; `TEvent` the declared events, or
 * `undefined` when they are inferred.
 */
export interface StateConfig<TContext, TType extends string, TEvent = undefined> {
  /** `'final'`: a top-level final state makes the machine done; a nested one takes the parent's `onDone`. */
  readonly type?: 'final';
  /** The child entered when this compound state is entered. */
  readonly initial?: string;
  /** Child states: this state is then compound. */
  readonly states?: { readonly [key: string]: StateConfig<TContext, TType, TEvent> };
  /** Transitions by event type. */
  readonly on?: { readonly [K in TType]?: OnTransitions<TContext, NoInfer<EventOfType<TEvent, K>>> };
  /** Run when the state is entered (outermost state first). */
  readonly entry?: Actions<TContext, NoInfer<EventsOf<TEvent, TType>> | SystemEvent>;
  /** Run when the state is exited (innermost state first). */
  readonly exit?: Actions<TContext, NoInfer<EventsOf<TEvent, TType>> | SystemEvent>;
  /** Delayed transitions, by delay in milliseconds, cancelled when the state is exited first. */
  readonly after?: { readonly [delayMs: number]: TransitionsConfig<TContext, SystemEvent> };
  /** Eventless transitions, checked after every transition while this state is active. */
  readonly always?: TransitionsConfig<TContext, NoInfer<EventsOf<TEvent, TType>> | SystemEvent>;
  /** For a compound state: taken when one of its final children is entered. */
  readonly onDone?: TransitionsConfig<TContext, NoInfer<EventsOf<TEvent, TType>> | SystemEvent>;
}

/** The configuration given to `createMachine`. */
export interface MachineConfig<TContext, TType extends string, TEvent = undefined>
  extends StateConfig<TContext, TType, TEvent> {
  /** Names the machine in errors and diagrams. */
  readonly id?: string;
  /** Declares the events (and the context type) instead of inferring them: see {@link MachineTypes}. */
  readonly types?: MachineTypes<TContext, TEvent>;
  /** The initial context (immutable: update it with {@link assign}). */
  readonly context?: TContext & {};
}

/** The dotted paths of every state of a tree of state names (`'open' | 'halfOpen' | 'halfOpen.probing'`). */
export type StateValueOf<TTree, TPrefix extends string = '', TDepth extends unknown[] = []> = TDepth['length'] extends 8
  ? string
  : {
      [K in keyof TTree & string]: `${TPrefix}${K}` | StateValueOf<TTree[K], `${TPrefix}${K}.`, [...TDepth, unknown]>;
    }[keyof TTree & string];

/** Captures the tree of state names of a config without taking part in contextual typing. */
export type StateTree<TTree> = {
  [K in keyof TTree]: {
    readonly type?: 'final';
    readonly states?: StateTree<TTree[K]>;
    readonly [other: string]: unknown;
  };
};

/** Whether the machine runs (`active`), reached a top-level final state (`done`) or was stopped (`stopped`). */
export type SnapshotStatus = 'active' | 'done' | 'stopped';

/** A pending delayed transition in a persisted snapshot. */
export interface PersistedDelay {
  /** The state that owns the `after` entry. */
  readonly state: string;
  /** The configured delay (the key in `after`). */
  readonly delayMs: number;
  /** What was left of it when the snapshot was persisted. */
  readonly remainingMs: number;
}

/** A snapshot as plain JSON, from `actor.getPersistedSnapshot()`; give it back as `createActor(m, { snapshot })`. */
export interface PersistedSnapshot<TContext = unknown, TValue extends string = string> {
  readonly value: TValue;
  readonly context: TContext;
  readonly status: SnapshotStatus;
  /** Pending delayed transitions with their remaining time. */
  readonly delayed: readonly PersistedDelay[];
}
