// The broker's produce path with as little client noise as possible: this process sends the
// same pre-encoded Produce request (one batch of 1 KiB records per partition) over one
// connection, `--inflight` requests pipelined, to a broker child process whose log dir is on
// tmpfs (/dev/shm: no disk writeback in the measurement), and reads the broker's CPU seconds
// from /proc. Builds are interleaved (A B B A ...) when two are given.
//
//   node bench/perf/produce-blast.js --dists .tmp/perf/before/dist,.tmp/perf/dist \
//        [--requests 4000] [--batch-bytes 16384] [--partitions 6] [--inflight 16] [--rounds 5] [--acks 1]
//        [--compression none|gzip|snappy|lz4|zstd]
//
// Uncompressed batches hold 1 KiB of 'x' per record; compressed ones 1 KiB of JSON-like text
// (about 2-4x compressible, as event payloads are), and `records_mb_per_s` counts the records'
// uncompressed bytes.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds } from '../vs-kafka/proc.js';
import { median } from '../report/vs-kafka.js';
import { arg, startMillrace, stopMillrace } from './harness.js';
import { blast, connect, loadCodecs, produceRequest } from './blast.js';

const dists = arg('dists', '.tmp/perf/dist').split(',').map((d) => path.resolve(d));
const requests = Number(arg('requests', '4000'));
const batchBytes = Number(arg('batch-bytes', '16384'));
const partitions = Number(arg('partitions', '6'));
const inflight = Number(arg('inflight', '16'));
const rounds = Number(arg('rounds', '5'));
const acks = Number(arg('acks', '1'));
const port = Number(arg('port', '19992'));
const compression = arg('compression', 'none');
const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

// Codecs from the first build (the wire format does not depend on the build under test).
const codecs = await loadCodecs(dists[0]);

async function once(dist, round, frame, recordsPerRequest) {
  const dataDir = fs.mkdtempSync(path.join(shm, 'millrace-blast-'));
  // BROKER_NODE_ARGS: extra node flags for the broker (e.g. --cpu-prof --cpu-prof-dir DIR).
  const nodeArgs = (process.env.BROKER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const broker = await startMillrace(dist, { port, dataDir, nodeArgs, overrides: { 'num.partitions': partitions, 'log.segment.bytes': 1073741824 } });
  try {
    // Create the topic by asking for its metadata (auto-creation), with the client of the build.
    const { KafkaClient } = await import(path.join(dists[0], 'src/client/client.js'));
    const { Producer } = await import(path.join(dists[0], 'src/client/producer.js'));
    const client = new KafkaClient({ bootstrapServers: [`127.0.0.1:${port}`] });
    await new Producer(client).partitionsFor('blast');
    client.close();
    const socket = await connect(port);
    await blast(codecs, socket, frame, 200, inflight); // warm-up
    const load1 = os.loadavg()[0];
    const cpu0 = cpuSeconds(broker.pid);
    const t0 = performance.now();
    const { errors } = await blast(codecs, socket, frame, requests, inflight);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(broker.pid) - cpu0;
    socket.destroy();
    const mb = (requests * frame.length) / 1048576;
    const recordsMb = (requests * recordsPerRequest * 1024) / 1048576;
    const row = { dist: path.relative(process.cwd(), dist), round, requests, records: requests * recordsPerRequest, mb: +mb.toFixed(1), wall_s: +wall.toFixed(3),
      mb_per_s: +(mb / wall).toFixed(1), records_mb_per_s: +(recordsMb / wall).toFixed(1), broker_cpu_s: +cpu.toFixed(2), broker_cpu_ms_per_100mb: +((cpu * 1000 * 100) / mb).toFixed(1), load1: +load1.toFixed(2),
      ...(Object.keys(errors).length ? { partition_errors: errors } : {}) };
    process.stderr.write(`${JSON.stringify(row)}\n`);
    return row;
  } finally {
    await stopMillrace(broker, dataDir, 200);
  }
}

// Uncompressed: 1 KiB of 'x' per record (as this script always sent); compressed: JSON-like text.
const { frame, records: recordsPerRequest } = await produceRequest(codecs, { topic: 'blast', partitions, batchBytes, compression, acks, value: compression === 'none' ? 'x' : 'json' });
const runs = [];
const loadStart = os.loadavg();
for (let r = 1; r <= rounds; r++) {
  const order = r % 2 === 1 ? dists : [...dists].reverse();
  for (const d of order) runs.push(await once(d, r, frame, recordsPerRequest));
}
const summary = Object.fromEntries(dists.map((d) => {
  const rs = runs.filter((x) => x.dist === path.relative(process.cwd(), d));
  return [path.relative(process.cwd(), d), {
    mb_per_s: median(rs.map((x) => x.mb_per_s)), records_mb_per_s: median(rs.map((x) => x.records_mb_per_s)), broker_cpu_ms_per_100mb: median(rs.map((x) => x.broker_cpu_ms_per_100mb)),
  }];
}));
process.stdout.write(JSON.stringify({
  date: new Date().toISOString(), node: process.version, compression, request_bytes: frame.length, records_per_request: recordsPerRequest, batch_bytes: batchBytes,
  partitions, inflight, acks, log_dir: shm, loadavg_start: loadStart, loadavg_end: os.loadavg(), summary, runs,
}, null, 2) + '\n');
