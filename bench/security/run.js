#!/usr/bin/env node
// Issue 16's security benchmark: Millrace vs Apache Kafka 4.4.0 over SASL_SSL (SCRAM-SHA-256,
// TLS 1.3), both configured the same way: one broker, the same certificates (made with openssl
// for this run), the same SCRAM user (added with Kafka's kafka-configs.sh), the same security
// settings in their server.properties, the same clients.
//
//   npm run build && node bench/security/run.js [options]
//
// Per round, per system (the order alternates between rounds), on a fresh data directory:
//   produce-1k   Kafka's ProducerPerformance over SASL_SSL: --records x 1 KiB, acks=1, 6 partitions
//   consume-1k   Kafka's ConsumerPerformance over SASL_SSL, reading what produce-1k wrote
//   connect      connections set up per second: each opens TLS 1.3, sends ApiVersions, runs the
//                SaslHandshake + SCRAM-SHA-256 exchange (client-first, client-final, the server's
//                signature checked), asks Metadata for one topic and closes; --parallel at a time,
//                --connections in all, with Millrace's own client (src/client), the same for both
// The broker's peak RSS and CPU seconds are read around each workload (bench/vs-kafka/proc.js).
// Each broker also has a PLAINTEXT listener, used only to create the topic and the SCRAM user.
// Writes bench/results/<date>-security[-smoke]-node<major>.json; BENCHMARKS.md is edited by hand.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_LIBS_DIR, KAFKA_JVM_PERFORMANCE_OPTS, startKafka } from '../../tools/kafka/kafka-process.js';
import { portFree, resourceMark, resourcesSince, round, run, sleep, tcpOpen } from '../vs-kafka/proc.js';
import { parseConsumerPerformance, parseProducerPerformance } from '../vs-kafka/workloads.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

const USAGE = `usage: node bench/security/run.js [options]
  --smoke               a short run to check the rig: 1 round, 20k records, 200 connections
  --rounds N            rounds (default 3; each runs Kafka and Millrace, alternating who goes first)
  --records N           1 KiB records produced and consumed (default 1000000)
  --connections N       SCRAM connections set up per connect run (default 2000)
  --parallel N          connections being set up at a time (default 16)
  --systems LIST        kafka,millrace (default both)
  --millrace-root DIR   a built Millrace (bin/millrace.js, dist/bundle; default this checkout, after npm run build)
  --node PATH           Node.js binary that runs Millrace (default the one running this script)
  --kafka-libs DIR      Apache Kafka 4.4.0 jars (default bench/.cache/kafka/libs, tools/kafka/fetch.sh)
  --port N              first of five ports (default 29192, moved up until all are free)
  --out FILE            results file (default bench/results/<date>-security[-smoke]-node<major>.json)`;

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    records: { type: 'string' },
    connections: { type: 'string' },
    parallel: { type: 'string', default: '16' },
    systems: { type: 'string', default: 'kafka,millrace' },
    'millrace-root': { type: 'string', default: repoRoot },
    node: { type: 'string', default: process.execPath },
    'kafka-libs': { type: 'string', default: DEFAULT_LIBS_DIR },
    port: { type: 'string', default: '29192' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const positive = (name, text, fallback) => {
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not ${text}\n${USAGE}`);
  return n;
};
const o = {
  smoke: args.smoke,
  rounds: positive('rounds', args.rounds, args.smoke ? 1 : 3),
  records: positive('records', args.records, args.smoke ? 20_000 : 1_000_000),
  connections: positive('connections', args.connections, args.smoke ? 200 : 2000),
  parallel: positive('parallel', args.parallel),
  systems: args.systems.split(','),
  millraceRoot: path.resolve(args['millrace-root']),
  node: path.resolve(args.node),
  kafkaLibs: path.resolve(args['kafka-libs']),
  port: positive('port', args.port),
};
for (const s of o.systems) if (s !== 'kafka' && s !== 'millrace') throw new Error(`unknown system ${s}\n${USAGE}`);

const HOST = '127.0.0.1';
const TOPIC = 'sec-1k';
const USER = 'bench';
const PASSWORD = 'bench-secret';
const MECHANISM = 'SCRAM-SHA-256';
const work = path.join(repoRoot, '.tmp', 'bench-security');

function log(msg) {
  process.stderr.write(`[security ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** CA, server certificate (P-256, for 127.0.0.1) and Kafka's PEM key store file: key, then the chain. */
function makeCerts(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const openssl = (a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=millrace-bench-ca', '-days', '7']);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '7', '-extfile', 'server.ext']);
  const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
  const keystore = path.join(dir, 'server.keystore.pem');
  fs.writeFileSync(keystore, read('server.key') + read('server.crt') + read('ca.crt'));
  return { ca: path.join(dir, 'ca.crt'), caPem: read('ca.crt'), keystore };
}

/** The security settings both brokers get, in Kafka's names. */
function securitySettings(certs) {
  return {
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.keystore,
    'ssl.protocol': 'TLSv1.3',
    'ssl.enabled.protocols': 'TLSv1.3',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': MECHANISM,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
  };
}

/** The Java tools' client settings for the SASL_SSL listener. */
function clientProperties(dir, certs) {
  const file = path.join(dir, 'client.properties');
  fs.writeFileSync(file, [
    'security.protocol=SASL_SSL',
    `sasl.mechanism=${MECHANISM}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${USER}" password="${PASSWORD}";`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certs.ca}`,
    'ssl.enabled.protocols=TLSv1.3',
    'ssl.protocol=TLSv1.3',
    '',
  ].join('\n'));
  return file;
}

const toProperties = (obj) => Object.entries(obj).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';

async function startKafkaBroker(dir, certs) {
  const [plain, secure, controller] = [o.port, o.port + 1, o.port + 2];
  const b = await startKafka({
    host: HOST,
    port: plain,
    controllerPort: controller,
    advertisedListeners: `PLAINTEXT://${HOST}:${plain},SASL_SSL://${HOST}:${secure}`,
    dataDir: dir,
    keepDataDir: false,
    libsDir: o.kafkaLibs,
    config: {
      listeners: `PLAINTEXT://${HOST}:${plain},SASL_SSL://${HOST}:${secure},CONTROLLER://${HOST}:${controller}`,
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
      ...securitySettings(certs),
    },
  });
  return { pid: b.pid, plain: b.bootstrap, secure: `${HOST}:${secure}`, stop: () => b.stop(), logs: b.logsDir };
}

async function startMillraceBroker(dir, certs) {
  const [plain, secure] = [o.port + 3, o.port + 4];
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const props = path.join(dir, 'server.properties');
  fs.writeFileSync(props, toProperties({
    listeners: `PLAINTEXT://${HOST}:${plain},SASL_SSL://${HOST}:${secure}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
    'log.dirs': path.join(dir, 'data'),
    'offsets.topic.replication.factor': 1,
    ...securitySettings(certs),
  }));
  const out = fs.openSync(path.join(dir, 'millrace.out'), 'a');
  const child = spawn(o.node, [path.join(o.millraceRoot, 'bin', 'millrace.js'), 'start', '--config', props], { cwd: dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = false;
  const exit = new Promise((resolve) => child.on('exit', () => {
    exited = true;
    resolve();
  }));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(t);
    }
    fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (!(await tcpOpen(HOST, secure, 200))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`Millrace did not open ${HOST}:${secure}; see ${dir}/millrace.out`);
    }
    await sleep(50);
  }
  return { pid: /** @type {number} */ (child.pid), plain: `${HOST}:${plain}`, secure: `${HOST}:${secure}`, stop, logs: dir };
}

function java(heap, mainClass, toolArgs, logFile, timeoutMs = 900_000) {
  return run('java', [heap, ...KAFKA_JVM_PERFORMANCE_OPTS, '-cp', path.join(o.kafkaLibs, '*'), mainClass, ...toolArgs], { logFile, timeoutMs });
}

const lastLines = (text, n = 3) => text.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-n).join(' | ');

/** The topic (TopicCommand) and the SCRAM user (ConfigCommand, as kafka-configs.sh), over the PLAINTEXT listener. */
async function prepare(b, logFile) {
  const topic = await java('-Xmx256M', 'org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', b.plain, '--create', '--topic', TOPIC, '--partitions', '6', '--replication-factor', '1'], logFile, 120_000);
  if (topic.code !== 0) throw new Error(`creating ${TOPIC}: ${lastLines(topic.stdout + topic.stderr)}`);
  const user = await java('-Xmx256M', 'org.apache.kafka.tools.ConfigCommand', ['--bootstrap-server', b.plain, '--alter', '--add-config', `${MECHANISM}=[iterations=4096,password=${PASSWORD}]`, '--entity-type', 'users', '--entity-name', USER], logFile, 120_000);
  if (user.code !== 0) throw new Error(`adding the SCRAM user: ${lastLines(user.stdout + user.stderr)}`);
}

async function producePerf(b, ctx) {
  const r = await java('-Xmx512M', 'org.apache.kafka.tools.ProducerPerformance', [
    '--bootstrap-server', b.secure, '--topic', TOPIC, '--num-records', String(o.records), '--record-size', '1024', '--throughput', '-1',
    '--command-config', ctx.clientProps, '--command-property', 'acks=1',
  ], ctx.logFile);
  const m = parseProducerPerformance(r.stdout);
  if (!m) throw new Error(`no summary line (exit ${r.code}): ${lastLines(r.stdout + r.stderr)}`);
  if (m.records !== o.records) throw new Error(`sent ${m.records} of ${o.records}`);
  return { mb_per_s: m.mb_per_s, records_per_s: m.records_per_s, p50_ms: m.p50_ms, p99_ms: m.p99_ms, p999_ms: m.p999_ms };
}

async function consumePerf(b, ctx) {
  const r = await java('-Xmx512M', 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server', b.secure, '--topic', TOPIC, '--messages', String(o.records), '--timeout', '30000', '--command-config', ctx.clientProps,
  ], ctx.logFile);
  const m = parseConsumerPerformance(r.stdout);
  if (!m) throw new Error(`no result line (exit ${r.code}): ${lastLines(r.stdout + r.stderr)}`);
  if (m['data.consumed.in.nMsg'] !== o.records) throw new Error(`consumed ${m['data.consumed.in.nMsg']} of ${o.records}`);
  // fetch.*: the tool's figures after the group join, as bench/vs-kafka reports them.
  return { mb_per_s: m['fetch.MB.sec'], records_per_s: m['fetch.nMsg.sec'], total_mb_per_s: m['MB.sec'] };
}

/** Connections set up per second: TLS, ApiVersions, SCRAM-SHA-256, Metadata, close; --parallel at a time. */
async function connectRate(b, ctx) {
  const { BrokerConnection } = await import(path.join(o.millraceRoot, 'dist', 'src', 'client', 'connection.js'));
  const { ApiKey } = await import(path.join(o.millraceRoot, 'dist', 'src', 'protocol', 'generated', 'api-keys.js'));
  const [host, port] = [HOST, Number(b.secure.split(':')[1])];
  const options = { clientId: 'bench-connect', tls: { ca: [ctx.caPem], minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }, sasl: { mechanism: MECHANISM, username: USER, password: PASSWORD } };
  const setupMs = [];
  let next = 0;
  let failures = 0;
  let firstError = null;
  async function worker() {
    while (next < o.connections) {
      next++;
      const t0 = performance.now();
      try {
        const conn = await BrokerConnection.connect(host, port, options);
        const md = await conn.request(ApiKey.Metadata, { topics: [{ topicId: Buffer.alloc(16), name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, includeClusterAuthorizedOperations: false }, 12);
        conn.close();
        if (md.topics[0]?.errorCode !== 0) throw new Error(`Metadata error ${md.topics[0]?.errorCode}`);
        setupMs.push(performance.now() - t0);
      } catch (e) {
        failures++;
        firstError ??= e.message;
      }
    }
  }
  const start = performance.now();
  await Promise.all(Array.from({ length: o.parallel }, worker));
  const seconds = (performance.now() - start) / 1000;
  if (failures > 0) throw new Error(`${failures} of ${o.connections} connections failed, first: ${firstError}`);
  setupMs.sort((a, b2) => a - b2);
  const pct = (p) => round(setupMs[Math.min(setupMs.length - 1, Math.floor(p * setupMs.length))], 2);
  return { connections_per_s: round(o.connections / seconds, 1), connections: o.connections, parallel: o.parallel, p50_ms: pct(0.5), p99_ms: pct(0.99) };
}

const WORKLOADS = [
  { name: 'produce-1k', run: producePerf, description: `ProducerPerformance over SASL_SSL ${MECHANISM}, TLS 1.3: 1 KiB records, acks=1, 6 partitions, --throughput -1` },
  { name: 'consume-1k', run: consumePerf, description: 'ConsumerPerformance over SASL_SSL (same settings) of the produce-1k records; fetch.* figures (after the group join)' },
  { name: 'connect', run: connectRate, description: `TLS 1.3 + ApiVersions + SaslHandshake/SaslAuthenticate ${MECHANISM} + Metadata, then close; Millrace's client (src/client), the same for both` },
];

async function runSystem(system, roundNo, certs, runs) {
  const dir = path.join(work, `${system}-r${roundNo}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(work, `${system}-r${roundNo}.tools.log`);
  fs.rmSync(logFile, { force: true });
  log(`round ${roundNo}: ${system} starting`);
  const b = system === 'kafka' ? await startKafkaBroker(dir, certs) : await startMillraceBroker(dir, certs);
  try {
    await prepare(b, logFile);
    const ctx = { logFile, clientProps: clientProperties(work, certs), caPem: certs.caPem };
    for (const w of WORKLOADS) {
      execFileSync('sync');
      const load1 = round(os.loadavg()[0], 2);
      const mark = resourceMark(b.pid);
      try {
        const m = await w.run(b, ctx);
        runs.push({ system, workload: w.name, round: roundNo, ...m, ...resourcesSince(mark), load1 });
        log(`round ${roundNo}: ${system} ${w.name}: ${JSON.stringify(m)}`);
      } catch (e) {
        runs.push({ system, workload: w.name, round: roundNo, error: e.message, ...resourcesSince(mark), load1 });
        log(`round ${roundNo}: ${system} ${w.name} FAILED: ${e.message} (see ${logFile}, ${b.logs})`);
      }
    }
  } finally {
    await b.stop();
    log(`round ${roundNo}: ${system} stopped`);
  }
}

function median(xs) {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  const t0 = performance.now();
  if (o.systems.includes('millrace') && !fs.existsSync(path.join(o.millraceRoot, 'dist', 'bundle', 'cli', 'main.js'))) {
    throw new Error(`${o.millraceRoot} has no dist/bundle/cli/main.js: run npm run build there, or pass --millrace-root`);
  }
  if (!fs.existsSync(path.join(o.kafkaLibs, '.complete'))) throw new Error(`no Kafka jars in ${o.kafkaLibs}: run tools/kafka/fetch.sh, or pass --kafka-libs`);
  for (let tries = 0; ; tries++) {
    const free = await Promise.all([0, 1, 2, 3, 4].map((i) => portFree(HOST, o.port + i)));
    if (free.every(Boolean)) break;
    if (tries === 20) throw new Error('no five free ports; pass --port');
    o.port += 5;
  }
  fs.rmSync(work, { recursive: true, force: true });
  const certs = makeCerts(path.join(work, 'certs'));
  const runs = [];
  for (let r = 1; r <= o.rounds; r++) {
    const order = r % 2 === 1 ? o.systems : [...o.systems].reverse();
    for (const system of order) {
      try {
        await runSystem(system, r, certs, runs);
      } catch (e) {
        log(`round ${r}: ${system} aborted: ${e.message}`);
        runs.push({ system, workload: 'start', round: r, error: e.message });
      }
    }
  }
  const summary = {};
  for (const w of WORKLOADS) {
    for (const system of o.systems) {
      const mine = runs.filter((x) => x.system === system && x.workload === w.name && x.error === undefined);
      summary[`${system} ${w.name}`] = w.name === 'connect'
        ? { connections_per_s: median(mine.map((x) => x.connections_per_s)), runs: mine.length }
        : { mb_per_s: median(mine.map((x) => x.mb_per_s)), runs: mine.length };
    }
  }
  const nodeVersion = execFileSync(o.node, ['-v'], { encoding: 'utf8' }).trim();
  const out = args.out ?? path.join(repoRoot, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}-security${o.smoke ? '-smoke' : ''}-node${nodeVersion.replace(/^v(\d+).*/, '$1')}.json`);
  const result = {
    name: 'security',
    description: "Issue 16: Millrace vs Apache Kafka over SASL_SSL (SCRAM-SHA-256, TLS 1.3), one broker each, Kafka's perf tools",
    smoke: o.smoke,
    date: new Date().toISOString(),
    duration_s: Math.round((performance.now() - t0) / 1000),
    command: `node bench/security/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    options: { rounds: o.rounds, records: o.records, record_bytes: 1024, connections: o.connections, parallel: o.parallel },
    machine: { cpu: os.cpus()[0]?.model ?? null, cores: os.cpus().length, memory_gb: round(os.totalmem() / 2 ** 30, 1), node_millrace: nodeVersion, kafka: fs.readFileSync(path.join(o.kafkaLibs, '.complete'), 'utf8').trim(), loadavg_end: os.loadavg().map((x) => round(x, 2)) },
    settings: { both: securitySettings({ keystore: '<server.keystore.pem>' }), client: 'security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-256, ScramLoginModule, PEM trust store, TLSv1.3' },
    workloads: WORKLOADS.map(({ name, description }) => ({ name, description })),
    summary_medians: summary,
    runs,
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${path.relative(repoRoot, out)} in ${result.duration_s} s`);
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((e) => {
  log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
