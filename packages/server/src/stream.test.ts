import { once } from 'node:events';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
