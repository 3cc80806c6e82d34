import { once } from 'node:events';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Readable as WeftReadable } from '@weft/streams';
import { expect, it } from 'vitest';
import { start, testApp } from './test-helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveBytes = () => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

it('streams 50 MB to a slowly reading client while keeping server memory growth under 16 MB', async () => {
  const totalBytes = 50 * 1024 * 1024;
  const chunkBytes = 64 * 1024;
  let produced = 0;
  let received = 0;
  let maxAhead = 0;
  let maxGrowth = 0;
  const app = testApp();
  app.get('/big', (ctx) => {
    ctx.send(
      Readable.from(
        (function* () {
          for (let i = 0; produced < totalBytes; i++) {
            if (i % 50 === 0) maxGrowth = Math.max(maxGrowth, liveBytes() - baseline);
            produced += chunkBytes;
            maxAhead = Math.max(maxAhead, produced - received);
            yield Buffer.alloc(chunkBytes, i & 0xff);
          }
        })(),
      ),
    );
  });
  const { port } = new URL(await start(app));
  const baseline = liveBytes();

  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // A slow reader: a pause after every chunk, so the producer must wait for it.
      socket.pause();
      setTimeout(() => socket.resume(), 1);
    });
    socket.on('end', () => resolve());
    socket.on('error', reject);
  });
  socket.write('GET /big HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
  await done;

  expect(produced).toBe(totalBytes);
  expect(received).toBeGreaterThan(totalBytes);
  expect(maxAhead).toBeLessThan(16 * 1024 * 1024);
  expect(maxGrowth).toBeLessThan(16 * 1024 * 1024);
}, 20_000);

it('cuts the connection when a streamed body fails midway, and reports the error', async () => {
  const app = testApp();
  const errors: unknown[] = [];
  app.events.on('error', (error) => errors.push(error));
  const completed: number[] = [];
  app.events.on('response', (ctx) => completed.push(ctx.res.statusCode));
  app.get('/broken', (ctx) => {
    ctx.send(
      new Readable({
        read() {
          if (this.readableLength === 0 && !this.destroyed) this.push('first part;');
          setTimeout(() => this.destroy(new Error('disk gone')), 20);
        },
      }),
    );
  });
  const base = await start(app);
  const res = await fetch(`${base}/broken`);
  expect(res.status).toBe(200);
  await expect(res.text()).rejects.toThrow();
  await expect.poll(() => completed).toEqual([200]);
  expect(errors.map((e) => (e as Error).message)).toEqual(['disk gone']);
});

it('destroys the source and aborts ctx.signal when the client leaves during a streamed body', async () => {
  const app = testApp();
  let destroyed = false;
  let reason: unknown;
  app.get('/endless', (ctx) => {
    ctx.signal.addEventListener('abort', () => {
      reason = ctx.signal.reason;
    });
    ctx.send(
      new Readable({
        read() {
          this.push(Buffer.alloc(16 * 1024, 1));
        },
        destroy(error, callback) {
          destroyed = true;
          callback(error);
        },
      }),
    );
  });
  const base = await start(app);
  const { port } = new URL(base);
  const socket = connect(Number(port), '127.0.0.1');
  socket.write('GET /endless HTTP/1.1\r\nHost: test\r\n\r\n');
  await once(socket, 'data');
  socket.destroy();
  await expect.poll(() => destroyed).toBe(true);
  await expect.poll(() => app.inflight).toBe(0);
  expect(reason).toMatchObject({ reason: 'disconnect' });
});

it('reads a @weft/streams body only as fast as a slow client takes it, and destroys it when the client leaves', async () => {
  const chunkBytes = 64 * 1024;
  let produced = 0;
  let received = 0;
  let maxAhead = 0;
  let destroyed = false;
  const app = testApp();
  app.get('/weft', (ctx) => {
    ctx.send(
      new WeftReadable<Buffer>({
        bytes: true,
        read() {
          produced += chunkBytes;
          maxAhead = Math.max(maxAhead, produced - received);
          this.push(Buffer.alloc(chunkBytes, 7));
        },
        destroy() {
          destroyed = true;
        },
      }),
    );
  });
  const { port } = new URL(await start(app));
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    socket.pause();
    setTimeout(() => socket.resume(), 1);
  });
  socket.write('GET /weft HTTP/1.1\r\nHost: test\r\n\r\n');
  await expect.poll(() => received, { timeout: 10_000 }).toBeGreaterThan(8 * 1024 * 1024);
  // The endless source never got more than the buffers' worth (the kernel's socket buffers are most of it) ahead of
  // what the client had read; without backpressure it would have produced gigabytes by now.
  expect(maxAhead).toBeLessThan(16 * 1024 * 1024);
  socket.destroy();
  await expect.poll(() => destroyed).toBe(true);
  await expect.poll(() => app.inflight).toBe(0);
}, 20_000);
