import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { fromNodeReadable, fromNodeWritable, fromWeb, pipeline, Readable as WeftReadable } from '@weft/streams';
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
  return body instanceof Readable ? pipeNode(res, body) : stream(res, toSource(body));
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

/** A body to stream, as `pipeline` takes it: a weft `Readable`, or an (async) iterable it pulls one item at a time. */
type StreamSource = WeftReadable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

function toSource(body: Exclude<ResponseBody, string | Uint8Array | null>): StreamSource {
  if (body instanceof WeftReadable) return body as WeftReadable<Uint8Array | string>;
  if (isNodeReadableLike(body)) return fromNodeReadable<Uint8Array | string>(body);
  if (isWebStream(body)) return fromWeb(body, { bytes: true });
  // An async iterable (a generator): the pipeline pulls one item at a time, so it is never read ahead of the socket.
  return body;
}

function isWebStream(body: object): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream).getReader === 'function' && typeof (body as ReadableStream).tee === 'function';
}

function isNodeReadableLike(body: object): body is NodeJS.ReadableStream {
  return (
    typeof (body as NodeJS.ReadableStream).pipe === 'function' &&
    typeof (body as NodeJS.ReadableStream).pause === 'function' &&
    typeof (body as NodeJS.ReadableStream).on === 'function'
  );
}

/**
 * Streams `source` (a weft `Readable`, a Web stream, an async iterable) into the response with `@weft/streams`: the
 * response is wrapped with `fromNodeWritable`, which waits for `'drain'` whenever `res.write()` returns false, and
 * `pipeline` reads the source only as fast as that lets it, so a slow client costs at most the highWaterMarks of the
 * source, the wrapper and the socket. A client that leaves destroys the source; a failing source destroys the
 * response (its status line is out already). Settles (never rejects) once either is over.
 */
function stream(res: ServerResponse, source: StreamSource): Promise<void> {
  return pipeline(source, fromNodeWritable<Uint8Array | string>(res)).then(undefined, () => {
    if (!res.destroyed) res.destroy();
  });
}

/**
 * Pipes a Node `Readable` (a proxied upstream body, a file) straight into the response: Node to Node needs no
 * adapter, and `pipe()` honours the same backpressure (it pauses the source while `res.write()` returns false and
 * resumes it on `'drain'`). Measured on the proxy, wrapping an undici body and the response in `@weft/streams`
 * cost 60–80 µs of CPU per request more than this (about 20 µs with undici alone, after the streams fixes of the
 * same change; the rest came with the server's load). A client that leaves destroys the source; a failing source
 * destroys the response. Settles (never rejects) once either is over; `stream.pipeline` would do the same with an
 * AbortController and an AbortError per response.
 */
function pipeNode(res: ServerResponse, source: Readable): Promise<void> {
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
