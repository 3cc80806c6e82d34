/** A real redis-server on 127.0.0.1 that scenarios can kill and restart on the same port; and ioredis clients. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ScenarioContext } from './harness';
import { freePort } from './http';
import { type Proc, repoRoot, startProcess } from './proc';

/** The parts of an ioredis client the suite uses. */
export interface RedisClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  duplicate(): RedisClient;
  hincrby(key: string, field: string, by: number): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

type RedisConstructor = new (port: number, host: string, options?: Record<string, unknown>) => RedisClient;

/** ioredis 6, a devDependency of @weft/bus and @weft/server. */
export const Redis: RedisConstructor = (
  createRequire(join(repoRoot, 'packages', 'bus', 'package.json'))('ioredis') as { Redis: RedisConstructor }
).Redis;

/** A redis-server the scenario owns. */
export class RedisServer {
  readonly port: number;
  #proc: Proc | undefined;
  readonly #ctx: ScenarioContext;

  private constructor(ctx: ScenarioContext, port: number) {
    this.#ctx = ctx;
    this.port = port;
  }

  /** Starts one on a free port, without persistence. */
  static async start(ctx: ScenarioContext): Promise<RedisServer> {
    const server = new RedisServer(ctx, await freePort());
    ctx.defer(() => server.kill());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** (Re)starts it on its port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.#proc = startProcess(`redis-server:${this.port}`, '/usr/bin/redis-server', args);
    await this.#proc.waitFor(/Ready to accept connections/, 10_000);
  }

  /** SIGKILLs it (no goodbye to its clients) and waits for the exit. */
  async kill(): Promise<void> {
    await this.#proc?.kill();
    this.#proc = undefined;
  }

  /** A client of its own (closed with the scenario). */
  client(options: Record<string, unknown> = {}): RedisClient {
    const client = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1, ...options });
    client.on('error', () => {});
    this.#ctx.defer(() => client.disconnect());
    return client;
  }
}
