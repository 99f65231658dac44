// __consumer_offsets records in Kafka's formats, and the partition of a group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import { javaStringHashCode, partitionFor } from '../../../src/coordinator/group/offsets-topic.js';
import { RecordKind } from '../../../src/coordinator/group/record-codec.js';
import { decodeRecord, encodeKey, encodeRecordBatch, encodeValue, groupTombstone, offsetRecord } from '../../../src/coordinator/group/records.js';

test('Java String.hashCode and Kafka\'s partitionFor (Utils.abs, MIN_VALUE → 0)', () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('abc'), 96354);
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('Aa'), javaStringHashCode('BB'));
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(partitionFor('polygenelubricants', 50), 0);
  // UTF-16 code units, as Java counts them.
  assert.equal(javaStringHashCode('é'), 233);
  assert.equal(javaStringHashCode('😀'), 0xd83d * 31 + 0xde00);
  assert.equal(partitionFor('console-consumer-12345', 50), Math.abs(javaStringHashCode('console-consumer-12345')) % 50);
});

test('offset commit records: key version 1, value version 3 (1 with an expire timestamp), bytes as Kafka writes them', () => {
  const r = offsetRecord('g', 't', 3, { committedOffset: 42n, leaderEpoch: 7, metadata: 'm', commitTimestampMs: 1000, expireTimestampMs: -1, recordOffset: -1 });
  const key = encodeKey(r);
  // int16 1 | string g | string t | int32 3
  assert.deepEqual(key, Buffer.from([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 3]));
  const value = encodeValue(r)!;
  assert.equal(value.readInt16BE(0), 3);
  // int64 offset | int32 epoch | string metadata | int64 timestamp
  assert.equal(value.length, 2 + 8 + 4 + 2 + 1 + 8);
  const back = decodeRecord(key, value, 99)!;
  assert.deepEqual(back, { kind: RecordKind.Offset, group: 'g', topic: 't', partition: 3, value: { committedOffset: 42n, leaderEpoch: 7, metadata: 'm', commitTimestampMs: 1000, expireTimestampMs: -1, recordOffset: 99 } });
  const withExpiry = encodeValue(offsetRecord('g', 't', 3, { committedOffset: 1n, leaderEpoch: -1, metadata: '', commitTimestampMs: 1, expireTimestampMs: 2, recordOffset: -1 }))!;
  assert.equal(withExpiry.readInt16BE(0), 1);
  assert.equal((decodeRecord(key, withExpiry, 0)!.value as { expireTimestampMs: number }).expireTimestampMs, 2);
  assert.deepEqual(decodeRecord(key, null, 0), offsetRecord('g', 't', 3, null));
});

test('group metadata records: key version 2, tombstones, unknown record types skipped', () => {
  const t = groupTombstone('grp');
  const key = encodeKey(t);
  assert.deepEqual(key, Buffer.from([0, 2, 0, 3, 0x67, 0x72, 0x70]));
  assert.equal(encodeValue(t), null);
  assert.deepEqual(decodeRecord(key, null, 0), t);
  // A resolved regular expression record (type 16): not kept here.
  assert.equal(decodeRecord(Buffer.from([0, 16, 0, 1, 0x67]), Buffer.from([0, 0]), 0), null);
  assert.throws(() => decodeRecord(null, null, 0));
});

test('an operation\'s records go out as one uncompressed batch without a producer id', () => {
  const records = [offsetRecord('g', 't', 0, { committedOffset: 1n, leaderEpoch: -1, metadata: '', commitTimestampMs: 5, expireTimestampMs: -1, recordOffset: -1 }), groupTombstone('g')];
  const batch = decodeBatchSync(encodeRecordBatch(records, 1234));
  assert.equal(batch.records.length, 2);
  assert.equal(batch.producerId, -1);
  assert.equal(batch.records[0]!.timestamp, 1234);
  assert.equal(batch.records[1]!.value, null);
  assert.deepEqual(decodeRecord(batch.records[1]!.key, batch.records[1]!.value, 1), groupTombstone('g'));
});
