/**
 * Scaffolds a new workspace package from tools/template:
 *
 *   pnpm new-package bus --description "Events across processes" --deps emitter,retry,reactor
 *
 * It writes packages/<name> (package.json, README.md, tsconfig.json, tsup.config.ts, src/index.ts and a test),
 * declares the internal dependencies with workspace:^ ranges, and links it with `pnpm install` (skip with --no-install).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findWorkspacePackages, repoRoot } from './workspace';

interface NewPackageArgs {
  name: string;
  description: string;
  deps: string[];
  install: boolean;
}

function parseArgs(argv: string[]): NewPackageArgs {
  let name: string | undefined;
  let description: string | undefined;
  let deps: string[] = [];
  let install = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--description') description = argv[++i];
    else if (arg === '--deps') deps = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg === '--no-install') install = false;
    else if (arg === '--') continue;
    else if (arg.startsWith('-'))
      throw new TypeError(`unknown option ${arg}; expected --description, --deps or --no-install`);
    else if (name === undefined) name = arg;
    else throw new TypeError(`unexpected argument ${arg}; give one package name`);
  }
  if (name === undefined || !/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new TypeError(`name: expected a lower-case package name like "bus", got ${JSON.stringify(name ?? '')}`);
  }
  return { name, description: description ?? `@weft/${name}`, deps, install };
}

function copyTemplate(from: string, to: string, replace: (text: string) => string): string[] {
  const written: string[] = [];
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (statSync(source).isDirectory()) {
      written.push(...copyTemplate(source, join(to, entry), replace));
      continue;
    }
    const target = join(to, entry.replace(/\.tmpl$/, ''));
    writeFileSync(target, replace(readFileSync(source, 'utf8')));
    written.push(target);
  }
  return written;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const dir = join(repoRoot, 'packages', args.name);
  if (existsSync(dir)) throw new Error(`packages/${args.name} already exists`);
  const known = new Set(findWorkspacePackages().map((p) => p.name));
  const depNames = args.deps.map((d) => (d.startsWith('@weft/') ? d : `@weft/${d}`));
  for (const dep of depNames) {
    if (!known.has(dep))
      throw new TypeError(`--deps: unknown workspace package ${dep}; known: ${[...known].join(', ')}`);
  }
  const replace = (text: string) =>
    text.replaceAll('__NAME__', args.name).replaceAll('__DESCRIPTION__', args.description.replaceAll('"', '\\"'));
  const written = copyTemplate(join(repoRoot, 'tools', 'template'), dir, replace);

  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  if (depNames.length > 0) {
    manifest.dependencies = Object.fromEntries(depNames.sort().map((d) => [d, 'workspace:^']));
  }
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  for (const file of written) console.log(`created ${relative(repoRoot, file)}`);
  if (args.install) execFileSync('pnpm', ['install', '--prefer-offline'], { cwd: repoRoot, stdio: 'inherit' });
  console.log(
    `\nnext: write packages/${args.name}/src, then \`pnpm build --filter @weft/${args.name}\` and \`pnpm test\``,
  );
  console.log('add the package to the table in README.md and to docs/architecture.md');
}

try {
  main();
} catch (err) {
  console.error(`new-package: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
