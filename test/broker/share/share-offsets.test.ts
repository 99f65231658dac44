// The share group offset APIs on an embedded broker, less the wire: describe reads the start
// offset and lag from __share_group_state, alter and delete need an empty group, alter makes
// the share-partition start over at the new offset, delete forgets it; unknown groups and
// topics answer their errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { AcknowledgeType, ShareAcquireMode } from '../../../src/coordinator/share/record-state.js';
import { acquireForMember } from '../../../src/broker/share/share-acquire.js';
import { alterShareGroupOffsets, deleteShareGroupOffsets, describeShareGroupOffsets } from '../../../src/broker/share/share-offsets.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';

test('describe, alter and delete share group offsets', async () => {
  const tb = await startTestBroker();
  try {
    const topicId = (await makeTopic(tb, 'q')).id.toString('hex');
    const key = { groupId: 'g', topicId, partition: 0 };
    const hb = (memberEpoch: number, subscribedTopicNames: string[] | null) => tb.broker.groups.shareGroupHeartbeat({ groupId: 'g', memberId: 'm', memberEpoch, rackId: null, subscribedTopicNames, clientId: 'c', clientHost: '/127.0.0.1' });
    await tb.broker.groups.ready(); // __consumer_offsets, as the group handlers make sure of first
    assert.equal((await hb(0, ['q'])).errorCode, ErrorCode.NONE);
    await tb.broker.share.sharePartitions.partition(key);
    const records = encodeBatchSync(Array.from({ length: 10 }, (_, i) => ({ value: Buffer.from(`r${i}`), offsetDelta: i })), { defaultTimestamp: Date.now() });
    await tb.client.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'q', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] });
    await acquireForMember(tb.broker, 'g', 'm', [{ topicId, partition: 0 }], { maxBytes: 1 << 20, maxRecords: 10, batchSize: 10, mode: ShareAcquireMode.BatchOptimized, readCommitted: false });
    await tb.broker.share.sharePartitions.acknowledge(key, 'm', [{ firstOffset: 0, lastOffset: 3, acknowledgeTypes: [AcknowledgeType.Accept] }, { firstOffset: 6, lastOffset: 6, acknowledgeTypes: [AcknowledgeType.Accept] }]);

    const described = await describeShareGroupOffsets(tb.broker, 'g', null);
    assert.equal(described.errorCode, ErrorCode.NONE);
    assert.deepEqual(described.topics[0]!.partitions, [{ partition: 0, startOffset: 4, leaderEpoch: 0, lag: 5, errorCode: ErrorCode.NONE }]);
    const unknown = await describeShareGroupOffsets(tb.broker, 'g', [{ name: 'nope', partitions: [0] }]);
    assert.equal(unknown.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await describeShareGroupOffsets(tb.broker, 'other', null)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

    assert.equal((await alterShareGroupOffsets(tb.broker, 'g', [{ name: 'q', partitions: [{ partition: 0, startOffset: 8 }] }])).errorCode, ErrorCode.NON_EMPTY_GROUP);
    assert.equal((await hb(-1, null)).errorCode, ErrorCode.NONE);
    // Empty now: the initialized share-partitions are still described (Kafka's describeShareGroupAllOffsets), not the members' subscriptions.
    const empty = await describeShareGroupOffsets(tb.broker, 'g', null);
    assert.deepEqual(empty.topics.map((t) => [t.topicName, t.partitions.map((p) => [p.partition, p.startOffset])]), [['q', [[0, 4]]]]);
    const altered = await alterShareGroupOffsets(tb.broker, 'g', [{ name: 'q', partitions: [{ partition: 0, startOffset: 8 }, { partition: 3, startOffset: 0 }] }]);
    assert.deepEqual(altered.topics[0]!.partitions, [{ partition: 0, errorCode: ErrorCode.NONE }, { partition: 3, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }]);
    const sp = (await tb.broker.share.sharePartitions.partition(key)).sp!;
    assert.equal(sp.startOffset, 8);
    assert.equal(sp.inFlightCount, 0);

    const deleted = await deleteShareGroupOffsets(tb.broker, 'g', ['q', 'nope']);
    assert.deepEqual(deleted.topics.map((t) => [t.topicName, t.errorCode]), [['q', ErrorCode.NONE], ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    assert.equal((await describeShareGroupOffsets(tb.broker, 'g', [{ name: 'q', partitions: [0] }])).topics[0]!.partitions[0]!.startOffset, -1);
  } finally {
    await tb.close();
  }
});
