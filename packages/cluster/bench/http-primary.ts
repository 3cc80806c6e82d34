// Benchmark primary: `workers` hello-world workers on BENCH_PORT. Told 'crash' by the benchmark, it SIGKILLs a worker
// `times` times and reports how long each replacement took from the exit to being ready (zero backoff).
import { fileURLToPath } from 'node:url';
import { constant } from '@weft/retry';
import { supervise } from '../src/index';

const workers = Number(process.argv[2] ?? 1);
const sup = supervise({
  workers,
  exec: fileURLToPath(new URL('./http-worker.mjs', import.meta.url)),
  execArgv: [],
  env: { BENCH_PORT: process.argv[3] ?? '0' },
  restart: { backoff: constant(0), maxRestarts: 100, withinMs: 60_000 },
  signals: false,
  exitProcess: false,
});
await sup.whenReady();
process.send?.({ ready: true });

async function crashTimes(times: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const [victim] = sup.workers();
    const replaced = new Promise<number>((resolve) => {
      let exitedAt = 0;
      const onExit = (w: { pid: number | undefined }) => {
        if (w.pid === victim?.pid) exitedAt = performance.now();
      };
      const onReady = (w: { slot: number }) => {
        if (exitedAt === 0 || w.slot !== victim?.slot) return;
        sup.off('exit', onExit);
        sup.off('ready', onReady);
        resolve(performance.now() - exitedAt);
      };
      sup.on('exit', onExit);
      sup.on('ready', onReady);
    });
    process.kill(victim?.pid as number, 'SIGKILL');
    samples.push(await replaced);
  }
  return samples;
}

process.on('message', async (message: { crash?: number }) => {
  if (message.crash !== undefined) process.send?.({ crashMs: await crashTimes(message.crash) });
  else {
    await sup.shutdown();
    process.exit(0);
  }
});
