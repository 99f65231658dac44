// What validating every produced record costs, in broker CPU seconds per GB, for Apache Kafka
// and for Millrace builds (issue 12: "Validation cost per GB in CPU seconds for uncompressed,
// lz4 and zstd batches, against Kafka's").
//
//   node bench/perf/validation-cost.js --dists before=.tmp/perf/before/dist,after=.tmp/perf/after/dist \
//        [--systems kafka,millrace] [--codecs none,lz4,zstd,gzip,snappy] [--batch-bytes 16384,1048576]
//        [--mb 256] [--warmup 0.25] [--connections 1] [--rounds 3] [--node PATH] [--port 19192] [--out FILE]
//
// Each broker gets the same identical pre-encoded Produce v9 requests (acks=1; 6 partitions x
// one batch of 1 KiB JSON-like records, bench/vs-kafka/payload.js; about `--batch-bytes` of
// records per batch before compression), resent over one raw connection with requests
// pipelined (bench/perf/blast.js, as produce-blast does), `--mb` MB of records per codec and
// batch size, measured after a warm-up pass over all cases (`--warmup` 0.25 of that each).
// Kafka reads no further request from a connection until it has answered the one before
// (it mutes the channel), so over one connection its requests do not overlap; `--connections
// N` spreads the requests over N connections (each pipelining as above) for both systems.
// Every response is decoded and any partition error is stored with the run (a run with errors
// did not measure what it says).
//
// Brokers, one process each, started fresh every round (the order rotates between rounds),
// their log dirs on tmpfs (/dev/shm) so that no disk writeback is measured:
// - Apache Kafka 4.4 from bench/.cache/kafka/libs (tools/kafka/kafka-process.js: single-node
//   KRaft, combined broker + controller, Kafka's broker JVM flags);
// - each Millrace build of --dists (label=dir; build one with `git archive <commit> src bin tools
//   package.json tsconfig.json` and tsc into DIR/dist, see bench/perf/README.md), on --node.
// One topic per codec and batch size, created with CreateTopics (6 partitions,
// compression.type=producer, so both brokers keep the producer's batches and validate them in
// place: Kafka's LogValidator decompresses each compressed batch and walks its records).
//
// Figures (MB = 2^20 bytes, GB = 2^30 bytes, of records = their uncompressed 1 KiB values):
// - cpu_s_per_gb: the broker process's utime+stime (/proc/<pid>/stat) over the measured
//   requests, divided by the GB of records they carried;
// - records_mb_per_s: MB of records acknowledged per second of wall time;
// - codec cost (per system and batch size): median cpu_s_per_gb with the codec minus the median
//   with uncompressed batches of the same records. It is what taking a batch in that codec
//   costs beyond taking it uncompressed: mostly decompressing it to walk its records, less what
//   the smaller wire bytes save in reading, checksumming and writing;
// - for Millrace, validation cost of a build (per codec and batch size): its median
//   cpu_s_per_gb minus that of the first build of --dists (e.g. after - before = what walking
//   every record added; identical requests, so nothing else differs).
// Medians over the rounds. The load average is stored with every run: on a shared machine
// compare systems only within one run.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKafka } from '../../tools/kafka/kafka-process.js';
import { median } from '../report/vs-kafka.js';
import { cpuSeconds, portFree, round, sleep } from '../vs-kafka/proc.js';
import { blast, connect, loadCodecs, produceRequest } from './blast.js';
import { arg, startMillrace, stopMillrace } from './harness.js';

const dists = arg('dists', 'after=.tmp/perf/dist').split(',').map((d, i) => {
  const eq = d.indexOf('=');
  return eq > 0 ? { label: d.slice(0, eq), dir: path.resolve(d.slice(eq + 1)) } : { label: `build${i + 1}`, dir: path.resolve(d) };
});
const systemKinds = arg('systems', 'kafka,millrace').split(',');
const codecNames = arg('codecs', 'none,lz4,zstd,gzip,snappy').split(',');
if (!codecNames.includes('none')) codecNames.unshift('none');
const batchSizes = arg('batch-bytes', '16384,1048576').split(',').map(Number);
const mbPerCase = Number(arg('mb', '256'));
const rounds = Number(arg('rounds', '3'));
const node = path.resolve(arg('node', process.execPath));
const basePort = Number(arg('port', '19192'));
const out = arg('out', undefined);
const warmup = Number(arg('warmup', '0.25'));
const connections = Number(arg('connections', '1'));
const partitions = 6;
const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

/** Requests in flight: enough to keep about 1.5 MiB of batches outstanding, at least 2. */
const inflightFor = (batchBytes) => Math.max(2, Math.min(16, Math.round((1.5 * 2 ** 20) / (batchBytes * partitions))));

const codecs = await loadCodecs(dists[0].dir);
const { KafkaClient } = await import(path.join(dists[0].dir, 'src/client/client.js'));
const { Admin } = await import(path.join(dists[0].dir, 'src/client/admin.js'));

/** The cases, each with its topic and pre-encoded request. */
const cases = [];
for (const batchBytes of batchSizes) {
  for (const codec of codecNames) {
    const topic = `vc-${codec}-${batchBytes}`;
    const req = await produceRequest(codecs, { topic, partitions, batchBytes, compression: codec, acks: 1, value: 'json' });
    const requests = Math.max(10, Math.ceil((mbPerCase * 2 ** 20) / req.recordBytes));
    cases.push({ codec, batchBytes, topic, ...req, requests, inflight: inflightFor(batchBytes) });
  }
}

function log(msg) {
  process.stderr.write(`[validation-cost ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

const systems = [
  ...(systemKinds.includes('kafka') ? [{ label: 'kafka', kind: 'kafka' }] : []),
  ...(systemKinds.includes('millrace') ? dists.map((d) => ({ label: `millrace-${d.label}`, kind: 'millrace', dist: d.dir })) : []),
];

async function freePort(from) {
  for (let p = from; p < from + 60; p += 3) if ((await Promise.all([p, p + 1].map((x) => portFree('127.0.0.1', x)))).every(Boolean)) return p;
  throw new Error(`no free ports from ${from}`);
}

/** Starts a broker with its log dir on tmpfs: { pid, port, stop }. */
async function start(system) {
  const port = await freePort(basePort);
  const dataDir = fs.mkdtempSync(path.join(shm, `vc-${system.kind}-`));
  if (system.kind === 'kafka') {
    const k = await startKafka({ port, controllerPort: port + 1, dataDir, keepDataDir: false, config: { 'num.partitions': partitions } });
    return { pid: k.pid, port, stop: async () => { await k.stop(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
  }
  const child = await startMillrace(system.dist, { port, dataDir, node, overrides: { 'num.partitions': partitions, 'log.segment.bytes': 1073741824 } });
  return { pid: child.pid, port, stop: () => stopMillrace(child, dataDir, 300) };
}

/** Creates the topic, then resends one request until every partition accepts it (leaders elected). */
async function prepare(port, c, socket) {
  const client = new KafkaClient({ bootstrapServers: [`127.0.0.1:${port}`] });
  try {
    await new Admin(client).createTopic({ name: c.topic, partitions, replicationFactor: 1, configs: { 'compression.type': 'producer' } });
  } finally {
    client.close();
  }
  const deadline = Date.now() + 30000;
  for (;;) {
    const { errors } = await blast(codecs, socket, c.frame, 1, 1);
    if (Object.keys(errors).length === 0) return;
    if (Date.now() > deadline) throw new Error(`${c.topic}: partition errors ${JSON.stringify(errors)}`);
    await sleep(200);
  }
}

async function measure(system, roundNo, runs) {
  const b = await start(system);
  try {
    const sockets = await Promise.all(Array.from({ length: connections }, () => connect(b.port)));
    const socket = sockets[0];
    const idle0 = cpuSeconds(b.pid);
    await sleep(1000);
    const idleCpuPerS = round(/** @type {number} */ (cpuSeconds(b.pid)) - /** @type {number} */ (idle0), 3);
    // Warm-up pass over every case first (JIT of both runtimes, topics and leaders ready), then the measured pass.
    for (const c of cases) {
      await prepare(b.port, c, socket);
      await blast(codecs, socket, c.frame, Math.max(5, Math.ceil(c.requests * warmup)), c.inflight);
    }
    for (const c of cases) {
      const load1 = os.loadavg()[0];
      const cpu0 = /** @type {number} */ (cpuSeconds(b.pid));
      const t0 = performance.now();
      const results = await Promise.all(sockets.map((so, i) => blast(codecs, so, c.frame, Math.floor(c.requests / connections) + (i < c.requests % connections ? 1 : 0), c.inflight)));
      const errors = {};
      for (const r of results) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
      const wall = (performance.now() - t0) / 1000;
      const cpu = /** @type {number} */ (cpuSeconds(b.pid)) - cpu0;
      const recordBytes = c.requests * c.recordBytes;
      const row = {
        system: system.label, round: roundNo, codec: c.codec, batch_bytes: c.batchBytes, batch_wire_bytes: c.batchWireBytes,
        requests: c.requests, inflight: c.inflight, records: c.requests * c.records, records_mb: round(recordBytes / 2 ** 20, 1),
        wire_mb: round((c.requests * c.frame.length) / 2 ** 20, 1), wall_s: round(wall, 3), records_mb_per_s: round(recordBytes / 2 ** 20 / wall, 1),
        broker_cpu_s: round(cpu, 2), cpu_s_per_gb: round(cpu / (recordBytes / 2 ** 30), 3), idle_cpu_s_per_s: idleCpuPerS, load1: round(load1, 2),
        ...(Object.keys(errors).length ? { partition_errors: errors } : {}),
      };
      runs.push(row);
      log(`r${roundNo} ${system.label} ${c.codec} ${c.batchBytes}: ${row.records_mb_per_s} MB/s of records, ${row.cpu_s_per_gb} CPU s/GB${row.partition_errors ? ` ERRORS ${JSON.stringify(errors)}` : ''} (load ${row.load1})`);
    }
    for (const so of sockets) so.destroy();
  } finally {
    await b.stop();
  }
}

const runs = [];
const loadStart = os.loadavg().map((x) => round(x, 2));
const t0 = Date.now();
for (let r = 1; r <= rounds; r++) {
  const k = (r - 1) % systems.length;
  for (const s of [...systems.slice(k), ...systems.slice(0, k)]) await measure(s, r, runs);
}

/** Medians per system, batch size and codec, with the codec cost and the build-vs-first-build difference. */
const summary = [];
for (const batchBytes of batchSizes) {
  for (const codec of codecNames) {
    for (const s of systems) {
      const of = (cd, sys) => runs.filter((x) => x.system === sys && x.codec === cd && x.batch_bytes === batchBytes && !x.partition_errors);
      const med = (cd, sys, key) => median(of(cd, sys).map((x) => x[key]));
      const cpg = med(codec, s.label, 'cpu_s_per_gb');
      const none = med('none', s.label, 'cpu_s_per_gb');
      const first = systems.find((x) => x.kind === 'millrace');
      const firstCpg = first && s.kind === 'millrace' && first !== s ? med(codec, first.label, 'cpu_s_per_gb') : null;
      summary.push({
        system: s.label, batch_bytes: batchBytes, codec, n: of(codec, s.label).length, cpu_s_per_gb: cpg, records_mb_per_s: med(codec, s.label, 'records_mb_per_s'),
        codec_cost_cpu_s_per_gb: cpg !== null && none !== null && codec !== 'none' ? round(cpg - none, 3) : null,
        ...(firstCpg !== null && cpg !== null ? { [`minus_${first?.label}_cpu_s_per_gb`]: round(cpg - firstCpg, 3) } : {}),
      });
    }
  }
}

const pad = (x, n) => String(x ?? '–').padStart(n);
const lines = [`${'batch'.padEnd(8)} ${'codec'.padEnd(7)} ${'system'.padEnd(18)} ${pad('CPU s/GB', 9)} ${pad('MB/s', 7)} ${pad('codec cost', 10)} ${pad('vs 1st build', 12)}`];
for (const x of summary) {
  const vsFirst = Object.entries(x).find(([k]) => k.startsWith('minus_'))?.[1];
  lines.push(`${String(x.batch_bytes).padEnd(8)} ${x.codec.padEnd(7)} ${x.system.padEnd(18)} ${pad(x.cpu_s_per_gb === null ? null : round(x.cpu_s_per_gb, 2), 9)} ${pad(x.records_mb_per_s, 7)} ${pad(x.codec_cost_cpu_s_per_gb === null ? null : round(x.codec_cost_cpu_s_per_gb, 2), 10)} ${pad(vsFirst === undefined ? null : round(vsFirst, 2), 12)}`);
}
process.stdout.write(`${lines.join('\n')}\n`);

const d = new Date();
const stamp = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const nodeVersion = (await import('node:child_process')).execFileSync(node, ['-v'], { encoding: 'utf8' }).trim();
const file = path.resolve(out ?? `bench/results/${stamp}-validation-cost-node${/^v(\d+)/.exec(nodeVersion)?.[1]}.json`);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, `${JSON.stringify({
  name: 'validation-cost',
  description: 'Broker CPU seconds per GB of records (and records MB/s) for identical pre-encoded Produce requests, per codec and batch size: Apache Kafka 4.4 and Millrace builds (bench/perf/validation-cost.js header says how the figures are defined)',
  date: stamp, started_at: new Date(t0).toISOString(), duration_s: Math.round((Date.now() - t0) / 1000),
  command: `node bench/perf/validation-cost.js ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { cpu: os.cpus()[0]?.model ?? null, cores: os.cpus().length, node_millrace: nodeVersion, node_binary: node, node_rig: process.version, loadavg_start: loadStart, loadavg_end: os.loadavg().map((x) => round(x, 2)) },
  systems: systems.map((s) => ({ label: s.label, kind: s.kind, ...(s.dist ? { dist: path.relative(process.cwd(), s.dist) } : {}) })),
  settings: { partitions, acks: 1, connections, records: '1 KiB JSON-like (bench/vs-kafka/payload.js)', mb_per_case: mbPerCase, rounds, log_dir: shm, produce_version: 9 },
  summary, runs,
}, null, 2)}\n`);
log(`wrote ${path.relative(process.cwd(), file)}`);
