import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordInput } from '../../../src/protocol/records/index.js';

/**
 * Batches written by Apache Kafka's Java client (kafka-clients 4.0.2), kept as .bin files in
 * fixtures/ (see fixtures/JavaBatches.java for how they were made), and the records they hold.
 */

const FIXTURES = join('test', 'protocol', 'records', 'fixtures');

/** Reads fixtures/<name>, found by walking up from the compiled test to the repository root. */
export function fixture(name: string): Buffer {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, FIXTURES, name);
    if (existsSync(candidate)) return readFileSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`fixture ${name} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Header fields of every java-<codec>.bin batch (MemoryRecords.builder arguments). */
export const JAVA_BATCH = {
  baseOffset: 0,
  producerId: 42,
  producerEpoch: 3,
  baseSequence: 7,
  partitionLeaderEpoch: 5,
} as const;

/** The four records of java-<codec>.bin (non-transactional). */
export function javaSmallRecords(): RecordInput[] {
  return [
    {
      key: Buffer.from('key-0'), value: Buffer.from('value-0'), timestamp: 1700000000000,
      headers: [{ key: 'h1', value: Buffer.from('hv') }, { key: 'h\u00e9', value: null }],
    },
    { key: null, value: Buffer.from('v'), timestamp: 1700000000010 },
    { key: Buffer.alloc(0), value: null, timestamp: 1700000000005 },
    { key: Buffer.from('k'), value: Buffer.alloc(0), timestamp: 1699999999000 },
  ];
}

export const JAVA_MULTI_COUNT = 800;
/** CRC32C and size of the uncompressed 800-record batch Java built (transactional). */
export const JAVA_NONE_MULTI = { crc: 4229833575, size: 124618 } as const;

function javaValue(i: number): string {
  let s = `{"id":${i},"user":"user-${i % 97}","tags":[`;
  for (let j = 0; j < i % 7; j++) s += `"t${j}",`;
  return `${s}"end"],"note":"${'lorem ipsum '.repeat(i % 13)}"}`;
}

/** The 800 records of java-<codec>-multi.bin (transactional). */
export function javaMultiRecords(): RecordInput[] {
  const records = javaSmallRecords();
  for (let i = 4; i < JAVA_MULTI_COUNT; i++) {
    records.push({ key: Buffer.from(`key-${i}`), value: Buffer.from(javaValue(i)), timestamp: 1700000000000 + i });
  }
  return records;
}
