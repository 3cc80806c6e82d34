import { createServer } from 'node:net';
import { AbortError } from '@weft/reactor';
import { describe, expect, it } from 'vitest';
import { nonRetryable } from './errors';
import { httpShouldRetry } from './http';

function failure(method: string, status: number, headers: Record<string, string> = {}) {
  const request = new Request('http://127.0.0.1/', { method, headers });
  const response = new Response(null, { status });
  return Object.assign(new Error(`HTTP ${status}`), { request, response });
}

/** A real connection-refused error from fetch: a port that was just listened on and closed. */
async function refusedFetchError(): Promise<unknown> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return fetch(`http://127.0.0.1:${port}/`).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('httpShouldRetry', () => {
  it('retries 408, 429, 502, 503 and 504 of an idempotent request', () => {
    for (const status of [408, 429, 502, 503, 504]) {
      expect(httpShouldRetry(failure('GET', status), 1), String(status)).toBe(true);
      expect(httpShouldRetry(failure('PUT', status), 1), String(status)).toBe(true);
    }
  });

  it('does not retry other statuses', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 500, 501, 505]) {
      expect(httpShouldRetry(failure('GET', status), 1), String(status)).toBe(false);
    }
  });

  it('never retries a non-idempotent method without an Idempotency-Key', () => {
    expect(httpShouldRetry(failure('POST', 503), 1)).toBe(false);
    expect(httpShouldRetry({ request: { method: 'patch' }, response: { status: 429 } }, 1)).toBe(false);
    expect(httpShouldRetry(failure('POST', 503, { 'Idempotency-Key': 'order-42' }), 1)).toBe(true);
    expect(
      httpShouldRetry({
        request: { method: 'POST', headers: { 'idempotency-key': 'k' } },
        response: { statusCode: 502 },
      }),
    ).toBe(true);
    expect(
      httpShouldRetry({ request: { method: 'POST', headers: { 'idempotency-key': '' } }, response: { status: 502 } }),
    ).toBe(false);
  });

  it('retries a real network error from fetch for idempotent requests only', async () => {
    const error = await refusedFetchError();
    expect(error).toBeInstanceOf(TypeError);
    expect(httpShouldRetry(error, 1)).toBe(true);
    const withPost = Object.assign(error as Error, { request: new Request('http://127.0.0.1/', { method: 'POST' }) });
    expect(httpShouldRetry(withPost, 1)).toBe(false);
  });

  it('reads a thrown Response and Node-style status codes', () => {
    expect(httpShouldRetry(new Response(null, { status: 503 }))).toBe(true);
    expect(httpShouldRetry(new Response(null, { status: 404 }))).toBe(false);
    expect(httpShouldRetry({ response: { statusCode: 429 } })).toBe(true);
    expect(httpShouldRetry(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('does not retry plain errors, aborts, nonRetryable errors or non-objects', () => {
    expect(httpShouldRetry(new Error('bug'))).toBe(false);
    expect(httpShouldRetry(new AbortError())).toBe(false);
    expect(httpShouldRetry(nonRetryable(failure('GET', 503)))).toBe(false);
    expect(httpShouldRetry('ECONNRESET')).toBe(false);
    expect(httpShouldRetry(null)).toBe(false);
  });
});
