/**
 * `pnpm lint` (second half): every `@weft/*` import in a package's src/ is declared in that package's package.json,
 * no package imports itself by name, and no package reaches into another package's files by a relative path
 * (tests and their `test-*.ts` support files may import the repo's shared test support, tools/testing/). Fails
 * naming the file, the line and the import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { findWorkspacePackages, repoPath, repoRoot, type WorkspacePackage } from './workspace';

/** One broken rule: where and why. */
export interface DepProblem {
  file: string;
  line: number;
  message: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(c|m)?tsx?$/.test(entry)) out.push(path);
  }
  return out;
}

const importPattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

/** Test files and their support files, which may use the shared test support. */
const testFile = /(\.test\.tsx?|[\\/]test-[^\\/]*\.tsx?)$/;

/** Checks one package's sources against its manifest and the other packages' folders. */
export function checkPackage(
  pkg: WorkspacePackage,
  all: readonly WorkspacePackage[],
  testSupportDir = join(repoRoot, 'tools', 'testing'),
): DepProblem[] {
  const problems: DepProblem[] = [];
  const declared = new Set([
    ...Object.keys(pkg.manifest.dependencies ?? {}),
    ...Object.keys(pkg.manifest.peerDependencies ?? {}),
    ...Object.keys(pkg.manifest.devDependencies ?? {}),
  ]);
  const internal = new Set(all.map((p) => p.name));
  const srcDir = join(pkg.dir, 'src');
  for (const file of sourceFiles(srcDir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      // Imports inside doc comments (`@example` blocks) are examples for users, not this package's imports.
      if (/^\s*(\*|\/\/|\/\*)/.test(text)) return;
      for (const match of text.matchAll(importPattern)) {
        const spec = match[1] as string;
        const where = { file: repoPath(file), line: i + 1 };
        if (spec.startsWith('@weft/')) {
          const name = spec.split('/').slice(0, 2).join('/');
          if (name === pkg.name)
            problems.push({ ...where, message: `imports its own package "${spec}"; use a relative path` });
          else if (!internal.has(name))
            problems.push({ ...where, message: `imports "${spec}", which is not a workspace package` });
          else if (!declared.has(name)) {
            problems.push({
              ...where,
              message: `imports "${spec}" but ${pkg.name}'s package.json does not declare ${name}`,
            });
          } else if (spec !== name) {
            problems.push({ ...where, message: `deep import "${spec}"; import from "${name}" only` });
          }
        } else if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          const rel = relative(pkg.dir, target);
          const support = relative(testSupportDir, target);
          const isSupport = !support.startsWith('..') && testFile.test(file);
          if (!isSupport && (rel.startsWith('..') || rel.split(sep)[0] === '..')) {
            problems.push({
              ...where,
              message: `relative import "${spec}" leaves ${pkg.name}; import the package by name`,
            });
          }
        }
      }
    });
  }
  return problems;
}

function main(): number {
  const packages = findWorkspacePackages(repoRoot);
  const problems = packages.flatMap((pkg) => checkPackage(pkg, packages));
  for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`);
  if (problems.length > 0) {
    console.error(`check-deps: ${problems.length} problem(s)`);
    return 1;
  }
  console.log(`check-deps: ${packages.length} packages, every internal import declared`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exit(main());
