import type { IncomingHttpHeaders, Server } from 'node:http';
import { Duplex } from 'node:stream';
import { describe } from '@weft/reactor';

/** A request for `app.inject()`. */
export interface InjectRequest {
  /** Default `GET`. */
  method?: string;
  /** Path and query, e.g. `/users/1?full=true`. Default `/`. */
  url?: string;
  /** Request headers. */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /** A string or bytes as they are; anything else is sent as JSON (with `Content-Type: application/json`). */
  body?: unknown;
  /** The client address the server sees. Default `127.0.0.1`. */
  remoteAddress?: string;
}

/** The response `app.inject()` resolves with. */
export interface InjectResponse {
  status: number;
  /** Response headers, lower-cased; repeated ones (`set-cookie`) as arrays. */
  headers: IncomingHttpHeaders;
  /** The body bytes (chunked encoding removed). */
  body: Buffer;
  /** The body as UTF-8. */
  text(): string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

/**
 * An in-memory connection: what the server writes is collected, what the client sends is pushed. Also the base of
 * the sockets of `bench/overhead.ts`; not exported from the package.
 *
 * @internal
 */
export class MemorySocket extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort = 0;
  readonly remoteFamily: string;
  readonly written: Buffer[] = [];
  readonly #ended: () => void;

  constructor(remoteAddress: string, ended: () => void) {
    super();
    this.remoteAddress = remoteAddress;
    this.remoteFamily = remoteAddress.includes(':') ? 'IPv6' : 'IPv4';
    this.#ended = ended;
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.written.push(chunk);
    callback();
  }
  override _final(callback: (error?: Error | null) => void): void {
    callback();
    this.#ended();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    callback(error);
    this.#ended();
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

/** Sends one request through `server` on an in-memory connection and parses the raw response. */
export function inject(server: Server, request: InjectRequest): Promise<InjectResponse> {
  const method = (request.method ?? 'GET').toUpperCase();
  const url = request.url ?? '/';
  if (typeof url !== 'string' || !url.startsWith('/')) {
    return Promise.reject(new TypeError(`inject: url: expected a path starting with "/", got ${describe(url)}`));
  }
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  let payload: Buffer | undefined;
  if (request.body !== undefined) {
    if (typeof request.body === 'string') payload = Buffer.from(request.body);
    else if (request.body instanceof Uint8Array) payload = Buffer.from(request.body);
    else {
      payload = Buffer.from(JSON.stringify(request.body));
      headers['content-type'] ??= 'application/json';
    }
    headers['content-length'] = String(payload.length);
  }
  headers.host ??= 'localhost';
  headers.connection = 'close';
  let head = `${method} ${url} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    for (const v of typeof value === 'string' ? [value] : value) head += `${name}: ${v}\r\n`;
  }
  head += '\r\n';
  return new Promise<InjectResponse>((resolve, reject) => {
    let settled = false;
    const socket = new MemorySocket(request.remoteAddress ?? '127.0.0.1', () => {
      if (settled) return;
      settled = true;
      try {
        resolve(parseResponse(Buffer.concat(socket.written), method === 'HEAD'));
      } catch (error) {
        reject(error);
      }
    });
    server.emit('connection', socket);
    socket.push(head);
    if (payload !== undefined && payload.length > 0) socket.push(payload);
  });
}

function parseResponse(raw: Buffer, head: boolean): InjectResponse {
  let offset = 0;
  // Skip interim 1xx responses (100 Continue, 103 Early Hints).
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', offset);
    if (end === -1) throw new Error('inject: the server closed the connection without a complete response');
    const lines = raw.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    offset = end + 4;
    if (status >= 100 && status < 200) continue;
    const headers: IncomingHttpHeaders = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers[name];
      if (previous === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
      else if (Array.isArray(previous)) previous.push(value);
      else headers[name] = `${previous}, ${value}`;
    }
    let body = raw.subarray(offset);
    if (head || status === 204 || status === 304) body = Buffer.alloc(0);
    else if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) body = dechunk(body);
    else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
    return {
      status,
      headers,
      body,
      text: () => body.toString('utf8'),
      json: <T>() => JSON.parse(body.toString('utf8')) as T,
    };
  }
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
