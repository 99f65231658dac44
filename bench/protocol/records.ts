/**
 * Micro-benchmarks of the record batch layer: CRC32C, each compression codec, header-only
 * validation, and full decode. Run after a build:
 *
 *     node dist/bench/protocol/records.js            # table
 *     node dist/bench/protocol/records.js --json     # JSON, for BENCHMARKS.md
 *
 * Each figure is the median of several timed rounds after a warm-up. MB/s count
 * uncompressed bytes (MB = 10^6 bytes, GB = 10^9).
 */
import { crc32c } from '../../src/protocol/crc32c.js';
import { compress, compressSync, decompress, decompressSync, hasSyncCodec } from '../../src/protocol/compression/index.js';
import {
  BatchCursor,
  BatchFault,
  CompressionType,
  decodeBatch,
  encodeBatchSync,
  RECORDS_OFFSET,
  validateBatch,
  type RecordInput,
} from '../../src/protocol/records/index.js';
import { rng } from './codec-data.js';

const MiB = 1024 * 1024;
const ROUNDS = 7;
const ROUND_MS = 300;

interface Result {
  name: string;
  bytes: number;
  opsPerSec: number;
  mbPerSec: number;
  note?: string;
}


const WORDS = ['order', 'created', 'shipped', 'customer', 'amount', 'currency', 'EUR', 'USD', 'item', 'sku',
  'quantity', 'warehouse', 'north', 'south', 'priority', 'standard', 'express', 'returned', 'note', 'gift'];

/** About 1 KiB of JSON, in the shape event payloads usually have. */
function jsonValue(random: () => number, i: number): Buffer {
  const items: string[] = [];
  let text = `{"id":"${Math.floor(random() * 2 ** 52).toString(16)}","seq":${i},"ts":${1700000000000 + i * 13},"type":"${WORDS[Math.floor(random() * WORDS.length)]}","items":[`;
  while (text.length + items.join(',').length < 900) {
    items.push(`{"sku":"SKU-${Math.floor(random() * 100000)}","qty":${1 + Math.floor(random() * 9)},"price":${(random() * 500).toFixed(2)},"tag":"${WORDS[Math.floor(random() * WORDS.length)]}"}`);
  }
  text += `${items.join(',')}],"note":"${WORDS[Math.floor(random() * WORDS.length)]} ${WORDS[Math.floor(random() * WORDS.length)]}"}`;
  return Buffer.from(text.padEnd(1024, ' ').slice(0, 1024));
}

function recordsOf(totalBytes: number, seed: number): RecordInput[] {
  const random = rng(seed);
  const records: RecordInput[] = [];
  for (let i = 0, bytes = 0; bytes < totalBytes; i++) {
    const value = jsonValue(random, i);
    records.push({ key: Buffer.from(`customer-${Math.floor(random() * 5000)}`), value, timestamp: 1700000000000 + i });
    bytes += value.length + 40;
  }
  return records;
}

async function measure(name: string, bytes: number, op: () => unknown, note?: string): Promise<Result> {
  const deadline = performance.now() + ROUND_MS;
  while (performance.now() < deadline) await op(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ROUND_MS) {
      await op();
      n++;
      now = performance.now();
    }
    rates.push((n * 1000) / (now - start));
  }
  rates.sort((a, b) => a - b);
  const opsPerSec = rates[rates.length >> 1]!;
  return { name, bytes, opsPerSec, mbPerSec: (opsPerSec * bytes) / 1e6, note };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const oneMiB = Buffer.alloc(MiB);
  const random = rng(7);
  for (let i = 0; i < oneMiB.length; i++) oneMiB[i] = Math.floor(random() * 256);
  results.push(await measure('crc32c 1 MiB', MiB, () => crc32c(oneMiB)));

  // A 1 MiB batch of ~1 KiB JSON values; its records section is what the codecs work on.
  const records = recordsOf(MiB - 64 * 1024, 1);
  const plain = encodeBatchSync(records);
  const body = plain.subarray(RECORDS_OFFSET);
  const names = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    const packed = await compress(codec, body);
    const ratio = `ratio ${(body.length / packed.length).toFixed(2)}`;
    const name = names[codec]!;
    if (hasSyncCodec(codec)) {
      results.push(await measure(`${name} compress (sync)`, body.length, () => compressSync(codec, body), ratio));
      results.push(await measure(`${name} decompress (sync)`, body.length, () => decompressSync(codec, packed, 4 * MiB), ratio));
    }
    results.push(await measure(`${name} compress (async)`, body.length, () => compress(codec, body), ratio));
    results.push(await measure(`${name} decompress (async)`, body.length, () => decompress(codec, packed, 4 * MiB), ratio));
  }

  // Header-only validation of a 1 MiB records buffer: 16 KiB batches (batch.size default)
  // and one 1 MiB batch.
  const small = recordsOf(16 * 1024 - 512, 2);
  const batches: Buffer[] = [];
  let size = 0;
  for (let i = 0; size + 16 * 1024 <= MiB; i++) {
    const b = encodeBatchSync(small, { baseOffset: i * small.length });
    batches.push(b);
    size += b.length;
  }
  const many = Buffer.concat(batches);
  const cursor = new BatchCursor(many);
  const validateAll = (buf: Buffer) => {
    cursor.reset(buf);
    while (cursor.next()) {
      if (validateBatch(buf, cursor.offset, cursor.offset + cursor.size) !== BatchFault.Ok) throw new Error('invalid');
    }
  };
  results.push(await measure(`validate ${batches.length} x 16 KiB batches`, many.length, () => validateAll(many), `${batches.length} batches per op`));
  results.push(await measure('validate 1 x 1 MiB batch', plain.length, () => validateAll(plain)));

  // Full decode of the 1 MiB batch, uncompressed and lz4.
  results.push(await measure('decode 1 MiB batch (none)', plain.length, () => decodeBatch(plain), `${records.length} records`));
  const lz4 = encodeBatchSync(records, { compression: CompressionType.Lz4 });
  results.push(await measure('decode 1 MiB batch (lz4)', plain.length, () => decodeBatch(lz4), `${records.length} records`));
  results.push(await measure('encode 1 MiB batch (none)', plain.length, () => encodeBatchSync(records), `${records.length} records`));

  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ node: process.version, arch: process.arch, results }, null, 2));
    return;
  }
  console.log(`node ${process.version} ${process.arch}`);
  console.log('benchmark'.padEnd(36) + 'ops/s'.padStart(12) + 'MB/s'.padStart(12) + '  note');
  for (const r of results) {
    console.log(r.name.padEnd(36) + r.opsPerSec.toFixed(1).padStart(12) + r.mbPerSec.toFixed(0).padStart(12) + `  ${r.note ?? ''}`);
  }
}

await main();
