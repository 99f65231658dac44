// The KIP-848 APIs over the wire at every version (ConsumerGroupHeartbeat 0-1,
// ConsumerGroupDescribe 0-1), and how the older group APIs see consumer groups: ApiVersions'
// group.version, ListGroups' type filter, DescribeGroups, OffsetCommit/OffsetFetch with member
// epochs, DeleteGroups; and a restart that keeps the group.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultConsumerGroupHeartbeatRequest } from '../../../src/protocol/generated/consumer-group-heartbeat-request.js';
import { defaultConsumerGroupDescribeRequest } from '../../../src/protocol/generated/consumer-group-describe-request.js';
import { defaultDescribeGroupsRequest } from '../../../src/protocol/generated/describe-groups-request.js';
import { defaultListGroupsRequest } from '../../../src/protocol/generated/list-groups-request.js';
import { defaultDeleteGroupsRequest } from '../../../src/protocol/generated/delete-groups-request.js';
import { defaultOffsetFetchRequest } from '../../../src/protocol/generated/offset-fetch-request.js';
import { defaultLeaveGroupRequest } from '../../../src/protocol/generated/leave-group-request.js';
import type { WireClient } from '../../helpers/wire-client.js';
import { commitBody, joinBody } from '../../coordinator/group/wire-helpers.js';
import { type TestBroker, makeTopic, startTestBroker } from '../../helpers/test-broker.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

let tb: TestBroker;
let c: WireClient;
let topicId: Buffer;

before(async () => {
  tb = await startTestBroker({ config: { 'offsets.topic.num.partitions': 3 } });
  c = tb.client;
  topicId = (await makeTopic(tb, 'cg-t', 2)).id;
});

after(async () => {
  await tb.close();
});

function joinReq(groupId: string, memberId: string, extra: Record<string, unknown> = {}) {
  return { ...defaultConsumerGroupHeartbeatRequest(), groupId, memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['cg-t'], topicPartitions: [], ...extra };
}

test('ApiVersions advertises ConsumerGroupHeartbeat 0-1, ConsumerGroupDescribe 0-1 and group.version 1', async () => {
  const r = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
  const range = (k: number) => r.apiKeys.filter((x) => x.apiKey === k).map((x) => [x.minVersion, x.maxVersion])[0];
  assert.deepEqual(range(ApiKey.ConsumerGroupHeartbeat), [0, 1]);
  assert.deepEqual(range(ApiKey.ConsumerGroupDescribe), [0, 1]);
  assert.deepEqual(r.supportedFeatures.find((f) => f.name === 'group.version'), { name: 'group.version', minVersion: 0, maxVersion: 1 });
  assert.deepEqual(r.finalizedFeatures.find((f) => f.name === 'group.version'), { name: 'group.version', maxVersionLevel: 1, minVersionLevel: 1 });
});

for (const v of [0, 1]) {
  test(`ConsumerGroupHeartbeat v${v}: join, heartbeat, describe, leave`, async () => {
    const groupId = `cg-life-${v}`;
    const memberId = v === 0 ? '' : `client-made-id-${v}`;
    const joined = await c.request(ApiKey.ConsumerGroupHeartbeat, v, joinReq(groupId, memberId));
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.errorMessage, null);
    if (v === 1) assert.equal(joined.memberId, memberId);
    else assert.equal(joined.memberId!.length, 22);
    assert.equal(joined.memberEpoch, 1);
    assert.equal(joined.heartbeatIntervalMs, 5000);
    assert.deepEqual(joined.assignment!.topicPartitions, [{ topicId, partitions: [0, 1] }]);
    const id = joined.memberId!;
    const beat = await c.request(ApiKey.ConsumerGroupHeartbeat, v, { ...defaultConsumerGroupHeartbeatRequest(), groupId, memberId: id, memberEpoch: 1 });
    assert.equal(beat.errorCode, ErrorCode.NONE);
    assert.equal(beat.assignment, null);
    for (const dv of [0, 1]) {
      const d = await c.request(ApiKey.ConsumerGroupDescribe, dv, { ...defaultConsumerGroupDescribeRequest(), groupIds: [groupId, 'cg-missing'], includeAuthorizedOperations: true });
      const g = d.groups[0]!;
      assert.equal(g.errorCode, ErrorCode.NONE);
      assert.equal(g.groupState, 'Stable');
      assert.equal(g.groupEpoch, 1);
      assert.equal(g.assignmentEpoch, 1);
      assert.equal(g.assignorName, 'uniform');
      assert.equal(g.authorizedOperations, 3400);
      const m = g.members[0]!;
      assert.equal(m.memberId, id);
      assert.equal(m.memberEpoch, 1);
      assert.equal(m.clientHost, '/127.0.0.1');
      assert.deepEqual(m.subscribedTopicNames, ['cg-t']);
      assert.deepEqual(m.assignment.topicPartitions, [{ topicId, topicName: 'cg-t', partitions: [0, 1] }]);
      assert.deepEqual(m.targetAssignment.topicPartitions, [{ topicId, topicName: 'cg-t', partitions: [0, 1] }]);
      if (dv === 1) assert.equal(m.memberType, 1);
      assert.equal(d.groups[1]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
      assert.equal(d.groups[1]!.errorMessage, 'Group cg-missing not found.');
    }
    const left = await c.request(ApiKey.ConsumerGroupHeartbeat, v, { ...defaultConsumerGroupHeartbeatRequest(), groupId, memberId: id, memberEpoch: -1 });
    assert.equal(left.errorCode, ErrorCode.NONE);
    assert.equal(left.memberEpoch, -1);
    const empty = await c.request(ApiKey.ConsumerGroupDescribe, v, { ...defaultConsumerGroupDescribeRequest(), groupIds: [groupId] });
    assert.equal(empty.groups[0]!.groupState, 'Empty');
  });
}

test('ConsumerGroupHeartbeat errors carry Kafka\'s messages; v1 regex subscriptions', async () => {
  const bad = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, joinReq('cg-err', ''));
  assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(bad.errorMessage, "MemberId can't be empty.");
  const fenced = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...defaultConsumerGroupHeartbeatRequest(), groupId: 'cg-err', memberId: 'x', memberEpoch: 5 });
  assert.equal(fenced.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const regex = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, joinReq('cg-regex', 'r1', { subscribedTopicNames: null, subscribedTopicRegex: 'cg-.*' }));
  assert.equal(regex.errorCode, ErrorCode.NONE);
  assert.deepEqual(regex.assignment!.topicPartitions, [{ topicId, partitions: [0, 1] }]);
  const d = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...defaultConsumerGroupDescribeRequest(), groupIds: ['cg-regex', ''] });
  assert.equal(d.groups[0]!.members[0]!.subscribedTopicRegex, 'cg-.*');
  assert.equal(d.groups[1]!.errorCode, ErrorCode.INVALID_GROUP_ID);
});

test('ListGroups filters by type; DescribeGroups answers a consumer group as not classic', async () => {
  await c.request(ApiKey.ConsumerGroupHeartbeat, 1, joinReq('cg-listed', 'l1'));
  await c.request(ApiKey.JoinGroup, 9, joinBody({ groupId: 'classic-listed', memberId: '' }));
  const all = await c.request(ApiKey.ListGroups, 5, defaultListGroupsRequest());
  const listed = all.groups.find((g) => g.groupId === 'cg-listed')!;
  assert.deepEqual(listed, { groupId: 'cg-listed', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' });
  const consumers = await c.request(ApiKey.ListGroups, 5, { ...defaultListGroupsRequest(), typesFilter: ['Consumer'] });
  assert.ok(consumers.groups.every((g) => g.groupType === 'consumer'));
  assert.ok(consumers.groups.some((g) => g.groupId === 'cg-listed'));
  const classics = await c.request(ApiKey.ListGroups, 5, { ...defaultListGroupsRequest(), typesFilter: ['classic'] });
  assert.ok(classics.groups.every((g) => g.groupType === 'classic'));
  const stable = await c.request(ApiKey.ListGroups, 4, { ...defaultListGroupsRequest(), statesFilter: ['stable'] });
  assert.ok(stable.groups.some((g) => g.groupId === 'cg-listed'));
  const d6 = await c.request(ApiKey.DescribeGroups, 6, { ...defaultDescribeGroupsRequest(), groups: ['cg-listed'] });
  assert.equal(d6.groups[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(d6.groups[0]!.errorMessage, 'Group cg-listed is not a classic group.');
  assert.equal(d6.groups[0]!.groupState, 'Dead');
  const d5 = await c.request(ApiKey.DescribeGroups, 5, { ...defaultDescribeGroupsRequest(), groups: ['cg-listed'] });
  assert.equal(d5.groups[0]!.errorCode, ErrorCode.NONE);
  assert.equal(d5.groups[0]!.groupState, 'Dead');
  const otherType = await c.request(ApiKey.JoinGroup, 9, joinBody({ groupId: 'cg-listed', memberId: '', protocolType: 'connect' }));
  assert.equal(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  // A classic consumer joins the consumer group as a classic member.
  const first = await c.request(ApiKey.JoinGroup, 9, joinBody({ groupId: 'cg-listed', memberId: '', topics: ['cg-t'] }));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const classic = await c.request(ApiKey.JoinGroup, 9, joinBody({ groupId: 'cg-listed', memberId: first.memberId, topics: ['cg-t'] }));
  assert.equal(classic.errorCode, ErrorCode.NONE);
  assert.equal(classic.protocolType, 'consumer');
  assert.equal(classic.protocolName, 'range');
  assert.equal(classic.leader, '');
  const d = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...defaultConsumerGroupDescribeRequest(), groupIds: ['cg-listed'] });
  assert.deepEqual(d.groups[0]!.members.map((m) => m.memberType).sort(), [0, 1]);
  const left = await c.request(ApiKey.LeaveGroup, 5, { ...defaultLeaveGroupRequest(), groupId: 'cg-listed', members: [{ memberId: classic.memberId, groupInstanceId: null, reason: null }] });
  assert.deepEqual(left.members.map((m) => m.errorCode), [ErrorCode.NONE]);
});

test('OffsetCommit v9 and OffsetFetch v9 check member epochs; DeleteGroups removes an empty consumer group', async () => {
  const g = 'cg-offsets';
  const j = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, joinReq(g, 'o1'));
  const ok = await c.request(ApiKey.OffsetCommit, 9, commitBody(g, [['cg-t', 0, 7n]], j.memberEpoch, 'o1'));
  assert.equal(ok.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  const stale = await c.request(ApiKey.OffsetCommit, 9, commitBody(g, [['cg-t', 0, 8n]], j.memberEpoch + 1, 'o1'));
  assert.equal(stale.topics[0]!.partitions[0]!.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
  const old = await c.request(ApiKey.OffsetCommit, 8, commitBody(g, [['cg-t', 0, 8n]], j.memberEpoch, 'o1'));
  assert.equal(old.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const outsider = await c.request(ApiKey.OffsetCommit, 9, commitBody(g, [['cg-t', 0, 8n]]));
  assert.equal(outsider.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const fetch = (memberId: string | null, memberEpoch: number) =>
    c.request(ApiKey.OffsetFetch, 9, { ...defaultOffsetFetchRequest(), groups: [{ groupId: g, memberId, memberEpoch, topics: [{ name: 'cg-t', topicId: ZERO_UUID, partitionIndexes: [0] }] }] });
  const byMember = await fetch('o1', j.memberEpoch);
  assert.equal(byMember.groups[0]!.errorCode, ErrorCode.NONE);
  assert.equal(byMember.groups[0]!.topics[0]!.partitions[0]!.committedOffset, 7n);
  assert.equal((await fetch('o1', j.memberEpoch + 3)).groups[0]!.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal((await fetch('nobody', 1)).groups[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await fetch(null, -1)).groups[0]!.errorCode, ErrorCode.NONE);
  const busy = await c.request(ApiKey.DeleteGroups, 2, { ...defaultDeleteGroupsRequest(), groupsNames: [g] });
  assert.equal(busy.results[0]!.errorCode, ErrorCode.NON_EMPTY_GROUP);
  await c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...defaultConsumerGroupHeartbeatRequest(), groupId: g, memberId: 'o1', memberEpoch: -1 });
  const deleted = await c.request(ApiKey.DeleteGroups, 2, { ...defaultDeleteGroupsRequest(), groupsNames: [g] });
  assert.equal(deleted.results[0]!.errorCode, ErrorCode.NONE);
  const gone = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...defaultConsumerGroupDescribeRequest(), groupIds: [g] });
  assert.equal(gone.groups[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('a restarted broker keeps its consumer groups', async () => {
  const g = 'cg-restart';
  const j = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, joinReq(g, 'r1'));
  assert.equal(j.errorCode, ErrorCode.NONE);
  const logDir = tb.logDir;
  await tb.close(true);
  tb = await startTestBroker({ logDir, config: { 'offsets.topic.num.partitions': 3 } });
  c = tb.client;
  const beat = await c.request(ApiKey.ConsumerGroupHeartbeat, 1, { ...defaultConsumerGroupHeartbeatRequest(), groupId: g, memberId: 'r1', memberEpoch: j.memberEpoch });
  assert.equal(beat.errorCode, ErrorCode.NONE);
  assert.equal(beat.memberEpoch, j.memberEpoch);
  const d = await c.request(ApiKey.ConsumerGroupDescribe, 1, { ...defaultConsumerGroupDescribeRequest(), groupIds: [g] });
  assert.equal(d.groups[0]!.groupState, 'Stable');
  assert.deepEqual(d.groups[0]!.members[0]!.assignment.topicPartitions, [{ topicId, topicName: 'cg-t', partitions: [0, 1] }]);
});
