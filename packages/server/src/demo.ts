import { sleep } from '@weft/reactor';
import { createGateway, type GatewayConfig } from './config';
import { type App, createServer, type ServerAddress } from './server';

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Gateway port; default 3000. */
  port?: number;
  /** Interface of both servers; default 127.0.0.1. */
  host?: string;
  /** Demo upstream port; default 0 (a free one). */
  upstreamPort?: number;
  /** Request logs on stdout; default true. */
  logger?: boolean;
  /**
   * A Redis URL: the gateway then publishes its bus events (`request.limited`, `breaker.stateChange`) with Redis
   * pub/sub, so that `weft demo-subscriber --redis <url>` in another process prints them. Default: the in-process
   * memory transport.
   */
  redis?: string;
}

/** A running demo: the gateway, its upstream, the URLs to try, and how to stop both. */
export interface Demo {
  gateway: App;
  upstream: App;
  gatewayAddress: ServerAddress;
  upstreamAddress: ServerAddress;
  /** What to try, one line each: a curl command and what it shows. */
  tries: string[];
  close(): Promise<void>;
}

/**
 * The demo upstream: answers `/hello`, and can be made slow or failing through its own endpoints so that the gateway's
 * retries, timeouts and circuit breaker can be watched at work.
 */
export function createDemoUpstream(): App {
  let failing = false;
  let delayMs = 0;
  const upstream = createServer({ rateLimit: false, loadShedding: false, operations: false });
  upstream.use(async (ctx, next) => {
    if (ctx.path.startsWith('/admin/')) return next();
    if (delayMs > 0) await sleep(delayMs, { signal: ctx.signal });
    if (failing) {
      ctx.json({ error: 'the demo upstream is failing on purpose' }, 503);
      return;
    }
    return next();
  });
  upstream.get('/hello', (ctx) => ({ hello: 'from the demo upstream', query: ctx.query }));
  upstream.get('/slow', async (ctx) => {
    const ms = Math.min(Number(ctx.query.ms ?? 1_000) || 0, 60_000);
    await sleep(ms, { signal: ctx.signal });
    return { sleptMs: ms };
  });
  upstream.get('/stream', (ctx) => {
    const mb = Math.min(Number(ctx.query.mb ?? 10) || 1, 1_024);
    const chunk = Buffer.alloc(64 * 1024, 'w');
    ctx.set('content-type', 'application/octet-stream');
    ctx.send(
      (async function* () {
        for (let i = 0; i < mb * 16; i++) yield chunk;
      })(),
    );
  });
  upstream.post('/echo', async (ctx) => ({ received: await ctx.body.json() }));
  upstream.get('/admin/fail', () => {
    failing = true;
    return { failing };
  });
  upstream.get('/admin/recover', () => {
    failing = false;
    delayMs = 0;
    return { failing, delayMs };
  });
  upstream.get('/admin/slow', (ctx) => {
    delayMs = Math.min(Number(ctx.query.ms ?? 3_000) || 0, 60_000);
    return { delayMs };
  });
  return upstream;
}

/** The gateway's config for an upstream at `upstreamUrl`. */
export function demoConfig(upstreamUrl: string, logger: boolean, redis?: string): GatewayConfig {
  return {
    logger,
    bus: { transport: redis === undefined ? 'memory' : { redisPubSub: redis }, name: 'weft-demo', publishEvents: true },
    rateLimit: { limit: 20, windowMs: 10_000 },
    loadShedding: { maxDelayMs: 100 },
    upstreams: {
      demo: {
        url: upstreamUrl,
        timeoutMs: 2_000,
        breaker: { failureRateThreshold: 0.5, minimumCalls: 4, windowSize: 10, openDurationMs: 10_000 },
        retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 200 },
      },
    },
    routes: [
      { path: '/', response: { body: { weft: 'demo gateway', try: 'see the terminal for the URLs' } } },
      { method: '*', path: '/api/*', proxy: { upstream: 'demo', rewrite: { stripPrefix: '/api' } } },
    ],
  };
}

/** Starts the demo upstream and the gateway in front of it. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const host = options.host ?? '127.0.0.1';
  const upstream = createDemoUpstream();
  const upstreamAddress = await upstream.listen({ port: options.upstreamPort ?? 0, host });
  const gateway = createGateway(demoConfig(upstreamAddress.url, options.logger ?? true, options.redis));
  // Blocks the gateway's event loop, so that load shedding can be watched from a second terminal.
  gateway.get('/block', (ctx) => {
    const ms = Math.min(Number(ctx.query.ms ?? 500) || 0, 10_000);
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // busy on purpose
    }
    return { blockedMs: ms };
  });
  let gatewayAddress: ServerAddress;
  try {
    gatewayAddress = await gateway.listen({ port: options.port ?? 3000, host });
  } catch (error) {
    await upstream.close();
    throw error;
  }
  const g = gatewayAddress.url;
  const u = upstreamAddress.url;
  const tries = [
    `curl -i ${g}/api/hello                  # proxied to the demo upstream`,
    `curl -i ${g}/api/slow?ms=3000           # upstream slower than the 2 s timeout: 504`,
    `curl -N ${g}/api/stream?mb=100 -o /dev/null  # 100 MB streamed through with backpressure`,
    `for i in $(seq 25); do curl -s -o /dev/null -w '%{http_code} ' ${g}/api/hello; done  # 429 after 20 in 10 s`,
    `curl ${u}/admin/fail && for i in $(seq 8); do curl -s -o /dev/null -w '%{http_code} ' ${g}/api/hello; done  # upstream fails: retried, then 503s`,
    `curl ${u}/admin/recover                 # the upstream is healthy again`,
    `curl ${g}/block?ms=2000 & sleep 0.5; curl -i ${g}/api/hello  # blocked loop: the next request is shed (503)`,
    `curl ${g}/healthz ${g}/readyz; curl ${g}/metrics`,
  ];
  return {
    gateway,
    upstream,
    gatewayAddress,
    upstreamAddress,
    tries,
    async close() {
      await gateway.close();
      await upstream.close();
    },
  };
}
