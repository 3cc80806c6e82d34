// Benchmark child for ipc.bench.ts: answers @weft/cluster requests, and raw tagged messages for the baseline.
import { worker } from '../src/index';

worker.handle<{ type: 'echo'; n: number }>('echo', ({ n }) => n);
process.on('message', (message: { raw?: number }) => {
  if (message.raw !== undefined) process.send?.({ rawReply: message.raw });
});
process.send?.({ up: true });
