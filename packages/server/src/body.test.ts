import { Readable } from 'node:stream';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { start, testApp } from './test-helpers';

function echoApp(bodyLimit = 1024) {
  const app = testApp({ bodyLimit });
  app.post('/json', async (ctx) => ({ got: await ctx.body.json() }));
  app.post('/text', async (ctx) => `text:${await ctx.body.text()}`);
  app.post('/bytes', async (ctx) => ({ length: (await ctx.body.buffer()).length }));
  app.post('/small', { bodyLimit: 4 }, async (ctx) => ctx.body.text());
  app.post('/twice', async (ctx) => {
    const a = await ctx.body.text();
    const b = await ctx.body.text();
    return a === b ? 'same' : 'different';
  });
  return app;
}

describe('request bodies', () => {
  it('parses JSON, text and bytes sent by a real client', async () => {
    const base = await start(echoApp());
    const json = await fetch(`${base}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.api+json; charset=utf-8' },
      body: JSON.stringify({ a: [1, 2] }),
    });
    expect(await json.json()).toEqual({ got: { a: [1, 2] } });
    const text = await fetch(`${base}/text`, { method: 'POST', body: 'héllo' });
    expect(await text.text()).toBe('text:héllo');
    const bytes = await fetch(`${base}/bytes`, { method: 'POST', body: new Uint8Array(1000) });
    expect(await bytes.json()).toEqual({ length: 1000 });
    const twice = await fetch(`${base}/twice`, { method: 'POST', body: 'x' });
    expect(await twice.text()).toBe('same');
  });

  it('answers 400 for malformed or empty JSON', async () => {
    const app = echoApp();
    const bad = await app.inject({
      method: 'POST',
      url: '/json',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(bad.status).toBe(400);
    expect(bad.json<{ detail: string }>().detail).toMatch(/^malformed JSON body/);
    const empty = await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
  });

  it('answers 415 for a JSON read of another content type, charset or encoding', async () => {
    const app = echoApp();
    const wrongType = await app.inject({
      method: 'POST',
      url: '/json',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json<{ detail: string }>().detail).toContain('text/plain');
    const missing = await app.inject({ method: 'POST', url: '/json', body: '{}' });
    expect(missing.status).toBe(415);
    const charset = await app.inject({
      method: 'POST',
      url: '/text',
      headers: { 'content-type': 'text/plain; charset=latin1' },
      body: 'x',
    });
    expect(charset.status).toBe(415);
    const gzip = await app.inject({ method: 'POST', url: '/text', headers: { 'content-encoding': 'gzip' }, body: 'x' });
    expect(gzip.status).toBe(415);
  });

  it('answers 413 from Content-Length before reading, and closes the connection', async () => {
    const base = await start(echoApp(1024));
    const res = await request(`${base}/text`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(await res.body.json()).toMatchObject({ status: 413, detail: 'request body larger than 1024 bytes' });
  });

  it('answers 413 when a chunked body grows past the limit while streaming', async () => {
    const base = await start(echoApp(1024));
    async function* chunks() {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(256, 97);
    }
    const res = await request(`${base}/text`, { method: 'POST', body: Readable.from(chunks()) });
    expect(res.statusCode).toBe(413);
    await res.body.dump();
  });

  it('applies a route-level body limit', async () => {
    const app = echoApp();
    expect((await app.inject({ method: 'POST', url: '/small', body: 'abcd' })).text()).toBe('abcd');
    expect((await app.inject({ method: 'POST', url: '/small', body: 'abcde' })).status).toBe(413);
  });
});
