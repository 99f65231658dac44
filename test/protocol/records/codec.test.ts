import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchDecodeError,
  BatchFault,
  CompressionType,
  ControlRecordType,
  controlRecordType,
  decodeBatch,
  decodeBatchSync,
  encodeBatch,
  encodeBatchSync,
  encodeControlRecordKey,
  encodeEndTxnMarker,
  encodeEndTxnMarkerBatch,
  parseControlRecordKey,
  parseEndTxnMarker,
  recordsErrorCode,
  RecordsErrorCode,
  TimestampType,
  updateBatchCrc,
  validateBatch,
  validateClientBatch,
  writeLogAppendTime,
  type DecodedBatch,
  type RecordInput,
} from '../../../src/protocol/records/index.js';
import { DecompressionError, hasSyncCodec } from '../../../src/protocol/compression/index.js';
import { ProtocolDecodeError, ProtocolEncodeError } from '../../../src/protocol/primitives/errors.js';

const T0 = 1700000000000;
const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

function assertRecords(decoded: DecodedBatch, expected: readonly RecordInput[], baseOffset = 0): void {
  assert.equal(decoded.records.length, expected.length);
  decoded.records.forEach((r, i) => {
    const e = expected[i]!;
    assert.equal(r.offset, baseOffset + (e.offsetDelta ?? i));
    assert.equal(r.timestamp, e.timestamp);
    assert.deepEqual(r.key, e.key == null ? null : Buffer.from(e.key));
    assert.deepEqual(r.value, e.value == null ? null : Buffer.from(e.value));
    assert.deepEqual(r.headers, (e.headers ?? []).map((h) => ({ key: h.key, value: h.value == null ? null : Buffer.from(h.value) })));
  });
}

const edgeRecords: RecordInput[] = [
  { key: null, value: null, timestamp: T0 },
  { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: T0 + 1 },
  { key: Buffer.from('key'), value: Buffer.from('value'), timestamp: T0 - 50_000, headers: [] },
  {
    key: new Uint8Array([1, 2, 3]), value: Buffer.alloc(300, 7), timestamp: T0 + 2 ** 33,
    headers: [{ key: 'a', value: Buffer.from('1') }, { key: '', value: null }, { key: 'ünïcødé ✓', value: Buffer.alloc(0) }],
  },
  { value: Buffer.from('no key, no timestamp given'), timestamp: T0 },
];

test('round trip through every codec: null and empty keys/values, headers, wide timestamp deltas', async () => {
  for (const compression of CODECS) {
    const b = await encodeBatch(edgeRecords, { compression, baseOffset: 500, partitionLeaderEpoch: 3, producerId: 9, producerEpoch: 2, baseSequence: 40 });
    assert.equal(validateBatch(b), BatchFault.Ok);
    const d = await decodeBatch(b);
    assert.equal(d.compression, compression);
    assert.equal(d.baseOffset, 500);
    assert.equal(d.partitionLeaderEpoch, 3);
    assert.equal(d.recordCount, edgeRecords.length);
    assert.equal(d.lastOffsetDelta, edgeRecords.length - 1);
    assert.equal(d.baseTimestamp, T0);
    assert.equal(d.maxTimestamp, T0 + 2 ** 33);
    assert.equal(d.sizeInBytes, b.length);
    assertRecords(d, edgeRecords, 500);
    if (hasSyncCodec(compression)) {
      const s = encodeBatchSync(edgeRecords, { compression, baseOffset: 500, partitionLeaderEpoch: 3, producerId: 9, producerEpoch: 2, baseSequence: 40 });
      assertRecords(decodeBatchSync(s), edgeRecords, 500);
      assertRecords(decodeBatchSync(b), edgeRecords, 500);
    }
  }
});

test('large batches (10 000 records, ~1 MiB) round trip with every codec', async () => {
  const big: RecordInput[] = Array.from({ length: 10_000 }, (_, i) => ({
    key: Buffer.from(`user-${i % 503}`),
    value: Buffer.from(JSON.stringify({ i, name: `n${(i * 31) % 977}`, at: T0 + i, pad: 'x'.repeat(i % 40) })),
    timestamp: T0 + (i % 1000),
    headers: i % 10 === 0 ? [{ key: 'trace', value: Buffer.from(String(i)) }] : undefined,
  }));
  for (const compression of CODECS) {
    const b = await encodeBatch(big, { compression });
    assert.equal(validateClientBatch(b), BatchFault.Ok);
    const d = await decodeBatch(b);
    assert.equal(d.records.length, big.length);
    assert.equal(d.maxTimestamp, T0 + 999);
    assertRecords(d, big);
    if (compression !== CompressionType.None) assert.ok(b.length < 700_000, `codec ${compression}: ${b.length}`);
  }
});

test('transactional, idempotent and control flags survive; compacted offsets and empty batches decode', async () => {
  const txn = await encodeBatch(edgeRecords.slice(0, 2), { transactional: true, producerId: 1, producerEpoch: 0, baseSequence: 0, compression: CompressionType.Lz4 });
  const d = await decodeBatch(txn);
  assert.equal(d.isTransactional, true);
  assert.equal(d.isControl, false);
  assert.equal(d.producerId, 1);
  const compacted: RecordInput[] = [
    { key: Buffer.from('a'), value: Buffer.from('1'), offsetDelta: 0, timestamp: T0 },
    { key: Buffer.from('b'), value: null, offsetDelta: 7, timestamp: T0 + 3 },
  ];
  const c = await decodeBatch(await encodeBatch(compacted, { baseOffset: 100, lastOffsetDelta: 9, compression: CompressionType.Snappy }));
  assert.equal(c.lastOffsetDelta, 9);
  assert.deepEqual(c.records.map((r) => r.offset), [100, 107]);
  const empty = await decodeBatch(encodeBatchSync([], { lastOffsetDelta: 3, defaultTimestamp: T0, maxTimestamp: T0 + 10 }));
  assert.equal(empty.recordCount, 0);
  assert.equal(empty.baseTimestamp, -1);
  assert.equal(empty.maxTimestamp, T0 + 10);
  assert.deepEqual(empty.records, []);
  assert.throws(() => encodeBatchSync([{ offsetDelta: 2 }, { offsetDelta: 2 }]), ProtocolEncodeError);
});

test('LogAppendTime: every record takes the batch max timestamp; delete horizon moves the base', async () => {
  const b = await encodeBatch(edgeRecords, { compression: CompressionType.Gzip });
  writeLogAppendTime(b, 0, T0 + 777);
  assert.equal(validateBatch(b), BatchFault.Ok);
  const d = await decodeBatch(b);
  assert.equal(d.timestampType, TimestampType.LogAppendTime);
  assert.deepEqual(d.records.map((r) => r.timestamp), edgeRecords.map(() => T0 + 777));
  const appended = await decodeBatch(await encodeBatch(edgeRecords, { timestampType: TimestampType.LogAppendTime, maxTimestamp: T0 + 9 }));
  assert.deepEqual(appended.records.map((r) => r.timestamp), edgeRecords.map(() => T0 + 9));
  const horizon = await decodeBatch(await encodeBatch(edgeRecords.slice(0, 3), { deleteHorizonMs: T0 + 86_400_000 }));
  assert.equal(horizon.hasDeleteHorizon, true);
  assert.equal(horizon.baseTimestamp, T0 + 86_400_000);
  assertRecords(horizon, edgeRecords.slice(0, 3));
});

test('control records: commit/abort markers and their keys and values', async () => {
  for (const type of [ControlRecordType.Commit, ControlRecordType.Abort] as const) {
    const b = encodeEndTxnMarkerBatch({ type, coordinatorEpoch: 17, producerId: 55, producerEpoch: 4, baseOffset: 30, partitionLeaderEpoch: 2, timestamp: T0 });
    assert.equal(validateBatch(b), BatchFault.Ok);
    assert.equal(validateClientBatch(b), BatchFault.NonZeroBaseOffset);
    const d = await decodeBatch(b);
    assert.equal(d.isControl, true);
    assert.equal(d.isTransactional, true);
    assert.equal(d.baseSequence, -1);
    assert.equal(d.records.length, 1);
    const key = parseControlRecordKey(d.records[0]!.key);
    assert.deepEqual(key, { version: 0, type });
    assert.equal(controlRecordType(key.type), type);
    assert.deepEqual(parseEndTxnMarker(d.records[0]!.value), { version: 0, coordinatorEpoch: 17 });
  }
  assert.equal(controlRecordType(42), ControlRecordType.Unknown);
  assert.equal(controlRecordType(2), ControlRecordType.LeaderChange);
  // Later versions read as version 0 with their extra bytes ignored, as Kafka does.
  assert.deepEqual(parseControlRecordKey(Buffer.concat([encodeControlRecordKey(ControlRecordType.Abort, 1), Buffer.from([9])])), { version: 1, type: 0 });
  assert.deepEqual(parseEndTxnMarker(Buffer.concat([encodeEndTxnMarker(3, 1), Buffer.from([0])])), { version: 1, coordinatorEpoch: 3 });
  for (const bad of [null, Buffer.alloc(3), Buffer.from('ffff0001', 'hex')]) {
    assert.throws(() => parseControlRecordKey(bad), ProtocolDecodeError);
  }
  for (const bad of [null, Buffer.alloc(5), Buffer.from('ffff00000001', 'hex')]) {
    assert.throws(() => parseEndTxnMarker(bad), ProtocolDecodeError);
  }
});

/** Rewrites the record count (and fixes the CRC) so the header lies about the records. */
function withCount(b: Buffer, count: number): Buffer {
  const copy = Buffer.from(b);
  copy.writeInt32BE(count, 57);
  updateBatchCrc(copy, 0);
  return copy;
}

test('the record count must match the records present, compressed or not (INVALID_RECORD)', async () => {
  for (const compression of CODECS) {
    const b = await encodeBatch(edgeRecords, { compression });
    for (const count of [edgeRecords.length - 1, edgeRecords.length + 1, 1]) {
      await assert.rejects(decodeBatch(withCount(b, count)), (err: unknown) => {
        assert.ok(err instanceof ProtocolDecodeError);
        assert.equal(recordsErrorCode(err), RecordsErrorCode.INVALID_RECORD);
        return true;
      }, `codec ${compression} count ${count}`);
    }
  }
  // A count too large for the bytes is refused before allocating anything for it.
  await assert.rejects(decodeBatch(withCount(encodeBatchSync(edgeRecords), 0x7fffffff)), ProtocolDecodeError);
});

test('header faults surface as BatchDecodeError with their error code; the CRC check is optional', async () => {
  const b = await encodeBatch(edgeRecords, { compression: CompressionType.Snappy });
  const bad = Buffer.from(b);
  bad[b.length - 1]! ^= 0xff;
  await assert.rejects(decodeBatch(bad), (err: unknown) => {
    assert.ok(err instanceof BatchDecodeError);
    assert.equal(err.fault, BatchFault.CrcMismatch);
    assert.equal(recordsErrorCode(err), RecordsErrorCode.CORRUPT_MESSAGE);
    return true;
  });
  await assert.rejects(decodeBatch(bad, 0, bad.length, { verifyCrc: false }), ProtocolDecodeError);
  await assert.rejects(decodeBatch(b.subarray(0, 40)), (err: unknown) => err instanceof BatchDecodeError && err.fault === BatchFault.Truncated);
  assert.equal(recordsErrorCode(new Error('not a decode error')), -1);
});

test('the decompressed size cap applies to decodeBatch: RECORD_TOO_LARGE', async () => {
  const big = Array.from({ length: 2000 }, (_, i) => ({ value: Buffer.alloc(1000, i & 0xff), timestamp: T0 }));
  for (const compression of CODECS.slice(1)) {
    const b = await encodeBatch(big, { compression });
    await assert.rejects(decodeBatch(b, 0, b.length, { maxRecordsBytes: 100_000 }), (err: unknown) => {
      assert.ok(err instanceof DecompressionError);
      assert.equal(recordsErrorCode(err), RecordsErrorCode.RECORD_TOO_LARGE);
      return true;
    });
    assert.equal((await decodeBatch(b, 0, b.length, { maxRecordsBytes: 4_000_000 })).records.length, 2000);
  }
});

test('records that run past their length, bad header counts and trailing bytes are refused', async () => {
  const one = encodeBatchSync([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0, headers: [{ key: 'h', value: Buffer.from('x') }] }]);
  // Record at 61: length varint, then attributes, ts delta, offset delta, key len (at 65).
  const cases: Array<[number, number]> = [
    [61, 0x7e], // record length way past the batch
    [65, 0x7e], // key length past the record
    [69, 0x01], // header count -1
    [69, 0x7e], // header count past the record
  ];
  for (const [at, value] of cases) {
    const bad = Buffer.from(one);
    bad[at] = value;
    updateBatchCrc(bad, 0);
    await assert.rejects(decodeBatch(bad), (err: unknown) => err instanceof ProtocolDecodeError && recordsErrorCode(err) === RecordsErrorCode.INVALID_RECORD, `byte ${at}`);
  }
  const trailing = Buffer.concat([one, Buffer.from([0])]);
  trailing.writeInt32BE(trailing.length - 12, 8);
  updateBatchCrc(trailing, 0);
  await assert.rejects(decodeBatch(trailing), /remain after 1 records/);
});
