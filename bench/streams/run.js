#!/usr/bin/env node
// Issue 17's streams group benchmark: Millrace vs Apache Kafka 4.4.0 (one broker each, on this
// machine), the time a streams group (group.protocol=streams, KIP-1071) takes to run every task
// again after one of its two members is killed with kill -9. See README.md.
//
//   npm run build && node bench/streams/run.js [--rounds N] [--session-timeout-ms MS] [--heartbeat-ms MS]
//       [--lines N] [--systems kafka,millrace] [--node PATH] [--millrace-root DIR] [--kafka-libs DIR]
//       [--port N] [--quick] [--out FILE]
//
// Per round, per system (the order alternates between rounds), on a fresh data directory:
// 1. topics words and counts (4 partitions each) are created with TopicCommand and --lines
//    lines of five words written to words (StreamsFailoverBench fill);
// 2. two instances A and B of a Kafka Streams 4.4 WordCount (StreamsFailoverBench run: its
//    defaults but group.protocol=streams; two subtopologies, 8 tasks) start, each its own JVM;
// 3. once the broker has split the 8 tasks between them and both run theirs (and 2 s more),
//    A is killed with SIGKILL;
// 4. failover_ms: from the kill to the moment B runs all 8 tasks (state RUNNING, its active
//    tasks read every 10 ms); rebalance_ms: from the kill to B's state listener seeing
//    REBALANCING (about when the broker fenced A: its session timeout).
// The broker is told the same streams group session timeout and heartbeat interval on both
// (group.streams.session.timeout.ms, group.streams.heartbeat.interval.ms, and their min/max
// bounds where the defaults would refuse them): the session timeout dominates the figure.
// Writes bench/results/<date>-streams[-quick]-node<major>.json; BENCHMARKS.md is edited by hand.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIBS_DIR, KAFKA_JVM_PERFORMANCE_OPTS } from '../../tools/kafka/kafka-process.js';
import { readOptions } from '../../tools/cli-args.js';
import { median } from '../report/vs-kafka.js';
import { round, run, sleep } from '../vs-kafka/proc.js';
import { HOST, prepareRig, rigRunInfo, runRounds, startSingleBroker } from '../share/single-broker.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const cacheDir = path.join(repoRoot, 'bench', '.cache', 'streams');
const INPUT = 'words';
const OUTPUT = 'counts';
const PARTITIONS = 4;
/** Two subtopologies (split and repartition; count), one task per input partition each. */
const TASKS = ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3'].join();

const USAGE = `usage: node bench/streams/run.js [options]
  --quick                a smoke run to check the rig: 1 round
  --rounds N             rounds, one kill each (default 5; Kafka and Millrace alternate going first)
  --session-timeout-ms N group.streams.session.timeout.ms on both brokers (default 10000)
  --heartbeat-ms N       group.streams.heartbeat.interval.ms on both brokers (default 1000)
  --lines N              lines of five words written before the instances start (default 20000)
  --systems LIST         kafka,millrace (default both)
  --node PATH            Node.js binary that runs Millrace (default the one running this script)
  --millrace-root DIR    a built Millrace (bin/millrace.js, dist/; default this checkout, after npm run build)
  --kafka-libs DIR       Apache Kafka 4.4.0 jars (default bench/.cache/kafka/libs, tools/kafka/fetch.sh)
  --port N               first of three ports (default 29392, moved up until all are free)
  --out FILE             results file (default bench/results/<date>-streams[-quick]-node<major>.json)`;

function parseArgs(argv) {
  const { values: v } = readOptions(argv, {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'number' },
    'session-timeout-ms': { type: 'number', default: '10000' },
    'heartbeat-ms': { type: 'number', default: '1000' },
    lines: { type: 'number', default: '20000' },
    systems: { type: 'string', default: 'kafka,millrace' },
    node: { type: 'string' },
    'millrace-root': { type: 'string' },
    'kafka-libs': { type: 'string' },
    port: { type: 'number', default: '29392' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const o = {
    quick: v.quick,
    rounds: v.rounds ?? (v.quick ? 1 : 5),
    sessionMs: v['session-timeout-ms'],
    heartbeatMs: v['heartbeat-ms'],
    lines: v.lines,
    systems: v.systems.split(','),
    node: v.node === undefined ? process.execPath : path.resolve(v.node),
    root: v['millrace-root'] === undefined ? repoRoot : path.resolve(v['millrace-root']),
    kafkaLibs: v['kafka-libs'] === undefined ? DEFAULT_LIBS_DIR : path.resolve(v['kafka-libs']),
    port: v.port,
    out: v.out === undefined ? undefined : path.resolve(v.out),
  };
  for (const n of [o.rounds, o.sessionMs, o.heartbeatMs, o.lines, o.port]) {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`counts, ports and times are positive integers\n${USAGE}`);
  }
  if (o.heartbeatMs >= o.sessionMs) throw new Error(`--heartbeat-ms must be below --session-timeout-ms\n${USAGE}`);
  for (const s of o.systems) if (s !== 'kafka' && s !== 'millrace') throw new Error(`unknown system ${s}\n${USAGE}`);
  return o;
}

/** The same streams group settings for both brokers, with bounds (defaults 45-60 s, 5-15 s) widened to admit them. */
function streamsSettings(o) {
  return {
    'group.streams.session.timeout.ms': o.sessionMs,
    'group.streams.min.session.timeout.ms': Math.min(o.sessionMs, 45_000),
    'group.streams.max.session.timeout.ms': Math.max(o.sessionMs, 60_000),
    'group.streams.heartbeat.interval.ms': o.heartbeatMs,
    'group.streams.min.heartbeat.interval.ms': Math.min(o.heartbeatMs, 5_000),
    'group.streams.max.heartbeat.interval.ms': Math.max(o.heartbeatMs, 15_000),
  };
}

const log = (m) => process.stderr.write(`[streams-bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const lastLines = (text, n = 3) => text.trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-n).join(' | ');

function javaArgs(o, heap, mainClass, args, classes) {
  const libs = path.join(o.kafkaLibs, '*');
  return [heap, ...KAFKA_JVM_PERFORMANCE_OPTS, '-cp', classes === undefined ? libs : `${classes}${path.delimiter}${libs}`, mainClass, ...args];
}

/** One running app instance: its JSON events as they come, and a way to wait for one. */
class Instance {
  constructor(o, name, args, classes, logFile) {
    this.name = name;
    this.events = [];
    this.waiters = [];
    this.exited = false;
    this.child = spawn('java', javaArgs(o, '-Xmx384M', 'StreamsFailoverBench', args, classes), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {});
    this.child.stderr.on('data', (d) => fs.appendFileSync(logFile, `${name} stderr: ${d}`));
    this.exit = new Promise((resolve) => this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.check();
      resolve({ code, signal });
    }));
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      fs.appendFileSync(logFile, `${name}: ${line}\n`);
      if (!line.startsWith('{')) return;
      this.events.push(JSON.parse(line));
      this.check();
    });
  }

  /** The active tasks last reported, comma-separated. */
  active() {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i].event === 'tasks') return this.events[i].active.join();
    return '';
  }

  /** Resolves with the first event (from `from` on) that `pred` accepts, or null after `ms` or at exit. */
  waitFor(pred, ms, from = 0) {
    return new Promise((resolve) => {
      const w = { pred, from, resolve, timer: setTimeout(() => this.settle(w, null), ms) };
      this.waiters.push(w);
      this.check();
    });
  }

  check() {
    for (const w of [...this.waiters]) {
      const hit = this.events.slice(w.from).find(w.pred);
      if (hit !== undefined) this.settle(w, hit);
      else if (this.exited) this.settle(w, null);
    }
  }

  settle(w, value) {
    clearTimeout(w.timer);
    this.waiters = this.waiters.filter((x) => x !== w);
    w.resolve(value);
  }

  async stop() {
    if (this.exited) return;
    this.child.stdin.end('stop\n');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    await this.exit;
    clearTimeout(t);
  }
}

async function measureSystem(system, roundNo, o, classes, runs) {
  const dir = path.join(cacheDir, 'run', `${system}-r${roundNo}`);
  const logFile = path.join(cacheDir, 'logs', `${system}-r${roundNo}.tools.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.rmSync(logFile, { force: true });
  const port = system === 'kafka' ? o.port : o.port + 2;
  log(`round ${roundNo}: ${system} starting`);
  const b = await startSingleBroker(system, { dir, port, controllerPort: o.port + 1, config: streamsSettings(o), node: o.node, root: o.root, kafkaLibs: o.kafkaLibs });
  const instances = [];
  const entry = { system, round: roundNo, workload: 'streams-failover', session_timeout_ms: o.sessionMs, heartbeat_ms: o.heartbeatMs, load1: round(os.loadavg()[0], 2) };
  try {
    for (const t of [INPUT, OUTPUT]) {
      const r = await run('java', javaArgs(o, '-Xmx256M', 'org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', b.bootstrap, '--create', '--topic', t,
        '--partitions', String(PARTITIONS), '--replication-factor', '1']), { logFile, timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`creating ${t}: ${lastLines(r.stdout + r.stderr)}`);
    }
    const fill = await run('java', javaArgs(o, '-Xmx256M', 'StreamsFailoverBench', ['fill', b.bootstrap, INPUT, String(o.lines)], classes), { logFile, timeoutMs: 300_000 });
    if (fill.code !== 0) throw new Error(`filling ${INPUT}: ${lastLines(fill.stdout + fill.stderr)}`);

    const appId = `wordcount-${system}-r${roundNo}`;
    const start = (name) => {
      const stateDir = path.join(dir, `state-${name}`);
      fs.mkdirSync(stateDir, { recursive: true });
      const i = new Instance(o, name, ['run', b.bootstrap, INPUT, OUTPUT, appId, stateDir], classes, logFile);
      instances.push(i);
      return i;
    };
    const a = start('A');
    const bb = start('B');
    const split = () => a.active() !== '' && bb.active() !== '' && [...a.active().split(','), ...bb.active().split(',')].sort().join() === TASKS;
    const splitAt = Date.now();
    while (!split()) {
      if (a.exited || bb.exited) throw new Error(`an instance exited before the tasks were split; see ${logFile}`);
      if (Date.now() - splitAt > 300_000) throw new Error(`the tasks were not split between A and B in 300 s (A ${a.active()}, B ${bb.active()}); see ${logFile}`);
      await sleep(50);
    }
    const splitMs = Date.now() - splitAt;
    await sleep(2000);
    if (!split()) throw new Error(`the split did not hold (A ${a.active()}, B ${bb.active()}); see ${logFile}`);
    const before = { a: a.active(), b: bb.active() };
    const from = bb.events.length;
    const killAt = Date.now();
    a.child.kill('SIGKILL');
    log(`round ${roundNo}: ${system} killed A (tasks ${before.a}; B runs ${before.b})`);
    const limit = o.sessionMs + 180_000;
    const all = await bb.waitFor((e) => e.event === 'tasks' && e.active.join() === TASKS, limit, from);
    if (all === null) throw new Error(`B did not run all tasks within ${limit} ms of the kill (B ${bb.active()}); see ${logFile}`);
    const reb = bb.events.slice(from).find((e) => e.event === 'state' && e.state === 'REBALANCING' && e.t <= all.t) ?? null;
    const m = {
      failover_ms: all.t - killAt,
      rebalance_ms: reb === null ? null : reb.t - killAt,
      after_rebalance_ms: reb === null ? null : all.t - reb.t,
      split_ms: splitMs, killed_tasks: before.a, survivor_tasks_before: before.b,
    };
    runs.push({ ...entry, ...m });
    log(`round ${roundNo}: ${system} failover ${m.failover_ms} ms (REBALANCING after ${m.rebalance_ms} ms, all tasks ${m.after_rebalance_ms} ms later)`);
  } catch (e) {
    runs.push({ ...entry, error: e instanceof Error ? e.message : String(e) });
    log(`round ${roundNo}: ${system} FAILED: ${e instanceof Error ? e.message : String(e)} (broker logs ${b.logs})`);
  } finally {
    for (const i of instances) await i.stop();
    await b.stop();
    log(`round ${roundNo}: ${system} stopped`);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const classes = await prepareRig(o, repoRoot, path.join(here, 'StreamsFailoverBench.java'), path.join(cacheDir, 'classes'));
  const runs = [];
  const { started, loadStart } = await runRounds(o, runs, log, (system, r) => measureSystem(system, r, o, classes, runs));
  const summary = {};
  for (const s of o.systems) {
    const ok = runs.filter((x) => x.system === s && x.workload === 'streams-failover' && x.error === undefined);
    summary[s] = {
      failover_ms: median(ok.map((x) => x.failover_ms)),
      rebalance_ms: median(ok.map((x) => x.rebalance_ms)),
      after_rebalance_ms: median(ok.map((x) => x.after_rebalance_ms)),
      runs: ok.length,
    };
  }
  const { out, fields } = rigRunInfo(o, 'streams', repoRoot, started, loadStart);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({
    name: 'streams',
    description: 'Issue 17: a streams group (Kafka Streams 4.4 WordCount, group.protocol=streams) of two instances, one killed with SIGKILL: time until the survivor runs every task, Millrace vs Apache Kafka 4.4.0 (one broker each)',
    ...fields,
    method: {
      app: `StreamsFailoverBench.java: WordCount (split, repartition by word, count in RocksDB, to ${OUTPUT}), Kafka Streams defaults but group.protocol=streams; ${PARTITIONS} input partitions, 8 tasks; ${o.lines} lines written before the start`,
      failover: 'two instances (one JVM each) split the tasks; after 2 s of a stable split A is killed with SIGKILL; failover_ms = kill -> B RUNNING with all 8 active tasks (read every 10 ms); rebalance_ms = kill -> B\'s state listener sees REBALANCING',
      broker_settings: streamsSettings(o),
      order: 'rounds alternate which system goes first; each round starts a fresh broker',
    },
    rounds: o.rounds,
    summary,
    runs,
  }, null, 2) + '\n');
  log(`wrote ${path.relative(repoRoot, out)}`);
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((e) => {
  log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
