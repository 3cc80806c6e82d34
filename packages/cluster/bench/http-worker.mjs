// Benchmark worker: a hello-world HTTP server, plain JavaScript so a respawn costs what it costs in production.
import { createServer } from 'node:http';

const server = createServer((_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello world');
});
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1');
