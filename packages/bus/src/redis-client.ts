/** An argument of a Redis command. */
export type RedisArgument = string | number;

/**
 * The part of a Redis client the Redis transports use: an ioredis `Redis` satisfies it (pass your own; `@weft/bus`
 * does not depend on ioredis). Replies must have RESP2 shapes (ioredis's default, also with RESP3).
 */
export interface RedisClientLike {
  /** Sends a command and resolves with its reply. */
  call(command: string, ...args: RedisArgument[]): Promise<unknown>;
  /** A new connection with the same options (blocking reads and subscriptions need their own). */
  duplicate(): RedisClientLike;
  /** Closes the connection once the replies pending have arrived. */
  quit(): Promise<unknown>;
  /** Closes the connection at once. */
  disconnect(): void;
}

/** A connection in subscriber mode, as the pub/sub transport uses it (an ioredis `Redis` satisfies it). */
export interface RedisSubscriberLike {
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** The client the pub/sub transport takes: it publishes with `call` and subscribes on a `duplicate()`. */
export interface RedisPubSubClientLike {
  call(command: string, ...args: RedisArgument[]): Promise<unknown>;
  duplicate(): RedisSubscriberLike;
}

/** True if `error` is a Redis error reply starting with `prefix` (`'NOGROUP'`, `'BUSYGROUP'`, …). */
export function isReplyError(error: unknown, prefix: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string' &&
    (error as { message: string }).message.startsWith(prefix)
  );
}

/**
 * Routes the `'error'` events of a connection the transport opened itself (a `duplicate()`) to `listener`.
 * Without a listener ioredis prints "Unhandled error event" for every failed reconnect while Redis is down; the
 * commands on that connection still reject, and the transport handles that.
 */
export function onConnectionError(connection: object, listener: (error: unknown) => void): void {
  const on = (connection as { on?: unknown }).on;
  if (typeof on === 'function') on.call(connection, 'error', listener);
}
