// Starts and stops a real Apache Kafka (KRaft) — a single combined broker + controller, or a
// cluster of several processes — from
// the Maven Central jars that tools/kafka/fetch.sh puts in bench/.cache/kafka/libs.
//
// Library:
//   import { startKafka } from './tools/kafka/kafka-process.js';
//   const kafka = await startKafka({ port: 19092, controllerPort: 19093 });
//   ... kafka.bootstrap ('127.0.0.1:19092') ...
//   await kafka.stop();
//
// A cluster of several processes (free ports, one temp dir, a static controller quorum):
//   import { startKafkaCluster } from './tools/kafka/kafka-process.js';
//   const kafka = await startKafkaCluster({ brokers: 3 });   // + one controller-only node
//   ... kafka.bootstrap, kafka.signal(2, 'SIGKILL') ...
//   await kafka.stop();
//
// Command line (runs in the foreground until SIGINT/SIGTERM, then stops Kafka):
//   node tools/kafka/kafka-process.js [--port 19092] [--controller-port 19093]
//       [--advertised PLAINTEXT://127.0.0.1:19092] [--data-dir DIR] [--set key=value ...]
//   node tools/kafka/kafka-process.js --brokers 3 [--mode separate|combined] [--data-dir DIR] [--set key=value ...]
//
// Plain ESM JavaScript (no build step) so that bench scripts, capture tools and tests can all
// import it.

import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOptions } from '../cli-args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

export const DEFAULT_LIBS_DIR = path.join(repoRoot, 'bench', '.cache', 'kafka', 'libs');

/** The JVM flags of Kafka's own kafka-server-start.sh / kafka-run-class.sh. */
/** Kafka's KAFKA_JVM_PERFORMANCE_OPTS (kafka-run-class.sh): for the broker and its tools. */
export const KAFKA_JVM_PERFORMANCE_OPTS = [
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
];

/** The broker's flags as kafka-server-start.sh sets them: a 1 GiB heap plus the above. */
export const KAFKA_JVM_FLAGS = ['-Xmx1G', '-Xms1G', ...KAFKA_JVM_PERFORMANCE_OPTS];

export const LOG4J2_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <File name="server" fileName="\${sys:kafka.logs.dir}/server.log">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="server"/></Root>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="org.apache.kafka.controller" level="info"/>
    <Logger name="kafka.log.LogCleaner" level="info"/>
    <Logger name="state.change.logger" level="info"/>
    <Logger name="kafka.authorizer.logger" level="info"/>
  </Loggers>
</Configuration>
`;

/**
 * @typedef {object} KafkaOptions
 * @property {string} [host]            listen address, default 127.0.0.1
 * @property {number} [port]            PLAINTEXT listener port, default 19092
 * @property {number} [controllerPort]  CONTROLLER listener port, default 19093
 * @property {string} [advertisedListeners] default PLAINTEXT://host:port (set it to a proxy's address to route clients through the proxy)
 * @property {string} [dataDir]         working directory (server.properties, logs, data); default a fresh one under bench/.cache/kafka/run-*
 * @property {boolean} [keepDataDir]    keep dataDir after stop(); default: keep only when it was given
 * @property {Record<string, string|number|boolean>} [config] extra/overriding server.properties entries
 * @property {string[]} [jvmFlags]      default KAFKA_JVM_FLAGS
 * @property {string} [libsDir]         default bench/.cache/kafka/libs
 * @property {string} [java]            java binary, default $JAVA_HOME/bin/java or java
 * @property {number} [readyTimeoutMs]  default 90000
 */

/**
 * Server properties for a single-node combined KRaft broker, following Kafka's shipped
 * config/server.properties.
 * @param {{host: string, port: number, controllerPort: number, advertisedListeners: string, logDirs: string}} o
 */
export function serverProperties(o) {
  return {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.bootstrap.servers': `${o.host}:${o.controllerPort}`,
    listeners: `PLAINTEXT://${o.host}:${o.port},CONTROLLER://${o.host}:${o.controllerPort}`,
    'advertised.listeners': `${o.advertisedListeners},CONTROLLER://${o.host}:${o.controllerPort}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    ...SHIPPED_SERVER_PROPERTIES,
    'log.dirs': o.logDirs,
    'offsets.topic.replication.factor': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
  };
}

/** The entries of Kafka's shipped config/server.properties that do not depend on the node. */
const SHIPPED_SERVER_PROPERTIES = {
  'num.network.threads': 3,
  'num.io.threads': 8,
  'socket.send.buffer.bytes': 102400,
  'socket.receive.buffer.bytes': 102400,
  'socket.request.max.bytes': 104857600,
  'num.partitions': 1,
  'num.recovery.threads.per.data.dir': 1,
  'log.retention.hours': 168,
  'log.segment.bytes': 1073741824,
  'log.retention.check.interval.ms': 300000,
};

/**
 * Server properties of one node of a multi-node KRaft cluster with a static controller quorum
 * (`controller.quorum.voters`). Internal topics keep Kafka's defaults (replication factor 3,
 * min ISR 2), unlike the single node's shipped file, which lowers them to 1.
 * @param {{nodeId: number, roles: 'broker'|'controller'|'broker,controller', host: string, port?: number,
 *   controllerPort?: number, voters: string, logDirs: string}} o
 */
export function clusterNodeProperties(o) {
  const listeners = [];
  const advertised = [];
  if (o.roles.includes('broker')) {
    listeners.push(`PLAINTEXT://${o.host}:${o.port}`);
    advertised.push(`PLAINTEXT://${o.host}:${o.port}`);
  }
  if (o.roles.includes('controller')) {
    listeners.push(`CONTROLLER://${o.host}:${o.controllerPort}`);
    advertised.push(`CONTROLLER://${o.host}:${o.controllerPort}`);
  }
  return {
    'process.roles': o.roles,
    'node.id': o.nodeId,
    'controller.quorum.voters': o.voters,
    listeners: listeners.join(','),
    'advertised.listeners': advertised.join(','),
    ...(o.roles.includes('broker') ? { 'inter.broker.listener.name': 'PLAINTEXT' } : {}),
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    ...SHIPPED_SERVER_PROPERTIES,
    'log.dirs': o.logDirs,
  };
}

function javaBin(opt) {
  if (opt) return opt;
  if (process.env.JAVA_HOME) return path.join(process.env.JAVA_HOME, 'bin', 'java');
  return 'java';
}

function toProperties(obj) {
  return Object.entries(obj)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n') + '\n';
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sends ApiVersions v0 and Metadata v1 (all topics) to host:port and resolves true when the broker
 * answers both with no error and lists at least `minBrokers` brokers; false on any failure.
 */
export function probeBroker(host, port, timeoutMs = 2000, minBrokers = 1) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    let step = 0;
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    const frame = (apiKey, version, corr, body) => {
      const clientId = Buffer.from('millrace-probe');
      const head = Buffer.alloc(10 + clientId.length);
      head.writeInt16BE(apiKey, 0);
      head.writeInt16BE(version, 2);
      head.writeInt32BE(corr, 4);
      head.writeInt16BE(clientId.length, 8);
      clientId.copy(head, 10);
      const size = Buffer.alloc(4);
      size.writeInt32BE(head.length + body.length, 0);
      return Buffer.concat([size, head, body]);
    };
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write(frame(18, 0, 1, Buffer.alloc(0))));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (buf.length < 4 + size) return;
      const body = buf.subarray(4, 4 + size);
      buf = buf.subarray(4 + size);
      if (step === 0) {
        // ApiVersions v0 response: correlation id, error code
        if (body.readInt32BE(0) !== 1 || body.readInt16BE(4) !== 0) return done(false);
        step = 1;
        // Metadata v1 request: topics = null (int32 -1) => all topics
        const topics = Buffer.alloc(4);
        topics.writeInt32BE(-1, 0);
        sock.write(frame(3, 1, 2, topics));
      } else {
        // Metadata v1 response: correlation id, brokers array length
        if (body.readInt32BE(0) !== 2) return done(false);
        done(body.readInt32BE(4) >= minBrokers);
      }
    });
  });
}

/**
 * Writes a node's server.properties and log4j2.xml into `dir`, formats its log directory
 * (StorageTool, with `formatArgs` naming the quorum) and spawns `kafka.Kafka`. Returns at spawn.
 * @param {{dir: string, props: Record<string, string|number|boolean>, clusterId: string, formatArgs: string[],
 *   java: string, libsDir: string, jvmFlags: string[]}} o
 */
async function launchNode(o) {
  const logsDir = path.join(o.dir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });
  const propsFile = path.join(o.dir, 'server.properties');
  fs.writeFileSync(propsFile, toProperties(o.props));
  const log4jFile = path.join(o.dir, 'log4j2.xml');
  fs.writeFileSync(log4jFile, LOG4J2_XML);
  const common = [`-Dlog4j2.configurationFile=${log4jFile}`, `-Dkafka.logs.dir=${logsDir}`, '-cp', path.join(o.libsDir, '*')];
  const formatOut = fs.openSync(path.join(logsDir, 'format.out'), 'w');
  const format = spawn(o.java, [...common, 'kafka.tools.StorageTool', 'format', ...o.formatArgs, '-t', o.clusterId, '-c', propsFile], {
    stdio: ['ignore', formatOut, formatOut],
  });
  fs.closeSync(formatOut);
  const formatExit = await new Promise((resolve) => format.on('exit', (code) => resolve(code)));
  if (formatExit !== 0) throw new Error(`kafka storage format failed (exit ${formatExit}); see ${logsDir}/format.out`);

  const out = fs.openSync(path.join(logsDir, 'kafka.out'), 'a');
  const child = spawn(o.java, [...o.jvmFlags, ...common, 'kafka.Kafka', propsFile], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  /** @type {{code: number|null, signal: string|null} | null} */
  let exited = null;
  /** @type {Promise<{code: number|null, signal: string|null}>} */
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  /** SIGTERM (Kafka's controlled shutdown), SIGKILL after `timeoutMs`. */
  const stop = async (timeoutMs = 30000) => {
    if (exited === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exitPromise;
      clearTimeout(t);
    }
    return /** @type {{code: number|null, signal: string|null}} */ (exited);
  };
  return { pid: /** @type {number} */ (child.pid), child, logsDir, propsFile, exited: exitPromise, alive: () => exited === null, stop, common };
}

function randomClusterId(java, libsDir) {
  return execFileSync(java, ['-cp', path.join(libsDir, '*'), 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' }).trim();
}

function checkLibs(libsDir) {
  if (!fs.existsSync(path.join(libsDir, '.complete'))) {
    throw new Error(`Kafka jars not found in ${libsDir}: run bash tools/kafka/fetch.sh first`);
  }
}

function runDir(options, prefix) {
  return path.resolve(
    options.dataDir ??
      path.join(repoRoot, 'bench', '.cache', 'kafka', `${prefix}-${Date.now()}-${randomBytes(3).toString('hex')}`),
  );
}

/**
 * Polls host:port until Metadata lists `minBrokers` brokers. Throws when a node in `nodes`
 * exits or the deadline passes.
 */
async function waitReady(host, port, minBrokers, nodes, deadline, logsDir) {
  for (;;) {
    const dead = nodes.find((n) => !n.alive());
    if (dead !== undefined) throw new Error(`Kafka node exited during start-up; see ${dead.logsDir}`);
    if (await probeBroker(host, port, 2000, minBrokers)) return;
    if (Date.now() > deadline) throw new Error(`Kafka not ready on ${host}:${port} (${minBrokers} broker(s)) in time; see ${logsDir}`);
    await sleep(250);
  }
}

/**
 * Formats a fresh KRaft storage directory and starts Kafka. Resolves once the broker answers
 * ApiVersions and Metadata on its PLAINTEXT port.
 * @param {KafkaOptions} [options]
 */
export async function startKafka(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 19092;
  const controllerPort = options.controllerPort ?? 19093;
  const advertisedListeners = options.advertisedListeners ?? `PLAINTEXT://${host}:${port}`;
  const libsDir = options.libsDir ?? DEFAULT_LIBS_DIR;
  const java = javaBin(options.java);
  checkLibs(libsDir);
  const keep = options.keepDataDir ?? options.dataDir !== undefined;
  const dir = runDir(options, 'run');
  const logDirs = path.join(dir, 'data');
  fs.rmSync(logDirs, { recursive: true, force: true });

  const clusterId = randomClusterId(java, libsDir);
  const node = await launchNode({
    dir,
    props: { ...serverProperties({ host, port, controllerPort, advertisedListeners, logDirs }), ...(options.config ?? {}) },
    clusterId,
    formatArgs: ['--standalone'],
    java,
    libsDir,
    jvmFlags: options.jvmFlags ?? KAFKA_JVM_FLAGS,
  });
  const stop = async (timeoutMs = 30000) => {
    const e = await node.stop(timeoutMs);
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    return e;
  };
  try {
    await waitReady(host, port, 1, [node], Date.now() + (options.readyTimeoutMs ?? 90000), node.logsDir);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    pid: node.pid,
    host,
    port,
    controllerPort,
    bootstrap: `${host}:${port}`,
    clusterId,
    dir,
    logsDir: node.logsDir,
    propsFile: node.propsFile,
    exited: node.exited,
    stop,
  };
}

/** A free TCP port on `host` (closed again before it is returned). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, host, () => {
      const addr = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(addr.port));
    });
  });
}

/** Heap of each JVM of a local cluster: a quarter of Kafka's 1 GiB default, so that four fit beside the load tools. */
export const CLUSTER_HEAP_FLAGS = ['-Xmx512M', '-Xms512M'];

/**
 * @typedef {object} KafkaClusterOptions
 * @property {number} [brokers]        broker nodes, default 3 (node ids 1..N)
 * @property {'separate'|'combined'} [mode] 'separate' (default): one controller-only node (node id N+1)
 *   and N broker-only nodes — like Millrace's etcd beside N brokers, a broker killed never takes the
 *   metadata quorum with it. 'combined': N broker+controller nodes forming a quorum of N voters.
 * @property {string} [host]           default 127.0.0.1
 * @property {string} [dataDir]        parent of every node's directory (node-<id>/); default a fresh temp dir (os.tmpdir()/kafka-cluster-*)
 * @property {boolean} [keepDataDir]   default: keep only when dataDir was given
 * @property {Record<string, string|number|boolean>} [config] server.properties entries for every node
 * @property {string[]} [jvmFlags]     default: CLUSTER_HEAP_FLAGS + Kafka's KAFKA_JVM_PERFORMANCE_OPTS
 * @property {string} [libsDir]
 * @property {string} [java]
 * @property {number} [readyTimeoutMs] default 120000
 */

/**
 * Starts an Apache Kafka cluster of several processes on free loopback ports, each node with
 * its own directory under one temp dir and a static controller quorum. Resolves when every
 * broker is in the cluster's Metadata. Ports can be taken between choosing and binding: the
 * whole start is retried on other ports (3 attempts).
 * @param {KafkaClusterOptions} [options]
 */
export async function startKafkaCluster(options = {}) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startKafkaClusterOnce(options);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

/** @param {KafkaClusterOptions} options */
async function startKafkaClusterOnce(options) {
  const host = options.host ?? '127.0.0.1';
  const brokers = options.brokers ?? 3;
  const mode = options.mode ?? 'separate';
  const libsDir = options.libsDir ?? DEFAULT_LIBS_DIR;
  const java = javaBin(options.java);
  checkLibs(libsDir);
  const keep = options.keepDataDir ?? options.dataDir !== undefined;
  const dir = options.dataDir === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-cluster-')) : path.resolve(options.dataDir);
  fs.mkdirSync(dir, { recursive: true });

  /** @type {Array<{nodeId: number, roles: 'broker'|'controller'|'broker,controller', port?: number, controllerPort?: number}>} */
  const layout = [];
  for (let id = 1; id <= brokers; id++) {
    layout.push(mode === 'combined'
      ? { nodeId: id, roles: 'broker,controller', port: await freePort(host), controllerPort: await freePort(host) }
      : { nodeId: id, roles: 'broker', port: await freePort(host) });
  }
  if (mode === 'separate') layout.push({ nodeId: brokers + 1, roles: 'controller', controllerPort: await freePort(host) });
  const voters = layout.filter((n) => n.roles.includes('controller')).map((n) => `${n.nodeId}@${host}:${n.controllerPort}`).join(',');

  const clusterId = randomClusterId(java, libsDir);
  const jvmFlags = options.jvmFlags ?? [...CLUSTER_HEAP_FLAGS, ...KAFKA_JVM_PERFORMANCE_OPTS];
  const launched = await Promise.allSettled(layout.map((n) => {
    const nodeDir = path.join(dir, `node-${n.nodeId}`);
    fs.rmSync(nodeDir, { recursive: true, force: true });
    return launchNode({
      dir: nodeDir,
      props: { ...clusterNodeProperties({ ...n, host, voters, logDirs: path.join(nodeDir, 'data') }), ...(options.config ?? {}) },
      clusterId,
      // a static quorum (controller.quorum.voters): format takes no --standalone / --initial-controllers
      formatArgs: [],
      java,
      libsDir,
      jvmFlags,
    }).then((node) => ({ ...n, ...node }));
  }));
  const nodes = launched.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (timeoutMs = 30000) => {
    // brokers first (each moves its leaderships away in its controlled shutdown), the controllers' quorum last
    await Promise.all(nodes.filter((n) => n.roles === 'broker').map((n) => n.stop(timeoutMs)));
    await Promise.all(nodes.filter((n) => n.roles !== 'broker').map((n) => n.stop(timeoutMs)));
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const failed = launched.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw /** @type {PromiseRejectedResult} */ (failed).reason;
    const deadline = Date.now() + (options.readyTimeoutMs ?? 120000);
    for (const b of nodes.filter((n) => n.port !== undefined)) await waitReady(host, /** @type {number} */ (b.port), brokers, nodes, deadline, dir);
  } catch (e) {
    await stop(5000);
    throw e;
  }
  const brokerNodes = nodes.filter((n) => n.port !== undefined);
  return {
    mode,
    clusterId,
    dir,
    bootstrap: brokerNodes.map((n) => `${host}:${n.port}`).join(','),
    /** every node: nodeId, roles, pid, port / controllerPort, logsDir, alive(), stop(), exited */
    nodes,
    /** The node of a broker id. */
    broker: (nodeId) => {
      const n = brokerNodes.find((b) => b.nodeId === nodeId);
      if (n === undefined) throw new Error(`no Kafka broker ${nodeId}`);
      return n;
    },
    /** Sends `signal` to a node's JVM (SIGKILL for a crash, SIGSTOP/SIGCONT for a pause). */
    signal: (nodeId, signal) => {
      const n = nodes.find((x) => x.nodeId === nodeId);
      if (n === undefined) throw new Error(`no Kafka node ${nodeId}`);
      n.child.kill(signal);
    },
    stop,
  };
}

function parseArgs(argv) {
  const { values: v } = readOptions(argv, {
    port: { type: 'number' },
    'controller-port': { type: 'number' },
    host: { type: 'string' },
    advertised: { type: 'string' },
    'data-dir': { type: 'string' },
    libs: { type: 'string' },
    brokers: { type: 'number' },
    mode: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
  });
  const o = { config: {} };
  const copy = { port: 'port', 'controller-port': 'controllerPort', host: 'host', advertised: 'advertisedListeners', 'data-dir': 'dataDir', libs: 'libsDir', brokers: 'brokers', mode: 'mode' };
  for (const [from, to] of Object.entries(copy)) if (v[from] !== undefined) o[to] = v[from];
  for (const kv of v.set) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--set wants key=value, not "${kv}"`);
    o.config[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const o = parseArgs(process.argv.slice(2));
  const cluster = o.brokers !== undefined;
  const kafka = cluster ? await startKafkaCluster(o) : await startKafka(o);
  if (cluster) console.log(`kafka cluster (${kafka.mode}) ready on ${kafka.bootstrap} (dir ${kafka.dir})`);
  else console.log(`kafka ready on ${kafka.bootstrap} (pid ${kafka.pid}, dir ${kafka.dir})`);
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await kafka.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const exits = cluster ? kafka.nodes.map((n) => n.exited.then((e) => ({ node: n.nodeId, ...e }))) : [kafka.exited];
  Promise.race(exits).then((e) => {
    if (stopping) return;
    console.error(`kafka exited: ${JSON.stringify(e)}`);
    process.exit(1);
  });
}
