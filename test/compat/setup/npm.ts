/**
 * npm packages installed into folders of their own under the compat cache (never into the
 * project's package.json): codec plugins for kafkajs, and a Node 22 binary for
 * @platformatic/kafka's zstd. A folder is reused while its marker says the same packages were
 * installed with the same Node ABI (native add-ons are built for the Node that ran npm).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, SetupError } from './exec.js';
import { withLock } from './lock.js';
import { cacheDir } from './paths.js';

const MARKER = '.millrace-compat-installed';

function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Native add-ons build with node-gyp, which would download Node's headers; use the
  // installed ones when they match the running Node (there is no internet but the registries).
  if (env.npm_config_nodedir === undefined && existsSync('/usr/include/node/node_version.h')) {
    const h = readFileSync('/usr/include/node/node_version.h', 'utf8');
    const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => new RegExp(`define NODE_${k}_VERSION (\\d+)`).exec(h)?.[1]).join('.');
    if (`v${v}` === process.version) env.npm_config_nodedir = '/usr';
  }
  return env;
}

/**
 * Installs `packages` (exact `name@version` specs) into `<cache>/<name>/node_modules` unless
 * already there; returns that node_modules folder.
 */
export async function ensureNpmFolder(name: string, packages: readonly string[]): Promise<string> {
  const dir = path.join(cacheDir, name);
  const nodeModules = path.join(dir, 'node_modules');
  const want = JSON.stringify({ packages: [...packages].sort(), modules: process.versions.modules });
  const markerFile = path.join(dir, MARKER);
  const current = () => existsSync(markerFile) && readFileSync(markerFile, 'utf8') === want;
  if (current()) return nodeModules;
  await withLock(`npm-${name}`, async () => {
    if (current()) return;
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: `millrace-compat-${name}`, private: true }, null, 2));
    await run(`npm install ${packages.join(' ')} into ${dir}`, 'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', '--foreground-scripts', ...packages],
      { cwd: tmp, env: npmEnv() });
    for (const spec of packages) {
      const pkg = spec.slice(0, spec.lastIndexOf('@') > 0 ? spec.lastIndexOf('@') : spec.length);
      if (!existsSync(path.join(tmp, 'node_modules', pkg, 'package.json'))) {
        throw new SetupError(`npm install ${spec} in ${tmp} left no node_modules/${pkg}`);
      }
    }
    writeFileSync(path.join(tmp, MARKER), want);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  });
  return nodeModules;
}
