// The two brokers under test, each started as its own process on a fresh data directory:
// - Apache Kafka 4.x (single-node KRaft, combined broker + controller) the way
//   kafka-server-start.sh runs it: format the storage, then `kafka.Kafka server.properties`
//   with Kafka's default broker heap and JVM flags;
// - Millrace with its defaults: `node bin/millrace.js start --override listeners=... --override log.dirs=...`.
//
// Each start is timed from spawn to the first produce acknowledged to kcat (cold start).

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIBS_DIR, KAFKA_JVM_FLAGS, LOG4J2_XML, serverProperties } from '../../tools/kafka/kafka-process.js';
import { run, sleep, tcpOpen } from './proc.js';

/**
 * @typedef {object} BrokerProcess
 * @property {'kafka'|'millrace'} system
 * @property {number} pid
 * @property {string} bootstrap
 * @property {number} spawnedAt  performance.now() at spawn
 * @property {Promise<{code: number|null, signal: string|null}>} exited
 * @property {() => boolean} alive
 * @property {(timeoutMs?: number) => Promise<{code: number|null, signal: string|null, ms: number}>} stop
 * @property {Record<string, unknown>} info  extra facts for the results file (format time, log files)
 */

function watch(child) {
  let exited = null;
  const exitedPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  const stop = async (timeoutMs = 60000) => {
    const t0 = performance.now();
    if (exited === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exitedPromise;
      clearTimeout(t);
    }
    return { ...exited, ms: Math.round(performance.now() - t0) };
  };
  return { exited: exitedPromise, alive: () => exited === null, stop };
}

/**
 * Formats and starts Kafka on a fresh directory. Returns as soon as the JVM is spawned; call
 * `waitFirstAck` to time the cold start.
 * @param {{dir: string, logsDir: string, host: string, port: number, controllerPort: number, libsDir?: string, java?: string}} o
 * @returns {Promise<BrokerProcess>}
 */
export async function spawnKafka(o) {
  const libsDir = o.libsDir ?? DEFAULT_LIBS_DIR;
  const java = o.java ?? (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
  const dataDir = path.join(o.dir, 'data');
  fs.rmSync(o.dir, { recursive: true, force: true });
  fs.mkdirSync(o.dir, { recursive: true });
  fs.mkdirSync(o.logsDir, { recursive: true });
  const props = serverProperties({
    host: o.host,
    port: o.port,
    controllerPort: o.controllerPort,
    advertisedListeners: `PLAINTEXT://${o.host}:${o.port}`,
    logDirs: dataDir,
  });
  const propsFile = path.join(o.dir, 'server.properties');
  fs.writeFileSync(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const log4jFile = path.join(o.dir, 'log4j2.xml');
  fs.writeFileSync(log4jFile, LOG4J2_XML);
  const common = [`-Dlog4j2.configurationFile=${log4jFile}`, `-Dkafka.logs.dir=${o.logsDir}`, '-cp', path.join(libsDir, '*')];

  const tf = performance.now();
  const clusterId = execFileSync(java, [...common, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' }).trim();
  const fmt = await run(java, [...common, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', propsFile], {
    logFile: path.join(o.logsDir, 'format.out'),
    timeoutMs: 120000,
  });
  if (fmt.code !== 0) throw new Error(`kafka storage format failed (exit ${fmt.code}); see ${o.logsDir}/format.out`);
  const formatMs = Math.round(performance.now() - tf);

  const out = fs.openSync(path.join(o.logsDir, 'kafka.out'), 'a');
  const spawnedAt = performance.now();
  const child = spawn(java, [...KAFKA_JVM_FLAGS, ...common, 'kafka.Kafka', propsFile], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return {
    system: 'kafka',
    pid: /** @type {number} */ (child.pid),
    bootstrap: `${o.host}:${o.port}`,
    spawnedAt,
    ...watch(child),
    info: { format_ms: formatMs, jvm_flags: KAFKA_JVM_FLAGS.join(' '), logs: o.logsDir },
  };
}

/**
 * Starts `node <root>/bin/millrace.js start` with only the listener and data directory set.
 * @param {{dir: string, logsDir: string, host: string, port: number, node: string, root: string}} o
 * @returns {Promise<BrokerProcess>}
 */
export async function spawnMillrace(o) {
  fs.rmSync(o.dir, { recursive: true, force: true });
  fs.mkdirSync(o.dir, { recursive: true });
  fs.mkdirSync(o.logsDir, { recursive: true });
  const dataDir = path.join(o.dir, 'data');
  const args = [
    path.join(o.root, 'bin', 'millrace.js'),
    'start',
    '--override',
    `listeners=PLAINTEXT://${o.host}:${o.port}`,
    '--override',
    `log.dirs=${dataDir}`,
    '--override',
    'console.listeners=',
  ];
  const out = fs.openSync(path.join(o.logsDir, 'millrace.out'), 'a');
  const spawnedAt = performance.now();
  const child = spawn(o.node, args, { cwd: o.dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return {
    system: 'millrace',
    pid: /** @type {number} */ (child.pid),
    bootstrap: `${o.host}:${o.port}`,
    spawnedAt,
    ...watch(child),
    info: { command: `${o.node} ${args.join(' ')}`, logs: o.logsDir },
  };
}

/**
 * Times a cold start: from spawn until the port accepts TCP, and until kcat (librdkafka,
 * default settings) has a produce acknowledged to a topic that does not exist yet (created by
 * the broker's auto.create.topics.enable default). kcat is retried until `timeoutMs`.
 * @param {BrokerProcess} b
 */
export async function waitFirstAck(b, { host, port, topic = 'cold-start', timeoutMs = 120000, logFile }) {
  const deadline = b.spawnedAt + timeoutMs;
  let tcpMs = null;
  while (tcpMs === null) {
    if (!b.alive()) throw new Error(`${b.system} exited during start-up; see ${b.info.logs}`);
    if (await tcpOpen(host, port, 200)) tcpMs = performance.now() - b.spawnedAt;
    else if (performance.now() > deadline) throw new Error(`${b.system} did not open ${host}:${port}`);
    else await sleep(10);
  }
  let attempts = 0;
  for (;;) {
    attempts++;
    const r = await run('kcat', ['-P', '-b', b.bootstrap, '-t', topic, '-X', 'message.timeout.ms=30000'], {
      input: 'cold start\n',
      logFile,
      timeoutMs: 60000,
    });
    if (r.code === 0) {
      return { startup_ms: Math.round(performance.now() - b.spawnedAt), tcp_ms: Math.round(tcpMs), kcat_attempts: attempts };
    }
    if (!b.alive()) throw new Error(`${b.system} exited during start-up; see ${b.info.logs}`);
    if (performance.now() > deadline) throw new Error(`${b.system}: no produce acknowledged within ${timeoutMs} ms`);
    await sleep(20);
  }
}
