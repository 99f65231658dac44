// One broker of each system, each on a fresh directory, with the same extra settings (Kafka's
// names), for the issue 17 rigs (bench/share/run.js, bench/streams/run.js):
// - Apache Kafka 4.4.0: tools/kafka/kafka-process.js startKafka (single-node KRaft, Kafka's
//   shipped server.properties, internal topics at replication factor 1), from --kafka-libs;
// - Millrace: `node bin/millrace.js start` on the Node binary of --node, with the listener, the
//   data directory and each setting as --override, its console off (as bench/vs-kafka does).
// Both are ready once they answer ApiVersions and a Metadata that lists a broker. stop() stops
// the broker (SIGTERM) and removes its data, keeping its logs in `dir`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LIBS_DIR, probeBroker, startKafka } from '../../tools/kafka/kafka-process.js';
import { compileJavaDriver, portFree, round, run, sleep } from '../vs-kafka/proc.js';

export const HOST = '127.0.0.1';

/**
 * @param {'kafka'|'millrace'} system
 * @param {{dir: string, port: number, controllerPort: number, config: Record<string, string|number>,
 *   node: string, root: string, kafkaLibs: string}} o
 * @returns {Promise<{pid: number, bootstrap: string, logs: string, stop: () => Promise<void>}>}
 */
export async function startSingleBroker(system, o) {
  fs.rmSync(o.dir, { recursive: true, force: true });
  fs.mkdirSync(o.dir, { recursive: true });
  if (system === 'kafka') {
    const k = await startKafka({ host: HOST, port: o.port, controllerPort: o.controllerPort, dataDir: o.dir, keepDataDir: true, libsDir: o.kafkaLibs, config: o.config });
    return {
      pid: k.pid, bootstrap: k.bootstrap, logs: k.logsDir,
      stop: async () => {
        await k.stop();
        fs.rmSync(path.join(o.dir, 'data'), { recursive: true, force: true });
      },
    };
  }
  const settings = { listeners: `PLAINTEXT://${HOST}:${o.port}`, 'log.dirs': path.join(o.dir, 'data'), 'console.listeners': '', ...o.config };
  const args = [path.join(o.root, 'bin', 'millrace.js'), 'start', ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const outFile = path.join(o.dir, 'millrace.out');
  const out = fs.openSync(outFile, 'a');
  const child = spawn(o.node, args, { cwd: o.dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = false;
  const exit = new Promise((resolve) => child.on('exit', () => {
    exited = true;
    resolve(undefined);
  }));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(t);
    }
    fs.rmSync(path.join(o.dir, 'data'), { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (!(await probeBroker(HOST, o.port, 2000, 1))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`Millrace not ready on ${HOST}:${o.port}; see ${outFile}`);
    }
    await sleep(100);
  }
  return { pid: /** @type {number} */ (child.pid), bootstrap: `${HOST}:${o.port}`, logs: outFile, stop };
}

/**
 * What both rigs do before their rounds: check Millrace is built, fetch Kafka's jars when the
 * default folder is used, move `o.port` to three free ports, compile the Java driver. Returns
 * the driver's class folder.
 */
export async function prepareRig(o, repoRoot, javaSource, classesDir) {
  if (o.systems.includes('millrace') && !fs.existsSync(path.join(o.root, 'dist', 'bundle', 'cli', 'main.js'))) {
    throw new Error(`${o.root} has no dist/bundle/cli/main.js: run npm run build there, or pass --millrace-root`);
  }
  if (o.kafkaLibs === DEFAULT_LIBS_DIR) {
    const fetched = await run('bash', [path.join(repoRoot, 'tools', 'kafka', 'fetch.sh')], { timeoutMs: 600_000 });
    if (fetched.code !== 0) throw new Error(`tools/kafka/fetch.sh failed: ${fetched.stderr}`);
  }
  for (let tries = 0; ; tries++) {
    if ((await Promise.all([0, 1, 2].map((i) => portFree(HOST, o.port + i)))).every(Boolean)) break;
    if (tries === 20) throw new Error('no three free ports; pass --port');
    o.port += 3;
  }
  return compileJavaDriver(javaSource, classesDir, o.kafkaLibs);
}

/**
 * `o.rounds` rounds of `measure(system, round)` for each system, Kafka first in odd rounds;
 * a system whose round throws is logged and recorded in `runs` as a set-up error. Returns the
 * start time and the load averages at the start.
 */
export async function runRounds(o, runs, log, measure) {
  const started = new Date();
  const loadStart = os.loadavg().map((x) => round(x, 2));
  for (let r = 1; r <= o.rounds; r++) {
    const order = r % 2 === 1 ? ['kafka', 'millrace'] : ['millrace', 'kafka'];
    for (const system of order.filter((s) => o.systems.includes(s))) {
      try {
        await measure(system, r);
      } catch (e) {
        log(`round ${r}: ${system} aborted: ${e instanceof Error ? e.message : String(e)}`);
        runs.push({ system, round: r, workload: 'setup', error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  return { started, loadStart };
}

/**
 * What both rigs' results files say of the run: where the file goes (`--out`, else
 * bench/results/<date>-<name>[-quick]-node<major>.json), and the date, command, machine and
 * commit fields.
 */
export function rigRunInfo(o, name, repoRoot, started, loadStart) {
  const nodeVersion = execFileSync(o.node, ['-v'], { encoding: 'utf8' }).trim();
  const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
  const commit = execFileSync('git', ['-C', o.root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const date = started.toISOString().slice(0, 10);
  const out = o.out ?? path.join(repoRoot, 'bench', 'results', `${date}-${name}${o.quick ? '-quick' : ''}-node${nodeVersion.replace(/^v(\d+).*/, '$1')}.json`);
  return {
    out,
    fields: {
      date,
      command: `node bench/${name}/run.js ${process.argv.slice(2).join(' ')}`.trim(),
      quick: o.quick,
      machine: {
        cpu: os.cpus()[0]?.model, cores: os.cpus().length, memory_gb: round(os.totalmem() / 2 ** 30, 1), node_millrace: nodeVersion,
        java: javaVersion.split('\n')[0] || undefined, kafka: fs.readFileSync(path.join(o.kafkaLibs, '.complete'), 'utf8').trim(),
        loadavg_start: loadStart, loadavg_end: os.loadavg().map((x) => round(x, 2)),
      },
      millrace: { commit },
    },
  };
}
