// CPU time (user + system) of each benchmark case, cases interleaved round by round and the median reported:
// on a busy shared machine this is steadier than wall time. Run:
// node --import tsx --conditions=source packages/streams/bench/cpu.ts [--json <file>]
// (`--json` also writes the figures as weft's bench results: `pnpm bench:record streams-cpu`.)
import { type BenchGroup, recordResults } from '../../../tools/bench/results';
import { byteCases, type Case, OBJECTS, objectCases } from './cases';

const ROUNDS = 7; // plus one warm-up round
const groups: [string, Record<string, Case>][] = [
  ['1,000,000 objects', objectCases(OBJECTS)],
  ['1 GiB reused buffers', byteCases('reused')],
  ['1 GiB fresh buffers', byteCases('fresh')],
];

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;

const recorded: BenchGroup[] = [];
for (const [title, cases] of groups) {
  const names = Object.keys(cases).filter((name) => !(title.includes('objects') && name === 'WHATWG streams'));
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const name of names) {
      const start = process.cpuUsage();
      await cases[name]?.();
      const used = process.cpuUsage(start);
      if (round > 0) cpu.get(name)?.push((used.user + used.system) / 1000);
    }
  }
  const node = median(cpu.get('node:stream') ?? []);
  const row = names.map((name) => {
    const ms = median(cpu.get(name) ?? []);
    return `${name} ${ms.toFixed(1)} ms (${(ms / node).toFixed(2)})`;
  });
  console.log(`${title}: ${row.join(', ')}`);
  recorded.push({
    name: title,
    benchmarks: names.map((name) => {
      const cpuMs = median(cpu.get(name) ?? []);
      return { name, cpuMs, relative: cpuMs / node };
    }),
  });
}
const command = 'node --import tsx --conditions=source packages/streams/bench/cpu.ts';
recordResults(`${command} (median CPU ms of ${ROUNDS} interleaved rounds)`, recorded);
