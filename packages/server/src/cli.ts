#!/usr/bin/env node
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bus } from '@weft/bus';
import { systemClock } from '@weft/reactor';
import pkg from '../package.json';
import { type ServerBus, serverBus } from './bus';
import { ConfigError, createGateway, isConfigError, loadConfig } from './config';
import { startDemo } from './demo';
import type { App } from './server';

const help = `weft: an HTTP server and API gateway.

Usage:
  weft serve --config <file> [--port <n>] [--host <addr>] [--workers <n|auto>]
  weft demo [--port <n>] [--host <addr>] [--upstream-port <n>] [--redis <url>] [--quiet]
  weft demo-subscriber --redis <url>
  weft --help | --version

Commands:
  serve    Run the gateway a JSON config describes (routes → static responses or upstream proxies,
           with rate limiting, load shedding, timeouts, breakers and retries). The config's JSON Schema
           ships as @weft/server/schema.json; put "$schema" in your file for editor completion.
  demo     Start a demo gateway on 127.0.0.1:3000 and a demo upstream that can be made slow or
           failing, and print curl commands that show rate limiting, retries, timeouts and shedding.
           The gateway publishes request.limited and breaker.stateChange on its event bus: in this
           process without --redis, with Redis pub/sub with --redis (see demo-subscriber).
  demo-subscriber
           Subscribe to the demo gateway's bus events over Redis pub/sub and print them, one line
           each (start 'weft demo --redis <url>' with the same URL).

Options:
  -c, --config <file>        Config file of 'serve' (required there).
  -p, --port <n>             Port to listen on; overrides the config's "port" (default 3000).
      --host <addr>          Interface to bind; overrides the config's "host" (default 127.0.0.1).
  -w, --workers <n|auto>     Cluster mode: n worker processes (auto: one per core) sharing one rate
                             limit, respawned on crashes, reloaded one by one on SIGHUP; overrides
                             the config's "workers" (default: one process, no cluster).
      --upstream-port <n>    Port of the demo upstream (default: a free port).
      --redis <url>          Redis URL (redis://host:port) of the demo's event bus.
  -q, --quiet                No request logs (demo).
  -h, --help                 Show this help.
  -v, --version              Show the version.

Signals: SIGTERM or SIGINT closes gracefully (in-flight requests finish); a second one exits at once.
         SIGHUP, in cluster mode, replaces the workers one by one without dropping requests.
Exit codes: 0 after a graceful close, 1 on a runtime error, 2 on a usage or config error.
`;

class UsageError extends Error {}

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new UsageError(`${flag}: expected a port from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return n;
}

function workers(value: string | undefined): number | 'auto' | undefined {
  if (value === undefined || value === 'auto') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--workers: expected an integer >= 1 or "auto", got ${JSON.stringify(value)}`);
  return n;
}

/** Closes on SIGTERM/SIGINT; a second signal exits at once. */
function closeOnSignals(close: () => Promise<void>): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      process.stderr.write(`weft: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    closing = true;
    process.stderr.write(`weft: ${signal}, closing gracefully (send it again to exit at once)\n`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`weft: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function serve(values: Record<string, string | boolean | undefined>): Promise<void> {
  const file = values.config;
  if (typeof file !== 'string') throw new UsageError('serve: --config <file> is required');
  const config = await loadConfig(file);
  const count = workers(values.workers as string | undefined) ?? config.workers;
  let app: App;
  try {
    app = createGateway(
      { logger: true, ...config, ...(count === undefined ? {} : { workers: count }) },
      { baseDir: dirname(file) },
    );
  } catch (cause) {
    // A bad option the schema could not catch is still the config's fault: exit 2 with the message, no stack.
    if (cause instanceof TypeError || cause instanceof RangeError) {
      throw new ConfigError([(cause as Error).message], file, { cause });
    }
    throw cause;
  }
  const address = await app.listen({
    port: port(values.port as string | undefined, '--port') ?? config.port ?? 3000,
    host: (values.host as string | undefined) ?? config.host ?? '127.0.0.1',
  });
  // In cluster mode the supervisor (primary) and attachWorker (workers) handle the signals.
  if (app.role === 'worker') return;
  const size = app.supervisor?.size;
  process.stdout.write(
    `weft: serving ${file} on ${address.url}${size === undefined ? '' : ` with ${size} worker${size === 1 ? '' : 's'} (SIGHUP reloads them)`}\n`,
  );
  if (app.role === 'single') closeOnSignals(() => app.close());
}

async function demo(values: Record<string, string | boolean | undefined>): Promise<void> {
  const redis = values.redis as string | undefined;
  if (redis !== undefined && !/^rediss?:\/\//.test(redis)) {
    throw new UsageError(`--redis: expected a redis:// URL, got ${JSON.stringify(redis)}`);
  }
  const running = await startDemo({
    ...(redis === undefined ? {} : { redis }),
    port: port(values.port as string | undefined, '--port') ?? 3000,
    host: (values.host as string | undefined) ?? '127.0.0.1',
    upstreamPort: port(values['upstream-port'] as string | undefined, '--upstream-port') ?? 0,
    logger: values.quiet !== true,
  });
  process.stdout.write(
    [
      `weft demo: gateway on ${running.gatewayAddress.url}, demo upstream on ${running.upstreamAddress.url}`,
      'Try, from another terminal:',
      ...running.tries.map((line) => `  ${line}`),
      'Ctrl-C closes gracefully.',
      '',
    ].join('\n'),
  );
  const bus = running.gateway.bus;
  if (redis === undefined && bus !== undefined) {
    // The memory transport cannot cross processes: print the events from here.
    await printBusEvents(bus, 'bus (in process)');
    process.stdout.write(
      "Bus events print here; to receive them in a second process, start with --redis <url> and run 'weft demo-subscriber --redis <url>'.\n",
    );
  }
  closeOnSignals(() => running.close());
}

/** Subscribes to the demo's topics and prints each event as one line. */
async function printBusEvents(bus: Bus, label: string): Promise<void> {
  for (const topic of ['request.limited', 'breaker.stateChange'] as const) {
    await bus.subscribe(topic, (event) => {
      process.stdout.write(`${label}: ${event.topic} ${JSON.stringify(event.payload)}\n`);
    });
  }
}

async function demoSubscriber(values: Record<string, string | boolean | undefined>): Promise<void> {
  const url = values.redis;
  if (typeof url !== 'string') {
    throw new UsageError(
      "demo-subscriber: --redis <url> is required (the in-process memory bus cannot cross processes; start 'weft demo --redis <url>' too)",
    );
  }
  let server: ServerBus;
  try {
    server = serverBus({ transport: { redisPubSub: url }, name: 'weft-demo-subscriber' }, systemClock);
  } catch (error) {
    throw new UsageError((error as Error).message.replace('bus.transport.redisPubSub', '--redis'));
  }
  await server.ready();
  await printBusEvents(server.bus, 'bus');
  process.stdout.write(`weft demo-subscriber: subscribed to request.limited and breaker.stateChange on ${url}\n`);
  closeOnSignals(() => server.close());
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      workers: { type: 'string', short: 'w' },
      'upstream-port': { type: 'string' },
      redis: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return;
  }
  if (values.version) {
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  if (command === 'serve') return serve(values);
  if (command === 'demo') return demo(values);
  if (command === 'demo-subscriber') return demoSubscriber(values);
  throw new UsageError(command === undefined ? 'a command is required' : `unknown command ${JSON.stringify(command)}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`weft: ${(error as Error).message}\nRun 'weft --help' for usage.\n`);
    process.exit(2);
  }
  if (isConfigError(error)) {
    process.stderr.write(`weft: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`weft: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
