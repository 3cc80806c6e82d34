// Test support (not exported): a worker process for cluster-store.test.ts. Its limiters keep no counts of their
// own: every decision is made by the primary (the test process) over IPC.
import { type Algorithm, ClusterStore, ipcChannel, RateLimiter } from './index';

const store = new ClusterStore(ipcChannel());
const limiters = new Map<string, RateLimiter>();
const errors: string[] = [];

interface Command {
  command: 'consume' | 'peek' | 'reset';
  key: string;
  times?: number;
  algorithm?: Algorithm;
  limit?: number;
  storeTimeoutMs?: number;
}

function limiterFor({ algorithm = 'token-bucket', limit = 5, storeTimeoutMs = 5_000 }: Command): RateLimiter {
  const id = `${algorithm}/${limit}/${storeTimeoutMs}`;
  let limiter = limiters.get(id);
  if (limiter === undefined) {
    limiter = new RateLimiter({ algorithm, limit, windowMs: 60_000, store, onStoreError: 'deny', storeTimeoutMs });
    limiter.on('error', (error) => errors.push(error.message));
    limiters.set(id, limiter);
  }
  return limiter;
}

process.on('message', async (message: Command | Record<string, unknown>) => {
  if (!('command' in message)) return;
  const command = message as Command;
  const limiter = limiterFor(command);
  if (command.command === 'reset') {
    await limiter.reset(command.key);
    process.send?.({ results: [], errors: errors.splice(0) });
    return;
  }
  const calls = Array.from({ length: command.times ?? 1 }, () =>
    command.command === 'peek' ? limiter.peek(command.key) : limiter.consume(command.key),
  );
  const results = await Promise.all(calls);
  process.send?.({ results, errors: errors.splice(0) });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
