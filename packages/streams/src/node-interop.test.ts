import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable as NodeReadable, Writable as NodeWritable } from 'node:stream';
import { pipeline as nodePipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { PrematureCloseError } from './errors';
import { fromNodeReadable, fromNodeWritable, toNodeReadable, toNodeWritable } from './node-interop';
import { pipeline } from './pipeline';
import { Readable } from './readable';
import { Writable } from './writable';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function get(port: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/' }, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** `count` chunks of 16 KiB with distinct content. */
function* chunks(count: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(16 * 1024, i % 251);
}

function sha(buffers: Iterable<Buffer>): string {
  const hash = createHash('sha256');
  for (const b of buffers) hash.update(b);
  return hash.digest('hex');
}

/** Waits (bounded) until `read()` stops changing across a few event-loop turns. */
async function settle(read: () => number, maxMs = 5_000): Promise<number> {
  const deadline = performance.now() + maxMs;
  let last = -1;
  let stableTurns = 0;
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = read();
    stableTurns = now === last ? stableTurns + 1 : 0;
    last = now;
    if (stableTurns >= 5) break;
  }
  return last;
}

describe('fromNodeWritable into a real http.ServerResponse', () => {
  it('streams a weft Readable to a real client on 127.0.0.1 intact', async () => {
    const port = await listen((_req, res) => {
      void pipeline(Readable.from(chunks(64), { bytes: true }), fromNodeWritable<Buffer>(res));
    });
    const body = await readAll(await get(port));
    expect(body.length).toBe(64 * 16 * 1024);
    expect(sha([body])).toBe(sha(chunks(64)));
  });

  it('a client that stops reading pauses the producer, and its disconnect destroys the pipeline', async () => {
    let produced = 0;
    let cleanedUp = false;
    function* endless() {
      try {
        for (;;) {
          produced++;
          yield Buffer.alloc(64 * 1024);
        }
      } finally {
        cleanedUp = true;
      }
    }
    let outcome: Promise<unknown> = Promise.resolve();
    const port = await listen((_req, res) => {
      outcome = pipeline(Readable.from(endless(), { bytes: true }), fromNodeWritable<Buffer>(res)).catch(
        (e: unknown) => e,
      );
    });
    const res = await get(port);
    res.pause(); // a slow client: reads nothing
    const stalledAt = await settle(() => produced);
    // Bounded by the kernel socket buffers plus the highWaterMarks, nowhere near unbounded.
    expect(stalledAt).toBeLessThan(1024); // < 64 MiB
    res.destroy();
    const error = await outcome;
    expect(error).toBeInstanceOf(PrematureCloseError);
    expect(cleanedUp).toBe(true);
  });

  it('batched writes (writev) into a chunked response keep flowing to the end (no drain lost)', async () => {
    // Writes queued while one is in flight reach the response together. Node 22+ buffers writes to a corked,
    // chunked response itself and can report "wait for drain" for them without ever emitting 'drain': the
    // wrapper must not cork. Many rounds, so the socket's synchronous completions that expose it happen.
    const rounds = 16;
    const perRound = 32;
    const port = await listen((_req, res) => {
      const sink = fromNodeWritable<Buffer>(res);
      let round = 0;
      const burst = () => {
        // A burst of writes in one turn: the first goes out, the rest queue and are flushed as one batch.
        for (let i = 0; i < perRound; i++) sink.write(Buffer.alloc(64 * 1024, (round + i) % 251));
        if (++round === rounds) sink.end();
        else sink.once('drain', burst);
      };
      burst();
    });
    const res = await get(port);
    let length = 0;
    for await (const part of res) length += (part as Buffer).length;
    expect(length).toBe(rounds * perRound * 64 * 1024);
  });

  it('toNodeReadable(weft).pipe(res) honours the response backpressure too', async () => {
    const port = await listen((_req, res) => {
      toNodeReadable(Readable.from(chunks(32), { bytes: true })).pipe(res);
    });
    const body = await readAll(await get(port));
    expect(sha([body])).toBe(sha(chunks(32)));
  });
});

describe('Node interop round trips', () => {
  it('weft → toNodeReadable → fromNodeReadable → weft keeps every object in order', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ i }));
    const back = fromNodeReadable<{ i: number }>(toNodeReadable(Readable.from(items)));
    const out: { i: number }[] = [];
    for await (const item of back) out.push(item);
    expect(out).toEqual(items);
  });

  it('fromNodeReadable counts bytes for a byte stream and stays within its highWaterMark', async () => {
    const node = NodeReadable.from(chunks(20), { objectMode: false });
    const weft = fromNodeReadable<Buffer>(node, { highWaterMark: 64 * 1024 });
    expect(weft.readableObjectMode).toBe(false);
    let max = 0;
    const parts: Buffer[] = [];
    for await (const part of weft) {
      max = Math.max(max, weft.readableLength);
      parts.push(part);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sha(parts)).toBe(sha(chunks(20)));
    expect(max).toBeLessThanOrEqual(64 * 1024);
  });

  it('a Node source error reaches the weft consumer', async () => {
    const boom = new Error('disk on fire');
    const node = new NodeReadable({
      read() {
        this.destroy(boom);
      },
    });
    const loop = async () => {
      for await (const _ of fromNodeReadable(node)) {
        // nothing
      }
    };
    await expect(loop()).rejects.toBe(boom);
  });

  it('Node pipeline into toNodeWritable(weft) delivers in order and waits for the weft finish', async () => {
    const seen: number[] = [];
    let finalRan = false;
    const sink = new Writable<number>({
      highWaterMark: 2,
      async write(n) {
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(n);
      },
      final: () => {
        finalRan = true;
      },
    });
    await nodePipeline(NodeReadable.from([1, 2, 3, 4, 5]), toNodeWritable(sink));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(finalRan).toBe(true);
  });

  it('a weft sink error rejects the Node pipeline', async () => {
    const boom = new Error('sink failed');
    const sink = new Writable<number>({
      write(n) {
        if (n === 3) throw boom;
      },
    });
    await expect(nodePipeline(NodeReadable.from([1, 2, 3, 4]), toNodeWritable(sink))).rejects.toBe(boom);
    expect(sink.destroyed).toBe(true);
  });

  it('fromNodeWritable waits for drain and forwards the Node stream error', async () => {
    const boom = new Error('broken pipe');
    let calls = 0;
    const node = new NodeWritable({
      highWaterMark: 1,
      objectMode: true,
      write(_chunk, _enc, callback) {
        calls++;
        if (calls === 3) callback(boom);
        else setImmediate(callback);
      },
    });
    const weft = fromNodeWritable<number>(node);
    expect(weft.writableObjectMode).toBe(true);
    await expect(pipeline([1, 2, 3, 4, 5], weft)).rejects.toBe(boom);
    expect(weft.destroyed).toBe(true);
    expect(calls).toBeLessThan(5); // Node may have started the write after the failing one; never the rest
  });

  it('fromNodeWritable finishes after the Node stream finished, and fails when its final step fails', async () => {
    const log: string[] = [];
    const ok = new NodeWritable({
      write(_chunk, _enc, callback) {
        log.push('write');
        callback();
      },
      final(callback) {
        setImmediate(() => {
          log.push('final');
          callback();
        });
      },
    });
    const weft = fromNodeWritable<Buffer>(ok);
    weft.on('finish', () => log.push('weft finish'));
    await pipeline([Buffer.from('a')], weft);
    expect(log).toEqual(['write', 'final', 'weft finish']);
    expect(ok.writableFinished).toBe(true);

    const flush = new Error('flush failed');
    const failing = new NodeWritable({
      write(_chunk, _enc, callback) {
        callback();
      },
      final(callback) {
        setImmediate(() => callback(flush));
      },
    });
    await expect(pipeline([Buffer.from('a')], fromNodeWritable<Buffer>(failing))).rejects.toBe(flush);
  });

  it('fromNodeReadable buffers at most its highWaterMark before it is read', async () => {
    let produced = 0;
    const node = new NodeReadable({
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024));
      },
    });
    const weft = fromNodeReadable<Buffer>(node, { highWaterMark: 8 * 1024 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The weft buffer (8 KiB) and Node's own (its highWaterMark: 16 KiB on Node 20, 64 KiB from Node 22), and
    // nothing more while nobody reads.
    expect(weft.readableLength).toBeLessThanOrEqual(8 * 1024);
    expect(produced).toBeLessThanOrEqual(8 * 1024 + node.readableHighWaterMark + 2 * 1024);
    expect(produced).toBeGreaterThan(0);
    weft.destroy();
  });

  it('rejects non-streams with a TypeError', () => {
    expect(() => toNodeReadable({} as never)).toThrow(/source: expected a weft Readable or Transform/);
    expect(() => fromNodeWritable(42 as never)).toThrow(/node: expected a node:stream Writable, got 42/);
  });
});
