/**
 * `pnpm start`: builds @weft/server (and what it depends on) and runs its demo gateway, `weft demo`.
 * Extra arguments go to the demo, e.g. `pnpm start -- --port 3001`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './workspace';

const cli = join(repoRoot, 'packages', 'server', 'dist', 'cli.js');

execFileSync(
  process.execPath,
  [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'tools', 'build.ts'), '@weft/server'],
  {
    stdio: 'inherit',
  },
);
if (!existsSync(cli)) {
  console.log(
    '\nThe @weft/server demo gateway is not built yet: its CLI (packages/server/src/cli.ts) lands with the @weft/server issue.',
  );
  process.exit(0);
}
const child = spawn(process.execPath, [cli, 'demo', ...process.argv.slice(2).filter((a) => a !== '--')], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
