// Test support (not exported, not built): the shared redis-server harness with the ioredis clients these tests use.
import { Redis } from 'ioredis';
import {
  type RedisServerOptions,
  type RedisServer as Server,
  startRedisServer,
} from '../../../tools/testing/redis-server';

/** A real redis-server on 127.0.0.1 and a free port, with clients that reconnect quickly. */
export interface RedisServer extends Server {
  /** Disconnects the clients made by {@link RedisServer.client}, stops the server and deletes its data. */
  stop(): Promise<void>;
  /** A new ioredis client that reconnects quickly (disconnected by `stop()`). */
  client(): Redis;
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const server = await startRedisServer(options);
  const clients: Redis[] = [];
  return {
    ...server,
    async stop() {
      for (const client of clients.splice(0)) client.disconnect();
      await server.stop();
    },
    client() {
      const client = new Redis({
        port: server.port,
        host: '127.0.0.1',
        retryStrategy: () => 50,
        maxRetriesPerRequest: null,
      });
      // Connection errors while the server is down are expected (the client reconnects); commands still reject.
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
  };
}

/** Resolves once `condition()` is true, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
