/**
 * Bundles the `millrace` command (dist/src/cli/main.js and everything it imports from
 * dist/src) into dist/bundle/cli/ with esbuild, split so that each subcommand's code is a
 * chunk of its own. Loading some 400 small ES modules is most of a broker's start-up time;
 * a few bundled chunks start in about half of it. npm packages stay external.
 *
 *   node dist/tools/bundle-cli.js [--dist DIR]   (default: dist, next to this file's build)
 *
 * It also bundles the web console's browser code into dist/bundle/console/.
 *
 * The entry sits at the same depth as dist/src/cli/main.js, so the paths it resolves
 * relative to itself (package.json) are the same.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { rmSync } from 'node:fs';

const args = process.argv.slice(2);
const i = args.indexOf('--dist');
const dist = i >= 0 && args[i + 1] !== undefined ? resolve(args[i + 1]!) : resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(dist, 'bundle', 'cli');

rmSync(join(dist, 'bundle'), { recursive: true, force: true });
await build({
  entryPoints: { main: join(dist, 'src', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  // Chained to the TypeScript sources through tsc's maps: `--enable-source-maps` traces show .ts lines.
  sourcemap: true,
  logLevel: 'warning',
});

// The web console (src/console/ui/web/, browser TypeScript) into dist/bundle/console/: one
// script and one stylesheet, served by src/console/ui/ui-routes.ts. Bundled from the sources,
// which tsc leaves out (they are type-checked by their own tsconfig with the DOM library).
const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'console', 'ui', 'web');
await build({
  entryPoints: [{ in: join(web, 'main.ts'), out: 'app' }, { in: join(web, 'style.css'), out: 'app' }],
  outdir: join(dist, 'bundle', 'console'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
