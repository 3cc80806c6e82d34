// Test support (not exported): real Express apps using expressRateLimit, run in a child process by
// middleware.test.ts; virtual time is advanced over IPC.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Reactor } from '@weft/reactor';
import express from 'express';
import { expressRateLimit } from './middleware';
import { RateLimiter } from './rate-limiter';

const reactor = new Reactor();

const basic = express();
basic.use(
  expressRateLimit(new RateLimiter({ algorithm: 'fixed-window', limit: 2, windowMs: 60_000, clock: reactor }), {
    headers: { standard: 'draft-7' },
  }),
);
basic.get('/', (_req, res) => {
  res.send('ok');
});

const proxied = express();
proxied.set('trust proxy', 'loopback');
proxied.use(expressRateLimit(new RateLimiter({ limit: 1, windowMs: 60_000, clock: reactor }), { headers: false }));
proxied.get('/', (_req, res) => {
  res.send('ok');
});

const custom = express();
custom.use(
  expressRateLimit(new RateLimiter({ limit: 1, windowMs: 60_000, clock: reactor }), {
    key: (req) => {
      if (req.headers['x-user'] === undefined) throw new Error('no user');
      return String(req.headers['x-user']);
    },
    skip: (req) => req.url === '/health',
    onLimited: (_req, res, result) => {
      res.statusCode = 503;
      res.end(`slow down ${result.retryAfterMs}`);
    },
  }),
);
custom.get('/{*any}', (_req, res) => {
  res.send('ok');
});
custom.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(400).send(error.message);
});

async function listen(app: express.Express): Promise<number> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

process.on('message', (message: { advanceMs?: number }) => {
  reactor.advance(message.advanceMs ?? 0);
  process.send?.({ now: reactor.now() });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ basic: await listen(basic), proxied: await listen(proxied), custom: await listen(custom) });
