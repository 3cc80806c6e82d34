export type { ActorOptions, SnapshotListener } from './actor';
export { type Actor, createActor } from './actor';
export type { AssignAction, Assigner } from './assign';
export { assign } from './assign';
export { toDot, toMermaid } from './diagram';
export { EventlessLoopError, isEventlessLoopError, isMachineConfigError, MachineConfigError } from './errors';
export type { TransitionResult } from './machine';
export { createMachine, ExecutableAction, MachineSnapshot, StateMachine } from './machine';
export type {
  ActionFunction,
  Actions,
  EventFor,
  EventObject,
  EventOfType,
  EventsOf,
  Guard,
  MachineConfig,
  MachineContext,
  MachineTypes,
  OnTransitions,
  PersistedDelay,
  PersistedSnapshot,
  SnapshotStatus,
  StateConfig,
  StateTree,
  StateValueOf,
  SystemEvent,
  TransitionConfig,
  TransitionsConfig,
} from './types';
