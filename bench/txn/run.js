#!/usr/bin/env node
// Issue 15's benchmarks, Apache Kafka and Millrace side by side on this machine:
// - transactions per second with 1, 10 and 100 partitions per transaction (TxnBench.java, the
//   Java client: one transactional producer, one 100 B record per partition, commit);
// - consume MB/s with read_committed against read_uncommitted (Kafka's ConsumerPerformance)
//   over 500,000 × 1 KiB records written by ProducerPerformance in transactions of 100 ms.
//
//   npm run build && node bench/txn/run.js [--rounds N] [--seconds S] [--records N] [--node PATH] [--out FILE] [--millrace-root DIR]
//
// Millrace runs from this checkout (bin/millrace.js over dist/: build first), or --millrace-root; Kafka from the
// jars of tools/kafka/fetch.sh. Each round starts each system on a fresh data directory (the
// order alternates). Results: bench/results/<date>-txn-node<major>.json, and a table on stdout.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIBS_DIR, KAFKA_JVM_PERFORMANCE_OPTS } from '../../tools/kafka/kafka-process.js';
import { compileJavaDriver, resourceMark, resourcesSince, round, run } from '../vs-kafka/proc.js';
import { median } from '../report/vs-kafka.js';
import { spawnKafka, spawnMillrace, waitFirstAck } from '../vs-kafka/systems.js';
import { parseConsumerPerformance, parseProducerPerformance } from '../vs-kafka/workloads.js';
import { readOptions } from '../../tools/cli-args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const cacheDir = path.join(repoRoot, 'bench', '.cache', 'txn');
const PARTITIONS_PER_TXN = [1, 10, 100];

function parseArgs(argv) {
  const { values: v } = readOptions(argv, {
    rounds: { type: 'number', default: '2' },
    seconds: { type: 'number', default: '10' },
    records: { type: 'number', default: '500000' },
    node: { type: 'string' },
    out: { type: 'string' },
    port: { type: 'number', default: '29192' },
    'millrace-root': { type: 'string' },
  });
  return {
    rounds: v.rounds, seconds: v.seconds, records: v.records, port: v.port,
    node: v.node === undefined ? process.execPath : path.resolve(v.node),
    out: v.out === undefined ? undefined : path.resolve(v.out),
    root: v['millrace-root'] === undefined ? repoRoot : path.resolve(v['millrace-root']),
  };
}

const log = (m) => process.stderr.write(`[txn-bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

function compileBench() {
  return compileJavaDriver(path.join(here, 'TxnBench.java'), path.join(cacheDir, 'classes'), DEFAULT_LIBS_DIR);
}

function java(mainClass, args, { classes, heap = '-Xmx512M', timeoutMs = 600000 } = {}) {
  const cp = classes ? `${classes}${path.delimiter}${path.join(DEFAULT_LIBS_DIR, '*')}` : path.join(DEFAULT_LIBS_DIR, '*');
  return run('java', [heap, ...KAFKA_JVM_PERFORMANCE_OPTS, '-cp', cp, mainClass, ...args], { timeoutMs });
}

async function createTopic(bootstrap, name, partitions) {
  const r = await java('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', bootstrap, '--create', '--topic', name,
    '--partitions', String(partitions), '--replication-factor', '1'], { heap: '-Xmx256M', timeoutMs: 120000 });
  if (r.code !== 0) throw new Error(`creating ${name}: ${r.stderr.slice(-500)}`);
}

async function measureSystem(system, roundNo, o, classes, runs) {
  const host = '127.0.0.1';
  const dir = path.join(cacheDir, 'run', `${system}-r${roundNo}`);
  const logsDir = path.join(cacheDir, 'logs', `${system}-r${roundNo}`);
  const port = system === 'kafka' ? o.port : o.port + 2;
  const b = system === 'kafka'
    ? await spawnKafka({ dir, logsDir, host, port, controllerPort: o.port + 1 })
    : await spawnMillrace({ dir, logsDir, host, port, node: o.node, root: o.root });
  try {
    await waitFirstAck(b, { host, port, logFile: path.join(logsDir, 'tools.log') });
    await createTopic(b.bootstrap, 'txn-bench', 100);
    await createTopic(b.bootstrap, 'txn-consume', 6);
    for (const p of PARTITIONS_PER_TXN) {
      const mark = resourceMark(b.pid);
      const r = await java('TxnBench', [b.bootstrap, 'txn-bench', String(p), String(o.seconds)], { classes });
      const res = resourcesSince(mark);
      const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
      if (r.code !== 0 || line === undefined) throw new Error(`TxnBench ${p} on ${system}: exit ${r.code} ${r.stderr.slice(-800)}`);
      const m = JSON.parse(line);
      runs.push({ system, round: roundNo, workload: `txn-${p}-partitions`, ...m, cpu_s: res.cpu_s, rss_mb: res.rss_mb });
      log(`round ${roundNo}: ${system} ${p} partition(s)/txn: ${m.txn_per_s} txn/s, p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms, broker cpu ${res.cpu_s} s`);
    }
    const pp = await java('org.apache.kafka.tools.ProducerPerformance', ['--topic', 'txn-consume', '--num-records', String(o.records),
      '--record-size', '1024', '--throughput', '-1', '--transactional-id', `txn-fill-${roundNo}`, '--transaction-duration-ms', '100',
      '--producer-props', `bootstrap.servers=${b.bootstrap}`]);
    const produced = parseProducerPerformance(pp.stdout);
    if (pp.code !== 0 || produced === null) throw new Error(`ProducerPerformance on ${system}: ${pp.stderr.slice(-800)}`);
    runs.push({ system, round: roundNo, workload: 'produce-1k-transactional', mb_per_s: produced.mb_per_s, records_per_s: produced.records_per_s });
    const isolations = roundNo % 2 === 1 ? ['read_uncommitted', 'read_committed'] : ['read_committed', 'read_uncommitted'];
    for (const isolation of isolations) {
      const config = path.join(dir, `${isolation}.properties`);
      fs.writeFileSync(config, `isolation.level=${isolation}\n`);
      const mark = resourceMark(b.pid);
      const r = await java('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', b.bootstrap, '--topic', 'txn-consume',
        '--messages', String(o.records), '--timeout', '30000', '--command-config', config, '--group', `txn-consume-${isolation}-${roundNo}`]);
      const res = resourcesSince(mark);
      const m = parseConsumerPerformance(r.stdout);
      if (m === null) throw new Error(`ConsumerPerformance ${isolation} on ${system}: ${r.stderr.slice(-800)}`);
      runs.push({ system, round: roundNo, workload: `consume-1k-${isolation}`, mb_per_s: round(m['fetch.MB.sec'], 2),
        records: m['data.consumed.in.nMsg'], cpu_s: res.cpu_s });
      log(`round ${roundNo}: ${system} consume ${isolation}: ${round(m['fetch.MB.sec'], 2)} MB/s (${m['data.consumed.in.nMsg']} records)`);
    }
  } finally {
    await b.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const fetched = await run('bash', [path.join(repoRoot, 'tools', 'kafka', 'fetch.sh')], { timeoutMs: 600000 });
  if (fetched.code !== 0) throw new Error(`tools/kafka/fetch.sh failed: ${fetched.stderr}`);
  const classes = compileBench();
  const runs = [];
  const started = new Date();
  for (let r = 1; r <= o.rounds; r++) {
    for (const system of r % 2 === 1 ? ['kafka', 'millrace'] : ['millrace', 'kafka']) await measureSystem(system, r, o, classes, runs);
  }
  const nodeVersion = execFileSync(o.node, ['-v'], { encoding: 'utf8' }).trim();
  const commit = execFileSync('git', ['-C', o.root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const workloads = [...new Set(runs.map((x) => x.workload))];
  const summary = workloads.map((w) => {
    const row = { workload: w };
    for (const s of ['kafka', 'millrace']) {
      const rs = runs.filter((x) => x.workload === w && x.system === s);
      row[s] = w.startsWith('txn-') ? median(rs.map((x) => x.txn_per_s)) : median(rs.map((x) => x.mb_per_s));
      if (w.startsWith('txn-')) row[`${s}_p99_ms`] = median(rs.map((x) => x.p99_ms));
    }
    row.ratio = row.kafka && row.millrace ? round(row.millrace / row.kafka, 2) : null;
    return row;
  });
  const out = o.out ?? path.join(repoRoot, 'bench', 'results', `${started.toISOString().slice(0, 10)}-txn-node${nodeVersion.replace(/^v(\d+).*/, '$1')}.json`);
  fs.writeFileSync(out, JSON.stringify({
    name: 'txn', description: 'Issue 15: transactions per second (1, 10, 100 partitions per transaction) and read_committed vs read_uncommitted consume, Kafka and Millrace',
    date: started.toISOString().slice(0, 10), command: `node bench/txn/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node_millrace: nodeVersion, kafka: 'Apache Kafka 4.4.0 (single-node KRaft)' },
    millrace: { commit }, rounds: o.rounds, seconds: o.seconds, records: o.records, summary, runs,
  }, null, 2) + '\n');
  log(`wrote ${path.relative(repoRoot, out)}`);
  console.log('| workload | Kafka | Millrace | Millrace / Kafka |');
  console.log('| --- | --- | --- | --- |');
  for (const r of summary) {
    const unit = r.workload.startsWith('txn-') ? 'txn/s' : 'MB/s';
    const f = (x) => (x === null ? '–' : round(x, 1));
    const p99 = r.workload.startsWith('txn-') ? [` (p99 ${f(r.kafka_p99_ms)} ms)`, ` (p99 ${f(r.millrace_p99_ms)} ms)`] : ['', ''];
    console.log(`| ${r.workload} | ${f(r.kafka)} ${unit}${p99[0]} | ${f(r.millrace)} ${unit}${p99[1]} | ${r.ratio ?? '–'}× |`);
  }
}

main().catch((e) => {
  log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
