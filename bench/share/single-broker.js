// One broker of each system, each on a fresh directory, with the same extra settings (Kafka's
// names), for the issue 17 rigs (bench/share/run.js, bench/streams/run.js):
// - Apache Kafka 4.4.0: tools/kafka/kafka-process.js startKafka (single-node KRaft, Kafka's
//   shipped server.properties, internal topics at replication factor 1), from --kafka-libs;
// - Millrace: `node bin/millrace.js start` on the Node binary of --node, with the listener, the
//   data directory and each setting as --override, its console off (as bench/vs-kafka does).
// Both are ready once they answer ApiVersions and a Metadata that lists a broker. stop() stops
// the broker (SIGTERM) and removes its data, keeping its logs in `dir`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { probeBroker, startKafka } from '../../tools/kafka/kafka-process.js';
import { sleep } from '../vs-kafka/proc.js';

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
