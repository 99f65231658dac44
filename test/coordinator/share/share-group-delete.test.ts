// DeleteGroups for share groups in the group coordinator: refused while members remain, then
// the group's ShareGroupStatePartitionMetadata (type 15) moves its topics to deleting, the
// persister deletes their share-partitions' state, and the group's records get tombstones; a
// failed state deletion answers the persister's error (as Kafka does) and keeps the group; a
// restarted coordinator does not bring a deleted group back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { RecordKind } from '../../../src/coordinator/group/record-codec.js';
import { decodeRecord, encodeKey, encodeValue, type CoordinatorRecord } from '../../../src/coordinator/group/records.js';
import type { ShareHeartbeatRequest } from '../../../src/coordinator/share/share-group-manager.js';
import { ShareGroupRecordType, type ShareStateTopic } from '../../../src/coordinator/share/share-group-records.js';
import { consumerHarness, FakeTopics } from '../group/consumer-helpers.js';
import { MemoryLog } from '../group/helpers.js';

const hb = (memberId: string, memberEpoch: number, topics: string[] | null = memberEpoch === 0 ? ['orders'] : null): ShareHeartbeatRequest => ({
  groupId: 'queue', memberId, memberEpoch, rackId: null, subscribedTopicNames: topics, clientId: 'c', clientHost: '/127.0.0.1',
});

function shareTypes(batch: readonly CoordinatorRecord[]): Array<[number, boolean]> {
  return batch.map((r) => {
    assert.equal(r.kind, RecordKind.Share);
    if (r.kind !== RecordKind.Share) throw new Error('not a share record');
    return [r.record.type, r.value === null];
  });
}

test('a heartbeat records the subscribed topics\' partitions as initialized, in Kafka\'s record type 15', async () => {
  const log = new MemoryLog();
  const t = new FakeTopics();
  const orders = t.create('orders', 2);
  const h = await consumerHarness({}, {}, log, new ManualClock(), t);
  await h.coord.shareGroupHeartbeat(hb('a', 0));
  const state = h.coord.share.group('queue')!.statePartitions;
  assert.deepEqual(state, { initializing: [], initialized: [{ topicId: orders.toString('hex'), topicName: 'orders', partitions: [0, 1] }], deleting: [] });
  const written = log.batches.flat().find((r) => r.kind === RecordKind.Share && r.record.type === ShareGroupRecordType.StatePartitionMetadata)!;
  const back = decodeRecord(encodeKey(written), encodeValue(written), 0)!;
  assert.equal(back.kind, RecordKind.Share);
  assert.deepEqual(back.kind === RecordKind.Share ? back.record : null, written.kind === RecordKind.Share ? written.record : null);
  // A second member with the same subscription changes nothing the state covers; a new partition does.
  const before = log.batches.length;
  await h.coord.shareGroupHeartbeat(hb('b', 0));
  assert.ok(log.batches.slice(before).flat().every((r) => r.kind !== RecordKind.Share || r.record.type !== ShareGroupRecordType.StatePartitionMetadata));
  t.grow('orders', 3);
  assert.equal((await h.coord.shareGroupHeartbeat(hb('a', 1))).errorCode, ErrorCode.NONE);
  assert.deepEqual(h.coord.share.group('queue')!.statePartitions!.initialized[0]!.partitions, [0, 1, 2]);
});

test('DeleteGroups deletes an empty share group: state first, then tombstones', async () => {
  const log = new MemoryLog();
  const clock = new ManualClock();
  const t = new FakeTopics();
  const orders = t.create('orders', 2);
  const h = await consumerHarness({}, {}, log, clock, t);
  const calls: Array<{ groupId: string; topics: ShareStateTopic[] }> = [];
  h.coord.shareStateDeleter = async (groupId, topics) => {
    calls.push({ groupId, topics: topics.map((x) => ({ ...x, partitions: [...x.partitions] })) });
    return ErrorCode.NONE;
  };
  await h.coord.shareGroupHeartbeat(hb('a', 0));
  assert.deepEqual(await h.coord.deleteGroups(['queue']), [{ groupId: 'queue', errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: null }]);
  assert.equal(calls.length, 0);
  await h.coord.shareGroupHeartbeat(hb('a', -1));
  const before = log.batches.length;
  assert.deepEqual(await h.coord.deleteGroups(['queue', 'queue']), [{ groupId: 'queue', errorCode: ErrorCode.NONE, errorMessage: null }]);
  assert.deepEqual(calls, [{ groupId: 'queue', topics: [{ topicId: orders.toString('hex'), topicName: 'orders', partitions: [0, 1] }] }]);
  const [deleting, tombstones] = log.batches.slice(before);
  // First the topics move to deleting, then the group's records are tombstoned, type 15 with them.
  assert.deepEqual(shareTypes(deleting!), [[ShareGroupRecordType.StatePartitionMetadata, false]]);
  const moved = deleting![0]!;
  assert.deepEqual(moved.kind === RecordKind.Share ? moved.record.value : null, { initializing: [], initialized: [], deleting: [{ topicId: orders.toString('hex'), topicName: 'orders' }] });
  assert.deepEqual(shareTypes(tombstones!), [
    [ShareGroupRecordType.StatePartitionMetadata, true],
    [ShareGroupRecordType.TargetAssignmentMetadata, true],
    [ShareGroupRecordType.GroupMetadata, true],
  ]);
  assert.equal(h.coord.share.group('queue'), undefined);
  assert.deepEqual(await h.coord.deleteGroups(['queue']), [{ groupId: 'queue', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: null }]);
  h.coord.shutdown();
  const again = await consumerHarness({}, {}, log, clock, t);
  assert.equal(again.coord.share.group('queue'), undefined, 'the deleted group stays deleted after a load');
});

test('a failed state deletion answers the persister\'s error and keeps the group, deleting', async () => {
  const log = new MemoryLog();
  const clock = new ManualClock();
  const t = new FakeTopics();
  t.create('orders', 1);
  const h = await consumerHarness({}, {}, log, clock, t);
  let answer: number = ErrorCode.NOT_COORDINATOR;
  let calls = 0;
  h.coord.shareStateDeleter = async () => {
    calls++;
    return answer;
  };
  await h.coord.shareGroupHeartbeat(hb('a', 0));
  await h.coord.shareGroupHeartbeat(hb('a', -1));
  assert.deepEqual(await h.coord.deleteGroups(['queue']), [{ groupId: 'queue', errorCode: ErrorCode.NOT_COORDINATOR, errorMessage: null }]);
  const g = h.coord.share.group('queue')!;
  assert.deepEqual(g.statePartitions!.initialized, []);
  assert.equal(g.statePartitions!.deleting.length, 1);
  // Reloaded, the group still knows what to delete; a retry deletes it (a deleting topic still in the metadata is deleted again).
  h.coord.shutdown();
  const again = await consumerHarness({}, {}, log, clock, t);
  let retried: ShareStateTopic[] = [];
  again.coord.shareStateDeleter = async (_g, topics) => {
    retried = [...topics];
    return ErrorCode.NONE;
  };
  answer = ErrorCode.NONE;
  assert.deepEqual(await again.coord.deleteGroups(['queue']), [{ groupId: 'queue', errorCode: ErrorCode.NONE, errorMessage: null }]);
  assert.deepEqual(retried.map((x) => [x.topicName, x.partitions]), [['orders', [0]]]);
  assert.equal(calls, 1);
  assert.equal(again.coord.share.group('queue'), undefined);
});

test('a share group with no state partition metadata is deleted without the persister', async () => {
  const log = new MemoryLog();
  const h = await consumerHarness({}, {}, log, new ManualClock(), new FakeTopics());
  let called = false;
  h.coord.shareStateDeleter = async () => {
    called = true;
    return ErrorCode.NONE;
  };
  // Subscribed to a topic that does not exist: nothing to initialize, so no type 15 record.
  await h.coord.shareGroupHeartbeat(hb('a', 0, ['missing']));
  await h.coord.shareGroupHeartbeat(hb('a', -1));
  assert.equal(h.coord.share.group('queue')!.statePartitions, null);
  assert.deepEqual(await h.coord.deleteGroups(['queue']), [{ groupId: 'queue', errorCode: ErrorCode.NONE, errorMessage: null }]);
  assert.equal(called, false);
  assert.equal(h.coord.share.group('queue'), undefined);
});

test('a group loaded without the record (written before it was kept) gets it on its next heartbeat', async () => {
  const log = new MemoryLog();
  const clock = new ManualClock();
  const t = new FakeTopics();
  const orders = t.create('orders', 1);
  const first = await consumerHarness({}, {}, log, clock, t);
  await first.coord.shareGroupHeartbeat(hb('a', 0));
  first.coord.shutdown();
  for (const batch of log.batches) {
    const kept = batch.filter((r) => r.kind !== RecordKind.Share || r.record.type !== ShareGroupRecordType.StatePartitionMetadata);
    batch.splice(0, batch.length, ...kept);
  }
  const second = await consumerHarness({}, {}, log, clock, t);
  assert.equal(second.coord.share.group('queue')!.statePartitions, null);
  assert.equal((await second.coord.shareGroupHeartbeat(hb('a', 1))).errorCode, ErrorCode.NONE);
  assert.deepEqual(second.coord.share.group('queue')!.statePartitions!.initialized, [{ topicId: orders.toString('hex'), topicName: 'orders', partitions: [0] }]);
});

test('a deleted topic leaves the share groups\' state partition metadata', async () => {
  const log = new MemoryLog();
  const t = new FakeTopics();
  t.create('orders', 1);
  const other = t.create('other', 1);
  const h = await consumerHarness({}, {}, log, new ManualClock(), t);
  await h.coord.shareGroupHeartbeat(hb('a', 0, ['orders', 'other']));
  t.delete('orders');
  const before = log.batches.length;
  h.coord.onTopicDeleted('orders');
  assert.deepEqual(h.coord.share.group('queue')!.statePartitions!.initialized, [{ topicId: other.toString('hex'), topicName: 'other', partitions: [0] }]);
  assert.deepEqual(shareTypes(log.batches.slice(before).flat()), [[ShareGroupRecordType.StatePartitionMetadata, false]]);
  h.coord.onTopicDeleted('orders');
  assert.equal(log.batches.length, before + 1, 'nothing more to write');
});
