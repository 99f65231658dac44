// Starts and stops a real single-node Apache Kafka (KRaft, combined broker + controller) from
// the Maven Central jars that tools/kafka/fetch.sh puts in bench/.cache/kafka/libs.
//
// Library:
//   import { startKafka } from './tools/kafka/kafka-process.js';
//   const kafka = await startKafka({ port: 19092, controllerPort: 19093 });
//   ... kafka.bootstrap ('127.0.0.1:19092') ...
//   await kafka.stop();
//
// Command line (runs in the foreground until SIGINT/SIGTERM, then stops Kafka):
//   node tools/kafka/kafka-process.js [--port 19092] [--controller-port 19093]
//       [--advertised PLAINTEXT://127.0.0.1:19092] [--data-dir DIR] [--set key=value ...]
//
// Plain ESM JavaScript (no build step) so that bench scripts, capture tools and tests can all
// import it.

import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
    'num.network.threads': 3,
    'num.io.threads': 8,
    'socket.send.buffer.bytes': 102400,
    'socket.receive.buffer.bytes': 102400,
    'socket.request.max.bytes': 104857600,
    'log.dirs': o.logDirs,
    'num.partitions': 1,
    'num.recovery.threads.per.data.dir': 1,
    'offsets.topic.replication.factor': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'log.retention.hours': 168,
    'log.segment.bytes': 1073741824,
    'log.retention.check.interval.ms': 300000,
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
 * answers both with no error and lists at least one broker; false on any failure.
 */
export function probeBroker(host, port, timeoutMs = 2000) {
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
        done(body.readInt32BE(4) >= 1);
      }
    });
  });
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
  const readyTimeoutMs = options.readyTimeoutMs ?? 90000;

  if (!fs.existsSync(path.join(libsDir, '.complete'))) {
    throw new Error(`Kafka jars not found in ${libsDir}: run bash tools/kafka/fetch.sh first`);
  }
  const givenDir = options.dataDir !== undefined;
  const dir = path.resolve(
    options.dataDir ??
      path.join(repoRoot, 'bench', '.cache', 'kafka', `run-${Date.now()}-${randomBytes(3).toString('hex')}`),
  );
  const keep = options.keepDataDir ?? givenDir;
  const logDirs = path.join(dir, 'data');
  const logsDir = path.join(dir, 'logs');
  fs.rmSync(logDirs, { recursive: true, force: true });
  fs.mkdirSync(logsDir, { recursive: true });

  const props = {
    ...serverProperties({ host, port, controllerPort, advertisedListeners, logDirs }),
    ...(options.config ?? {}),
  };
  const propsFile = path.join(dir, 'server.properties');
  fs.writeFileSync(propsFile, toProperties(props));
  const log4jFile = path.join(dir, 'log4j2.xml');
  fs.writeFileSync(log4jFile, LOG4J2_XML);

  const cp = path.join(libsDir, '*');
  const common = [`-Dlog4j2.configurationFile=${log4jFile}`, `-Dkafka.logs.dir=${logsDir}`, '-cp', cp];
  const clusterId = execFileSync(java, [...common, 'kafka.tools.StorageTool', 'random-uuid'], {
    encoding: 'utf8',
  }).trim();
  execFileSync(
    java,
    [...common, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', propsFile],
    { stdio: ['ignore', fs.openSync(path.join(logsDir, 'format.out'), 'w'), 'inherit'] },
  );

  const out = fs.openSync(path.join(logsDir, 'kafka.out'), 'a');
  const child = spawn(java, [...(options.jvmFlags ?? KAFKA_JVM_FLAGS), ...common, 'kafka.Kafka', propsFile], {
    stdio: ['ignore', out, out],
    detached: false,
  });
  fs.closeSync(out);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const stop = async (timeoutMs = 30000) => {
    if (exited === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exitPromise;
      clearTimeout(t);
    }
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    return exited;
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== null) {
      throw new Error(`Kafka exited during start-up (${JSON.stringify(exited)}); see ${logsDir}`);
    }
    if (await probeBroker(host, port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Kafka not ready on ${host}:${port} after ${readyTimeoutMs} ms; see ${logsDir}`);
    }
    await sleep(250);
  }

  return {
    pid: child.pid,
    host,
    port,
    controllerPort,
    bootstrap: `${host}:${port}`,
    clusterId,
    dir,
    logsDir,
    propsFile,
    exited: exitPromise,
    stop,
  };
}

function parseArgs(argv) {
  const o = { config: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${a} needs a value`);
      return next;
    };
    if (a === '--port') o.port = Number(v());
    else if (a === '--controller-port') o.controllerPort = Number(v());
    else if (a === '--host') o.host = v();
    else if (a === '--advertised') o.advertisedListeners = v();
    else if (a === '--data-dir') o.dataDir = v();
    else if (a === '--libs') o.libsDir = v();
    else if (a === '--set') {
      const kv = v();
      const eq = kv.indexOf('=');
      o.config[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const kafka = await startKafka(parseArgs(process.argv.slice(2)));
  console.log(`kafka ready on ${kafka.bootstrap} (pid ${kafka.pid}, dir ${kafka.dir})`);
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await kafka.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  kafka.exited.then((e) => {
    if (stopping) return;
    console.error(`kafka exited: ${JSON.stringify(e)}`);
    process.exit(1);
  });
}
