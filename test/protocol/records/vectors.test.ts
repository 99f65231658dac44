import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchFault,
  CompressionType,
  ControlRecordType,
  decodeBatch,
  encodeBatch,
  encodeBatchSync,
  encodeEndTxnMarkerBatch,
  parseControlRecordKey,
  parseEndTxnMarker,
  validateBatch,
  type DecodedBatch,
  type RecordInput,
} from '../../../src/protocol/records/index.js';
import { CODECS, fixture, JAVA_BATCH, JAVA_MULTI_COUNT, JAVA_NONE_MULTI, javaMultiRecords, javaSmallRecords } from './java-fixtures.js';

/**
 * Known answers. The first vector is written out field by field by hand; the CRC in it was
 * computed independently (CRC32C of bytes 21..69) and Kafka's Java client accepts the batch
 * (DefaultRecordBatch.ensureValid) and reads the same record from it. The others are batches
 * Kafka's own Java code wrote (fixtures/java-*.bin, see fixtures/JavaBatches.java).
 */
const HAND_BATCH = [
  '0000000000000000', // baseOffset 0
  '0000003a', // batchLength 58 = 70 - 12
  '00000000', // partitionLeaderEpoch 0
  '02', // magic
  'e99b8dd8', // crc: CRC32C over attributes..end
  '0000', // attributes: no compression, CreateTime, not transactional, not control
  '00000000', // lastOffsetDelta 0
  '0000018bcfe56800', // baseTimestamp 1700000000000
  '0000018bcfe56800', // maxTimestamp 1700000000000
  'ffffffffffffffff', // producerId -1
  'ffff', // producerEpoch -1
  'ffffffff', // baseSequence -1
  '00000001', // recordCount 1
  '10', // record length 8 (zig-zag varint)
  '00', // attributes
  '00', // timestampDelta 0
  '00', // offsetDelta 0
  '02', '6b', // key length 1, "k"
  '02', '76', // value length 1, "v"
  '00', // no headers
].join('');

test('hand-computed vector: exact bytes and CRC of a one-record batch', async () => {
  const built = await encodeBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1700000000000 }], { partitionLeaderEpoch: 0 });
  assert.equal(built.toString('hex'), HAND_BATCH);
  assert.equal(built.readUInt32BE(17), 0xe99b8dd8);
  const d = await decodeBatch(Buffer.from(HAND_BATCH, 'hex'));
  assert.equal(d.records.length, 1);
  assert.deepEqual(d.records[0]!.key, Buffer.from('k'));
  assert.deepEqual(d.records[0]!.value, Buffer.from('v'));
  assert.equal(d.crc, 0xe99b8dd8);
});

function expectRecords(d: DecodedBatch, expected: readonly RecordInput[]): void {
  assert.equal(d.records.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const r = d.records[i]!;
    const e = expected[i]!;
    assert.equal(r.offset, i);
    assert.equal(r.timestamp, e.timestamp);
    assert.deepEqual(r.key, e.key == null ? null : Buffer.from(e.key));
    assert.deepEqual(r.value, e.value == null ? null : Buffer.from(e.value));
    assert.deepEqual(r.headers, (e.headers ?? []).map((h) => ({ key: h.key, value: h.value == null ? null : Buffer.from(h.value) })));
  }
}

test('batches written by Kafka\'s Java client decode to the records it was given, for every codec', async () => {
  for (const [id, name] of CODECS.entries()) {
    for (const multi of [false, true]) {
      if (name === 'none' && multi) continue;
      const bytes = fixture(`java-${name}${multi ? '-multi' : ''}.bin`);
      assert.equal(validateBatch(bytes), BatchFault.Ok, name);
      const d = await decodeBatch(bytes);
      assert.equal(d.compression, id);
      assert.equal(d.baseOffset, JAVA_BATCH.baseOffset);
      assert.equal(d.producerId, JAVA_BATCH.producerId);
      assert.equal(d.producerEpoch, JAVA_BATCH.producerEpoch);
      assert.equal(d.baseSequence, JAVA_BATCH.baseSequence);
      assert.equal(d.partitionLeaderEpoch, JAVA_BATCH.partitionLeaderEpoch);
      assert.equal(d.isTransactional, multi);
      expectRecords(d, multi ? javaMultiRecords() : javaSmallRecords());
      assert.equal(d.records.length, multi ? JAVA_MULTI_COUNT : 4);
    }
  }
});

test('our encoder reproduces the Java client\'s bytes: none, snappy (xerial), lz4, end-transaction marker', async () => {
  const options = { ...JAVA_BATCH, compression: CompressionType.None };
  for (const [id, name] of CODECS.entries()) {
    if (name === 'gzip' || name === 'zstd') continue; // gzip header bytes and zstd block choices differ by library
    const ours = await encodeBatch(javaSmallRecords(), { ...options, compression: id });
    assert.deepEqual(ours, fixture(`java-${name}.bin`), name);
  }
  const snappyMulti = encodeBatchSync(javaMultiRecords(), { ...options, compression: CompressionType.Snappy, transactional: true });
  assert.deepEqual(snappyMulti, fixture('java-snappy-multi.bin'));
  const noneMulti = encodeBatchSync(javaMultiRecords(), { ...options, transactional: true });
  assert.equal(noneMulti.length, JAVA_NONE_MULTI.size);
  assert.equal(noneMulti.readUInt32BE(17), JAVA_NONE_MULTI.crc);
  const marker = encodeEndTxnMarkerBatch({
    type: ControlRecordType.Commit, coordinatorEpoch: 9, producerId: 42, producerEpoch: 3,
    baseOffset: 10, partitionLeaderEpoch: 5, timestamp: 1700000001000,
  });
  assert.deepEqual(marker, fixture('java-commit-marker.bin'));
  const d = await decodeBatch(fixture('java-commit-marker.bin'));
  assert.equal(d.isControl, true);
  assert.deepEqual(parseControlRecordKey(d.records[0]!.key), { version: 0, type: ControlRecordType.Commit });
  assert.deepEqual(parseEndTxnMarker(d.records[0]!.value), { version: 0, coordinatorEpoch: 9 });
});
