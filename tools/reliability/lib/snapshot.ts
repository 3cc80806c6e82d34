/**
 * A private copy of the built packages for one run: every package's package.json, dist/ and schema/, with its
 * node_modules rebuilt as links (third-party packages to the pnpm store, `@weft/*` to the copies). The gateway runs
 * from it, so a build that rewrites packages/*\/dist while the suite runs (another terminal, a watcher) cannot pull
 * files from under a gateway or a respawning cluster worker.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay } from './harness';
import { repoRoot } from './proc';

const packagesDir = join(repoRoot, 'packages');

function complete(): boolean {
  if (!existsSync(join(packagesDir, 'server', 'dist', 'cli.js'))) return false;
  return readdirSync(packagesDir).every(
    (name) =>
      !existsSync(join(packagesDir, name, 'package.json')) || existsSync(join(packagesDir, name, 'dist', 'index.js')),
  );
}

function linkModules(from: string, to: string, copies: string): void {
  mkdirSync(to, { recursive: true });
  if (!existsSync(from)) return;
  for (const entry of readdirSync(from)) {
    if (entry === '.bin') continue;
    if (entry === '@weft') {
      mkdirSync(join(to, '@weft'));
      for (const dep of readdirSync(join(from, '@weft'))) symlinkSync(join(copies, dep), join(to, '@weft', dep));
    } else if (entry.startsWith('@')) {
      mkdirSync(join(to, entry));
      for (const dep of readdirSync(join(from, entry))) {
        symlinkSync(realpathSync(join(from, entry, dep)), join(to, entry, dep));
      }
    } else {
      symlinkSync(realpathSync(join(from, entry)), join(to, entry));
    }
  }
}

/** Copies the built packages (waiting up to 60 s for a build in progress to finish); returns the copy's root. */
export async function snapshotBuild(): Promise<string> {
  for (let i = 0; i < 120 && !complete(); i++) await delay(500);
  if (!complete()) throw new Error('the packages are not built (or a build is still running): run pnpm build');
  const root = join(tmpdir(), `weft-reliability-build-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  for (const name of readdirSync(packagesDir)) {
    const source = join(packagesDir, name);
    if (!existsSync(join(source, 'package.json'))) continue;
    const target = join(root, name);
    mkdirSync(target, { recursive: true });
    for (const part of ['package.json', 'dist', 'schema']) {
      if (existsSync(join(source, part))) cpSync(join(source, part), join(target, part), { recursive: true });
    }
    linkModules(join(source, 'node_modules'), join(target, 'node_modules'), root);
  }
  if (!existsSync(join(root, 'server', 'dist', 'cli.js'))) throw new Error('the copy of the build has no CLI');
  return root;
}

/** Removes a copy made by {@link snapshotBuild}. */
export function removeSnapshot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
