// Minified + gzipped size of the built ESM bundle: `pnpm build --filter @weft/fsm`, then
// `node --import tsx packages/fsm/bench/size.ts` from the repo root.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// esbuild is not a dependency of this package; borrow the copy tsup (a root dev dependency) brings.
interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<{ outputFiles?: { contents: Uint8Array }[] }>;
}
const { build } = createRequire(fileURLToPath(import.meta.resolve('tsup')))('esbuild') as EsbuildLike;

const dist = join(import.meta.dirname, '..', 'dist', 'index.js');
// `names` is what an application imports; esbuild drops the rest (the package has no side effects).
async function measure(label: string, names: string, external: string[]): Promise<void> {
  const result = await build({
    stdin: { contents: `export ${names} from ${JSON.stringify(dist)};`, resolveDir: import.meta.dirname },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    write: false,
    external,
  });
  const code = result.outputFiles?.[0]?.contents ?? new Uint8Array();
  console.log(`${label}: ${code.length} B min, ${gzipSync(code, { level: 9 }).length} B min+gzip`);
}
const CORE = '{ createMachine, createActor, assign }';
const FULL = '*';
console.log(`dist/index.js: ${readFileSync(dist).length} B`);
await measure('core (createMachine, createActor, assign; @weft/reactor external)', CORE, ['@weft/reactor']);
await measure('core with the @weft/reactor parts it uses', CORE, []);
await measure('every export (@weft/reactor external)', FULL, ['@weft/reactor']);
await measure('every export with the @weft/reactor parts it uses', FULL, []);
