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
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds } from '../vs-kafka/proc.js';
import { median } from '../report/vs-kafka.js';
import { arg, startMillrace, stopMillrace } from './harness.js';

const dists = arg('dists', '.tmp/perf/dist').split(',').map((d) => path.resolve(d));
const requests = Number(arg('requests', '4000'));
const batchBytes = Number(arg('batch-bytes', '16384'));
const partitions = Number(arg('partitions', '6'));
const inflight = Number(arg('inflight', '16'));
const rounds = Number(arg('rounds', '5'));
const acks = Number(arg('acks', '1'));
const port = Number(arg('port', '19992'));
const CODECS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const compression = CODECS[arg('compression', 'none')];
if (compression === undefined) throw new Error('--compression: none, gzip, snappy, lz4 or zstd');
const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

// Codecs from the first build (the wire format does not depend on the build under test).
const { encodeRequestFrame } = await import(path.join(dists[0], 'src/protocol/header.js'));
const { encodeBatch } = await import(path.join(dists[0], 'src/protocol/records/encode.js'));

/** 1 KiB of JSON-like text, different for every record (xorshift32, fixed seed). */
function textValue(i) {
  let s = (i + 1) * 2654435761 >>> 0;
  const rnd = () => ((s ^= s << 13, s ^= s >>> 17, s ^= s << 5, s >>>= 0) / 4294967296);
  let t = `{"seq":${i},"items":[`;
  while (t.length < 1000) t += `{"sku":"SKU-${Math.floor(rnd() * 100000)}","qty":${1 + Math.floor(rnd() * 9)},"price":${(rnd() * 500).toFixed(2)}},`;
  return Buffer.from(`${t}{}]}`.padEnd(1024, ' ').slice(0, 1024));
}

async function requestFrame() {
  const perBatch = Math.max(1, Math.floor(batchBytes / 1100));
  const plain = Buffer.alloc(1024, 'x');
  const batch = await encodeBatch(Array.from({ length: perBatch }, (_, i) => ({ value: compression === 0 ? plain : textValue(i) })), { compression });
  const body = {
    transactionalId: null, acks, timeoutMs: 30000,
    topicData: [{ name: 'blast', partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: batch })) }],
  };
  return { frame: encodeRequestFrame(0, 9, { correlationId: 0, clientId: 'blast' }, body), records: perBatch * partitions };
}

/** Sends `n` copies of the frame with `inflight` outstanding; resolves when all are answered. */
function blast(socket, frame, n) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = 0;
    let pending = Buffer.alloc(0);
    const sendOne = () => {
      frame.writeInt32BE(sent + 1, 8); // correlation id
      socket.write(Buffer.from(frame));
      sent++;
    };
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      while (pending.length - at >= 4) {
        const size = pending.readInt32BE(at);
        if (pending.length - at < 4 + size) break;
        at += 4 + size;
        answered++;
        if (sent < n) sendOne();
      }
      pending = pending.subarray(at);
      if (answered === n) resolve();
    });
    socket.on('error', reject);
    while (sent < Math.min(inflight, n)) sendOne();
  });
}

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
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.setNoDelay(true);
    await blast(socket, frame, 200); // warm-up
    socket.removeAllListeners('data');
    const load1 = os.loadavg()[0];
    const cpu0 = cpuSeconds(broker.pid);
    const t0 = performance.now();
    await blast(socket, frame, requests);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(broker.pid) - cpu0;
    socket.destroy();
    const mb = (requests * frame.length) / 1048576;
    const recordsMb = (requests * recordsPerRequest * 1024) / 1048576;
    const row = { dist: path.relative(process.cwd(), dist), round, requests, records: requests * recordsPerRequest, mb: +mb.toFixed(1), wall_s: +wall.toFixed(3),
      mb_per_s: +(mb / wall).toFixed(1), records_mb_per_s: +(recordsMb / wall).toFixed(1), broker_cpu_s: +cpu.toFixed(2), broker_cpu_ms_per_100mb: +((cpu * 1000 * 100) / mb).toFixed(1), load1: +load1.toFixed(2) };
    process.stderr.write(`${JSON.stringify(row)}\n`);
    return row;
  } finally {
    await stopMillrace(broker, dataDir, 200);
  }
}

const { frame, records: recordsPerRequest } = await requestFrame();
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
  date: new Date().toISOString(), node: process.version, compression: arg('compression', 'none'), request_bytes: frame.length, records_per_request: recordsPerRequest, batch_bytes: batchBytes,
  partitions, inflight, acks, log_dir: shm, loadavg_start: loadStart, loadavg_end: os.loadavg(), summary, runs,
}, null, 2) + '\n');
