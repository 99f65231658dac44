// Streams groups inside the group coordinator: records through __consumer_offsets (their bytes
// and a reload), offset commits with member epochs, the other group APIs (list, describe,
// delete), and ids shared with other group types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCoordinator } from '../../../src/coordinator/group/coordinator.js';
import { defaultGroupConfig } from '../../../src/coordinator/group/config.js';
import { decodeRecord, encodeKey, encodeValue, type CoordinatorRecord } from '../../../src/coordinator/group/records.js';
import { RecordKind } from '../../../src/coordinator/group/record-codec.js';
import { defaultStreamsGroupConfig } from '../../../src/coordinator/streams/config.js';
import type { StreamsHeartbeatRequest, StreamsHeartbeatResponse } from '../../../src/coordinator/streams/heartbeat-types.js';
import { StreamsRecordType, type StreamsGroupRecord } from '../../../src/coordinator/streams/streams-records.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { advanceCoordinator, MemoryLog, silentLogger } from '../group/helpers.js';
import { FakeTopics, topology } from './streams-helpers.js';

/** A log that keeps records as the bytes __consumer_offsets would hold and reads them back on load. */
class BytesLog extends MemoryLog {
  override async load(replay: (r: CoordinatorRecord, producerId: number) => void): Promise<number> {
    let n = 0;
    for (const r of this.records) {
      const back = decodeRecord(encodeKey(r), encodeValue(r), n);
      if (back !== null) replay(back, -1);
      n++;
    }
    return n;
  }
}

const WORDCOUNT = topology(1, [
  { id: '0', sources: ['input'], sinks: ['app-repartition'] },
  { id: '1', repartitions: [['app-repartition', 0]], changelogs: ['app-changelog'] },
]);

function topics(): FakeTopics {
  const t = new FakeTopics();
  t.create('input', 2);
  t.create('app-repartition', 2);
  t.create('app-changelog', 2);
  return t;
}

async function coordinator(log: MemoryLog, t: FakeTopics, clock = new ManualClock()): Promise<GroupCoordinator> {
  const coord = new GroupCoordinator({
    config: defaultGroupConfig({ initialRebalanceDelayMs: 0, minSessionTimeoutMs: 10, streams: defaultStreamsGroupConfig({ initialRebalanceDelayMs: 0, assignmentIntervalMs: 0 }) }),
    log, logger: silentLogger, clock, driveTimer: false, topics: t,
  });
  await coord.startup();
  return coord;
}

async function hb(coord: GroupCoordinator, req: Partial<StreamsHeartbeatRequest> & { groupId: string; memberId: string }): Promise<StreamsHeartbeatResponse> {
  const full: StreamsHeartbeatRequest = {
    memberEpoch: 0, endpointInformationEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, topology: null, activeTasks: null,
    standbyTasks: null, warmupTasks: null, processId: null, userEndpoint: null, clientTags: null, taskOffsets: null, taskEndOffsets: null,
    shutdownApplication: false, clientId: 'c', clientHost: '/127.0.0.1', apiVersion: 1, ...req,
  };
  return (await coord.streamsGroupHeartbeat(full)).response;
}

function join(coord: GroupCoordinator, memberId: string, processId: string) {
  return hb(coord, { groupId: 'app', memberId, rebalanceTimeoutMs: 30_000, topology: WORDCOUNT, processId, userEndpoint: { host: 'h', port: 1 }, clientTags: [{ key: 'zone', value: 'a' }] });
}

test('the records have Kafka\'s keys and survive bytes and a reload: the group carries on where it was', async () => {
  const log = new BytesLog();
  const t = topics();
  const coord = await coordinator(log, t);
  const r1 = await join(coord, 'm1', 'p1');
  assert.equal(r1.errorCode, ErrorCode.NONE);
  const r2 = await join(coord, 'm2', 'p2');
  assert.equal(r2.errorCode, ErrorCode.NONE);
  const streamsRecords = log.records.filter((r): r is StreamsGroupRecord => r.kind === RecordKind.Streams);
  assert.deepEqual([...new Set(streamsRecords.map((r) => r.type))].sort(), [17, 19, 20, 21, 22, 23]);
  for (const r of streamsRecords) {
    const key = encodeKey(r);
    assert.equal(key.readInt16BE(0), r.type);
    const value = encodeValue(r);
    if (r.value === null) assert.equal(value, null);
    else assert.equal(value!.readInt16BE(0), 0);
  }
  const live = coord.streams.group('app')!;
  coord.shutdown();

  const again = await coordinator(log, t);
  const loaded = again.streams.group('app')!;
  assert.equal(loaded.groupEpoch, live.groupEpoch);
  assert.equal(loaded.assignmentEpoch, live.assignmentEpoch);
  assert.equal(loaded.metadataHash, live.metadataHash);
  assert.deepEqual(loaded.topology, live.topology);
  for (const [id, m] of live.members) assert.deepEqual(loaded.members.get(id)!.fields(), m.fields());
  for (const [id, target] of live.targetAssignment) assert.deepEqual(loaded.targetOf(id), target);
  // m1 heartbeats on at its epoch after the reload.
  const m1 = live.members.get('m1')!;
  const next = await hb(again, { groupId: 'app', memberId: 'm1', memberEpoch: m1.memberEpoch, activeTasks: [], standbyTasks: [], warmupTasks: [] });
  assert.equal(next.errorCode, ErrorCode.NONE);
});

test('a member that does not heartbeat after a reload is fenced when its session ends', async () => {
  const log = new BytesLog();
  const t = topics();
  const clock = new ManualClock();
  const coord = await coordinator(log, t, clock);
  await join(coord, 'm1', 'p1');
  coord.shutdown();
  const again = await coordinator(log, t, clock);
  advanceCoordinator(again, clock, 46_000);
  assert.equal(again.streams.group('app')!.members.size, 0);
  assert.equal(again.streams.group('app')!.stateName, 'Empty');
});

test('offset commits of a streams group check the member and its epoch', async () => {
  const coord = await coordinator(new MemoryLog(), topics());
  const r = await join(coord, 'm1', 'p1');
  const commit = (memberId: string, epoch: number) => coord.commitOffsets({
    groupId: 'app', generationIdOrMemberEpoch: epoch, memberId, groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 9,
    topics: [{ name: 'input', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  assert.equal((await commit('m1', r.memberEpoch)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.equal((await commit('m1', r.memberEpoch + 1)).errorCode, ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal((await commit('ghost', r.memberEpoch)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const fetched = await coord.fetchOffsets('app', [{ name: 'input', partitionIndexes: [0] }], false);
  assert.equal(fetched[0]!.partitions[0]!.committedOffset, 5n);
  // OffsetFetch v9+: an admin (no member) may fetch; a member must give its current epoch.
  assert.equal(coord.validateOffsetFetch('app', null, -1), ErrorCode.NONE);
  assert.equal(coord.validateOffsetFetch('app', 'm1', r.memberEpoch), ErrorCode.NONE);
  assert.equal(coord.validateOffsetFetch('app', 'm1', r.memberEpoch - 1), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(coord.validateOffsetFetch('app', 'ghost', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  const txn = await coord.commitTransactionalOffsets({
    groupId: 'app', producerId: 7, producerEpoch: 0, generationId: r.memberEpoch + 3, memberId: 'm1', groupInstanceId: null, apiVersion: 4,
    topics: [{ name: 'input', partitions: [{ partitionIndex: 1, committedOffset: 9n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  assert.equal(txn.errorCode, ErrorCode.ILLEGAL_GENERATION);
  // No classic group appears under the id from the offsets.
  assert.equal(coord.groups.group('app'), undefined);
});

test('ListGroups shows streams groups with their type; DescribeGroups does not describe them; DeleteGroups deletes an empty one', async () => {
  const coord = await coordinator(new MemoryLog(), topics());
  const r = await join(coord, 'm1', 'p1');
  assert.deepEqual(coord.listGroups([], []), [{ groupId: 'app', protocolType: 'streams', groupState: 'Stable', groupType: 'streams' }]);
  assert.deepEqual(coord.listGroups([], ['streams']).map((g) => g.groupId), ['app']);
  assert.deepEqual(coord.listGroups([], ['consumer']), []);
  assert.deepEqual(coord.listGroups(['empty'], []), []);
  const d = coord.describeGroup('app', 6);
  assert.equal(d.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(d.errorMessage, 'Group app is not a classic group.');
  assert.equal(coord.describeGroup('app', 5).groupState, 'Dead');
  await hb(coord, {
    groupId: 'app', memberId: 'm1', memberEpoch: r.memberEpoch, taskOffsets: [{ subtopologyId: '1', partition: 0, offset: 40n }],
    taskEndOffsets: [{ subtopologyId: '1', partition: 0, offset: 42n }],
  });
  const described = coord.streamsGroupDescribe('app');
  assert.equal(described.groupState, 'Stable');
  assert.deepEqual(described.members[0]!.taskOffsets, [{ subtopologyId: '1', partition: 0, offset: 40n }]);
  assert.deepEqual(described.members[0]!.taskEndOffsets, [{ subtopologyId: '1', partition: 0, offset: 42n }]);
  assert.equal(described.members[0]!.processId, 'p1');
  assert.deepEqual(described.topology!.subtopologies!.map((s) => s.subtopologyId), ['0', '1']);
  assert.equal(described.topology!.subtopologies![1]!.stateChangelogTopics[0]!.partitions, 2);
  assert.equal(coord.streamsGroupDescribe('nope').errorMessage, 'Group nope not found.');
  assert.deepEqual(await coord.deleteGroups(['app']), [{ groupId: 'app', errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: null }]);
  await hb(coord, { groupId: 'app', memberId: 'm1', memberEpoch: -1 });
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(await coord.deleteGroups(['app']), [{ groupId: 'app', errorCode: ErrorCode.NONE, errorMessage: null }]);
  assert.equal(coord.streams.group('app'), undefined);
  assert.equal(coord.streamsGroupDescribe('app').errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('a streams group id is not a consumer or classic group, and the reverse; an empty classic group is replaced', async () => {
  const coord = await coordinator(new MemoryLog(), topics());
  await join(coord, 'm1', 'p1');
  const consumer = await coord.consumerGroupHeartbeat({
    groupId: 'app', memberId: 'c1', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['input'],
    subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [], clientId: 'c', clientHost: 'h', apiVersion: 1,
  });
  assert.equal(consumer.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(consumer.errorMessage, 'Group app is not a consumer group.');
  // An empty classic group (offsets committed from outside any group) becomes a streams group.
  await coord.commitOffsets({
    groupId: 'old', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 9,
    topics: [{ name: 'input', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  assert.ok(coord.groups.group('old') !== undefined);
  const r = await hb(coord, { groupId: 'old', memberId: 'x', rebalanceTimeoutMs: 1000, topology: WORDCOUNT, processId: 'p' });
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(coord.groups.group('old'), undefined);
  assert.ok(coord.streams.group('old') !== undefined);
  // The offsets committed before stay.
  const fetched = await coord.fetchOffsets('old', [{ name: 'input', partitionIndexes: [0] }], false);
  assert.equal(fetched[0]!.partitions[0]!.committedOffset, 1n);
  assert.equal(StreamsRecordType.Topology, 23);
});
