// A/B of two Millrace builds on the produce path: the same produce loads against a broker from
// build A and from build B, interleaved (A B B A A B ...), each on a fresh broker and data
// directory, 1 KiB records into 6 partitions. Measures the broker's CPU seconds (utime+stime
// from /proc) and the tool's wall time; the load average is stored with each run.
//
//   node bench/perf/produce-ab.js --a .tmp/perf/before/dist --b .tmp/perf/dist \
//        [--tools pp,kcat,perf] [--records 1000000] [--rounds 3] [--acks 1] [--out FILE]
//
// pp: Kafka's ProducerPerformance (bench/.cache/kafka/libs, `bash tools/kafka/fetch.sh`);
// kcat: kcat -P -l of pre-generated 1 KiB lines; perf: `millrace perf produce` from build B.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds, run } from '../vs-kafka/proc.js';
import { median } from '../report/vs-kafka.js';
import { arg, launcher, startMillrace, stopMillrace } from './harness.js';
import { ensureKcatFile } from '../vs-kafka/workloads.js';

const builds = { A: path.resolve(arg('a', '.tmp/perf/before/dist')), B: path.resolve(arg('b', '.tmp/perf/dist')) };
const tools = arg('tools', 'pp,kcat,perf').split(',');
const records = Number(arg('records', '1000000'));
const rounds = Number(arg('rounds', '3'));
const acks = arg('acks', '1');
const out = arg('out', undefined);
const port = Number(arg('port', '19892'));
const libs = path.resolve('bench/.cache/kafka/libs');
const kcatFile = tools.includes('kcat') ? ensureKcatFile(path.resolve('bench/.cache/vs-kafka/input'), records) : null;

function load(tool, bootstrap) {
  switch (tool) {
    case 'pp': return ['java', ['-Xmx512M', '-cp', `${libs}/*`, 'org.apache.kafka.tools.ProducerPerformance', '--topic', 'load', '--num-records', String(records),
      '--record-size', '1024', '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, `acks=${acks}`]];
    case 'kcat': return ['kcat', ['-P', '-b', bootstrap, '-t', 'load', '-X', `acks=${acks}`, '-l', kcatFile]];
    case 'perf': return [process.execPath, [...launcher(builds.B), 'perf', 'produce', '--bootstrap-server', bootstrap, '--topic', 'load',
      '--num-records', String(records), '--record-size', '1024', '--acks', acks, '--json', '--quiet']];
    default: throw new Error(`unknown tool ${tool}`);
  }
}

async function once(build, tool, round) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-ab-'));
  const broker = await startMillrace(builds[build], { port, dataDir, overrides: { 'num.partitions': 6 } });
  try {
    const bootstrap = `127.0.0.1:${port}`;
    const warm = await run(process.execPath, [...launcher(builds.B), 'perf', 'produce', '--bootstrap-server', bootstrap, '--topic', 'load',
      '--num-records', '1', '--record-size', '10', '--acks', '1', '--quiet', '--json']);
    if (warm.code !== 0) throw new Error(`warm-up: ${warm.stderr}`);
    await run('sync', []);
    const load1 = os.loadavg()[0];
    const cpu0 = cpuSeconds(broker.pid);
    const t0 = performance.now();
    const [cmd, argv] = load(tool, bootstrap);
    const r = await run(cmd, argv);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(broker.pid) - cpu0;
    if (r.code !== 0) throw new Error(`${tool}: exit ${r.code} ${r.stderr.slice(-400)}`);
    const row = { build, tool, round, wall_s: +wall.toFixed(3), mb_per_s: +(records * 1024 / 1048576 / wall).toFixed(1), broker_cpu_s: +cpu.toFixed(2),
      broker_us_per_record: +(cpu * 1e6 / records).toFixed(3), load1: +load1.toFixed(2), summary: tool === 'pp' ? r.stdout.trim().split('\n').at(-1) : undefined };
    process.stderr.write(`${JSON.stringify(row)}\n`);
    return row;
  } finally {
    await stopMillrace(broker, dataDir, 300);
  }
}

const runs = [];
const loadStart = os.loadavg();
for (let r = 1; r <= rounds; r++) {
  for (const tool of tools) {
    const order = (r + tools.indexOf(tool)) % 2 === 1 ? ['A', 'B'] : ['B', 'A'];
    for (const b of order) runs.push(await once(b, tool, r));
  }
}
const summary = {};
for (const tool of tools) {
  for (const b of ['A', 'B']) {
    const rs = runs.filter((x) => x.tool === tool && x.build === b);
    summary[`${tool}/${b}`] = { broker_cpu_s: median(rs.map((x) => x.broker_cpu_s)), mb_per_s: median(rs.map((x) => x.mb_per_s)), load1: rs.map((x) => x.load1) };
  }
}
const result = { date: new Date().toISOString(), builds, records, acks, rounds, node: process.version, loadavg_start: loadStart, loadavg_end: os.loadavg(), summary, runs };
const text = JSON.stringify(result, null, 2) + '\n';
if (out !== undefined) fs.writeFileSync(out, text);
process.stdout.write(text);
