/**
 * Bytes per pending timeout: heap plus array buffers (the wheel's typed arrays live there) after scheduling
 * COUNT timeouts with random delays from 1 to 30,000 ms and keeping every handle (a caller that may cancel must
 * keep it, so the array holding the handles — 8 bytes each — is counted for everyone). One callback is shared by
 * all timeouts, so closures are not counted. Each subject runs in a fresh child process.
 *
 * Run: node --expose-gc --import tsx packages/reactor/bench/memory.ts
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import FakeTimers from '@sinonjs/fake-timers';
import { Reactor, TimerWheel } from '../src/index';

const COUNT = 1_000_000;
const subjects = ['TimerWheel', 'node setTimeout', 'Reactor', '@sinonjs/fake-timers'] as const;
type Subject = (typeof subjects)[number];

const gc = (globalThis as { gc?: () => void }).gc;
const used = () => {
  gc?.();
  gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

function measure(subject: Subject): number {
  let seed = 20_240_601;
  const delays = new Float64Array(COUNT);
  for (let i = 0; i < COUNT; i++) {
    seed = (seed * 16_807) % 2_147_483_647;
    delays[i] = 1 + (seed % 30_000);
  }
  const noop = () => {};
  const wheel = new TimerWheel({ tickMs: 10 });
  const reactor = new Reactor();
  const clock = FakeTimers.createClock();
  const before = used();
  const handles: unknown[] = new Array(COUNT);
  for (let i = 0; i < COUNT; i++) {
    const delay = delays[i]!;
    if (subject === 'TimerWheel') handles[i] = wheel.schedule(noop, delay);
    else if (subject === 'node setTimeout') handles[i] = setTimeout(noop, delay);
    else if (subject === 'Reactor') handles[i] = reactor.setTimeout(noop, delay);
    else handles[i] = clock.setTimeout(noop, delay);
  }
  const bytes = (used() - before) / COUNT;
  for (const handle of handles) {
    if (subject === 'TimerWheel') wheel.cancel(handle as never);
    else if (subject === 'node setTimeout') clearTimeout(handle as NodeJS.Timeout);
  }
  wheel.close();
  return bytes;
}

const only = process.argv[2] as Subject | undefined;
if (only) {
  process.stdout.write(String(measure(only)));
} else {
  if (!gc) throw new Error('run with node --expose-gc --import tsx');
  console.log(`bytes per pending timeout (${COUNT.toLocaleString('en')} pending, handles kept):`);
  for (const subject of subjects) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), subject], {
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`${subject}: ${child.stderr}`);
    console.log(`  ${subject.padEnd(22)} ${Number(child.stdout).toFixed(1)} B`);
  }
}
