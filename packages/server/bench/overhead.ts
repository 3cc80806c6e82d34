/**
 * CPU per request of each server through Node's own HTTP parser and ServerResponse, with no kernel in the way:
 * pipelined batches of `GET /` are pushed into in-memory sockets (10 connections, 50 requests a batch) and the
 * responses counted as they are written. Same contenders as `http.ts` (hello-world JSON), plus raw node:http sending
 * the two RateLimit headers of weft's default protection, which shows what Node itself charges for them. The rounds
 * interleave the servers and the medians are printed; run it pinned (`taskset -c 0`) for steadier figures.
 *
 *   taskset -c 0 node --conditions=source --import tsx packages/server/bench/overhead.ts [requests per round] [rounds]
 */
import { createServer as createNodeServer, type Server } from 'node:http';
import { createServer } from '../src/index';
import { MemorySocket } from '../src/inject';

const payload = { hello: 'world' };
const request =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: bench\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n';
const batchSize = 50;
const batch = Buffer.from(request.repeat(batchSize));

/** A connection in memory (inject's): what the server writes is scanned for status lines, not kept. */
class CountingSocket extends MemorySocket {
  responses = 0;
  #awaited = 0;
  #wake: (() => void) | undefined;

  constructor() {
    super('127.0.0.1', () => {});
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.#count(chunk);
    callback();
  }
  override _writev(chunks: { chunk: Buffer }[], callback: () => void): void {
    for (const { chunk } of chunks) this.#count(chunk);
    callback();
  }

  /** Sends one batch and resolves once all its responses have been written. */
  send(): Promise<void> {
    this.#awaited = this.responses + batchSize;
    const answered = new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.push(batch);
    return answered;
  }

  #count(chunk: Buffer): void {
    const text = chunk.toString('latin1');
    for (let at = text.indexOf('HTTP/1.1 '); at !== -1; at = text.indexOf('HTTP/1.1 ', at + 1)) this.responses++;
    if (this.#wake !== undefined && this.responses >= this.#awaited) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake();
    }
  }
}

async function contenders(): Promise<[string, Server][]> {
  const raw = createNodeServer((_req, res) => {
    const body = JSON.stringify(payload);
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  let remaining = 1_000_000_000;
  const rawHeaders = createNodeServer((_req, res) => {
    const body = JSON.stringify(payload);
    remaining--;
    res.writeHead(200, [
      'RateLimit-Policy',
      '"default";q=1000000000;w=1',
      'RateLimit',
      `"default";r=${remaining};t=1`,
      'content-type',
      'application/json; charset=utf-8',
      'content-length',
      Buffer.byteLength(body),
    ]);
    res.end(body);
  });
  const bare = createServer({ rateLimit: false, loadShedding: false, operations: false });
  bare.get('/', () => payload);
  const guarded = createServer({ rateLimit: { limit: 1_000_000_000, windowMs: 1_000 } });
  for (let i = 0; i < 3; i++) guarded.use((_ctx, next) => next());
  guarded.get('/', () => payload);
  await bare.listen({ port: 0 });
  await guarded.listen({ port: 0 });
  const { default: Fastify } = await import('fastify');
  const fastify = Fastify();
  fastify.get('/', async () => payload);
  await fastify.ready();
  return [
    ['node:http', raw],
    ['node:http + RateLimit headers', rawHeaders],
    ['weft', bare.server],
    ['weft+protection', guarded.server],
    ['fastify', fastify.server],
  ];
}

const requests = Number(process.argv[2] ?? 50_000);
const roundCount = Number(process.argv[3] ?? 12);
const servers = await contenders();
const connections = new Map(
  servers.map(([name, server]) => {
    const sockets = Array.from({ length: 10 }, () => new CountingSocket());
    for (const socket of sockets) server.emit('connection', socket);
    return [name, sockets] as const;
  }),
);
const perRequest = new Map<string, number[]>(servers.map(([name]) => [name, []]));
for (let round = 0; round < roundCount; round++) {
  for (const [name] of servers) {
    const sockets = connections.get(name) as CountingSocket[];
    const batches = Math.ceil(requests / batchSize / sockets.length);
    const before = process.cpuUsage();
    await Promise.all(
      sockets.map(async (socket) => {
        for (let b = 0; b < batches; b++) await socket.send();
      }),
    );
    const used = process.cpuUsage(before);
    // The first two rounds warm the JIT up and are not counted.
    if (round >= 2) perRequest.get(name)?.push((used.user + used.system) / (batches * batchSize * sockets.length));
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const base = median(perRequest.get('node:http') as number[]);
console.log('| server | CPU µs/req (median) | range | per CPU-s vs node:http |');
console.log('| --- | --- | --- | --- |');
for (const [name, values] of perRequest) {
  const m = median(values);
  console.log(
    `| ${name} | ${m.toFixed(2)} | ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)} | ${(base / m).toFixed(2)} |`,
  );
}
console.log(`\n${roundCount - 2} counted rounds of ${requests} requests each; node ${process.version}`);
process.exit(0);
