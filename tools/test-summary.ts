/**
 * Prints `nodeNN: N passed, N failed` from each vitest JSON summary in .vitest/ (written when CI is set),
 * one line per Node version, and exits non-zero if any test failed or no test ran.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './workspace';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests?: number;
  numTodoTests?: number;
}

const dir = join(repoRoot, '.vitest');
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => /^results-node\d+\.json$/.test(f))
      .sort()
  : [];
let bad = files.length === 0;
for (const file of files) {
  const summary = JSON.parse(readFileSync(join(dir, file), 'utf8')) as VitestJson;
  const version = file.replace(/^results-(node\d+)\.json$/, '$1');
  const skipped = (summary.numPendingTests ?? 0) + (summary.numTodoTests ?? 0);
  if (summary.numFailedTests > 0 || summary.numPassedTests === 0) bad = true;
  console.log(
    `${version}: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
  );
}
if (files.length === 0) console.log('0 passed, 1 failed (no vitest JSON summary found in .vitest/)');
process.exit(bad ? 1 : 0);
