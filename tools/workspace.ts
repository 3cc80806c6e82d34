import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** A package of the workspace, as read from its package.json. */
export interface WorkspacePackage {
  /** The npm name, e.g. `@weft/breaker`. */
  name: string;
  /** Absolute path of the package folder. */
  dir: string;
  /** The parsed package.json. */
  manifest: PackageManifest;
  /** Names of other workspace packages it depends on (dependencies, peer- and devDependencies). */
  internalDependencies: string[];
}

/** The parts of a package.json that the repo tools read. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The repository root (the folder holding pnpm-workspace.yaml). */
export const repoRoot: string = join(import.meta.dirname, '..');

/**
 * Reads the `packages:` globs of pnpm-workspace.yaml. The file is tiny and its shape fixed, so a line reader
 * is enough and spares a YAML parser.
 */
export function readWorkspaceGlobs(root: string = repoRoot): string[] {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs: string[] = [];
  let inPackages = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (line.trim() === '') continue;
    if (/^\S/.test(line)) {
      inPackages = /^packages\s*:/.test(line);
      continue;
    }
    const item = /^\s+-\s+['"]?([^'"]+)['"]?$/.exec(line);
    if (inPackages && item?.[1]) globs.push(item[1]);
  }
  return globs;
}

function segmentMatcher(segment: string): RegExp {
  const escaped = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

/** Expands one workspace glob (`packages/*`, `apps/**`, a plain path, or a `!negation`) into folders. */
function expandGlob(root: string, glob: string): string[] {
  const parts = glob.split('/').filter((p) => p !== '' && p !== '.');
  let current = [root];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (part === '**') {
        const stack = [dir];
        while (stack.length > 0) {
          const d = stack.pop() as string;
          next.push(d);
          for (const entry of safeReaddir(d)) {
            if (entry === 'node_modules' || entry.startsWith('.')) continue;
            const child = join(d, entry);
            if (isDir(child)) stack.push(child);
          }
        }
      } else if (/[*?]/.test(part)) {
        const re = segmentMatcher(part);
        for (const entry of safeReaddir(dir)) {
          const child = join(dir, entry);
          if (entry !== 'node_modules' && re.test(entry) && isDir(child)) next.push(child);
        }
      } else {
        const child = join(dir, part);
        if (isDir(child)) next.push(child);
      }
    }
    current = next;
  }
  return current;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Finds every workspace package and its internal dependencies, sorted by name. */
export function findWorkspacePackages(root: string = repoRoot): WorkspacePackage[] {
  const globs = readWorkspaceGlobs(root);
  const include = new Set<string>();
  for (const glob of globs.filter((g) => !g.startsWith('!'))) {
    for (const dir of expandGlob(root, glob)) if (existsSync(join(dir, 'package.json'))) include.add(dir);
  }
  for (const glob of globs.filter((g) => g.startsWith('!'))) {
    for (const dir of expandGlob(root, glob.slice(1))) include.delete(dir);
  }
  const manifests = [...include].map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest,
  }));
  const names = new Set(manifests.map((m) => m.manifest.name));
  return manifests
    .map(({ dir, manifest }) => {
      const deps = new Set<string>();
      for (const field of [manifest.dependencies, manifest.peerDependencies, manifest.devDependencies]) {
        for (const dep of Object.keys(field ?? {})) if (names.has(dep) && dep !== manifest.name) deps.add(dep);
      }
      return { name: manifest.name, dir, manifest, internalDependencies: [...deps].sort() };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The path of `dir` relative to the repo root, with forward slashes, for messages. */
export function repoPath(dir: string, root: string = repoRoot): string {
  return relative(root, dir).split(sep).join('/');
}
