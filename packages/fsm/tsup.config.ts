import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup';

export default defineConfig(
  packageConfig({
    // Internal fields end in `_` (`node.parent_`, `step.leaf_`): esbuild renames them to short names in dist/,
    // which makes the minified bundle smaller (minifiers do not rename properties). Public names never end in `_`.
    esbuildOptions(options) {
      options.mangleProps = /[^_]_$/;
    },
  }),
);
