// Micro-benchmark of the consume path's per-fetch work, as kcat (librdkafka defaults) asks
// for it: 6 partitions x 1 MiB read from a PartitionLog of 1 KiB records and encoded as a
// Fetch v11 response frame. Compares the old path (a fresh buffer per read, records copied
// into one frame buffer) with the current one (pooled read buffers given back after the
// "write", records spliced as their own chunks). Prints MB/s and ms per fetch, GC included.
//
//   npm run build && node dist/bench/fetch/encode.js [fetches=400]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeFetchResponseFrame } from '../../src/broker/fetch/fetch-encoder.js';
import { readBufferPool } from '../../src/broker/network/read-buffer-pool.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { defaultFetchableTopicResponse, defaultFetchResponse, defaultPartitionData, type FetchResponse } from '../../src/protocol/generated/fetch-response.js';
import { encodeResponseFrame } from '../../src/protocol/header.js';
import { encodeBatchSync } from '../../src/protocol/records/index.js';
import { resolveLogConfig } from '../../src/storage/config.js';
import { NodeFs } from '../../src/storage/fs/storage-fs.js';
import { silentLogger } from '../../src/storage/logger.js';
import { PartitionLog } from '../../src/storage/partition-log.js';

const fetches = Number(process.argv[2] ?? 400);
const PARTITIONS = 6;
const MAX_PARTITION_BYTES = 1 << 20;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'millrace-fetch-bench-'));

// 6 logs of 16 MiB each: 16 KiB batches of 1 KiB records (kcat's producer batches are larger; the
// read cuts at whole batches either way).
const logs: PartitionLog[] = [];
const batch = encodeBatchSync(Array.from({ length: 16 }, (_, i) => ({ value: Buffer.alloc(1000, i), timestamp: 1 })), {});
for (let p = 0; p < PARTITIONS; p++) {
  const dir = path.join(root, `t-${p}`);
  fs.mkdirSync(dir);
  const log = PartitionLog.open({ dir, fs: new NodeFs(), logger: silentLogger, config: resolveLogConfig({}) });
  for (let i = 0; i < (16 << 20) / batch.length; i++) log.append(Buffer.from(batch), { leaderEpoch: 0 });
  logs.push(log);
}

function body(records: Buffer[]): FetchResponse {
  const t = { ...defaultFetchableTopicResponse(), topic: 't' };
  t.partitions = records.map((r, i) => ({ ...defaultPartitionData(), partitionIndex: i, records: r }));
  return { ...defaultFetchResponse(), responses: [t] };
}

function run(name: string, once: (offsets: number[]) => number): void {
  const offsets = new Array<number>(PARTITIONS).fill(0);
  for (let i = 0; i < 20; i++) once(offsets); // warm-up
  offsets.fill(0);
  const start = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < fetches; i++) bytes += once(offsets);
  const ns = Number(process.hrtime.bigint() - start);
  console.log(`${name.padEnd(34)} ${((bytes / ns) * 1000).toFixed(0).padStart(6)} MB/s  ${(ns / fetches / 1e6).toFixed(3)} ms/fetch`);
}

function read(offsets: number[], allocate?: (size: number) => Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const log = logs[p]!;
    if (offsets[p]! >= log.logEndOffset) offsets[p] = 0;
    const r = log.read(offsets[p]!, MAX_PARTITION_BYTES, { isolation: 'logEnd', allocate }).records;
    offsets[p] = offsets[p]! + (r.length / batch.length) * 16;
    out.push(r);
  }
  return out;
}

run('copy: fresh buffers, one frame', (offsets) => encodeResponseFrame(ApiKey.Fetch, 11, 1, body(read(offsets))).length);
run('splice: pooled buffers, chunks', (offsets) => {
  const frame = encodeFetchResponseFrame(11, 1, body(read(offsets, readBufferPool.acquire)));
  if (Buffer.isBuffer(frame)) return frame.length;
  frame.written?.(null); // what the socket's write callback does
  let n = 0;
  for (const c of frame.chunks) n += c.length;
  return n;
});

for (const log of logs) log.close();
fs.rmSync(root, { recursive: true, force: true });
