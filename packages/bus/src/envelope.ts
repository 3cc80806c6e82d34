/** Headers carried with an event: string keys and string values. */
export type Headers = Readonly<Record<string, string>>;

/**
 * What a handler receives: the payload and its metadata. `id` is assigned at `publish` and stays the same across
 * redeliveries, so it is the key to deduplicate on (see `idempotencySet`).
 */
export interface Envelope<T = unknown, Topic extends string = string> {
  /** Unique per published event (a UUID), stable across redeliveries. */
  readonly id: string;
  /** The topic it was published on. */
  readonly topic: Topic;
  /** The decoded payload. */
  readonly payload: T;
  /** The headers given to `publish` (an empty object when none). */
  readonly headers: Headers;
  /** The key given to `publish`, if any: events with the same key are handled one at a time, in order. */
  readonly key: string | undefined;
  /** Wall-clock time of `publish`, in epoch milliseconds. */
  readonly publishedAt: number;
  /**
   * Which attempt at handling this is: 1 the first time; more on a retry, and on a redelivery after a consumer died
   * (at least the number of deliveries so far).
   */
  readonly attempt: number;
}

/** An event as transports carry it: the envelope's metadata with the payload already encoded by the codec. */
export interface WireMessage {
  readonly id: string;
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Headers;
  readonly publishedAt: number;
  /** The payload as the codec encoded it. */
  readonly payload: string;
}

const EMPTY: Headers = Object.freeze({});

/** The empty headers object every header-less envelope shares. */
export const NO_HEADERS = EMPTY;

/**
 * Frames a message as one string, as the Redis transports carry it: the lines `1` (the format), id, publishedAt,
 * `=key` (or nothing), headers as JSON (or nothing), then the payload as the rest, unescaped.
 */
export function frame(message: WireMessage): string {
  const headers = message.headers === EMPTY || isEmpty(message.headers) ? '' : JSON.stringify(message.headers);
  return `1\n${message.id}\n${message.publishedAt}\n${message.key === undefined ? '' : `=${message.key}`}\n${headers}\n${message.payload}`;
}

/** Parses what {@link frame} produced; `undefined` if it is not such a frame. */
export function unframe(topic: string, text: string): WireMessage | undefined {
  if (!text.startsWith('1\n')) return undefined;
  const a = 2;
  const b = text.indexOf('\n', a);
  const c = b < 0 ? -1 : text.indexOf('\n', b + 1);
  const d = c < 0 ? -1 : text.indexOf('\n', c + 1);
  const e = d < 0 ? -1 : text.indexOf('\n', d + 1);
  if (e < 0) return undefined;
  // The hot path of every delivery: digits read in place, empty fields not sliced.
  let publishedAt = 0;
  for (let i = b + 1; i < c; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) {
      publishedAt = Number(text.slice(b + 1, c));
      break;
    }
    publishedAt = publishedAt * 10 + digit;
  }
  let headers: Headers = EMPTY;
  if (e > d + 1) {
    try {
      headers = JSON.parse(text.slice(d + 1, e)) as Headers;
    } catch {
      return undefined;
    }
  }
  return {
    id: text.slice(a, b),
    topic,
    key: d > c + 1 ? text.slice(c + 2, d) : undefined,
    headers,
    publishedAt,
    payload: text.slice(e + 1),
  };
}

function isEmpty(headers: Headers): boolean {
  for (const _ in headers) return false;
  return true;
}
