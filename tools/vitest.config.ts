import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = join(import.meta.dirname, '..');
const packages = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'package.json')),
);

// Cross-package imports resolve to the other package's src/ through the "source" export condition,
// so watch mode needs no rebuild. `pnpm test` still builds first, so what is tested is also what builds.
// Only `source` is added to Vite's default server conditions (no `import`: that would make CommonJS `require`
// inside dependencies load their ES builds), so code outside the workspace resolves as it does in Node.
const conditions = ['source', 'module', 'node', 'development|production'];

// On CI (or with WEFT_VITEST_JSON) vitest also writes its JSON summary, from which .ci/run prints
// `N passed, N failed` for each Node version.
const jsonOutput =
  process.env.WEFT_VITEST_JSON ??
  (process.env.CI ? join(root, '.vitest', `results-node${process.versions.node.split('.')[0]}.json`) : undefined);

export default defineConfig({
  root,
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    reporters: jsonOutput ? ['default', 'json'] : ['default'],
    ...(jsonOutput ? { outputFile: { json: jsonOutput } } : {}),
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.test-d.ts'],
      reportsDirectory: join(root, 'coverage'),
    },
    projects: [
      {
        extends: true as const,
        test: { name: 'tools', root: join(root, 'tools'), include: ['*.test.ts', 'docs/*.test.ts'] },
      },
      ...packages.map((name) => ({
        extends: true as const,
        test: {
          name,
          root: join(root, 'packages', name),
          include: ['src/**/*.test.ts'],
          benchmark: { include: ['bench/**/*.bench.ts'] },
        },
      })),
    ],
  },
});
