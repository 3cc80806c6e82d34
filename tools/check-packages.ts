/**
 * `pnpm check:packages`: for every built package, publint (strict) on the folder, then `pnpm pack` and
 * are-the-types-wrong (node16 and bundler resolution) on the tarball, exactly as npm users would receive it.
 * Run `pnpm build` first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkspacePackages, repoPath, repoRoot } from './workspace';

const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

function run(cmd: string, args: string[], cwd: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

function main(): number {
  const failures: string[] = [];
  const packages = findWorkspacePackages().filter((p) => !p.manifest.private);
  const packDir = mkdtempSync(join(tmpdir(), 'weft-pack-'));
  try {
    for (const pkg of packages) {
      if (!existsSync(join(pkg.dir, 'dist'))) {
        failures.push(`${pkg.name}: ${repoPath(pkg.dir)}/dist is missing; run \`pnpm build\` first`);
        continue;
      }
      const publint = run(bin('publint'), ['--strict'], pkg.dir);
      const publintClean =
        publint.ok && !/\b(error|warning|suggestion)s?\b/i.test(publint.output.replace(/^.*All good!.*$/m, ''));
      const before = new Set(readdirSync(packDir));
      const pack = run('pnpm', ['pack', '--pack-destination', packDir], pkg.dir);
      const tarball = readdirSync(packDir).find((f) => !before.has(f) && f.endsWith('.tgz'));
      const attw = tarball
        ? // Every package needs Node >= 20.19 (engines), so node10 resolution, which ignores `exports`, does not apply.
          run(bin('attw'), [join(packDir, tarball), '--profile', 'node16', '--format', 'table-flipped'], pkg.dir)
        : { ok: false, output: pack.output };
      console.log(
        `${publintClean && attw.ok ? 'ok  ' : 'FAIL'} ${pkg.name}  publint: ${publintClean ? 'clean' : 'problems'}  attw: ${attw.ok ? 'clean' : 'problems'}`,
      );
      if (!publintClean) failures.push(`${pkg.name} publint:\n${publint.output.trim()}`);
      if (!attw.ok) failures.push(`${pkg.name} attw:\n${attw.output.trim()}`);
    }
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`\n${failures.join('\n\n')}`);
    return 1;
  }
  console.log(`check:packages: ${packages.length} packages clean (publint --strict, attw)`);
  return 0;
}

process.exit(main());
