/** The stable codes a {@link BusError} carries. */
export type BusErrorCode =
  | 'ERR_WEFT_BUS_CLOSED'
  | 'ERR_WEFT_BUS_CODEC'
  | 'ERR_WEFT_BUS_DELIVERY_LIMIT'
  | 'ERR_WEFT_BUS_TRANSPORT';

const brand = Symbol.for('@weft/bus.BusError');

/**
 * The base of every error `@weft/bus` creates; `code` says which one it is, so callers can match without
 * `instanceof` (use {@link isBusError}, which also recognises errors from another copy of this package).
 */
export class BusError extends Error {
  /** Stable, machine-readable code. */
  readonly code: BusErrorCode;
  constructor(code: BusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusError';
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** Rejects `publish`/`subscribe` on a bus (or transport) that is closing or closed. Code `'ERR_WEFT_BUS_CLOSED'`. */
export class BusClosedError extends BusError {
  constructor(message = 'The bus is closed') {
    super('ERR_WEFT_BUS_CLOSED', message);
    this.name = 'BusClosedError';
  }
}

/**
 * A payload the codec could not encode (rejected by `publish`, nothing is written) or a message it could not decode
 * (dead-lettered at once, never retried). `cause` is the codec's own error, `topic` the topic. Code
 * `'ERR_WEFT_BUS_CODEC'`.
 */
export class CodecError extends BusError {
  /** The topic of the message. */
  readonly topic: string;
  constructor(topic: string, message: string, options?: { cause?: unknown }) {
    super('ERR_WEFT_BUS_CODEC', message, options);
    this.name = 'CodecError';
    this.topic = topic;
  }
}

/**
 * The error a message is dead-lettered with when it was delivered more often than `maxAttempts` allows, which
 * happens when the consumers that took it died before they could acknowledge it (a poison message that crashes its
 * consumer). Code `'ERR_WEFT_BUS_DELIVERY_LIMIT'`.
 */
export class DeliveryLimitError extends BusError {
  /** How many times the transport had delivered the message. */
  readonly deliveries: number;
  constructor(deliveries: number) {
    super('ERR_WEFT_BUS_DELIVERY_LIMIT', `Delivered ${deliveries} times without being acknowledged`);
    this.name = 'DeliveryLimitError';
    this.deliveries = deliveries;
  }
}

/** A transport failed to do something in the background (a read loop, a reclaim); `cause` is the client's error. */
export class TransportError extends BusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WEFT_BUS_TRANSPORT', message, options);
    this.name = 'TransportError';
  }
}

/** True for any error created by `@weft/bus` (from any copy of the package). */
export function isBusError(error: unknown): error is BusError {
  return typeof error === 'object' && error !== null && (error as { [brand]?: unknown })[brand] === true;
}

/** True for a {@link BusClosedError}. */
export function isBusClosedError(error: unknown): error is BusClosedError {
  return isBusError(error) && error.code === 'ERR_WEFT_BUS_CLOSED';
}

/** True for a {@link CodecError}. */
export function isCodecError(error: unknown): error is CodecError {
  return isBusError(error) && error.code === 'ERR_WEFT_BUS_CODEC';
}

/** True for a {@link DeliveryLimitError}. */
export function isDeliveryLimitError(error: unknown): error is DeliveryLimitError {
  return isBusError(error) && error.code === 'ERR_WEFT_BUS_DELIVERY_LIMIT';
}

/** True for a {@link TransportError}. */
export function isTransportError(error: unknown): error is TransportError {
  return isBusError(error) && error.code === 'ERR_WEFT_BUS_TRANSPORT';
}
