// The share groups' dead-letter queue (KIP-1191) as Kafka 4.4's ShareGroupDLQStateManager
// decides and writes it: the DLQ topic checks in Kafka's order with its messages, the
// destination partition, and the records (Kafka's context headers, the original key and value
// only when copied, never the original headers), split under max.message.bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import { DeadLetterReason } from '../../../src/coordinator/share/share-partition.js';
import { deadLetterBatches, dlqDestinationPartition, dlqTopicProblem, DLQ_CREATED_TOPIC_CONFIGS } from '../../../src/broker/share/share-dlq.js';

const EXISTS = { exists: true, dlqEnabled: true };

test('the DLQ topic checks, in Kafka order, with its messages', () => {
  assert.equal(dlqTopicProblem('g', 'dlq.t', 'dlq.', EXISTS, false), null);
  assert.equal(dlqTopicProblem('g', '', 'dlq.', EXISTS, true), 'Configured DLQ topic name in share group: g is empty.');
  assert.equal(dlqTopicProblem('g', '__x', '', EXISTS, true), 'Configured DLQ topic name in share group: g cannot start with __, topic: __x.');
  assert.equal(dlqTopicProblem('g', 'dlq.t', 'dlq.', { exists: true, dlqEnabled: false }, true), 'DLQ is not enabled on configured DLQ topic for share group: g, topic: dlq.t.');
  assert.equal(dlqTopicProblem('g', 'dlq.t', 'dlq.', { exists: false, dlqEnabled: false }, false), 'DLQ topic does not exist and auto create is disabled on cluster for share group: g, topic: dlq.t.');
  assert.equal(dlqTopicProblem('g', 'dlq.t', 'dlq.', { exists: false, dlqEnabled: false }, true), null, 'created when auto-creation is on');
  assert.equal(dlqTopicProblem('g', 'other', 'dlq.', EXISTS, false), 'Configured DLQ topic name does not comply with the DLQ topic prefix in share group: g, topic: other, prefix: dlq..');
  assert.equal(dlqTopicProblem('g', 'other', '', EXISTS, false), null, 'an empty prefix requires nothing');
  // The topic-existence checks come before the prefix.
  assert.match(dlqTopicProblem('g', 'other', 'dlq.', { exists: true, dlqEnabled: false }, false)!, /^DLQ is not enabled/);
  assert.deepEqual(DLQ_CREATED_TOPIC_CONFIGS, { 'errors.deadletterqueue.group.enable': 'true', 'message.timestamp.type': 'CreateTime' });
});

test('a share-partition dead-letters to its partition modulo the DLQ topic\'s count', () => {
  assert.equal(dlqDestinationPartition(0, 1), 0);
  assert.equal(dlqDestinationPartition(5, 3), 2);
  assert.equal(dlqDestinationPartition(2, 4), 2);
});

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

test('records: one per offset, stamped now, Kafka\'s headers, the original key and value when copied', () => {
  const run = { firstOffset: 10, lastOffset: 12, deliveryCount: 3, reason: DeadLetterReason.DeliveryCountExceeded };
  const originals = new Map([[10, { key: Buffer.from('k10'), value: Buffer.from('v10') }], [12, { key: null, value: Buffer.from('v12') }]]);
  const [batch, ...more] = deadLetterBatches({ groupId: 'g', topicName: 'orders', partition: 1 }, run, 10, 12, originals, 1_000_000, 123_456);
  assert.equal(more.length, 0);
  const decoded = decodeBatchSync(batch!);
  assert.equal(decoded.compression, 0);
  assert.deepEqual(decoded.records.map((r) => [r.offsetDelta, text(r.key), text(r.value), r.timestamp]), [[0, 'k10', 'v10', 123_456], [1, null, null, 123_456], [2, null, 'v12', 123_456]]);
  assert.deepEqual(decoded.records[1]!.headers.map((h) => [h.key, text(h.value)]), [
    ['__dlq.errors.topic', 'orders'],
    ['__dlq.errors.partition', '1'],
    ['__dlq.errors.offset', '11'],
    ['__dlq.errors.group', 'g'],
    ['__dlq.errors.delivery.count', '3'],
    ['__dlq.errors.message', 'Offset delivery count exceeded the threshold.'],
  ]);
  const rejected = deadLetterBatches({ groupId: 'g', topicName: 'orders', partition: 0 }, { ...run, reason: DeadLetterReason.Rejected, deliveryCount: 1 }, 10, 10, new Map(), 1_000_000, 1);
  const headers = decodeBatchSync(rejected[0]!).records[0]!.headers;
  assert.equal(text(headers[4]!.value), '1');
  assert.equal(text(headers[5]!.value), 'Offset rejected by client.');
});

test('records are split into batches that stay under max.message.bytes', () => {
  const run = { firstOffset: 0, lastOffset: 9, deliveryCount: 1, reason: DeadLetterReason.Rejected };
  const originals = new Map(Array.from({ length: 10 }, (_, o) => [o, { key: null, value: Buffer.alloc(300, o) }] as const));
  const batches = deadLetterBatches({ groupId: 'g', topicName: 't', partition: 0 }, run, 0, 9, originals, 1_000, 1);
  assert.ok(batches.length > 1);
  let seen = 0;
  for (const b of batches) {
    assert.ok(b.length <= 1_000, `batch of ${b.length} bytes`);
    seen += decodeBatchSync(b).records.length;
  }
  assert.equal(seen, 10);
});

test('on a LogAppendTime DLQ topic the batch carries the append time', () => {
  const run = { firstOffset: 0, lastOffset: 0, deliveryCount: 1, reason: DeadLetterReason.Rejected };
  const decoded = decodeBatchSync(deadLetterBatches({ groupId: 'g', topicName: 't', partition: 0 }, run, 0, 0, new Map(), 1_000_000, 77, true)[0]!);
  assert.equal(decoded.timestampType, 1);
  assert.equal(decoded.maxTimestamp, 77);
});
