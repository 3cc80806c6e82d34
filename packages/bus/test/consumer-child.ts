// A consumer in its own process, for the test that SIGKILLs a consumer mid-handler.
// argv: port prefix group. Prints "handling <payload>" when a handler starts, then never finishes it.
import { Redis } from 'ioredis';
import { createBus, redisStreamsTransport } from '../src/index';

const [port, prefix, group] = process.argv.slice(2);
const client = new Redis({ port: Number(port), host: '127.0.0.1' });
const bus = createBus<{ job: number }>({
  name: 'child',
  transport: redisStreamsTransport({ client, prefix, claimIdleMs: 60_000, blockMs: 200, batchSize: 1 }),
});
await bus.subscribe(
  'job',
  ({ payload }) => {
    process.stdout.write(`handling ${payload}\n`);
    return new Promise(() => {});
  },
  { group },
);
process.stdout.write('ready\n');
