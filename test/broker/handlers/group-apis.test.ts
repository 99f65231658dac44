// The group APIs over the wire, at the edges of their version bands, with Kafka's error codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultFindCoordinatorRequest } from '../../../src/protocol/generated/find-coordinator-request.js';
import { defaultHeartbeatRequest } from '../../../src/protocol/generated/heartbeat-request.js';
import { defaultLeaveGroupRequest } from '../../../src/protocol/generated/leave-group-request.js';
import { defaultOffsetFetchRequest } from '../../../src/protocol/generated/offset-fetch-request.js';
import { defaultOffsetDeleteRequest } from '../../../src/protocol/generated/offset-delete-request.js';
import { defaultDescribeGroupsRequest } from '../../../src/protocol/generated/describe-groups-request.js';
import { defaultListGroupsRequest } from '../../../src/protocol/generated/list-groups-request.js';
import { defaultDeleteGroupsRequest } from '../../../src/protocol/generated/delete-groups-request.js';
import { OFFSETS_TOPIC, partitionFor } from '../../../src/coordinator/group/offsets-topic.js';
import { WireClient } from '../../helpers/wire-client.js';
import { commitBody, fetchCommitted, joinBody, joinGroup, syncBody } from '../../coordinator/group/wire-helpers.js';
import { type TestBroker, makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import { eventually } from '../../helpers/eventually.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

let tb: TestBroker;
let c: WireClient;

before(async () => {
  tb = await startTestBroker({ config: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000, 'offsets.topic.num.partitions': 5 } });
  c = tb.client;
  await makeTopic(tb, 't', 3);
  await makeTopic(tb, 'u', 1);
});

after(async () => {
  await tb.close();
});

test('ApiVersions advertises the group APIs with their served ranges', async () => {
  const r = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
  const range = (k: number) => {
    const e = r.apiKeys.find((x) => x.apiKey === k);
    return e === undefined ? null : [e.minVersion, e.maxVersion];
  };
  assert.deepEqual(range(ApiKey.FindCoordinator), [0, 6]);
  assert.deepEqual(range(ApiKey.JoinGroup), [0, 9]);
  assert.deepEqual(range(ApiKey.SyncGroup), [0, 5]);
  assert.deepEqual(range(ApiKey.Heartbeat), [0, 4]);
  assert.deepEqual(range(ApiKey.LeaveGroup), [0, 5]);
  assert.deepEqual(range(ApiKey.OffsetCommit), [2, 10]);
  assert.deepEqual(range(ApiKey.OffsetFetch), [1, 10]);
  assert.deepEqual(range(ApiKey.OffsetDelete), [0, 0]);
  assert.deepEqual(range(ApiKey.DescribeGroups), [0, 6]);
  assert.deepEqual(range(ApiKey.ListGroups), [0, 5]);
  assert.deepEqual(range(ApiKey.DeleteGroups), [0, 3]);
  assert.deepEqual(range(ApiKey.ConsumerGroupHeartbeat), [0, 1]);
});

test('FindCoordinator: this broker for groups at v0-3 and batched at v4+; __consumer_offsets created on first use', async () => {
  const self = { nodeId: tb.broker.nodeId, port: tb.broker.port };
  const v0 = await c.request(ApiKey.FindCoordinator, 0, { ...defaultFindCoordinatorRequest(), key: 'g' });
  assert.equal(v0.errorCode, ErrorCode.NONE);
  assert.equal(v0.nodeId, self.nodeId);
  assert.equal(v0.port, self.port);
  const topic = tb.broker.metadata.topic(OFFSETS_TOPIC)!;
  assert.equal(topic.partitions.length, 5);
  assert.equal(topic.internal, true);
  assert.equal(tb.broker.logs.logConfigFor(OFFSETS_TOPIC)['cleanup.policy'], 'compact');
  const v3 = await c.request(ApiKey.FindCoordinator, 3, { ...defaultFindCoordinatorRequest(), key: 'g', keyType: 0 });
  assert.equal(v3.errorMessage, 'NONE');
  assert.equal(v3.port, self.port);
  const txn = await c.request(ApiKey.FindCoordinator, 3, { ...defaultFindCoordinatorRequest(), key: 'tx', keyType: 1 });
  assert.deepEqual([txn.errorCode, txn.errorMessage, txn.nodeId, txn.port], [ErrorCode.NONE, 'NONE', self.nodeId, self.port], 'transactional ids are coordinated here too');
  const v4 = await c.request(ApiKey.FindCoordinator, 4, { ...defaultFindCoordinatorRequest(), keyType: 0, coordinatorKeys: ['a', 'b'] });
  assert.deepEqual(v4.coordinators.map((x) => [x.key, x.errorCode, x.nodeId, x.port]), [['a', 0, self.nodeId, self.port], ['b', 0, self.nodeId, self.port]]);
  const v6 = await c.request(ApiKey.FindCoordinator, 6, { ...defaultFindCoordinatorRequest(), keyType: 1, coordinatorKeys: ['tx'] });
  assert.deepEqual(v6.coordinators.map((x) => [x.key, x.errorCode, x.nodeId, x.port, x.errorMessage]), [['tx', ErrorCode.NONE, self.nodeId, self.port, '']]);
  const unknownType = await c.request(ApiKey.FindCoordinator, 5, { ...defaultFindCoordinatorRequest(), keyType: 9, coordinatorKeys: ['x'] });
  assert.equal(unknownType.coordinators[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  const share = await c.request(ApiKey.FindCoordinator, 6, { ...defaultFindCoordinatorRequest(), keyType: 2, coordinatorKeys: ['s:x:0'] });
  assert.equal(share.coordinators[0]!.errorCode, ErrorCode.INVALID_REQUEST);
});

test('JoinGroup request checks: empty group id, session timeout bounds, unknown member', async () => {
  assert.equal((await c.request(ApiKey.JoinGroup, 5, joinBody({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
  const tooShort = await c.request(ApiKey.JoinGroup, 9, joinBody({ groupId: 'j', sessionTimeoutMs: 999 }));
  assert.equal(tooShort.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal(tooShort.protocolName, null, 'v7+: no protocol is null');
  const old = await c.request(ApiKey.JoinGroup, 6, joinBody({ groupId: 'j', sessionTimeoutMs: 1_800_001 }));
  assert.equal(old.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal(old.protocolName, '', 'before v7: no protocol is the empty string');
  assert.equal((await c.request(ApiKey.JoinGroup, 9, joinBody({ groupId: 'nope', memberId: 'm-1' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

for (const [join, sync, hb, leave] of [[0, 0, 0, 0], [4, 3, 3, 3], [9, 5, 4, 5]] as const) {
  test(`a group's life over the wire: JoinGroup v${join}, SyncGroup v${sync}, Heartbeat v${hb}, LeaveGroup v${leave}`, async () => {
    const groupId = `life-${join}`;
    const a = await WireClient.connect(tb.bootstrap);
    const b = await WireClient.connect(tb.bootstrap);
    try {
      let memberId = '';
      if (join >= 4) {
        // An id is handed out first (an id nobody comes back with would hold up later rebalances until it expires).
        const first = await a.request(ApiKey.JoinGroup, join, joinBody({ groupId }));
        assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
        assert.match(first.memberId, /^millrace-test-/);
        memberId = first.memberId;
      }
      const ja = await a.request(ApiKey.JoinGroup, join, joinBody({ groupId, memberId }));
      assert.equal(ja.errorCode, ErrorCode.NONE);
      assert.equal(ja.generationId, 1);
      assert.equal(ja.leader, ja.memberId);
      assert.equal(ja.protocolName, 'range');
      assert.equal(ja.protocolType, join >= 7 ? 'consumer' : null);
      // A second member: the first learns of the rebalance and rejoins.
      const jbP = joinGroup(b, join, { groupId });
      const seen = await eventually('the first member to learn of the rebalance', async () => {
        const r = await a.request(ApiKey.Heartbeat, hb, { ...defaultHeartbeatRequest(), groupId, generationId: 1, memberId: ja.memberId });
        return r.errorCode === ErrorCode.REBALANCE_IN_PROGRESS ? r.errorCode : null;
      });
      assert.equal(seen, ErrorCode.REBALANCE_IN_PROGRESS);
      const ja2 = await a.request(ApiKey.JoinGroup, join, joinBody({ groupId, memberId: ja.memberId }));
      const jb = await jbP;
      assert.equal(ja2.generationId, 2);
      assert.equal(jb.generationId, 2);
      const leader = ja2.leader;
      const [leaderClient, leaderId, followerClient, followerId] = leader === ja2.memberId ? [a, ja2.memberId, b, jb.memberId] : [b, jb.memberId, a, ja2.memberId];
      assert.equal((leader === ja2.memberId ? ja2 : jb).members.length, 2);
      const followerSync = followerClient.request(ApiKey.SyncGroup, sync, syncBody(groupId, 2, followerId));
      const leaderSync = await leaderClient.request(ApiKey.SyncGroup, sync, syncBody(groupId, 2, leaderId, [{ memberId: leaderId, assignment: Buffer.from('L') }, { memberId: followerId, assignment: Buffer.from('F') }]));
      assert.equal(leaderSync.errorCode, ErrorCode.NONE);
      assert.equal(leaderSync.assignment.toString(), 'L');
      assert.equal(leaderSync.protocolName, sync >= 5 ? 'range' : null);
      assert.equal((await followerSync).assignment.toString(), 'F');
      assert.equal((await a.request(ApiKey.Heartbeat, hb, { ...defaultHeartbeatRequest(), groupId, generationId: 2, memberId: ja2.memberId })).errorCode, ErrorCode.NONE);
      assert.equal((await a.request(ApiKey.Heartbeat, hb, { ...defaultHeartbeatRequest(), groupId, generationId: 1, memberId: ja2.memberId })).errorCode, ErrorCode.ILLEGAL_GENERATION);
      // The follower leaves; the leader's next heartbeat says rebalance.
      const left =
        leave >= 3
          ? await followerClient.request(ApiKey.LeaveGroup, leave, { ...defaultLeaveGroupRequest(), groupId, members: [{ memberId: followerId, groupInstanceId: null, reason: 'done' }] })
          : await followerClient.request(ApiKey.LeaveGroup, leave, { ...defaultLeaveGroupRequest(), groupId, memberId: followerId });
      assert.equal(left.errorCode, ErrorCode.NONE);
      if (leave >= 3) assert.deepEqual(left.members.map((m) => [m.memberId, m.errorCode]), [[followerId, 0]]);
      assert.equal((await leaderClient.request(ApiKey.Heartbeat, hb, { ...defaultHeartbeatRequest(), groupId, generationId: 2, memberId: leaderId })).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
      const unknown =
        leave >= 3
          ? await a.request(ApiKey.LeaveGroup, leave, { ...defaultLeaveGroupRequest(), groupId, members: [{ memberId: 'ghost', groupInstanceId: null, reason: null }] })
          : await a.request(ApiKey.LeaveGroup, leave, { ...defaultLeaveGroupRequest(), groupId, memberId: 'ghost' });
      if (leave >= 3) assert.equal(unknown.members[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      else assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    } finally {
      a.close();
      b.close();
    }
  });
}

test('static membership over the wire (JoinGroup v5+): a restart keeps the generation and fences the old id', async () => {
  const groupId = 'static';
  const j = await c.request(ApiKey.JoinGroup, 5, joinBody({ groupId, groupInstanceId: 'i-1' }));
  assert.equal(j.errorCode, ErrorCode.NONE);
  const s = await c.request(ApiKey.SyncGroup, 3, syncBody(groupId, j.generationId, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('A') }], 'i-1'));
  assert.equal(s.assignment.toString(), 'A');
  const again = await c.request(ApiKey.JoinGroup, 5, joinBody({ groupId, groupInstanceId: 'i-1' }));
  assert.equal(again.generationId, j.generationId);
  assert.notEqual(again.memberId, j.memberId);
  const hb = await c.request(ApiKey.Heartbeat, 3, { ...defaultHeartbeatRequest(), groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: 'i-1' });
  assert.equal(hb.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const s2 = await c.request(ApiKey.SyncGroup, 3, syncBody(groupId, again.generationId, again.memberId, [], 'i-1'));
  assert.equal(s2.assignment.toString(), 'A');
});

test('SyncGroup v5 without a protocol type or name is INCONSISTENT_GROUP_PROTOCOL', async () => {
  const r = await c.request(ApiKey.SyncGroup, 5, { ...syncBody('x', 1, 'm'), protocolType: null });
  assert.equal(r.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('OffsetCommit v10 and OffsetFetch v10 name topics by id: UNKNOWN_TOPIC_ID for an id no topic has', async () => {
  const groupId = 'by-id';
  const t = tb.broker.metadata.topic('t')!.id;
  const u = tb.broker.metadata.topic('u')!.id;
  const nowhere = Buffer.alloc(16, 7);
  const commit = { ...commitBody(groupId, []), topics: [
    { name: '', topicId: t, partitions: [{ partitionIndex: 0, committedOffset: 40n, committedLeaderEpoch: -1, committedMetadata: 'by id' }, { partitionIndex: 9, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] },
    { name: '', topicId: nowhere, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] },
    { name: '', topicId: u, partitions: [{ partitionIndex: 0, committedOffset: 41n, committedLeaderEpoch: -1, committedMetadata: null }] },
  ] };
  const r = await c.request(ApiKey.OffsetCommit, 10, commit);
  assert.deepEqual(r.topics.map((x) => [x.topicId, x.partitions.map((p) => [p.partitionIndex, p.errorCode])]), [
    [t, [[0, ErrorCode.NONE], [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    [nowhere, [[0, ErrorCode.UNKNOWN_TOPIC_ID]]],
    [u, [[0, ErrorCode.NONE]]],
  ]);
  // What v10 committed by id, v9 reads by name.
  assert.deepEqual([...(await fetchCommitted(c, groupId))].sort(), [['t-0', { offset: 40n, metadata: 'by id' }], ['u-0', { offset: 41n, metadata: '' }]]);

  const named = await c.request(ApiKey.OffsetFetch, 10, { ...defaultOffsetFetchRequest(), groups: [
    { groupId, memberId: null, memberEpoch: -1, topics: [{ name: '', topicId: t, partitionIndexes: [0, 1] }, { name: '', topicId: nowhere, partitionIndexes: [3] }] },
  ] });
  assert.deepEqual(named.groups[0]!.topics.map((x) => [x.topicId, x.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode])]), [
    [t, [[0, 40n, 'by id', ErrorCode.NONE], [1, -1n, '', ErrorCode.NONE]]],
    [nowhere, [[3, -1n, '', ErrorCode.UNKNOWN_TOPIC_ID]]],
  ]);
  const all = await c.request(ApiKey.OffsetFetch, 10, { ...defaultOffsetFetchRequest(), groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }] });
  const byId = new Map(all.groups[0]!.topics.map((x) => [x.topicId.toString('hex'), x.partitions.map((p) => [p.partitionIndex, p.committedOffset])]));
  assert.deepEqual(byId, new Map([[t.toString('hex'), [[0, 40n]]], [u.toString('hex'), [[0, 41n]]]]));
});

test('OffsetCommit v2-v9 and OffsetFetch v1-v9: commit, read back with metadata, unknown topics, and group errors', async () => {
  const groupId = 'offsets';
  for (const v of [2, 5, 8, 9]) {
    const r = await c.request(ApiKey.OffsetCommit, v, commitBody(groupId, [['t', 0, BigInt(10 + v), `m${v}`], ['t', 7, 1n], ['missing', 0, 1n]]));
    assert.deepEqual(
      r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]),
      [['t', [[0, 0], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]], ['missing', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]],
      `v${v}`,
    );
  }
  await c.request(ApiKey.OffsetCommit, 8, commitBody(groupId, [['t', 1, 100n, null], ['u', 0, 5n, '']]));
  const v1 = await c.request(ApiKey.OffsetFetch, 1, { ...defaultOffsetFetchRequest(), groupId, topics: [{ name: 't', partitionIndexes: [0, 2] }] });
  assert.deepEqual(v1.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]), [[0, 19n, 'm9', 0], [2, -1n, '', 0]]);
  const v2all = await c.request(ApiKey.OffsetFetch, 2, { ...defaultOffsetFetchRequest(), groupId, topics: null });
  assert.equal(v2all.errorCode, ErrorCode.NONE);
  assert.deepEqual(v2all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])]).sort(), [['t', [[0, 19n], [1, 100n]]], ['u', [[0, 5n]]]]);
  const v7 = await c.request(ApiKey.OffsetFetch, 7, { ...defaultOffsetFetchRequest(), groupId, topics: [{ name: 'u', partitionIndexes: [0] }], requireStable: true });
  assert.equal(v7.topics[0]!.partitions[0]!.committedOffset, 5n);
  const v8 = await c.request(ApiKey.OffsetFetch, 8, {
    ...defaultOffsetFetchRequest(),
    groups: [
      { groupId, memberId: null, memberEpoch: -1, topics: [{ name: 't', topicId: ZERO_UUID, partitionIndexes: [1] }] },
      { groupId: 'nobody', memberId: null, memberEpoch: -1, topics: null },
    ],
    requireStable: true,
  });
  assert.deepEqual(v8.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => t.partitions.map((p) => p.committedOffset))]), [[groupId, 0, [[100n]]], ['nobody', 0, []]]);
  // Metadata too large, and member commits to a group that does not exist.
  const big = await c.request(ApiKey.OffsetCommit, 9, commitBody(groupId, [['t', 2, 1n, 'x'.repeat(4097)]]));
  assert.equal(big.topics[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_METADATA_TOO_LARGE);
  assert.equal((await c.request(ApiKey.OffsetCommit, 9, commitBody('ghost', [['t', 0, 1n]], 3, 'm'))).topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal((await c.request(ApiKey.OffsetCommit, 8, commitBody('ghost', [['t', 0, 1n]], 3, 'm'))).topics[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
  // The commit records are in the group's partition of __consumer_offsets.
  const log = tb.broker.logs.getLog(OFFSETS_TOPIC, partitionFor(groupId, 5))!;
  assert.ok(log.logEndOffset > 0);
  assert.equal(log.highWatermark, log.logEndOffset);
});

test('OffsetCommit from a member: generation checks, REBALANCE_IN_PROGRESS while its assignment is pending', async () => {
  const groupId = 'member-commits';
  const j = await joinGroup(c, 9, { groupId });
  assert.equal((await c.request(ApiKey.OffsetCommit, 9, commitBody(groupId, [['t', 0, 1n]], j.generationId, j.memberId))).topics[0]!.partitions[0]!.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  await c.request(ApiKey.SyncGroup, 5, syncBody(groupId, j.generationId, j.memberId));
  assert.equal((await c.request(ApiKey.OffsetCommit, 9, commitBody(groupId, [['t', 0, 1n]], j.generationId, j.memberId))).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.equal((await c.request(ApiKey.OffsetCommit, 7, commitBody(groupId, [['t', 0, 1n]], j.generationId + 1, j.memberId))).topics[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await c.request(ApiKey.OffsetCommit, 2, commitBody(groupId, [['t', 0, 1n]]))).topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // OffsetDelete on a consumer group with members: its subscribed topic is protected.
  const del = await c.request(ApiKey.OffsetDelete, 0, { ...defaultOffsetDeleteRequest(), groupId, topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }, { name: 'nope', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(del.errorCode, ErrorCode.NONE);
  assert.deepEqual(del.topics.map((t) => t.partitions[0]!.errorCode), [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  // DeleteGroups refuses a group with members.
  const dg = await c.request(ApiKey.DeleteGroups, 2, { ...defaultDeleteGroupsRequest(), groupsNames: [groupId] });
  assert.deepEqual(dg.results, [{ groupId, errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: null }]);
  await c.request(ApiKey.LeaveGroup, 5, { ...defaultLeaveGroupRequest(), groupId, members: [{ memberId: j.memberId, groupInstanceId: null, reason: null }] });
});

test('OffsetDelete and DeleteGroups on an empty group', async () => {
  const groupId = 'deletable';
  await c.request(ApiKey.OffsetCommit, 8, commitBody(groupId, [['t', 0, 1n], ['t', 1, 2n]]));
  const del = await c.request(ApiKey.OffsetDelete, 0, { ...defaultOffsetDeleteRequest(), groupId, topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
  assert.deepEqual(del, { errorCode: 0, throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] });
  assert.deepEqual([...(await fetchCommitted(c, groupId)).keys()], ['t-1']);
  assert.equal((await c.request(ApiKey.OffsetDelete, 0, { ...defaultOffsetDeleteRequest(), groupId: 'ghost', topics: [] })).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const dg = await c.request(ApiKey.DeleteGroups, 0, { ...defaultDeleteGroupsRequest(), groupsNames: [groupId, 'ghost'] });
  assert.deepEqual(dg.results, [{ groupId, errorCode: 0, errorMessage: null }, { groupId: 'ghost', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: null }]);
  assert.equal((await fetchCommitted(c, groupId)).size, 0);
  // v3 carries a per-group error message: null, Millrace's deletions have no step to explain.
  await c.request(ApiKey.OffsetCommit, 8, commitBody(groupId, [['t', 0, 1n]]));
  const v3 = await c.request(ApiKey.DeleteGroups, 3, { ...defaultDeleteGroupsRequest(), groupsNames: [groupId, 'ghost'] });
  assert.deepEqual(v3.results, [{ groupId, errorCode: 0, errorMessage: null }, { groupId: 'ghost', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: null }]);
  assert.equal((await fetchCommitted(c, groupId)).size, 0);
});

test('DescribeGroups v0-v6 and ListGroups v0-v5', async () => {
  const groupId = 'described';
  const j = await joinGroup(c, 9, { groupId, groupInstanceId: 'inst' });
  await c.request(ApiKey.SyncGroup, 5, syncBody(groupId, j.generationId, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('asg') }], 'inst'));
  const v0 = await c.request(ApiKey.DescribeGroups, 0, { ...defaultDescribeGroupsRequest(), groups: [groupId, 'ghost'] });
  assert.equal(v0.groups[0]!.groupState, 'Stable');
  assert.equal(v0.groups[0]!.protocolData, 'range');
  assert.equal(v0.groups[0]!.members[0]!.memberAssignment.toString(), 'asg');
  assert.equal(v0.groups[0]!.members[0]!.clientId, 'millrace-test');
  assert.equal(v0.groups[0]!.members[0]!.clientHost, '/127.0.0.1');
  assert.deepEqual([v0.groups[1]!.errorCode, v0.groups[1]!.groupState], [0, 'Dead']);
  const v5 = await c.request(ApiKey.DescribeGroups, 5, { ...defaultDescribeGroupsRequest(), groups: [groupId], includeAuthorizedOperations: true });
  assert.equal(v5.groups[0]!.members[0]!.groupInstanceId, 'inst');
  assert.equal(v5.groups[0]!.authorizedOperations, 3400, 'as Kafka 4.0.2 answers without an authorizer');
  const v6 = await c.request(ApiKey.DescribeGroups, 6, { ...defaultDescribeGroupsRequest(), groups: ['ghost'] });
  assert.deepEqual([v6.groups[0]!.errorCode, v6.groups[0]!.errorMessage, v6.groups[0]!.groupState], [ErrorCode.GROUP_ID_NOT_FOUND, 'Group ghost not found.', 'Dead']);

  const l0 = await c.request(ApiKey.ListGroups, 0, defaultListGroupsRequest());
  assert.ok(l0.groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'));
  const l4 = await c.request(ApiKey.ListGroups, 4, { ...defaultListGroupsRequest(), statesFilter: ['stable'] });
  assert.ok(l4.groups.every((g) => g.groupState === 'Stable'));
  assert.ok(l4.groups.some((g) => g.groupId === groupId));
  const l5 = await c.request(ApiKey.ListGroups, 5, { ...defaultListGroupsRequest(), typesFilter: ['consumer'] });
  assert.deepEqual(l5.groups, []);
  const l5c = await c.request(ApiKey.ListGroups, 5, { ...defaultListGroupsRequest(), typesFilter: ['Classic'] });
  assert.ok(l5c.groups.some((g) => g.groupId === groupId && g.groupType === 'classic'));
  await c.request(ApiKey.LeaveGroup, 5, { ...defaultLeaveGroupRequest(), groupId, members: [{ memberId: '', groupInstanceId: 'inst', reason: null }] });
  const after = await c.request(ApiKey.DescribeGroups, 5, { ...defaultDescribeGroupsRequest(), groups: [groupId] });
  assert.equal(after.groups[0]!.groupState, 'Empty');
});

test('a JoinGroup parked in a rebalance is answered NOT_COORDINATOR when the broker shuts down', async () => {
  const other = await startTestBroker({ config: { 'group.initial.rebalance.delay.ms': 60_000 } });
  try {
    const parked = joinGroup(other.client, 9, { groupId: 'g', rebalanceTimeoutMs: 120_000 });
    // Wait until the second join is parked in the group.
    await eventually('the second join to park', () => other.broker.groups.groups.group('g')?.numMembersAwaitingJoin === 1);
    const closing = other.broker.close();
    assert.equal((await parked).errorCode, ErrorCode.NOT_COORDINATOR);
    await closing;
  } finally {
    await other.close();
  }
});

test('deleting a topic removes the groups\' committed offsets for it', async () => {
  const groupId = 'deleted-topic-offsets';
  await makeTopic(tb, 'doomed', 2);
  const committed = await c.request(ApiKey.OffsetCommit, 9, commitBody(groupId, [['doomed', 0, 7n], ['u', 0, 3n]]));
  assert.deepEqual(committed.topics.map((t) => t.partitions[0]!.errorCode), [0, 0]);
  const deleted = await c.request(ApiKey.DeleteTopics, 6, { topics: [{ name: 'doomed', topicId: Buffer.alloc(16) }], topicNames: [], timeoutMs: 5000 });
  assert.equal(deleted.responses[0]!.errorCode, ErrorCode.NONE);
  const all = await c.request(ApiKey.OffsetFetch, 2, { ...defaultOffsetFetchRequest(), groupId, topics: null });
  assert.deepEqual(all.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)]), [['u', [3n]]]);
});
