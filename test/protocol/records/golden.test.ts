import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import * as RequestHeader from '../../../src/protocol/generated/request-header.js';
import * as ProduceRequest from '../../../src/protocol/generated/produce-request.js';
import { codecName } from '../../../src/protocol/compression/index.js';
import {
  BatchCursor,
  BatchFault,
  decodeBatch,
  validateBatch,
  validateProduceRecords,
} from '../../../src/protocol/records/index.js';

/**
 * Produce requests captured from real clients (test/fixtures/golden/<client>/, see its
 * README): every batch must validate, decompress and decode to the records the capture tool
 * listed in index.json for it.
 */

interface Bytes { utf8?: string; base64?: string }
interface GoldenRecord { offsetDelta: number; key: Bytes | null; value: Bytes | null; headers: { key: string; value: Bytes | null }[] }
interface GoldenBatch { topic: string; partition: number; codec: string; recordCount: number; crc: number; records: GoldenRecord[] }
interface GoldenFile { file: string; apiVersion: number; produce?: { batches: GoldenBatch[] } }

function goldenRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'test', 'fixtures', 'golden');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('test/fixtures/golden not found');
    dir = parent;
  }
}

function bytes(b: Bytes | null): Buffer | null {
  if (b === null) return null;
  return b.utf8 !== undefined ? Buffer.from(b.utf8, 'utf8') : Buffer.from(b.base64 ?? '', 'base64');
}

test('Produce batches from real clients decompress and decode to the captured records', async () => {
  const root = goldenRoot();
  const codecsSeen = new Set<string>();
  let batchesChecked = 0;
  for (const client of readdirSync(root)) {
    const indexPath = join(root, client, 'index.json');
    if (!existsSync(indexPath)) continue;
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { files: GoldenFile[] };
    for (const entry of index.files) {
      if (entry.produce === undefined) continue;
      const frame = readFileSync(join(root, client, entry.file));
      const reader = new Reader(frame);
      RequestHeader.read(reader, entry.apiVersion >= 9 ? 2 : 1);
      const request = ProduceRequest.read(reader, entry.apiVersion);
      const expected = [...entry.produce.batches];
      for (const topic of request.topicData) {
        for (const partition of topic.partitionData) {
          const records = partition.records!;
          assert.equal(validateProduceRecords(records, 0, records.length, entry.apiVersion), BatchFault.Ok, `${client} ${entry.file}`);
          const cursor = new BatchCursor(records);
          while (cursor.next()) {
            const want = expected.shift()!;
            assert.equal(want.topic, topic.name);
            assert.equal(want.partition, partition.index);
            assert.equal(validateBatch(records, cursor.offset, cursor.offset + cursor.size), BatchFault.Ok);
            const got = await decodeBatch(records, cursor.offset, cursor.offset + cursor.size);
            assert.equal(codecName(got.compression), want.codec, `${client} ${entry.file}`);
            assert.equal(got.crc, want.crc);
            assert.equal(got.records.length, want.recordCount);
            got.records.forEach((r, i) => {
              const w = want.records[i]!;
              assert.equal(r.offsetDelta, w.offsetDelta);
              assert.deepEqual(r.key, bytes(w.key));
              assert.deepEqual(r.value, bytes(w.value));
              assert.deepEqual(r.headers, w.headers.map((h) => ({ key: h.key, value: bytes(h.value) })));
            });
            codecsSeen.add(`${want.codec}`);
            batchesChecked++;
          }
          assert.equal(cursor.trailingBytes, 0);
        }
      }
      assert.equal(expected.length, 0, `${client} ${entry.file}: every listed batch was found`);
    }
  }
  assert.deepEqual([...codecsSeen].sort(), ['gzip', 'lz4', 'none', 'snappy', 'zstd']);
  assert.ok(batchesChecked >= 30, `${batchesChecked} batches`);
});
