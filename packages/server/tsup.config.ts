import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup';

// src/cli.ts starts with a shebang, which esbuild keeps, so dist/cli.js runs as the `weft` binary.
export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] }));
