import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ResponseBody } from './context';
import type { ProblemResponse } from './errors';

/**
 * Writes the status, headers and body of a response. `contentType` (what `json`/`send` chose) and the `deferred`
 * headers (a flat name/value list) go out with the status line unless a header of the same name was set with
 * `setHeader`. A whole body is written with one `writeHead` and one `end`; returns undefined then, and a promise
 * settling when a streamed body has finished (or failed: then the response is destroyed, since its status line has
 * gone out already).
 */
export function writeBody(
  res: ServerResponse,
  status: number,
  body: ResponseBody | undefined,
  contentType: string | undefined,
  deferred: readonly string[] | undefined,
): Promise<void> | undefined {
  if (body === undefined || body === null) {
    res.writeHead(status, headerList(res, contentType, deferred, -1));
    res.end();
    return undefined;
  }
  if (typeof body === 'string') {
    res.writeHead(status, headerList(res, contentType, deferred, Buffer.byteLength(body)));
    res.end(body);
    return undefined;
  }
  if (body instanceof Uint8Array) {
    res.writeHead(status, headerList(res, contentType, deferred, body.byteLength));
    res.end(body);
    return undefined;
  }
  // A failing stream destroys the response anyway, so its head may be stored now (it goes out with the first chunk).
  res.writeHead(status, headerList(res, contentType, deferred, -1));
  return stream(res, toNodeReadable(body));
}

/** The headers `writeHead` adds to those set with `setHeader`: a flat list, as Node takes it without copying. */
function headerList(
  res: ServerResponse,
  contentType: string | undefined,
  deferred: readonly string[] | undefined,
  length: number,
): (string | number)[] {
  const list: (string | number)[] = [];
  if (deferred !== undefined) {
    for (let i = 0; i < deferred.length; i += 2) {
      const name = deferred[i] as string;
      if (!res.hasHeader(name)) list.push(name, deferred[i + 1] as string);
    }
  }
  if (contentType !== undefined && !res.hasHeader('content-type')) list.push('content-type', contentType);
  if (length >= 0) list.push('content-length', length);
  return list;
}

function toNodeReadable(body: Exclude<ResponseBody, string | Uint8Array | null>): Readable {
  if (body instanceof Readable) return body;
  if (isWebStream(body)) return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  if (isNodeReadableLike(body)) return new Readable().wrap(body);
  // Readable.from pulls one item at a time, so a lazy source is never read ahead of the socket.
  return Readable.from(body, { objectMode: false });
}

function isWebStream(body: object): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream).getReader === 'function' && typeof (body as ReadableStream).tee === 'function';
}

function isNodeReadableLike(body: object): body is NodeJS.ReadableStream {
  return (
    typeof (body as NodeJS.ReadableStream).pipe === 'function' &&
    typeof (body as NodeJS.ReadableStream).on === 'function'
  );
}

/**
 * Pipes `source` into the response: `pipe()` stops reading while `res.write()` returns false and resumes on
 * 'drain', so a slow client costs at most the socket's and the response's highWaterMark. A client that leaves
 * destroys the source; a failing source destroys the response (its status line is out). Settles once either is
 * over. (`stream.pipeline` would do the same with an AbortController and an AbortError per response.)
 */
function stream(res: ServerResponse, source: Readable): Promise<void> {
  return new Promise<void>((resolve) => {
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      source.off('error', onSourceError);
      res.off('close', onClose);
      res.off('finish', settle);
      resolve();
    };
    const onSourceError = (error: Error) => {
      source.unpipe(res);
      if (!res.destroyed) res.destroy(error);
      settle();
    };
    const onClose = () => {
      if (!res.writableFinished) source.destroy();
      settle();
    };
    source.on('error', onSourceError);
    res.on('close', onClose);
    res.on('finish', settle);
    source.pipe(res);
  });
}

const problemType = 'application/problem+json; charset=utf-8';

/**
 * Writes an RFC 9457 problem response, replacing whatever headers had been set. The headers go out with one
 * `writeHead` and a flat list (cheaper than a `setHeader` each), so that a shed or rate-limited request costs little.
 */
export function writeProblem(res: ServerResponse, problem: ProblemResponse, close: boolean): void {
  const text = JSON.stringify(problem.body);
  const list: (string | number | readonly string[])[] = [];
  const { headers } = problem;
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      const lower = name.toLowerCase();
      // Written below, once each.
      if (lower === 'content-type' || lower === 'content-length' || (close && lower === 'connection')) continue;
      list.push(name, headers[name] as string | number | readonly string[]);
    }
  }
  list.push('content-type', problemType, 'content-length', Buffer.byteLength(text));
  if (close) list.push('connection', 'close');
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(problem.status, list as (string | number | string[])[]);
  res.end(text);
}
