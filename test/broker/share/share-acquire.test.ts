// A ShareFetch's acquisition on an embedded broker: members acquire disjoint records from a
// partition's log (batch-optimized and record-limit), the returned bytes are the log's batches
// up to the last acquired one, an acknowledgement goes to __share_group_state, and after a
// broker restart the share-partition comes back from it: acknowledged records stay delivered,
// the unacknowledged ones are delivered again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { BatchCursor } from '../../../src/protocol/records/iterator.js';
import { AcknowledgeType, ShareAcquireMode } from '../../../src/coordinator/share/record-state.js';
import { acquireForMember, type ShareAcquireLimits } from '../../../src/broker/share/share-acquire.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

const limits = (over: Partial<ShareAcquireLimits> = {}): ShareAcquireLimits => ({ maxBytes: 1 << 20, maxRecords: 6, batchSize: 10, mode: ShareAcquireMode.BatchOptimized, readCommitted: false, ...over });

async function produce(tb: TestBroker, topic: string, baseValue: number, n: number): Promise<void> {
  const records = encodeBatchSync(Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`r${baseValue + i}`), offsetDelta: i })), { defaultTimestamp: Date.now() });
  const res = await tb.client.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] });
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
}

function batchCount(records: Buffer | null): number {
  if (records === null) return 0;
  const c = new BatchCursor(records);
  let n = 0;
  while (c.next()) n++;
  return n;
}

test('members acquire disjoint records; acknowledged state survives a broker restart', async () => {
  let tb = await startTestBroker();
  const logDir = tb.logDir;
  try {
    const topic = await makeTopic(tb, 'queue');
    const topicId = topic.id.toString('hex');
    const key = { groupId: 'g', topicId, partition: 0 };
    const parts = [{ topicId, partition: 0 }];
    // The share-partition starts at the log end (share.auto.offset.reset=latest) when first used.
    assert.equal((await tb.broker.share.sharePartitions.partition(key)).sp!.startOffset, 0);
    for (let b = 0; b < 3; b++) await produce(tb, 'queue', b * 5, 5);

    const m1 = await acquireForMember(tb.broker, 'g', 'm1', parts, limits());
    assert.equal(m1.acquiredCount, 10, 'the batch reaching max records is finished');
    assert.deepEqual(m1.partitions[0]!.acquired, [{ firstOffset: 0, lastOffset: 9, deliveryCount: 1 }]);
    assert.equal(batchCount(m1.partitions[0]!.records), 2, 'the bytes stop after the last acquired batch');
    const m2 = await acquireForMember(tb.broker, 'g', 'm2', parts, limits({ mode: ShareAcquireMode.RecordLimit, maxRecords: 3 }));
    assert.deepEqual(m2.partitions[0]!.acquired, [{ firstOffset: 10, lastOffset: 12, deliveryCount: 1 }]);
    const m3 = await acquireForMember(tb.broker, 'g', 'm3', parts, limits({ mode: ShareAcquireMode.RecordLimit, maxRecords: 100 }));
    assert.deepEqual(m3.partitions[0]!.acquired, [{ firstOffset: 13, lastOffset: 14, deliveryCount: 1 }]);
    assert.equal((await acquireForMember(tb.broker, 'g', 'm4', parts, limits())).acquiredCount, 0, 'everything is acquired');

    assert.equal(await tb.broker.share.sharePartitions.acknowledge(key, 'm1', [{ firstOffset: 0, lastOffset: 9, acknowledgeTypes: [AcknowledgeType.Accept] }]), ErrorCode.NONE);
    assert.equal(await tb.broker.share.sharePartitions.acknowledge(key, 'm2', [{ firstOffset: 10, lastOffset: 12, acknowledgeTypes: [AcknowledgeType.Reject] }]), ErrorCode.NONE);

    await tb.close(true);
    tb = await startTestBroker({ logDir });
    const back = (await tb.broker.share.sharePartitions.partition(key)).sp!;
    assert.equal(back.startOffset, 13, 'accepted and rejected records are done with');
    const again = await acquireForMember(tb.broker, 'g', 'm5', parts, limits());
    assert.deepEqual(again.partitions[0]!.acquired, [{ firstOffset: 13, lastOffset: 14, deliveryCount: 2 }], 'what m3 held is delivered again');
  } finally {
    await tb.close();
  }
});

test('unknown topic ids and partitions this broker does not have answer their errors', async () => {
  const tb = await startTestBroker();
  try {
    const r = await acquireForMember(tb.broker, 'g', 'm', [{ topicId: 'ab'.repeat(16), partition: 0 }], limits());
    assert.equal(r.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    const topic = await makeTopic(tb, 't');
    const r2 = await acquireForMember(tb.broker, 'g', 'm', [{ topicId: topic.id.toString('hex'), partition: 5 }], limits());
    assert.equal(r2.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } finally {
    await tb.close();
  }
});
