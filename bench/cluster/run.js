#!/usr/bin/env node
// Issue 14's benchmarks: a 3-broker Apache Kafka (KRaft) and a 3-broker Millrace (etcd) side by
// side on this machine, in alternating rounds, each round on fresh clusters:
// - produce MB/s and p50/p99 latency: Kafka's ProducerPerformance, 1 KiB records, acks=all,
//   into a topic of 6 partitions with replication factor 3 and min.insync.replicas=2;
// - failover: FailoverBench.java (the Java client, acks=all, one record at a time to partition 0
//   of a 1-partition RF=3 topic); the partition's leader is killed with SIGKILL; the time from
//   the kill to the acknowledgement of the first record sent after it;
// - Millrace only: etcd's writes per second (raft proposals committed, store revisions) over an
//   idle window after the topics exist, and during the produce load.
//
//   npm run build && node bench/cluster/run.js [--rounds N] [--records N] [--idle-seconds S]
//       [--node PATH] [--millrace-root DIR] [--kafka-mode separate|combined] [--kafka-heap 1G] [--systems kafka,millrace]
//       [--quick] [--out FILE] [--no-report]
//
// Millrace runs from this checkout (bin/millrace.js over dist/: build first) or --millrace-root,
// with the Node binary --node (default: the one running this script). Kafka runs from the jars of
// tools/kafka/fetch.sh (tools/kafka/kafka-process.js startKafkaCluster). Results:
// bench/results/<date>-cluster[-quick]-node<major>.json; a full run (not --quick, both systems)
// regenerates the cluster section of BENCHMARKS.md with bench/report/cluster.js.

import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CLUSTER_HEAP_FLAGS, DEFAULT_LIBS_DIR, KAFKA_JVM_PERFORMANCE_OPTS, startKafkaCluster } from '../../tools/kafka/kafka-process.js';
import { compileJavaDriver, cpuSeconds, round, run, sleep } from '../vs-kafka/proc.js';
import { median } from '../report/vs-kafka.js';
import { parseProducerPerformance } from '../vs-kafka/workloads.js';
import { etcdWriteCounters, etcdWriteRates, millraceController, startMillraceCluster } from './millrace-cluster.js';
import { regenerate } from '../report/cluster.js';
import { readOptions } from '../../tools/cli-args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const cacheDir = path.join(repoRoot, 'bench', '.cache', 'cluster');
const PRODUCE_TOPIC = 'perf-rf3';
const FAILOVER_TOPIC = 'failover-rf3';
/** Topic settings of both topics, on both systems. */
const TOPIC_ARGS = ['--replication-factor', '3', '--config', 'min.insync.replicas=2'];

function parseArgs(argv) {
  const { values: v } = readOptions(argv, {
    rounds: { type: 'number', default: '3' },
    records: { type: 'number', default: '1000000' },
    'idle-seconds': { type: 'number', default: '60' },
    node: { type: 'string' },
    'millrace-root': { type: 'string' },
    'kafka-mode': { type: 'string', default: 'separate' },
    'kafka-heap': { type: 'string' },
    systems: { type: 'string', default: 'kafka,millrace' },
    out: { type: 'string' },
    'no-report': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  });
  const o = {
    rounds: v.rounds, records: v.records, idleSeconds: v['idle-seconds'],
    node: v.node === undefined ? process.execPath : path.resolve(v.node),
    root: v['millrace-root'] === undefined ? repoRoot : path.resolve(v['millrace-root']),
    kafkaMode: v['kafka-mode'], systems: v.systems.split(','), quick: v.quick,
    out: v.out === undefined ? undefined : path.resolve(v.out), report: !v['no-report'],
    failoverTimeoutS: 120, kafkaHeap: v['kafka-heap'] ?? null,
  };
  if (o.quick) {
    o.rounds = 1;
    o.records = 100_000;
    o.idleSeconds = 10;
  }
  if (!['separate', 'combined'].includes(o.kafkaMode)) throw new Error('--kafka-mode is separate or combined');
  if (o.kafkaHeap !== null && !/^\d+[kKmMgG]$/.test(o.kafkaHeap)) throw new Error('--kafka-heap is a JVM size such as 1G or 512M');
  return o;
}

/** Every Kafka JVM's flags: Kafka's KAFKA_JVM_PERFORMANCE_OPTS with CLUSTER_HEAP_FLAGS, or --kafka-heap for -Xmx and -Xms. */
function kafkaJvmFlags(o) {
  return [...(o.kafkaHeap === null ? CLUSTER_HEAP_FLAGS : [`-Xmx${o.kafkaHeap}`, `-Xms${o.kafkaHeap}`]), ...KAFKA_JVM_PERFORMANCE_OPTS];
}

const log = (m) => process.stderr.write(`[cluster-bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

function compileDriver() {
  return compileJavaDriver(path.join(here, 'FailoverBench.java'), path.join(cacheDir, 'classes'), DEFAULT_LIBS_DIR);
}

function javaArgs(heap, mainClass, args, classes) {
  const cp = classes ? `${classes}${path.delimiter}${path.join(DEFAULT_LIBS_DIR, '*')}` : path.join(DEFAULT_LIBS_DIR, '*');
  return [heap, ...KAFKA_JVM_PERFORMANCE_OPTS, '-cp', cp, mainClass, ...args];
}

async function createTopic(bootstrap, name, partitions, logFile) {
  const r = await run('java', javaArgs('-Xmx256M', 'org.apache.kafka.tools.TopicCommand', [
    '--bootstrap-server', bootstrap, '--create', '--topic', name, '--partitions', String(partitions), ...TOPIC_ARGS,
  ]), { timeoutMs: 120000, logFile });
  if (r.code !== 0) throw new Error(`creating ${name}: ${r.stderr.slice(-500)}`);
}

/** CPU seconds of a set of processes (those still alive). */
function cpuOf(pids) {
  return pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
}

/**
 * Runs FailoverBench, kills the leader it reports with SIGKILL, and returns its figures.
 * @param {{bootstrap: string, signal: (nodeId: number, signal: NodeJS.Signals) => void}} cluster
 */
function measureFailover(cluster, classes, timeoutS, logFile) {
  return new Promise((resolve, reject) => {
    const child = spawn('java', javaArgs('-Xmx256M', 'FailoverBench', [cluster.bootstrap, FAILOVER_TOPIC, String(timeoutS)], classes), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const err = [];
    child.stderr.on('data', (d) => err.push(d));
    let killed = null;
    let result = null;
    const watchdog = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 120) * 1000);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      fs.appendFileSync(logFile, `FailoverBench: ${line}\n`);
      if (!line.startsWith('{')) return;
      const m = JSON.parse(line);
      if (m.ready) {
        killed = m.leader;
        const at = Date.now();
        try {
          cluster.signal(m.leader, 'SIGKILL');
        } catch (e) {
          child.kill('SIGKILL'); // no such broker (no leader?): the close handler reports it
          err.push(Buffer.from(`\nrig: could not kill the leader ${m.leader}: ${e instanceof Error ? e.message : String(e)}`));
          return;
        }
        child.stdin.write(`kill ${at}\n`);
        log(`  killed the leader of ${FAILOVER_TOPIC}-0, broker ${m.leader} (SIGKILL)`);
      } else result = m;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(watchdog);
      fs.appendFileSync(logFile, `FailoverBench exit ${code}\n${Buffer.concat(err).toString().slice(-20000)}\n`);
      if (result === null) reject(new Error(`FailoverBench gave no result (exit ${code}): ${Buffer.concat(err).toString().slice(-800)}`));
      else resolve({ killed_node: killed, ...result });
    });
  });
}

async function startSystem(system, roundNo, o) {
  const dir = path.join(cacheDir, 'run', `${system}-r${roundNo}`);
  fs.rmSync(dir, { recursive: true, force: true });
  if (system === 'kafka') {
    const k = await startKafkaCluster({ brokers: 3, mode: o.kafkaMode, dataDir: dir, keepDataDir: true, jvmFlags: kafkaJvmFlags(o) });
    return {
      bootstrap: k.bootstrap, signal: k.signal, stop: k.stop, dir,
      brokerPids: k.nodes.filter((n) => n.roles.includes('broker')).map((n) => n.pid),
      metadataPids: k.nodes.filter((n) => n.roles === 'controller').map((n) => n.pid),
      etcdEndpoint: null,
    };
  }
  const m = await startMillraceCluster({ dir, brokers: 3, node: o.node, root: o.root });
  return {
    bootstrap: m.bootstrap, signal: m.signal, stop: m.stop, dir,
    brokerPids: m.nodes.map((n) => n.pid), metadataPids: [m.etcdPid], etcdEndpoint: m.etcdEndpoint,
  };
}

/**
 * Removes the data a round wrote (gigabytes of replicated log, etcd's data) and keeps every
 * process's logs: below `dir`, folders named `logs` and folders holding one stay (recursively),
 * other folders go; files (server.properties and the like) stay.
 */
function removeData(dir) {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === 'logs') continue;
    const p = path.join(dir, e.name);
    if (fs.existsSync(path.join(p, 'logs'))) removeData(p);
    else fs.rmSync(p, { recursive: true, force: true });
  }
}

async function measureSystem(system, roundNo, o, classes, runs) {
  const logsDir = path.join(cacheDir, 'logs', `${system}-r${roundNo}`);
  fs.rmSync(logsDir, { recursive: true, force: true });
  fs.mkdirSync(logsDir, { recursive: true });
  const logFile = path.join(logsDir, 'tools.log');
  const t0 = performance.now();
  const c = await startSystem(system, roundNo, o);
  const entry = (workload, fields) => runs.push({ system, round: roundNo, workload, load1: round(os.loadavg()[0], 2), ...fields });
  log(`round ${roundNo}: ${system} cluster up in ${Math.round(performance.now() - t0)} ms (${c.bootstrap})`);
  try {
    await createTopic(c.bootstrap, PRODUCE_TOPIC, 6, logFile);
    await createTopic(c.bootstrap, FAILOVER_TOPIC, 1, logFile);

    if (c.etcdEndpoint !== null) {
      await sleep(2000); // let the topic creations' own writes land before the idle window
      const before = await etcdWriteCounters(c.etcdEndpoint);
      await sleep(o.idleSeconds * 1000);
      const rates = etcdWriteRates(before, await etcdWriteCounters(c.etcdEndpoint));
      entry('etcd-idle', rates);
      log(`round ${roundNo}: ${system} etcd idle ${rates.seconds} s: ${rates.proposals_per_s} proposals/s, ${rates.revisions_per_s} revisions/s`);
    }

    const etcdBefore = c.etcdEndpoint === null ? null : await etcdWriteCounters(c.etcdEndpoint);
    const cpu0 = cpuOf(c.brokerPids);
    const meta0 = cpuOf(c.metadataPids);
    const pp = await run('java', javaArgs('-Xmx512M', 'org.apache.kafka.tools.ProducerPerformance', [
      '--topic', PRODUCE_TOPIC, '--num-records', String(o.records), '--record-size', '1024', '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${c.bootstrap}`, 'acks=all',
    ]), { timeoutMs: 1800000, logFile });
    const m = parseProducerPerformance(pp.stdout);
    if (m === null) throw new Error(`ProducerPerformance on ${system}: exit ${pp.code} ${pp.stderr.slice(-800)}`);
    const notes = [];
    if (pp.code !== 0) notes.push(`tool exit ${pp.code}`);
    if (m.records !== o.records) notes.push(`sent ${m.records} of ${o.records}`);
    entry('produce-1k-acksall-rf3', {
      ...m, record_bytes: 1024, elapsed_s: round(pp.ms / 1000, 2),
      cpu_s: round(cpuOf(c.brokerPids) - cpu0, 2),
      // combined Kafka nodes run the controller inside the brokers: no separate figure
      metadata_cpu_s: c.metadataPids.length === 0 ? null : round(cpuOf(c.metadataPids) - meta0, 2), notes,
    });
    log(`round ${roundNo}: ${system} produce ${m.mb_per_s} MB/s, p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms`);
    if (etcdBefore !== null && c.etcdEndpoint !== null) {
      const rates = etcdWriteRates(etcdBefore, await etcdWriteCounters(c.etcdEndpoint));
      entry('etcd-during-produce', rates);
      log(`round ${roundNo}: ${system} etcd during produce: ${rates.proposals_per_s} proposals/s, ${rates.revisions_per_s} revisions/s`);
    }

    const etcdBeforeFailover = c.etcdEndpoint === null ? null : await etcdWriteCounters(c.etcdEndpoint);
    const controller = c.etcdEndpoint === null ? null : await millraceController(c.etcdEndpoint);
    const f = await measureFailover(c, classes, o.failoverTimeoutS, logFile);
    // when the killed leader was also Millrace's controller, a new controller is elected first
    const failoverEntry = { ...f, ...(controller === null ? {} : { controller_node: controller }) };
    if (etcdBeforeFailover !== null && c.etcdEndpoint !== null) {
      const after = await etcdWriteCounters(c.etcdEndpoint);
      failoverEntry.etcd_proposals = after.proposals_committed - etcdBeforeFailover.proposals_committed;
      failoverEntry.etcd_revisions = after.revision - etcdBeforeFailover.revision;
    }
    entry('failover', failoverEntry);
    log(`round ${roundNo}: ${system} failover ${f.failover_ms} ms (first ack after the kill ${f.first_ack_after_kill_ms} ms)` +
      (controller === null ? '' : `; the controller was broker ${controller}`));
  } finally {
    await c.stop();
    removeData(c.dir);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const fetched = await run('bash', [path.join(repoRoot, 'tools', 'kafka', 'fetch.sh')], { timeoutMs: 600000 });
  if (fetched.code !== 0) throw new Error(`tools/kafka/fetch.sh failed: ${fetched.stderr}`);
  const classes = compileDriver();
  const runs = [];
  const started = new Date();
  const loadStart = os.loadavg().map((x) => round(x, 2));
  for (let r = 1; r <= o.rounds; r++) {
    const order = r % 2 === 1 ? ['kafka', 'millrace'] : ['millrace', 'kafka'];
    for (const system of order.filter((s) => o.systems.includes(s))) await measureSystem(system, r, o, classes, runs);
  }
  const nodeVersion = execFileSync(o.node, ['-v'], { encoding: 'utf8' }).trim();
  const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
  const commit = execFileSync('git', ['-C', o.root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const pick = (s, w, k) => median(runs.filter((x) => x.system === s && x.workload === w).map((x) => x[k]));
  const summary = {};
  for (const s of o.systems) {
    summary[s] = {
      mb_per_s: pick(s, 'produce-1k-acksall-rf3', 'mb_per_s'),
      p50_ms: pick(s, 'produce-1k-acksall-rf3', 'p50_ms'),
      p99_ms: pick(s, 'produce-1k-acksall-rf3', 'p99_ms'),
      failover_ms: pick(s, 'failover', 'failover_ms'),
      ...(s === 'millrace' ? {
        etcd_idle_proposals_per_s: pick(s, 'etcd-idle', 'proposals_per_s'),
        etcd_produce_proposals_per_s: pick(s, 'etcd-during-produce', 'proposals_per_s'),
      } : {}),
    };
  }
  const partial = !(o.systems.includes('kafka') && o.systems.includes('millrace'));
  const out = o.out ?? path.join(repoRoot, 'bench', 'results',
    `${started.toISOString().slice(0, 10)}-cluster${o.quick ? '-quick' : ''}-node${nodeVersion.replace(/^v(\d+).*/, '$1')}.json`);
  fs.writeFileSync(out, JSON.stringify({
    name: 'cluster',
    description: 'Issue 14: 3-broker Apache Kafka (KRaft) and 3-broker Millrace (etcd) on one machine: produce RF=3 acks=all, leader failover, etcd writes',
    date: started.toISOString().slice(0, 10),
    command: `node bench/cluster/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    quick: o.quick,
    partial,
    machine: {
      cpu: os.cpus()[0]?.model, cores: os.cpus().length, memory_gb: round(os.totalmem() / 2 ** 30, 1),
      node_millrace: nodeVersion, java: javaVersion.split('\n')[0] || undefined, loadavg_start: loadStart, loadavg_end: os.loadavg().map((x) => round(x, 2)),
    },
    kafka: {
      version: '4.4.0',
      layout: o.kafkaMode === 'separate' ? '1 controller-only node + 3 broker-only nodes (static quorum)' : '3 combined broker+controller nodes (static quorum of 3)',
      jvm_flags: kafkaJvmFlags(o).join(' '),
    },
    millrace: { commit, layout: '1 etcd member + 3 `millrace start` processes (metadata.store=etcd://...)' },
    method: {
      produce: `ProducerPerformance --num-records ${o.records} --record-size 1024 --throughput -1 acks=all; topic ${PRODUCE_TOPIC}: 6 partitions, replication factor 3, min.insync.replicas=2`,
      failover: `FailoverBench (Java client, acks=all, one record at a time) on ${FAILOVER_TOPIC}-0 (RF=3, min.insync.replicas=2); its leader killed with SIGKILL; failover_ms = kill -> ack of the first record sent after the kill`,
      etcd: `etcd /metrics: etcd_server_proposals_committed_total and the store revision, over ${o.idleSeconds} s idle after the topics exist and during the produce run`,
      order: 'rounds alternate which system goes first; each round starts fresh clusters',
    },
    rounds: o.rounds,
    records: o.records,
    summary,
    runs,
  }, null, 2) + '\n');
  log(`wrote ${path.relative(repoRoot, out)}`);
  if (o.report && !o.quick && !partial) log(`regenerated ${regenerate({ root: repoRoot }).join(', ')}`);
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((e) => {
  log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
