import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPackage } from './check-deps';
import type { WorkspacePackage } from './workspace';

function fakePackage(root: string, name: string, deps: Record<string, string>, files: Record<string, string>) {
  const dir = join(root, name.replace('@weft/', ''));
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, 'src', file), text);
  const pkg: WorkspacePackage = {
    name,
    dir,
    manifest: { name, version: '0.0.0', dependencies: deps },
    internalDependencies: Object.keys(deps),
  };
  return pkg;
}

describe('checkPackage', () => {
  const root = mkdtempSync(join(tmpdir(), 'weft-deps-'));
  const a = fakePackage(root, '@weft/a', {}, { 'index.ts': 'export const a = 1;\n' });

  it('accepts declared internal imports and local relative imports', () => {
    const b = fakePackage(
      root,
      '@weft/b',
      { '@weft/a': 'workspace:^' },
      {
        'index.ts': "import { a } from '@weft/a';\nimport { x } from './x';\nexport { a, x };\n",
        'x.ts': 'export const x = 2;\n',
      },
    );
    expect(checkPackage(b, [a, b])).toEqual([]);
  });

  it('names the file, line and import of an undeclared internal dependency', () => {
    const c = fakePackage(root, '@weft/c', {}, { 'index.ts': "\nimport { a } from '@weft/a';\n" });
    const problems = checkPackage(c, [a, c]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 2 });
    expect(problems[0]?.file).toMatch(/c\/src\/index\.ts$/);
    expect(problems[0]?.message).toMatch(/does not declare @weft\/a/);
  });

  it('rejects reaching into another package by relative path, and deep imports', () => {
    const d = fakePackage(
      root,
      '@weft/d',
      { '@weft/a': 'workspace:^' },
      {
        'index.ts': "import { a } from '../../a/src/index';\nimport { y } from '@weft/a/src/y';\n",
      },
    );
    const messages = checkPackage(d, [a, d]).map((p) => p.message);
    expect(messages).toEqual([
      expect.stringMatching(/relative import "..\/..\/a\/src\/index" leaves @weft\/d/),
      expect.stringMatching(/deep import "@weft\/a\/src\/y"/),
    ]);
  });

  it('lets tests and test-*.ts support files, and only them, use the shared test support', () => {
    const support = join(root, 'testing');
    mkdirSync(support, { recursive: true });
    const e = fakePackage(
      root,
      '@weft/e',
      {},
      {
        'x.test.ts': "import { startRedisServer } from '../../testing/redis-server';\n",
        'test-redis.ts': "import { startRedisServer } from '../../testing/redis-server';\n",
        'index.ts': "import { startRedisServer } from '../../testing/redis-server';\n",
      },
    );
    const problems = checkPackage(e, [a, e], support);
    expect(problems).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/index\.ts$/),
        message: expect.stringMatching(/relative import "..\/..\/testing\/redis-server" leaves @weft\/e/),
      }),
    ]);
  });
});
