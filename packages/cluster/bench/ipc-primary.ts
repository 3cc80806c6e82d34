// Benchmark primary: runs one worker of ipc-worker.ts and answers its requests with a RateLimiterMemory, either
// through @weft/cluster's handle() or through rate-limiter-flexible's RateLimiterClusterMaster.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { RateLimiterClusterMaster, RateLimiterMemory } from 'rate-limiter-flexible';
import { supervise } from '../src/index';

const mode = process.argv[2] === 'weft' ? 'weft' : 'rlf';
const sup = supervise({
  workers: 1,
  exec: fileURLToPath(new URL('./ipc-worker.ts', import.meta.url)),
  env: { BENCH_MODE: mode, BENCH_DURATION_MS: process.argv[3] ?? '2000' },
  readyWhen: 'ready',
  readyTimeoutMs: 60_000,
  signals: false,
});
if (mode === 'weft') {
  const limiter = new RateLimiterMemory({ keyPrefix: 'bench', points: 1e9, duration: 60 });
  sup.handle<{ type: 'consume'; key: string }>('consume', ({ key }) =>
    limiter.consume(key).then((res) => ({ remainingPoints: res.remainingPoints, msBeforeNext: res.msBeforeNext })),
  );
} else {
  new RateLimiterClusterMaster();
}
cluster.on('message', (_worker, message: { bench?: unknown }) => {
  if (message?.bench === undefined) return;
  process.stdout.write(`${JSON.stringify(message.bench)}\n`);
  void sup.shutdown();
});
