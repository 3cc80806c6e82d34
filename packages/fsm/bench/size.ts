// Minified + gzipped size of what an application ships: `pnpm build --filter @weft/fsm`, then
// `node --import tsx packages/fsm/bench/size.ts` from the repo root. Each import is bundled from the built ESM
// file with esbuild, as a development build (NODE_ENV=development: the config validator and the other
// developer checks stay) and as a production build (NODE_ENV=production, what esbuild, Vite and webpack define
// for a production bundle: they drop that code). xstate is measured the same way.
// `--print` writes the production core bundle to stdout instead, to inspect what is left in it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BenchEntry, recordResults } from '../../../tools/bench/results';

// esbuild is not a dependency of this package; borrow the copy tsup (a root dev dependency) brings.
interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<{ outputFiles?: { contents: Uint8Array }[] }>;
}
const { build } = createRequire(fileURLToPath(import.meta.resolve('tsup')))('esbuild') as EsbuildLike;

const dist = join(import.meta.dirname, '..', 'dist', 'index.js');

/** Bundles `export <names> from <from>` for `mode`; `names` is what an application imports. */
export async function bundle(names: string, from: string, mode: string, external: string[]): Promise<Uint8Array> {
  const result = await build({
    stdin: { contents: `export ${names} from ${JSON.stringify(from)};`, resolveDir: import.meta.dirname },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    // Vite and webpack also pick a package's `development`/`production` export condition by mode.
    conditions: [mode],
    write: false,
    external,
  });
  return result.outputFiles?.[0]?.contents ?? new Uint8Array();
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

const sizes: BenchEntry[] = [];

async function row(label: string, names: string, from: string, external: string[]): Promise<void> {
  const cells: string[] = [];
  const entry: BenchEntry = { name: label };
  for (const mode of ['development', 'production']) {
    const code = await bundle(names, from, mode, external);
    const gzipped = gzipSync(code, { level: 9 }).length;
    cells.push(`${mode} ${kb(code.length)} min, ${kb(gzipped)} min+gz`);
    entry[`${mode}Min`] = code.length;
    entry[`${mode}MinGzip`] = gzipped;
  }
  sizes.push(entry);
  console.log(`${label.padEnd(44)} ${cells.join(' | ')}`);
}

const CORE = '{ createMachine, createActor, assign }';
if (process.argv.includes('--print')) {
  process.stdout.write(await bundle(CORE, dist, 'production', ['@weft/reactor']));
} else {
  console.log(`dist/index.js: ${readFileSync(dist).length} B`);
  await row('core, @weft/reactor external', CORE, dist, ['@weft/reactor']);
  await row('core with the @weft/reactor parts it uses', CORE, dist, []);
  await row('every export, @weft/reactor external', '*', dist, ['@weft/reactor']);
  await row('every export with @weft/reactor parts', '*', dist, []);
  // xstate is a dev dependency of this package, resolved by name like an application would.
  await row('xstate: createMachine, createActor, assign', CORE, 'xstate', []);
  await row('xstate: every export', '*', 'xstate', []);
  recordResults('pnpm build --filter @weft/fsm && node --import tsx packages/fsm/bench/size.ts', [
    { name: 'bundle size (bytes)', benchmarks: sizes },
  ]);
}
