// tfjs-core's CommonJS build registers no gradients and its ESM gradient registration cannot be
// loaded by Node (extension-less imports). Bundle that one entry point to CommonJS at build time:
// the bundled ops reach the one global tfjs engine, so gradients land in the shared registry.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const coreDist = path.dirname(require.resolve('@tensorflow/tfjs-core/package.json'));

await build({
  stdin: {
    contents: [
      `import '${path.join(coreDist, 'dist/register_all_gradients.js')}';`,
      `import '${path.join(coreDist, 'dist/public/chained_ops/register_all_chained_ops.js')}';`,
    ].join('\n'),
    resolveDir: coreDist,
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  outfile: path.join(here, '../gradients/tfjs-gradients.cjs'),
  logLevel: 'warning',
});
