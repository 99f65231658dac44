import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchCursor,
  BatchFault,
  batchFaultErrorCode,
  batchFaultMessage,
  batchBaseOffset,
  batchCompression,
  batchCrc,
  batchIsControl,
  batchIsTransactional,
  batchLastOffset,
  batchLastSequence,
  batchMagic,
  batchMaxTimestamp,
  batchPartitionLeaderEpoch,
  batchProducerId,
  batchRecordCount,
  batchSize,
  batchTimestampType,
  CompressionType,
  computeBatchCrc,
  encodeBatchSync,
  readBatchHeader,
  RecordsErrorCode,
  TimestampType,
  updateBatchCrc,
  validateBatch,
  validateClientBatch,
  validateProduceRecords,
  writeBaseOffset,
  writeLastOffset,
  writeLogAppendTime,
  writeMaxTimestamp,
  writePartitionLeaderEpoch,
  type RecordInput,
} from '../../../src/protocol/records/index.js';

const T0 = 1700000000000;

function records(n: number): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i}`), timestamp: T0 + i }));
}

function batch(n = 3, extra: Parameters<typeof encodeBatchSync>[1] = {}): Buffer {
  return encodeBatchSync(records(n), { producerId: 7, producerEpoch: 1, baseSequence: 10, ...extra });
}

/** A magic-1 message set (one uncompressed message), as pre-0.11 clients sent. */
function legacyMessageSet(magic: 0 | 1): Buffer {
  const key = Buffer.from('k');
  const value = Buffer.from('legacy');
  const messageSize = 4 + 1 + 1 + (magic === 1 ? 8 : 0) + 4 + key.length + 4 + value.length;
  const buf = Buffer.alloc(12 + messageSize);
  buf.writeBigInt64BE(0n, 0);
  buf.writeInt32BE(messageSize, 8);
  let pos = 16; // crc at 12 (left zero: legacy CRC32 is not ours to check)
  buf[pos++] = magic;
  buf[pos++] = 0;
  if (magic === 1) {
    buf.writeBigInt64BE(BigInt(T0), pos);
    pos += 8;
  }
  buf.writeInt32BE(key.length, pos);
  key.copy(buf, pos + 4);
  pos += 4 + key.length;
  buf.writeInt32BE(value.length, pos);
  value.copy(buf, pos + 4);
  return buf;
}

test('header fields read back as written', () => {
  const b = batch(3, { baseOffset: 1234, partitionLeaderEpoch: 9, transactional: true, compression: CompressionType.Gzip });
  const h = readBatchHeader(b);
  assert.equal(h.baseOffset, 1234);
  assert.equal(h.batchLength, b.length - 12);
  assert.equal(h.partitionLeaderEpoch, 9);
  assert.equal(h.magic, 2);
  assert.equal(h.crc, computeBatchCrc(b, 0));
  assert.equal(h.compression, CompressionType.Gzip);
  assert.equal(h.timestampType, TimestampType.CreateTime);
  assert.equal(h.isTransactional, true);
  assert.equal(h.isControl, false);
  assert.equal(h.lastOffsetDelta, 2);
  assert.equal(h.baseTimestamp, T0);
  assert.equal(h.maxTimestamp, T0 + 2);
  assert.equal(h.producerId, 7);
  assert.equal(h.producerEpoch, 1);
  assert.equal(h.baseSequence, 10);
  assert.equal(h.recordCount, 3);
  assert.equal(batchSize(b, 0), b.length);
  assert.equal(batchLastOffset(b, 0), 1236);
  assert.equal(batchLastSequence(b, 0), 12);
  assert.equal(batchMagic(b, 0), 2);
  assert.equal(batchMagic(b, b.length), -1);
});

test('last sequence wraps past Int32.MAX_VALUE as Kafka does', () => {
  const b = batch(3, { baseSequence: 0x7fffffff - 1 });
  assert.equal(batchLastSequence(b, 0), 0);
  assert.equal(batchLastSequence(batch(3, { baseSequence: -1, producerId: -1 }), 0), -1);
});

test('validateBatch accepts a good batch at any offset and with bytes after it', () => {
  const b = batch();
  assert.equal(validateBatch(b), BatchFault.Ok);
  const padded = Buffer.concat([Buffer.alloc(5, 0xee), b, Buffer.alloc(9, 0xee)]);
  assert.equal(validateBatch(padded, 5, 5 + b.length), BatchFault.Ok);
  assert.equal(validateBatch(padded, 5), BatchFault.Ok);
  assert.equal(batchFaultErrorCode(BatchFault.Ok), 0);
});

test('a flipped bit anywhere under the CRC is CORRUPT_MESSAGE; base offset and epoch are not covered', () => {
  const b = batch();
  for (let i = 21; i < b.length; i++) {
    const bad = Buffer.from(b);
    bad[i]! ^= 0x10;
    const fault = validateBatch(bad);
    assert.notEqual(fault, BatchFault.Ok, `byte ${i}`);
    if (fault === BatchFault.CrcMismatch) assert.equal(batchFaultErrorCode(fault), RecordsErrorCode.CORRUPT_MESSAGE);
  }
  const stored = Buffer.from(b);
  stored[17]! ^= 1;
  assert.equal(validateBatch(stored), BatchFault.CrcMismatch);
  const moved = Buffer.from(b);
  writeBaseOffset(moved, 0, 99);
  writePartitionLeaderEpoch(moved, 0, 4);
  assert.equal(validateBatch(moved), BatchFault.Ok);
});

test('bad magic, truncation and impossible sizes', () => {
  const b = batch();
  const magic3 = Buffer.from(b);
  magic3[16] = 3;
  assert.equal(validateBatch(magic3), BatchFault.UnknownMagic);
  magic3[16] = 0xff;
  assert.equal(validateBatch(magic3), BatchFault.UnknownMagic);
  assert.equal(batchFaultErrorCode(BatchFault.UnknownMagic), RecordsErrorCode.CORRUPT_MESSAGE);
  for (const cut of [0, 11, 16, 17, 60, 61, b.length - 1]) {
    assert.equal(validateBatch(b.subarray(0, cut)), BatchFault.Truncated, `cut at ${cut}`);
    assert.equal(validateBatch(b, 0, cut), BatchFault.Truncated);
  }
  for (const length of [-1, 0, 13, 14, 48]) {
    const short = Buffer.from(b);
    short.writeInt32BE(length, 8);
    assert.equal(validateBatch(short), BatchFault.SizeTooSmall, `length ${length}`);
  }
  assert.equal(batchFaultErrorCode(BatchFault.SizeTooSmall), RecordsErrorCode.CORRUPT_MESSAGE);
  const long = Buffer.from(b);
  long.writeInt32BE(0x7fffffff, 8);
  assert.equal(validateBatch(long), BatchFault.Truncated);
});

test('legacy magic 0 and 1 are detected and answered with INVALID_RECORD (Kafka 4.0, KIP-724)', () => {
  for (const magic of [0, 1] as const) {
    const legacy = legacyMessageSet(magic);
    assert.equal(batchMagic(legacy, 0), magic);
    assert.equal(validateBatch(legacy), BatchFault.LegacyMagic);
    assert.equal(validateClientBatch(legacy), BatchFault.LegacyMagic);
    assert.equal(validateProduceRecords(legacy, 0, legacy.length, 7), BatchFault.LegacyMagic);
    assert.equal(batchFaultErrorCode(BatchFault.LegacyMagic), RecordsErrorCode.INVALID_RECORD);
    assert.match(batchFaultMessage(BatchFault.LegacyMagic), /magic version 2/);
    const cursor = new BatchCursor(legacy);
    assert.equal(cursor.next(), true, 'legacy message sets still frame by their length');
    assert.equal(cursor.size, legacy.length);
  }
});

test('unknown codec ids, negative counts and offset ranges that cannot hold the records', () => {
  const b = batch(3);
  const codec = Buffer.from(b);
  codec[22] = (codec[22]! & ~7) | 5;
  updateBatchCrc(codec, 0);
  assert.equal(validateBatch(codec), BatchFault.UnknownCompression);
  // Kafka 4.4's CompressionType.forId throws IllegalArgumentException: UNKNOWN_SERVER_ERROR
  assert.equal(batchFaultErrorCode(BatchFault.UnknownCompression), RecordsErrorCode.UNKNOWN_SERVER_ERROR);
  const negative = Buffer.from(b);
  negative.writeInt32BE(-1, 57);
  updateBatchCrc(negative, 0);
  assert.equal(validateBatch(negative), BatchFault.NegativeRecordCount);
  const delta = Buffer.from(b);
  delta.writeInt32BE(1, 23); // three records in two offsets
  updateBatchCrc(delta, 0);
  assert.equal(validateBatch(delta), BatchFault.BadOffsetDelta);
  delta.writeInt32BE(-1, 23);
  updateBatchCrc(delta, 0);
  assert.equal(validateBatch(delta), BatchFault.BadOffsetDelta);
  const tooMany = Buffer.from(b);
  tooMany.writeInt32BE(1000, 57);
  tooMany.writeInt32BE(999, 23);
  updateBatchCrc(tooMany, 0);
  assert.equal(validateBatch(tooMany), BatchFault.CountExceedsSize);
  // Compaction leaves fewer records than offsets, or none: still valid.
  const compacted = encodeBatchSync([{ value: Buffer.from('a'), offsetDelta: 0, timestamp: T0 }, { value: Buffer.from('b'), offsetDelta: 5, timestamp: T0 }]);
  assert.equal(validateBatch(compacted), BatchFault.Ok);
  const empty = encodeBatchSync([], { lastOffsetDelta: 4, defaultTimestamp: T0 });
  assert.equal(batchRecordCount(empty, 0), 0);
  assert.equal(validateBatch(empty), BatchFault.Ok);
});

test('client batches: base offset 0, count = lastOffsetDelta + 1, no control, sequence with producer id, size', () => {
  const good = batch(3);
  assert.equal(validateClientBatch(good), BatchFault.Ok);
  assert.equal(validateClientBatch(good, 0, good.length, good.length), BatchFault.Ok);
  assert.equal(validateClientBatch(good, 0, good.length, good.length - 1), BatchFault.TooLarge);
  assert.equal(batchFaultErrorCode(BatchFault.TooLarge), RecordsErrorCode.RECORD_TOO_LARGE);
  assert.equal(validateClientBatch(batch(3, { baseOffset: 1 })), BatchFault.NonZeroBaseOffset);
  const compacted = encodeBatchSync([{ value: Buffer.from('a'), offsetDelta: 0, timestamp: T0 }, { value: Buffer.from('b'), offsetDelta: 5, timestamp: T0 }]);
  assert.equal(validateClientBatch(compacted), BatchFault.CountMismatch);
  assert.equal(validateClientBatch(encodeBatchSync([], { defaultTimestamp: T0 })), BatchFault.CountMismatch);
  assert.equal(validateClientBatch(batch(1, { control: true })), BatchFault.ControlBatch);
  assert.equal(validateClientBatch(batch(1, { baseSequence: -1 })), BatchFault.MissingSequence);
  assert.equal(validateClientBatch(batch(1, { producerId: -1, baseSequence: -1 })), BatchFault.Ok);
  for (const fault of [BatchFault.NonZeroBaseOffset, BatchFault.CountMismatch, BatchFault.ControlBatch, BatchFault.MissingSequence]) {
    assert.equal(batchFaultErrorCode(fault), RecordsErrorCode.INVALID_RECORD);
    assert.ok(batchFaultMessage(fault).length > 0);
  }
});

test('produce records: exactly one v2 batch, zstd only from v7, trailing bytes trimmed', () => {
  const one = batch(2);
  assert.equal(validateProduceRecords(one, 0, one.length, 3), BatchFault.Ok);
  assert.equal(validateProduceRecords(one, 0, 0, 9), BatchFault.NoBatch);
  assert.equal(validateProduceRecords(one, 0, one.length - 1, 9), BatchFault.NoBatch);
  assert.equal(batchFaultErrorCode(BatchFault.NoBatch), RecordsErrorCode.INVALID_RECORD);
  const two = Buffer.concat([one, one]);
  assert.equal(validateProduceRecords(two, 0, two.length, 9), BatchFault.MultipleBatches);
  const tail = Buffer.concat([one, Buffer.alloc(11)]);
  assert.equal(validateProduceRecords(tail, 0, tail.length, 9), BatchFault.Ok);
  const zstd = Buffer.from(one);
  zstd[22] = (zstd[22]! & ~7) | CompressionType.Zstd;
  assert.equal(validateProduceRecords(zstd, 0, zstd.length, 6), BatchFault.ZstdBeforeV7);
  assert.equal(validateProduceRecords(zstd, 0, zstd.length, 7), BatchFault.Ok);
  assert.equal(batchFaultErrorCode(BatchFault.ZstdBeforeV7), RecordsErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  const junk = Buffer.concat([one, Buffer.from('000000000000000000000001', 'hex')]);
  assert.equal(validateProduceRecords(junk, 0, junk.length, 9), BatchFault.SizeTooSmall);
});

test('the cursor walks concatenated batches and stops at a partial tail without error', () => {
  const batches = [batch(1), batch(5, { baseOffset: 1 }), batch(2, { baseOffset: 6 })];
  const all = Buffer.concat(batches);
  for (let cut = 0; cut <= all.length; cut += 7) {
    const cursor = new BatchCursor(all, 0, cut);
    const sizes: number[] = [];
    while (cursor.next()) {
      assert.equal(validateBatch(all, cursor.offset, cursor.offset + cursor.size), BatchFault.Ok);
      sizes.push(cursor.size);
    }
    const whole = sizes.reduce((a, s) => a + s, 0);
    assert.equal(cursor.fault, BatchFault.Ok);
    assert.equal(cursor.trailingBytes, cut - whole);
    assert.deepEqual(sizes, batches.map((b) => b.length).slice(0, sizes.length));
    assert.ok(cursor.trailingBytes < (batches[sizes.length]?.length ?? 1));
  }
  const cursor = new BatchCursor(all);
  let n = 0;
  while (cursor.next()) n++;
  assert.equal(n, 3);
  assert.equal(cursor.trailingBytes, 0);
  cursor.reset(all, batches[0]!.length);
  assert.equal(cursor.next(), true);
  assert.equal(batchBaseOffset(all, cursor.offset), 1);
});

test('the cursor stops with CORRUPT_MESSAGE on a length below 14 or an unknown magic', () => {
  const b = batch(1);
  const bad = Buffer.concat([b, b]);
  bad.writeInt32BE(13, b.length + 8);
  const cursor = new BatchCursor(bad);
  assert.equal(cursor.next(), true);
  assert.equal(cursor.next(), false);
  assert.equal(cursor.fault, BatchFault.SizeTooSmall);
  const magic = Buffer.concat([b, b]);
  magic[b.length + 16] = 7;
  cursor.reset(magic);
  assert.equal(cursor.next(), true);
  assert.equal(cursor.next(), false);
  assert.equal(cursor.fault, BatchFault.UnknownMagic);
  assert.equal(batchFaultErrorCode(cursor.fault), RecordsErrorCode.CORRUPT_MESSAGE);
});

test('in-place writers: offsets and epoch without CRC work, timestamps with it', () => {
  const b = batch(4, { baseSequence: 0 });
  const crc = batchCrc(b, 0);
  writeBaseOffset(b, 0, 2 ** 40 + 5);
  assert.equal(batchBaseOffset(b, 0), 2 ** 40 + 5);
  writeBaseOffset(b, 0, 77n);
  assert.equal(batchBaseOffset(b, 0), 77);
  writeLastOffset(b, 0, 100);
  assert.equal(batchBaseOffset(b, 0), 97);
  assert.equal(batchLastOffset(b, 0), 100);
  writePartitionLeaderEpoch(b, 0, 12);
  assert.equal(batchPartitionLeaderEpoch(b, 0), 12);
  assert.equal(batchCrc(b, 0), crc, 'neither field is covered by the CRC');
  assert.equal(validateBatch(b), BatchFault.Ok);

  assert.equal(writeMaxTimestamp(b, 0, TimestampType.CreateTime, T0 + 3), false, 'unchanged: nothing rewritten');
  assert.equal(batchCrc(b, 0), crc);
  assert.equal(writeLogAppendTime(b, 0, T0 + 5000), true);
  assert.equal(batchTimestampType(b, 0), TimestampType.LogAppendTime);
  assert.equal(batchMaxTimestamp(b, 0), T0 + 5000);
  assert.notEqual(batchCrc(b, 0), crc);
  assert.equal(validateBatch(b), BatchFault.Ok);
  assert.equal(writeMaxTimestamp(b, 0, TimestampType.CreateTime, T0 + 3), true);
  assert.equal(batchCrc(b, 0), crc, 'back to the original bytes');
  assert.equal(batchCompression(b, 0), CompressionType.None);
  assert.equal(batchIsControl(b, 0), false);
  assert.equal(batchIsTransactional(b, 0), false);
  assert.equal(batchProducerId(b, 0), 7);
});
