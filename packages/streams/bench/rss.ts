// Peak RSS of each benchmark case, each in its own child process (so one case's garbage does not count for the
// next). Run: node --import tsx --conditions=source packages/streams/bench/rss.ts
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { byteCases, type Case, OBJECTS, objectCases } from './cases';

const groups: Record<string, () => Record<string, Case>> = {
  // The process with the loader and every library imported, running nothing: subtract it from the rest.
  baseline: () => ({ 'no stream': async () => 0 }),
  objects: () => objectCases(OBJECTS),
  'fresh buffers': () => byteCases('fresh'),
  'reused buffers': () => byteCases('reused'),
};
const skip = new Set(['objects/WHATWG streams']); // ~25 s per million objects

const [group, name] = process.argv.slice(2);
if (group !== undefined && name !== undefined) {
  const run = groups[group]?.()[name];
  if (run === undefined) throw new Error(`unknown case ${group}/${name}`);
  await run();
  process.stdout.write(String(process.resourceUsage().maxRSS));
} else {
  const self = fileURLToPath(import.meta.url);
  for (const [groupName, make] of Object.entries(groups)) {
    const row: string[] = [];
    for (const caseName of Object.keys(make())) {
      if (skip.has(`${groupName}/${caseName}`)) continue;
      const kib = execFileSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=source', self, groupName, caseName],
        {
          encoding: 'utf8',
        },
      );
      row.push(`${caseName} ${Math.round(Number(kib) / 1024)} MiB`);
    }
    console.log(`${groupName}: ${row.join(', ')}`);
  }
}
