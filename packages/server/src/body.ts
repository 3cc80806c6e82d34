import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors';

const closeHeaders = { connection: 'close' } as const;

/**
 * The request body, read on demand. Each reader enforces the size limit (413, checked against `Content-Length`
 * before reading and against the bytes as they arrive) and the body can be read once: later calls return the same
 * bytes.
 */
export class RequestBody {
  readonly #req: IncomingMessage;
  readonly #limitBytes: number;
  #bytes: Promise<Buffer> | undefined;

  constructor(req: IncomingMessage, limitBytes: number) {
    this.#req = req;
    this.#limitBytes = limitBytes;
  }

  /** The raw bytes. Rejects with 413 beyond the limit. */
  buffer(): Promise<Buffer> {
    this.#bytes ??= readAll(this.#req, this.#limitBytes);
    return this.#bytes;
  }

  /** The body decoded as UTF-8. Rejects with 415 for another declared charset, 413 beyond the limit. */
  async text(): Promise<string> {
    const charset = /;\s*charset="?([^";\s]+)/i.exec(this.#req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
      throw new HttpError(415, `unsupported charset "${charset}": expected utf-8`);
    }
    return (await this.buffer()).toString('utf8');
  }

  /**
   * The body parsed as JSON. Rejects with 415 unless `Content-Type` is `application/json` or `…+json`, with 400 for an
   * empty or malformed body, 413 beyond the limit.
   */
  async json<T = unknown>(): Promise<T> {
    const type = this.#req.headers['content-type'];
    if (!isJsonType(type)) {
      throw new HttpError(
        415,
        `expected Content-Type application/json, got ${type === undefined ? 'none' : `"${type}"`}`,
      );
    }
    const text = await this.text();
    if (text.length === 0) throw new HttpError(400, 'empty JSON body');
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new HttpError(400, `malformed JSON body: ${(cause as Error).message}`, { cause });
    }
  }
}

function isJsonType(type: string | undefined): boolean {
  if (type === undefined) return false;
  const semi = type.indexOf(';');
  const media = (semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, `request body larger than ${limitBytes} bytes`, { headers: closeHeaders });
}

function readAll(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(new HttpError(415, `unsupported Content-Encoding "${encoding}"`));
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) return Promise.reject(tooLarge(limitBytes));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpError(400, 'the request body could not be read', { cause: error }));
    };
    const onClose = () => {
      if (req.readableEnded) return;
      cleanup();
      reject(new HttpError(400, 'the client closed the connection before the body was complete'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
