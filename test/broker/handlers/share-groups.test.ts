// The share group APIs over the wire: ApiVersions advertises them; ShareGroupHeartbeat joins
// a member and assigns it the partition; ShareFetch opens a session, acquires produced records
// and takes acknowledgements; ShareAcknowledge acknowledges and closes the session;
// ShareGroupDescribe shows the group; ListGroups and DescribeGroups know it; the share group
// offset APIs describe, alter and delete its start offset; errors for bad requests and unknown groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { makeTopic, startTestBroker } from '../../helpers/test-broker.js';

test('a share consumer\'s requests over the wire', async () => {
  const tb = await startTestBroker();
  try {
    const c = tb.client;
    const versions = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    const keys = new Map(versions.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    assert.deepEqual(keys.get(ApiKey.ShareGroupHeartbeat), [1, 1]);
    assert.deepEqual(keys.get(ApiKey.ShareGroupDescribe), [1, 1]);
    assert.deepEqual(keys.get(ApiKey.ShareFetch), [1, 2]);
    assert.deepEqual(keys.get(ApiKey.ShareAcknowledge), [1, 2]);
    assert.deepEqual(keys.get(ApiKey.DescribeShareGroupOffsets), [0, 1]);
    assert.deepEqual(keys.get(ApiKey.AlterShareGroupOffsets), [0, 0]);
    assert.deepEqual(keys.get(ApiKey.DeleteShareGroupOffsets), [0, 0]);

    const topic = await makeTopic(tb, 'jobs');
    const joined = await c.request(ApiKey.ShareGroupHeartbeat, 1, { groupId: 'workers', memberId: 'member-1', memberEpoch: 0, rackId: null, subscribedTopicNames: ['jobs'] });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.memberEpoch, 1);
    assert.deepEqual(joined.assignment!.topicPartitions, [{ topicId: topic.id, partitions: [0] }]);

    const fetchReq = (epoch: number, acks: Array<{ firstOffset: bigint; lastOffset: bigint; acknowledgeTypes: number[] }> = []) => ({
      groupId: 'workers', memberId: 'member-1', shareSessionEpoch: epoch, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100,
      shareAcquireMode: 0, isRenewAck: false, topics: [{ topicId: topic.id, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks }] }], forgottenTopicsData: [],
    });
    // The first fetch places the share-partition at the log end (share.auto.offset.reset=latest).
    const opened = await c.request(ApiKey.ShareFetch, 2, fetchReq(0));
    assert.equal(opened.errorCode, ErrorCode.NONE);
    assert.equal(opened.acquisitionLockTimeoutMs, 30_000);
    const records = encodeBatchSync(Array.from({ length: 5 }, (_, i) => ({ value: Buffer.from(`job${i}`), offsetDelta: i })), { defaultTimestamp: Date.now() });
    await c.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'jobs', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] });

    const fetched = await c.request(ApiKey.ShareFetch, 2, fetchReq(1));
    const p = fetched.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, ErrorCode.NONE);
    assert.deepEqual(p.acquiredRecords, [{ firstOffset: 0n, lastOffset: 4n, deliveryCount: 1 }]);
    assert.ok(p.records !== null && p.records.length > 0);

    const acked = await c.request(ApiKey.ShareFetch, 2, fetchReq(2, [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [1] }]));
    assert.equal(acked.responses[0]!.partitions[0]!.acknowledgeErrorCode, ErrorCode.NONE);
    const ack = await c.request(ApiKey.ShareAcknowledge, 2, { groupId: 'workers', memberId: 'member-1', shareSessionEpoch: 3, isRenewAck: false, topics: [{ topicId: topic.id, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 3n, lastOffset: 4n, acknowledgeTypes: [3] }] }] }] });
    assert.equal(ack.errorCode, ErrorCode.NONE);
    assert.equal(ack.responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    const wrongEpoch = await c.request(ApiKey.ShareAcknowledge, 2, { groupId: 'workers', memberId: 'member-1', shareSessionEpoch: 3, isRenewAck: false, topics: [] });
    assert.equal(wrongEpoch.errorCode, ErrorCode.INVALID_SHARE_SESSION_EPOCH);
    const closed = await c.request(ApiKey.ShareAcknowledge, 2, { groupId: 'workers', memberId: 'member-1', shareSessionEpoch: -1, isRenewAck: false, topics: [] });
    assert.equal(closed.errorCode, ErrorCode.NONE);
    assert.equal(tb.broker.share.sharePartitions.loaded({ groupId: 'workers', topicId: topic.id.toString('hex'), partition: 0 })!.startOffset, 5);

    const described = await c.request(ApiKey.ShareGroupDescribe, 1, { groupIds: ['workers', 'nobody'], includeAuthorizedOperations: false });
    const g = described.groups[0]!;
    assert.equal(g.groupState, 'Stable');
    assert.equal(g.assignorName, 'simple');
    assert.deepEqual(g.members.map((m) => [m.memberId, m.memberEpoch, m.subscribedTopicNames, m.assignment.topicPartitions.map((tp) => tp.topicName)]), [['member-1', 1, ['jobs'], ['jobs']]]);
    assert.equal(described.groups[1]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    const listed = await c.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['share'] });
    assert.deepEqual(listed.groups, [{ groupId: 'workers', protocolType: 'share', groupState: 'Stable', groupType: 'share' }]);
    const asClassic = await c.request(ApiKey.DescribeGroups, 6, { groups: ['workers'], includeAuthorizedOperations: false });
    assert.equal(asClassic.groups[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(asClassic.groups[0]!.groupState, 'Dead');

    const bad = await c.request(ApiKey.ShareFetch, 2, { ...fetchReq(0), shareAcquireMode: 7 });
    assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
    const left = await c.request(ApiKey.ShareGroupHeartbeat, 1, { groupId: 'workers', memberId: 'member-1', memberEpoch: -1, rackId: null, subscribedTopicNames: null });
    assert.equal(left.memberEpoch, -1);

    // The share group offset APIs: the start offset is past everything acknowledged.
    const describeOffsets = async () => (await c.request(ApiKey.DescribeShareGroupOffsets, 1, { groups: [{ groupId: 'workers', topics: [{ topicName: 'jobs', partitions: [0] }] }] })).groups[0]!;
    const offsets = await describeOffsets();
    assert.equal(offsets.errorCode, ErrorCode.NONE);
    assert.deepEqual(offsets.topics[0]!.partitions.map((p) => [p.partitionIndex, p.startOffset, p.lag, p.errorCode]), [[0, 5n, 0n, ErrorCode.NONE]]);
    const altered = await c.request(ApiKey.AlterShareGroupOffsets, 0, { groupId: 'workers', topics: [{ topicName: 'jobs', partitions: [{ partitionIndex: 0, startOffset: 2n }] }] });
    assert.equal(altered.errorCode, ErrorCode.NONE);
    assert.equal(altered.responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    assert.equal((await describeOffsets()).topics[0]!.partitions[0]!.startOffset, 2n);
    const deleted = await c.request(ApiKey.DeleteShareGroupOffsets, 0, { groupId: 'workers', topics: [{ topicName: 'jobs' }] });
    assert.deepEqual(deleted.responses.map((t) => [t.topicName, t.errorCode]), [['jobs', ErrorCode.NONE]]);
    assert.equal((await describeOffsets()).topics[0]!.partitions[0]!.startOffset, -1n);
    const unknownGroup = await c.request(ApiKey.AlterShareGroupOffsets, 0, { groupId: 'nobody', topics: [] });
    assert.equal(unknownGroup.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  } finally {
    await tb.close();
  }
});
