// Reproduces the simulation of the AWS Architecture Blog's "Exponential Backoff and Jitter" (Marc Brooker, 2015)
// with @weft/retry itself, in the virtual time of a @weft/reactor Reactor:
//
//   N clients start together, each wanting to update one row exactly once with optimistic concurrency control:
//   read the row's version, then write conditioned on it; a write that finds a newer version fails (a conflict),
//   and the client backs off and starts over. Every hop between client and server takes |Normal(10 ms, 2 ms)|.
//   Backoff base 5 ms, cap 2 s, as in the original simulator.
//
// It prints, for each jitter kind, the mean number of write calls (the server's work) and the mean time until the
// last client is done, over RUNS seeded runs per client count.
//
//   pnpm exec tsx --conditions=source packages/retry/bench/jitter-sim.ts [runs]

import { Reactor, sleep } from '@weft/reactor';
import { type Backoff, constant, exponential, retry } from '../src/index';

const RUNS = Number(process.argv[2] ?? 20);
const CLIENT_COUNTS = [10, 25, 50, 100];
const BASE_MS = 5;
const CAP_MS = 2_000;

/** mulberry32: a small seeded PRNG, so every run of this script prints the same table. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** |Normal(mean, sd)| by Box–Muller. */
function normal(random: () => number, mean: number, sd: number): number {
  const u = 1 - random();
  const v = random();
  return Math.abs(mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

// The original simulator's exponential kinds sleep base·2^n from n = 1 (first wait 2·base); decorrelated jitter
// starts from base. Our `initialMs` is the first ceiling, so the former get 2·base.
const kinds: { name: string; backoff: (random: () => number) => Backoff }[] = [
  { name: 'no backoff', backoff: () => constant(0) },
  {
    name: 'exponential, no jitter',
    backoff: () => exponential({ initialMs: 2 * BASE_MS, maxMs: CAP_MS, jitter: 'none' }),
  },
  {
    name: 'full jitter',
    backoff: (random) => exponential({ initialMs: 2 * BASE_MS, maxMs: CAP_MS, jitter: 'full', random }),
  },
  {
    name: 'equal jitter',
    backoff: (random) => exponential({ initialMs: 2 * BASE_MS, maxMs: CAP_MS, jitter: 'equal', random }),
  },
  {
    name: 'decorrelated jitter',
    backoff: (random) => exponential({ initialMs: BASE_MS, maxMs: CAP_MS, jitter: 'decorrelated', random }),
  },
];

const conflict = new Error('conflict: the row changed since it was read');

async function simulate(clients: number, backoff: Backoff, random: () => number) {
  const reactor = new Reactor();
  const hop = () => sleep(normal(random, 10, 2), { clock: reactor });
  let version = 0;
  let writes = 0;
  const update = async () => {
    await hop(); // read request
    const seen = version;
    await hop(); // read response
    await hop(); // conditional write request
    writes++;
    const won = seen === version;
    if (won) version++;
    await hop(); // write response
    if (!won) throw conflict;
  };
  const done = Promise.all(
    Array.from({ length: clients }, () =>
      retry(update, { backoff, clock: reactor, maxAttempts: Number.POSITIVE_INFINITY }),
    ),
  );
  await reactor.runAsync();
  await done;
  if (version !== clients) throw new Error(`simulation bug: ${version} updates for ${clients} clients`);
  return { writes, timeMs: reactor.now() };
}

const rows: string[][] = [];
for (const kind of kinds) {
  const row = [kind.name];
  for (const clients of CLIENT_COUNTS) {
    let writes = 0;
    let timeMs = 0;
    for (let run = 0; run < RUNS; run++) {
      const random = seeded(clients * 1_000 + run);
      const result = await simulate(clients, kind.backoff(random), random);
      writes += result.writes;
      timeMs += result.timeMs;
    }
    row.push(`${Math.round(writes / RUNS)} calls, ${Math.round(timeMs / RUNS)} ms`);
  }
  rows.push(row);
  process.stderr.write('.');
}
process.stderr.write('\n');

const header = ['backoff', ...CLIENT_COUNTS.map((n) => `${n} clients`)];
console.log(`Mean over ${RUNS} seeded runs: write calls (work) and time until the last client is done.\n`);
console.log(`| ${header.join(' | ')} |`);
console.log(`| ${header.map(() => '---').join(' | ')} |`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
