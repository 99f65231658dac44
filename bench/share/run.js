#!/usr/bin/env node
// Issue 17's share group benchmark: Millrace vs Apache Kafka 4.4.0 (one broker each, on this
// machine), records per second acknowledged by 1, 3 and 10 Java share consumers
// (KafkaShareConsumer, kafka-clients 4.4.0: ShareBench.java) on one partition. See README.md.
//
//   npm run build && node bench/share/run.js [--rounds N] [--records N] [--consumers 1,3,10]
//       [--ack implicit|explicit] [--systems kafka,millrace] [--node PATH] [--millrace-root DIR]
//       [--kafka-libs DIR] [--port N] [--timeout-s S] [--quick] [--out FILE]
//
// Per round, per system (the order alternates between rounds), on a fresh data directory:
// 1. the topic share-1k (1 partition) is created with TopicCommand;
// 2. each share group (one per consumer count) is set to share.auto.offset.reset=earliest with
//    ConfigCommand (kafka-configs.sh --entity-type groups) where the broker takes group configs
//    (the run entry's "start" says whether it did), and primed on both (ShareBench prime: its
//    share-partition made to exist on the still-empty topic, so that it starts before the
//    records, and the share-group state topic created, outside the clock);
// 3. ProducerPerformance writes --records records of 1 KiB (acks=all, the tool's defaults);
// 4. for each consumer count, ShareBench measure: the consumers, subscribed in advance, are
//    released into their first poll together; the clock stops when every consumer's final
//    commitSync() has returned after all records were delivered. Acknowledgement is Kafka's
//    default, implicit (--ack explicit: acknowledge(record, ACCEPT) for each). The broker's CPU
//    seconds and peak RSS are read around it.
// Writes bench/results/<date>-share[-quick]-node<major>.json; BENCHMARKS.md is edited by hand.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIBS_DIR, KAFKA_JVM_PERFORMANCE_OPTS } from '../../tools/kafka/kafka-process.js';
import { readOptions } from '../../tools/cli-args.js';
import { median } from '../report/vs-kafka.js';
import { resourceMark, resourcesSince, round, run } from '../vs-kafka/proc.js';
import { parseProducerPerformance } from '../vs-kafka/workloads.js';
import { HOST, prepareRig, rigRunInfo, runRounds, startSingleBroker } from './single-broker.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const cacheDir = path.join(repoRoot, 'bench', '.cache', 'share');
const TOPIC = 'share-1k';

const USAGE = `usage: node bench/share/run.js [options]
  --quick               a smoke run to check the rig: 1 round, 20,000 records
  --rounds N            rounds (default 3; each runs Kafka and Millrace, alternating who goes first)
  --records N           1 KiB records written, then consumed by each consumer count (default 500000)
  --consumers LIST      consumer counts (default 1,3,10)
  --ack MODE            implicit (Kafka's default) or explicit
  --systems LIST        kafka,millrace (default both)
  --node PATH           Node.js binary that runs Millrace (default the one running this script)
  --millrace-root DIR   a built Millrace (bin/millrace.js, dist/; default this checkout, after npm run build)
  --kafka-libs DIR      Apache Kafka 4.4.0 jars (default bench/.cache/kafka/libs, tools/kafka/fetch.sh)
  --port N              first of three ports (default 29292, moved up until all are free)
  --timeout-s S         give up on a measurement after S seconds (default 600)
  --out FILE            results file (default bench/results/<date>-share[-quick]-node<major>.json)`;

function parseArgs(argv) {
  const { values: v } = readOptions(argv, {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'number' },
    records: { type: 'number' },
    consumers: { type: 'string', default: '1,3,10' },
    ack: { type: 'string', default: 'implicit' },
    systems: { type: 'string', default: 'kafka,millrace' },
    node: { type: 'string' },
    'millrace-root': { type: 'string' },
    'kafka-libs': { type: 'string' },
    port: { type: 'number', default: '29292' },
    'timeout-s': { type: 'number', default: '600' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const o = {
    quick: v.quick,
    rounds: v.rounds ?? (v.quick ? 1 : 3),
    records: v.records ?? (v.quick ? 20_000 : 500_000),
    consumers: v.consumers.split(',').map(Number),
    ack: v.ack,
    systems: v.systems.split(','),
    node: v.node === undefined ? process.execPath : path.resolve(v.node),
    root: v['millrace-root'] === undefined ? repoRoot : path.resolve(v['millrace-root']),
    kafkaLibs: v['kafka-libs'] === undefined ? DEFAULT_LIBS_DIR : path.resolve(v['kafka-libs']),
    port: v.port,
    timeoutS: v['timeout-s'],
    out: v.out === undefined ? undefined : path.resolve(v.out),
  };
  for (const n of [o.rounds, o.records, o.port, o.timeoutS, ...o.consumers]) {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`counts, ports and times are positive integers\n${USAGE}`);
  }
  if (o.ack !== 'implicit' && o.ack !== 'explicit') throw new Error(`--ack is implicit or explicit\n${USAGE}`);
  for (const s of o.systems) if (s !== 'kafka' && s !== 'millrace') throw new Error(`unknown system ${s}\n${USAGE}`);
  return o;
}

const log = (m) => process.stderr.write(`[share-bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const lastLines = (text, n = 3) => text.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-n).join(' | ');

function java(o, heap, mainClass, args, { classes, logFile, timeoutMs = 600_000 } = {}) {
  const libs = path.join(o.kafkaLibs, '*');
  const cp = classes === undefined ? libs : `${classes}${path.delimiter}${libs}`;
  return run('java', [heap, ...KAFKA_JVM_PERFORMANCE_OPTS, '-cp', cp, mainClass, ...args], { logFile, timeoutMs });
}

const groupOf = (consumers, roundNo) => `share-bench-${consumers}-r${roundNo}`;

/**
 * Each group set to share.auto.offset.reset=earliest (kafka-configs.sh --entity-type groups)
 * where the broker takes group configs, and primed on the still-empty topic on both: its
 * share-partition made to exist (and, for the first group, __share_group_state created) before
 * the records are written and outside the clock, so that both brokers are measured the same
 * way whether or not they take the group config. Returns the offset the records will start at
 * and what was done for each group.
 */
async function prepareGroups(o, b, roundNo, classes, logFile) {
  const start = {};
  let firstRecordOffset = 0;
  for (const k of o.consumers) {
    const group = groupOf(k, roundNo);
    const r = await java(o, '-Xmx256M', 'org.apache.kafka.tools.ConfigCommand', ['--bootstrap-server', b.bootstrap, '--alter',
      '--entity-type', 'groups', '--entity-name', group, '--add-config', 'share.auto.offset.reset=earliest'], { logFile, timeoutMs: 120_000 });
    const refused = r.code === 0 ? null : lastLines(r.stdout + r.stderr, 1);
    if (refused !== null) log(`  ${group}: kafka-configs --entity-type groups refused (${refused}); share.auto.offset.reset stays latest`);
    const p = await java(o, '-Xmx256M', 'ShareBench', ['prime', b.bootstrap, TOPIC, group, '120'], { classes, logFile, timeoutMs: 180_000 });
    const line = p.stdout.split('\n').find((l) => l.startsWith('{'));
    const m = line === undefined ? null : JSON.parse(line);
    if (p.code !== 0 || m === null || !m.primed) throw new Error(`priming ${group}: exit ${p.code} ${lastLines(p.stdout + p.stderr)}`);
    firstRecordOffset = Math.max(firstRecordOffset, m.end_offset);
    start[group] = refused === null ? 'share.auto.offset.reset=earliest (kafka-configs.sh --entity-type groups), then primed'
      : `primed (share.auto.offset.reset latest: kafka-configs.sh --entity-type groups refused: ${refused})`;
  }
  return { start, firstRecordOffset };
}

async function measureSystem(system, roundNo, o, classes, runs) {
  const dir = path.join(cacheDir, 'run', `${system}-r${roundNo}`);
  const logFile = path.join(cacheDir, 'logs', `${system}-r${roundNo}.tools.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.rmSync(logFile, { force: true });
  const port = system === 'kafka' ? o.port : o.port + 2;
  log(`round ${roundNo}: ${system} starting`);
  const b = await startSingleBroker(system, { dir, port, controllerPort: o.port + 1, config: {}, node: o.node, root: o.root, kafkaLibs: o.kafkaLibs });
  try {
    const topic = await java(o, '-Xmx256M', 'org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', b.bootstrap, '--create', '--topic', TOPIC,
      '--partitions', '1', '--replication-factor', '1'], { logFile, timeoutMs: 120_000 });
    if (topic.code !== 0) throw new Error(`creating ${TOPIC}: ${lastLines(topic.stdout + topic.stderr)}`);
    const { start, firstRecordOffset } = await prepareGroups(o, b, roundNo, classes, logFile);

    const pp = await java(o, '-Xmx512M', 'org.apache.kafka.tools.ProducerPerformance', ['--topic', TOPIC, '--num-records', String(o.records),
      '--record-size', '1024', '--throughput', '-1', '--producer-props', `bootstrap.servers=${b.bootstrap}`], { logFile, timeoutMs: 1_800_000 });
    const filled = parseProducerPerformance(pp.stdout);
    if (pp.code !== 0 || filled === null || filled.records !== o.records) throw new Error(`filling ${TOPIC}: exit ${pp.code} ${lastLines(pp.stdout + pp.stderr)}`);
    log(`round ${roundNo}: ${system} filled ${TOPIC} with ${o.records} x 1 KiB (${filled.mb_per_s} MB/s)`);

    for (const k of o.consumers) {
      const group = groupOf(k, roundNo);
      const mark = resourceMark(b.pid);
      const entry = { system, round: roundNo, workload: `share-${k}-consumers`, consumers: k, group, start: start[group], load1: round(os.loadavg()[0], 2) };
      const r = await java(o, '-Xmx768M', 'ShareBench', ['measure', b.bootstrap, TOPIC, group, String(k), String(o.records), String(firstRecordOffset),
        o.ack, String(o.timeoutS)], { classes, logFile, timeoutMs: (o.timeoutS + 120) * 1000 });
      const res = resourcesSince(mark);
      const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
      const m = line === undefined ? null : JSON.parse(line);
      if (r.code !== 0 || m === null || m.error !== undefined) {
        runs.push({ ...entry, error: `exit ${r.code}: ${m?.error ?? lastLines(r.stdout + r.stderr)}`, ...res });
        log(`round ${roundNo}: ${system} ${k} consumer(s) FAILED (see ${logFile}, ${b.logs})`);
        continue;
      }
      if (!m.complete) {
        runs.push({ ...entry, error: `${m.records} of ${o.records} records in ${o.timeoutS} s`, ...m, ...res });
        log(`round ${roundNo}: ${system} ${k} consumer(s): only ${m.records} of ${o.records} records in ${o.timeoutS} s`);
        continue;
      }
      runs.push({ ...entry, ...m, cpu_s: res.cpu_s, rss_mb: res.rss_mb });
      log(`round ${roundNo}: ${system} ${k} consumer(s): ${m.records_per_s} records/s acknowledged (${m.seconds} s; first record after ${m.first_record_ms} ms; ` +
        `${m.redeliveries} redeliveries; broker cpu ${res.cpu_s} s)`);
    }
  } finally {
    await b.stop();
    log(`round ${roundNo}: ${system} stopped`);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const classes = await prepareRig(o, repoRoot, path.join(here, 'ShareBench.java'), path.join(cacheDir, 'classes'));
  const runs = [];
  const { started, loadStart } = await runRounds(o, runs, log, (system, r) => measureSystem(system, r, o, classes, runs));
  const summary = o.consumers.map((k) => {
    const row = { consumers: k };
    for (const s of o.systems) {
      const ok = runs.filter((x) => x.system === s && x.consumers === k && x.error === undefined);
      row[`${s}_records_per_s`] = median(ok.map((x) => x.records_per_s));
      row[`${s}_runs`] = ok.length;
    }
    row.millrace_over_kafka = row.kafka_records_per_s && row.millrace_records_per_s ? round(row.millrace_records_per_s / row.kafka_records_per_s, 2) : null;
    return row;
  });
  const { out, fields } = rigRunInfo(o, 'share', repoRoot, started, loadStart);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({
    name: 'share',
    description: 'Issue 17: records/s acknowledged by 1, 3 and 10 Java KafkaShareConsumers on one partition, Millrace vs Apache Kafka 4.4.0 (one broker each)',
    ...fields,
    method: {
      fill: `ProducerPerformance --num-records ${o.records} --record-size 1024 --throughput -1 (acks=all) into ${TOPIC}, 1 partition`,
      measure: 'ShareBench.java: N KafkaShareConsumers (one thread each, client defaults, max.poll.records 500), subscribed before the clock starts; ' +
        'records_per_s = records / (first poll -> every consumer\'s final commitSync() returned after all records were delivered)',
      acknowledgement: o.ack === 'implicit' ? "implicit (share.acknowledgement.mode's default): each poll's records accepted by the next poll and the final commitSync()"
        : 'explicit: acknowledge(record, ACCEPT) for each record, sent with the next poll or the final commitSync()',
      broker_settings: 'defaults of each (group.share.*: session 45 s, lock 30 s, 2000 record locks per share-partition)',
      order: 'rounds alternate which system goes first; each round starts a fresh broker',
    },
    rounds: o.rounds,
    records: o.records,
    summary,
    runs,
  }, null, 2) + '\n');
  log(`wrote ${path.relative(repoRoot, out)}`);
  console.log('| consumers | Kafka records/s | Millrace records/s | Millrace / Kafka |');
  console.log('| --- | --- | --- | --- |');
  for (const r of summary) console.log(`| ${r.consumers} | ${r.kafka_records_per_s ?? '–'} | ${r.millrace_records_per_s ?? '–'} | ${r.millrace_over_kafka ?? '–'}× |`);
}

main().catch((e) => {
  log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
