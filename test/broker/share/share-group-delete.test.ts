// DeleteGroups and DeleteShareGroupOffsets for share groups on an embedded broker, over the
// wire: an empty share group is deleted with its share-partition state in __share_group_state
// (a group with members answers NON_EMPTY_GROUP), a topic without offset information is
// refused with Kafka's message, a share group made again under the id starts afresh, and a
// deleted topic's share-partition state goes with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { AcknowledgeType, ShareAcquireMode } from '../../../src/coordinator/share/record-state.js';
import { acquireForMember } from '../../../src/broker/share/share-acquire.js';
import { deleteTopic } from '../../../src/broker/topics.js';
import { makeTopic, startTestBroker, type TestBroker } from '../../helpers/test-broker.js';

async function consumeSome(tb: TestBroker, groupId: string, topicId: string): Promise<void> {
  const key = { groupId, topicId, partition: 0 };
  await tb.broker.share.sharePartitions.partition(key);
  const records = encodeBatchSync(Array.from({ length: 6 }, (_, i) => ({ value: Buffer.from(`r${i}`), offsetDelta: i })), { defaultTimestamp: Date.now() });
  await tb.client.request(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'q', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }] });
  await acquireForMember(tb.broker, groupId, 'm', [{ topicId, partition: 0 }], { maxBytes: 1 << 20, maxRecords: 6, batchSize: 6, mode: ShareAcquireMode.BatchOptimized, readCommitted: false });
  assert.equal(await tb.broker.share.sharePartitions.acknowledge(key, 'm', [{ firstOffset: 0, lastOffset: 2, acknowledgeTypes: [AcknowledgeType.Accept] }]), ErrorCode.NONE);
}

test('DeleteGroups deletes an empty share group and its share-partition state', async () => {
  const tb = await startTestBroker();
  try {
    const topicId = (await makeTopic(tb, 'q')).id.toString('hex');
    await makeTopic(tb, 'other');
    await tb.broker.groups.ready();
    const hb = (memberEpoch: number) => tb.broker.groups.shareGroupHeartbeat({ groupId: 'g', memberId: 'm', memberEpoch, rackId: null, subscribedTopicNames: memberEpoch === 0 ? ['q'] : null, clientId: 'c', clientHost: '/127.0.0.1' });
    assert.equal((await hb(0)).errorCode, ErrorCode.NONE);
    await consumeSome(tb, 'g', topicId);
    const key = { groupId: 'g', topicId, partition: 0 };
    assert.equal((await tb.broker.share.persister.read(key, -1)).state!.startOffset, 3);

    const deleteGroups = () => tb.client.request(ApiKey.DeleteGroups, 3, { groupsNames: ['g'] });
    assert.deepEqual((await deleteGroups()).results, [{ groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: null }]);

    // Offsets of a topic the group never consumed: nothing to delete.
    assert.equal((await hb(-1)).errorCode, ErrorCode.NONE);
    const offsets = await tb.client.request(ApiKey.DeleteShareGroupOffsets, 0, { groupId: 'g', topics: [{ topicName: 'other' }] });
    assert.equal(offsets.errorCode, ErrorCode.NONE);
    assert.deepEqual(offsets.responses.map((r) => [r.topicName, r.errorCode, r.errorMessage]), [['other', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'There is no offset information to delete.']]);

    assert.deepEqual((await deleteGroups()).results, [{ groupId: 'g', errorCode: ErrorCode.NONE, errorMessage: null }]);
    assert.equal(tb.broker.groups.share.group('g'), undefined);
    assert.equal((await tb.broker.share.persister.read(key, -1)).state, null, 'the share-partition state is gone');
    assert.deepEqual((await deleteGroups()).results, [{ groupId: 'g', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: null }]);

    // A group made again under the id starts at share.auto.offset.reset, not where the old one was.
    assert.equal((await hb(0)).errorCode, ErrorCode.NONE);
    const sp = (await tb.broker.share.sharePartitions.partition(key)).sp!;
    assert.equal(sp.startOffset, 6);
  } finally {
    await tb.close();
  }
});

test('DeleteShareGroupOffsets takes the topic out of the group\'s state and deletes its state', async () => {
  const tb = await startTestBroker();
  try {
    const topicId = (await makeTopic(tb, 'q')).id.toString('hex');
    await tb.broker.groups.ready();
    const hb = (memberEpoch: number) => tb.broker.groups.shareGroupHeartbeat({ groupId: 'g', memberId: 'm', memberEpoch, rackId: null, subscribedTopicNames: memberEpoch === 0 ? ['q'] : null, clientId: 'c', clientHost: '/127.0.0.1' });
    await hb(0);
    await consumeSome(tb, 'g', topicId);
    await hb(-1);
    const r = await tb.client.request(ApiKey.DeleteShareGroupOffsets, 0, { groupId: 'g', topics: [{ topicName: 'q' }, { topicName: 'nope' }] });
    assert.deepEqual(r.responses.map((t) => [t.topicName, t.errorCode]), [['q', ErrorCode.NONE], ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    assert.equal((await tb.broker.share.persister.read({ groupId: 'g', topicId, partition: 0 }, -1)).state, null);
    assert.deepEqual(tb.broker.groups.share.group('g')!.statePartitions, { initializing: [], initialized: [], deleting: [] });
    // Deleted once, there is nothing left to delete.
    const again = await tb.client.request(ApiKey.DeleteShareGroupOffsets, 0, { groupId: 'g', topics: [{ topicName: 'q' }] });
    assert.deepEqual(again.responses.map((t) => [t.topicName, t.errorCode, t.errorMessage]), [['q', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'There is no offset information to delete.']]);
  } finally {
    await tb.close();
  }
});

test('deleting a topic deletes its share-partitions\' state and leaves the group\'s state partition metadata', async () => {
  const tb = await startTestBroker();
  try {
    const topicId = (await makeTopic(tb, 'q')).id.toString('hex');
    await tb.broker.groups.ready();
    await tb.broker.groups.shareGroupHeartbeat({ groupId: 'g', memberId: 'm', memberEpoch: 0, rackId: null, subscribedTopicNames: ['q'], clientId: 'c', clientHost: '/127.0.0.1' });
    await consumeSome(tb, 'g', topicId);
    const key = { groupId: 'g', topicId, partition: 0 };
    assert.notEqual((await tb.broker.share.persister.read(key, -1)).state, null);
    await deleteTopic(tb.broker, 'q');
    assert.deepEqual(tb.broker.groups.share.group('g')!.statePartitions, { initializing: [], initialized: [], deleting: [] });
    // The state's deletion runs after the topic's; wait for its records.
    for (let i = 0; i < 100 && (await tb.broker.share.persister.read(key, -1)).state !== null; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await tb.broker.share.persister.read(key, -1)).state, null);
  } finally {
    await tb.close();
  }
});
