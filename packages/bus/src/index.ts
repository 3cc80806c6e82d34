export type {
  Bus,
  BusEvents,
  BusOptions,
  DeadLetter,
  Handler,
  PublishOptions,
  SerializedError,
  SubscribeOptions,
  SubscribeRetryOptions,
  TopicOf,
  Unsubscribe,
} from './bus';
export { createBus } from './bus';
export type { Codec } from './codec';
export { jsonCodec } from './codec';
export type { Envelope, Headers, WireMessage } from './envelope';
export type { BusErrorCode } from './errors';
export {
  BusClosedError,
  BusError,
  CodecError,
  DeliveryLimitError,
  isBusClosedError,
  isBusError,
  isCodecError,
  isDeliveryLimitError,
  isTransportError,
  TransportError,
} from './errors';
export type {
  IdempotencySet,
  IdempotencySetOptions,
  RedisIdempotencySet,
  RedisIdempotencySetOptions,
} from './idempotency';
export { idempotencySet, redisIdempotencySet } from './idempotency';
export type { MemoryTransportOptions } from './memory-transport';
export { memoryTransport } from './memory-transport';
export type { RedisArgument, RedisClientLike, RedisPubSubClientLike, RedisSubscriberLike } from './redis-client';
export type { RedisPubSubTransportOptions } from './redis-pubsub-transport';
export { redisPubSubTransport } from './redis-pubsub-transport';
export type { RedisStreamsTransportOptions } from './redis-streams-transport';
export { redisStreamsTransport } from './redis-streams-transport';
export type {
  Delivery,
  DeliveryHandler,
  GroupLag,
  StartAt,
  Transport,
  TransportHooks,
  TransportSubscribeOptions,
  TransportSubscription,
} from './transport';
