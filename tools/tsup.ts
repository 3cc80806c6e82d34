import type { Options } from 'tsup';

/**
 * The one tsup configuration of weft: ESM + CJS + `.d.ts`/`.d.cts` from `src/index.ts` into `dist/`.
 * Each package's `tsup.config.ts` is `export default packageConfig()`; extra entries or options may be passed.
 * Keeping it in one place makes a later move to another bundler a one-file change.
 */
export function packageConfig(overrides: Partial<Options> = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
    clean: true,
    sourcemap: true,
    splitting: false,
    treeshake: true,
    // Declarations resolve internal packages to their built dist/ (built first by tools/build.ts),
    // not to their sources, so each package's .d.ts stays its own.
    dts: { compilerOptions: { customConditions: [], composite: false, noEmit: false } },
    tsconfig: 'tsconfig.json',
    ...overrides,
  };
}
