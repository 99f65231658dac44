// What the bench/perf scripts share: their flags, a Millrace build started as its own broker
// process from a compiled dist/ (unbundled, so profiles name the source files), and stopping it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../vs-kafka/proc.js';

/** `--name value` from the command line, or `fallback`. */
export function arg(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Node arguments that run the `millrace` command of a compiled tree (`dist`). */
export function launcher(dist) {
  const main = JSON.stringify(path.join(dist, 'src/cli/main.js'));
  return ['--input-type=module', '-e', `const { main } = await import(${main}); await main(['node', 'millrace', ...process.argv.slice(1)]);`];
}

/**
 * Starts `millrace start` from `dist` on 127.0.0.1:`port` with its data in `dataDir` and the
 * given `--override`s; resolves with the child once it listens. `nodeArgs` go to node first;
 * `node` is the Node.js binary (default: the one running the script).
 */
export async function startMillrace(dist, { port, dataDir, overrides = {}, nodeArgs = [], node = process.execPath }) {
  // The console off unless asked for: benchmarks run several brokers and must not share its port.
  const settings = { 'log.dirs': dataDir, listeners: `PLAINTEXT://127.0.0.1:${port}`, 'console.listeners': '', ...overrides };
  const child = spawn(node, [...nodeArgs, ...launcher(dist), 'start', '--log-level', 'warn',
    ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/listening on/.test(stderr)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`broker exited ${code}: ${stderr}`)));
  });
  return child;
}

/** Stops a broker started by startMillrace, removes its data and lets the machine settle. */
export async function stopMillrace(child, dataDir, settleMs = 300) {
  child.kill('SIGTERM');
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  fs.rmSync(dataDir, { recursive: true, force: true });
  await sleep(settleMs);
}
