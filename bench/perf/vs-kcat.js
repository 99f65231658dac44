// `millrace perf produce` against kcat (librdkafka) as load generators for one Millrace broker:
// which drives the broker harder? Each run starts a fresh broker (6 partitions per topic,
// fresh data directory), produces N x 1 KiB records with acks=1, and measures the wall time
// from spawn to exit of the tool, the broker's CPU seconds, and the load average. Runs of
// the tools alternate within each round, and the first tool alternates between rounds.
//
//   node bench/perf/vs-kcat.js [--records 1000000] [--rounds 3] [--dist .tmp/perf/dist]
//        [--acks 1] [--tools kcat,perf,perf-java-defaults] [--out FILE] [--broker-dist DIR]
//
// --dist is the compiled tree (with src/cli/main.js) used for `millrace perf`; --broker-dist
// the one for the broker (default: the same). Results: JSON on stdout (and --out).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds, run } from '../vs-kafka/proc.js';
import { median } from '../report/vs-kafka.js';
import { arg, launcher, startMillrace, stopMillrace } from './harness.js';
import { ensureKcatFile } from '../vs-kafka/workloads.js';

const records = Number(arg('records', '1000000'));
const rounds = Number(arg('rounds', '3'));
const dist = path.resolve(arg('dist', '.tmp/perf/dist'));
const brokerDist = path.resolve(arg('broker-dist', dist));
const acks = arg('acks', '1');
const tools = arg('tools', 'kcat,perf,perf-java-defaults').split(',');
const out = arg('out', undefined);
const port = Number(arg('port', '19392'));

const cacheDir = path.resolve('bench/.cache/perf');
fs.mkdirSync(cacheDir, { recursive: true });
const kcatFile = tools.includes('kcat') ? ensureKcatFile(path.resolve('bench/.cache/vs-kafka/input'), records) : null;

const TOOLS = {
  kcat: {
    describe: `kcat -P -l <file> -X acks=${acks} (librdkafka defaults: batch.size 1000000, linger.ms 5)`,
    cmd: (topic, bootstrap) => ['kcat', ['-P', '-b', bootstrap, '-t', topic, '-X', `acks=${acks}`, '-l', kcatFile]],
  },
  perf: {
    describe: `millrace perf produce --acks ${acks} (its defaults: batch.size 1048576 as librdkafka's, linger.ms 5, 8 requests in flight)`,
    cmd: (topic, bootstrap) => [process.execPath, [...launcher(dist), 'perf', 'produce', '--bootstrap-server', bootstrap, '--topic', topic,
      '--num-records', String(records), '--record-size', '1024', '--acks', acks, '--json', '--quiet']],
  },
  'perf-java-defaults': {
    describe: `millrace perf produce --acks ${acks} --batch-size 16384 --max-in-flight 5 (the Java producer's defaults)`,
    cmd: (topic, bootstrap) => [process.execPath, [...launcher(dist), 'perf', 'produce', '--bootstrap-server', bootstrap, '--topic', topic,
      '--num-records', String(records), '--record-size', '1024', '--acks', acks, '--json', '--quiet', '--batch-size', '16384', '--max-in-flight', '5']],
  },
};

async function once(tool, round) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-vs-kcat-'));
  const broker = await startMillrace(brokerDist, { port, dataDir, overrides: { 'num.partitions': 6 } });
  try {
    const bootstrap = `127.0.0.1:${port}`;
    // Create the topic (auto-created with 6 partitions) before timing: one record from perf.
    const warm = await run(process.execPath, [...launcher(dist), 'perf', 'produce', '--bootstrap-server', bootstrap, '--topic', 'load',
      '--num-records', '1', '--record-size', '10', '--acks', '1', '--quiet', '--json']);
    if (warm.code !== 0) throw new Error(`warm-up failed: ${warm.stderr}`);
    await run('sync', []);
    const load1 = os.loadavg()[0];
    const cpu0 = cpuSeconds(broker.pid);
    const t0 = performance.now();
    const [cmd, argv] = TOOLS[tool].cmd('load', bootstrap);
    const r = await run(cmd, argv);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(broker.pid) - cpu0;
    if (r.code !== 0) throw new Error(`${tool} exited ${r.code}: ${r.stderr.slice(-500)}`);
    const own = tool === 'kcat' ? null : JSON.parse(r.stdout);
    const row = {
      tool, round, records, wall_s: round3(wallS), mb_per_s: round3(records * 1024 / 1048576 / wallS),
      records_per_s: Math.round(records / wallS), broker_cpu_s: round3(cpu), broker_cpu_us_per_record: round3(cpu * 1e6 / records),
      load1: round3(load1),
      tool_reported: own === null ? null : { mb_per_s: own.mb_per_s, records_per_s: own.records_per_s, p99_ms: own.latency.p99_ms, max_in_flight: own.max_in_flight },
    };
    process.stderr.write(`${JSON.stringify(row)}\n`);
    return row;
  } finally {
    await stopMillrace(broker, dataDir, 500);
  }
}

function round3(n) {
  return Math.round(n * 1000) / 1000;
}

const runs = [];
const loadStart = os.loadavg();
for (let r = 1; r <= rounds; r++) {
  const order = r % 2 === 1 ? tools : [...tools].reverse();
  for (const tool of order) runs.push(await once(tool, r));
}
const summary = Object.fromEntries(tools.map((t) => {
  const rs = runs.filter((x) => x.tool === t);
  return [t, { describe: TOOLS[t].describe, mb_per_s: median(rs.map((x) => x.mb_per_s)), records_per_s: median(rs.map((x) => x.records_per_s)), broker_cpu_s: median(rs.map((x) => x.broker_cpu_s)) }];
}));
const result = {
  date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, records, record_size: 1024, acks, rounds,
  loadavg_start: loadStart, loadavg_end: os.loadavg(), summary, runs,
};
const text = JSON.stringify(result, null, 2) + '\n';
if (out !== undefined) fs.writeFileSync(out, text);
process.stdout.write(text);
