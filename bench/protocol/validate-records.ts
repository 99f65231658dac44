/**
 * CPU cost of validating produced batches: the header checks every batch already had
 * (validateClientBatch: framing, CRC32C, counts) and the walk of every record that issue 12
 * added (walkBatch: record framing, streamed decompression for compressed batches). Run after
 * a build:
 *
 *     node dist/bench/protocol/validate-records.js            # table
 *     node dist/bench/protocol/validate-records.js --json     # JSON, for BENCHMARKS.md
 *
 * Batches of ~1 KiB JSON records, in 16 KiB (the producer's batch.size default) and 1 MiB
 * shapes. CPU s/GB is process CPU time (user + system, the libuv pool's included, so async
 * gzip/zstd inflation counts) per 10^9 bytes of uncompressed records; the median of several
 * rounds after a warm-up.
 */
import { CompressionType } from '../../src/protocol/compression/compression-type.js';
import { encodeBatch } from '../../src/protocol/records/encode.js';
import type { RecordInput } from '../../src/protocol/records/record.js';
import { BatchFault } from '../../src/protocol/records/faults.js';
import { validateClientBatch } from '../../src/protocol/records/validate.js';
import { RecordFault, RecordWalk } from '../../src/protocol/records/walk.js';
import { WALK_ASYNC, walkBatch, walkBatchSync } from '../../src/protocol/records/walk-batch.js';
import { rng } from './codec-data.js';

const MiB = 1024 * 1024;
const CAP = 64 * MiB;
const ROUNDS = 5;
const ROUND_MS = 400;


const WORDS = ['order', 'created', 'shipped', 'customer', 'amount', 'currency', 'EUR', 'USD', 'item', 'sku', 'north', 'south'];

/** ~1 KiB JSON values, as event payloads usually look. */
function recordsOf(totalBytes: number, seed: number): RecordInput[] {
  const random = rng(seed);
  const out: RecordInput[] = [];
  const now = Date.now();
  for (let i = 0, bytes = 0; bytes < totalBytes; i++) {
    let text = `{"id":"${Math.floor(random() * 2 ** 52).toString(16)}","seq":${i},"type":"${WORDS[Math.floor(random() * WORDS.length)]}","items":[`;
    while (text.length < 960) text += `{"sku":"SKU-${Math.floor(random() * 100000)}","qty":${1 + Math.floor(random() * 9)},"price":${(random() * 500).toFixed(2)}},`;
    const value = Buffer.from(`${text}{}]}`.padEnd(1024, ' ').slice(0, 1024));
    out.push({ key: Buffer.from(`customer-${Math.floor(random() * 5000)}`), value, timestamp: now + i });
    bytes += value.length + 40;
  }
  return out;
}

interface Result {
  name: string;
  /** Uncompressed record bytes per op. */
  bytes: number;
  mbPerSec: number;
  cpuSecPerGb: number;
}

async function measure(name: string, bytes: number, op: () => unknown): Promise<Result> {
  const warm = performance.now() + ROUND_MS;
  while (performance.now() < warm) await op();
  const rates: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    let now = start;
    while (now - start < ROUND_MS) {
      await op();
      n++;
      now = performance.now();
    }
    const cpu = process.cpuUsage(cpu0);
    const gb = (n * bytes) / 1e9;
    rates.push((n * bytes) / 1e6 / ((now - start) / 1000));
    cpus.push((cpu.user + cpu.system) / 1e6 / gb);
  }
  rates.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  return { name, bytes, mbPerSec: rates[ROUNDS >> 1]!, cpuSecPerGb: cpus[ROUNDS >> 1]! };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const names = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  const shapes = [
    ['16 KiB', recordsOf(16 * 1024 - 1024, 1)],
    ['1 MiB', recordsOf(MiB - 32 * 1024, 2)],
  ] as const;
  const walk = new RecordWalk();
  for (const [shape, recs] of shapes) {
    const plainBytes = (await encodeBatch(recs)).length - 61;
    for (const codec of [CompressionType.None, CompressionType.Lz4, CompressionType.Zstd, CompressionType.Snappy, CompressionType.Gzip]) {
      const batch = await encodeBatch(recs, { compression: codec });
      const label = `${names[codec]} ${shape} (${recs.length} records)`;
      results.push(await measure(`header checks + CRC, ${label}`, plainBytes, () => {
        if (validateClientBatch(batch) !== BatchFault.Ok) throw new Error('invalid batch');
      }));
      // As the produce path does: synchronously where it can, else streamed (walkBatch).
      const sync = walkBatchSync(batch, walk, CAP) !== WALK_ASYNC;
      results.push(await measure(`record walk${sync ? '' : ' (async)'}, ${label}`, plainBytes, sync
        ? () => {
          if (walkBatchSync(batch, walk, CAP) !== RecordFault.Ok) throw new Error('invalid records');
        }
        : async () => {
          if ((await walkBatch(batch, walk, CAP)) !== RecordFault.Ok) throw new Error('invalid records');
        }));
      if (codec === CompressionType.Gzip || codec === CompressionType.Zstd) {
        results.push(await measure(`record walk streamed (async), ${label}`, plainBytes, async () => {
          if ((await walkBatch(batch, walk, CAP)) !== RecordFault.Ok) throw new Error('invalid records');
        }));
      }
    }
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ node: process.version, arch: process.arch, results }, null, 2));
    return;
  }
  console.log(`node ${process.version} ${process.arch}`);
  console.log('benchmark'.padEnd(58) + 'MB/s'.padStart(10) + 'CPU s/GB'.padStart(10));
  for (const r of results) console.log(r.name.padEnd(58) + r.mbPerSec.toFixed(0).padStart(10) + r.cpuSecPerGb.toFixed(3).padStart(10));
}

await main();
