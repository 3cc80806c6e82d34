// The primary → worker direction in one vitest process: a request through @weft/cluster's RPC layer vs the bare
// minimum (one tagged process.send each way, matched by id), over the same real IPC channel to a forked child.
// The worker → primary comparison with rate-limiter-flexible needs node:cluster processes: see bench/ipc.ts.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { systemClock } from '../src/clock';
import { RpcPeer } from '../src/rpc';

let child: ChildProcess;
let peer: RpcPeer<string>;
const rawWaiters = new Map<number, () => void>();
let rawId = 0;

beforeAll(async () => {
  child = fork(new URL('./ipc-responder.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--conditions', 'source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await once(child, 'message');
  peer = new RpcPeer<string>((message, onError) => child.send(message, onError), systemClock, new Map(), 'child');
  child.on('message', (message: { rawReply?: number }) => {
    if (peer.receive(message)) return;
    if (message.rawReply !== undefined) {
      const wake = rawWaiters.get(message.rawReply);
      rawWaiters.delete(message.rawReply);
      wake?.();
    }
  });
});
afterAll(() => {
  child.kill();
});

function raw(): Promise<void> {
  const id = ++rawId;
  return new Promise<void>((resolve) => {
    rawWaiters.set(id, resolve);
    child.send({ raw: id });
  });
}

const options = { time: 1_000, warmupTime: 200 };

describe('IPC round trip, sequential', () => {
  bench(
    '@weft/cluster request (correlation id, timeout, error path)',
    () => peer.request({ type: 'echo', n: 1 }),
    options,
  );
  bench('bare process.send round trip (no timeout, no errors)', () => raw(), options);
});

describe('IPC round trips, 32 in flight', () => {
  const batch = Array.from({ length: 32 }, (_, n) => n);
  bench(
    '@weft/cluster request ×32',
    () => Promise.all(batch.map((n) => peer.request({ type: 'echo', n }))).then(() => {}),
    options,
  );
  bench('bare process.send round trip ×32', () => Promise.all(batch.map(() => raw())).then(() => {}), options);
});
