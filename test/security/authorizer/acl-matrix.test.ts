// The ACL matrix over SASL/PLAIN: for each data-plane API, the principal the ACLs allow
// succeeds and the one they do not gets Kafka's *_AUTHORIZATION_FAILED code, nothing it sent
// is written, and no topic or group name it may not describe reaches it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultFetchPartition, defaultFetchRequest, defaultFetchTopic } from '../../../src/protocol/generated/fetch-request.js';
import { defaultMetadataRequestTopic } from '../../../src/protocol/generated/metadata-request.js';
import { defaultListOffsetsPartition, defaultListOffsetsRequest } from '../../../src/protocol/generated/list-offsets-request.js';
import { defaultOffsetForLeaderPartition, defaultOffsetForLeaderEpochRequest } from '../../../src/protocol/generated/offset-for-leader-epoch-request.js';
import { defaultDescribeTopicPartitionsRequest } from '../../../src/protocol/generated/describe-topic-partitions-request.js';
import { defaultConsumerGroupHeartbeatRequest } from '../../../src/protocol/generated/consumer-group-heartbeat-request.js';
import { defaultConsumerGroupDescribeRequest } from '../../../src/protocol/generated/consumer-group-describe-request.js';
import { defaultFindCoordinatorRequest } from '../../../src/protocol/generated/find-coordinator-request.js';
import { defaultHeartbeatRequest } from '../../../src/protocol/generated/heartbeat-request.js';
import { defaultLeaveGroupRequest } from '../../../src/protocol/generated/leave-group-request.js';
import { defaultOffsetFetchRequest } from '../../../src/protocol/generated/offset-fetch-request.js';
import { defaultDescribeGroupsRequest } from '../../../src/protocol/generated/describe-groups-request.js';
import { defaultListGroupsRequest } from '../../../src/protocol/generated/list-groups-request.js';
import { defaultDeleteGroupsRequest } from '../../../src/protocol/generated/delete-groups-request.js';
import { defaultOffsetDeleteRequest } from '../../../src/protocol/generated/offset-delete-request.js';
import { encodeBatchSync } from '../../../src/protocol/records/encode.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import { makeTopic, type TestBroker } from '../../helpers/test-broker.js';
import { allow, startAclMatrix, type AclMatrix } from './helpers.js';
import type { WireClient } from '../../helpers/wire-client.js';
import { commitBody, joinBody, syncBody } from '../../coordinator/group/wire-helpers.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/codec-helpers.js';

const TOPIC = 'acl-t';
const GROUP = 'g-1';

let m: AclMatrix;
let tb: TestBroker;
let admin: WireClient;
let allowed: WireClient;
let denied: WireClient;

before(async () => {
  m = await startAclMatrix(
    { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 1 },
    [allow(Res.Topic, TOPIC, Pat.Literal, Op.All), allow(Res.Group, 'g-', Pat.Prefixed, Op.All)],
    async (b) => {
      await makeTopic(b, TOPIC, 1);
      await makeTopic(b, 'acl-secret', 1);
    },
  );
  ({ tb, admin, allowed, denied } = m);
});

after(async () => {
  await m?.close();
});

async function endOffset(topic: string): Promise<bigint> {
  const r = await admin.request(ApiKey.ListOffsets, 7, {
    ...defaultListOffsetsRequest(), replicaId: -1, isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ ...defaultListOffsetsPartition(), partitionIndex: 0, timestamp: -1n }] }],
  });
  return r.topics[0]!.partitions[0]!.offset;
}

const produceReq = (topic: string) => ({
  transactionalId: null, acks: -1, timeoutMs: 5000,
  topicData: [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records: encodeBatchSync([{ value: Buffer.from('v') }]) }] }],
});

test('Metadata: all topics shows only what the principal may describe; named topics are refused; no auto-creation without CREATE', async () => {
  const allNames = async (c: WireClient) => (await c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true })).topics;
  const a = await allNames(allowed);
  assert.deepEqual(a.map((t) => t.name), [TOPIC]);
  // ALL on the topic: every topic operation (3576).
  assert.equal(a[0]!.topicAuthorizedOperations, 3576);
  assert.deepEqual((await allNames(denied)).map((t) => t.name), []);
  const named = (c: WireClient, names: string[], auto = false) => c.request(ApiKey.Metadata, 12, {
    topics: names.map((name) => ({ ...defaultMetadataRequestTopic(), name })), allowAutoTopicCreation: auto, includeTopicAuthorizedOperations: false,
  });
  const d = await named(denied, [TOPIC, 'acl-secret', 'no-such-topic']);
  // Existing or not, the same answer: nothing tells the denied principal which exist.
  assert.deepEqual(d.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [
    [TOPIC, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
    ['acl-secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
    ['no-such-topic', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
  ]);
  const ok = await named(allowed, [TOPIC]);
  assert.deepEqual(ok.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [[TOPIC, 0, 1]]);
  // allowed may describe g-… groups only, not create topics: auto-creation is refused.
  const auto = await named(allowed, ['acl-t2'], true);
  assert.equal(auto.topics[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(tb.broker.metadata.topic('acl-t2'), undefined);
});

test('DescribeTopicPartitions: refused by name, left out of all topics', async () => {
  const req = (names: string[]) => ({ ...defaultDescribeTopicPartitionsRequest(), topics: names.map((name) => ({ name })), responsePartitionLimit: 100 });
  assert.deepEqual((await denied.request(ApiKey.DescribeTopicPartitions, 0, req([]))).topics, []);
  const d = await denied.request(ApiKey.DescribeTopicPartitions, 0, req([TOPIC]));
  assert.deepEqual(d.topics.map((t) => [t.name, t.errorCode]), [[TOPIC, ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
  const a = await allowed.request(ApiKey.DescribeTopicPartitions, 0, req([]));
  assert.deepEqual(a.topics.map((t) => [t.name, t.errorCode]), [[TOPIC, 0]]);
});

test('Produce: WRITE on the topic; the denied batch is not written', async () => {
  const before = await endOffset(TOPIC);
  const d = await denied.request(ApiKey.Produce, 9, produceReq(TOPIC));
  assert.equal(d.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(await endOffset(TOPIC), before);
  const a = await allowed.request(ApiKey.Produce, 9, produceReq(TOPIC));
  assert.equal(a.responses[0]!.partitionResponses[0]!.errorCode, 0);
  assert.equal(await endOffset(TOPIC), before + 1n);
  // One request to an allowed and a refused topic: the allowed one is appended.
  const mixed = await allowed.request(ApiKey.Produce, 9, {
    ...produceReq(TOPIC), topicData: [...produceReq(TOPIC).topicData, ...produceReq('acl-secret').topicData],
  });
  assert.deepEqual(mixed.responses.map((t) => [t.name, t.partitionResponses[0]!.errorCode]).sort(), [['acl-secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED], [TOPIC, 0]]);
  assert.equal(await endOffset(TOPIC), before + 2n);
  assert.equal(await endOffset('acl-secret'), 0n);
});

test('Fetch: READ on the topic', async () => {
  const req = {
    ...defaultFetchRequest(), replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
    topics: [{ ...defaultFetchTopic(), topic: TOPIC, partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  };
  const d = await denied.request(ApiKey.Fetch, 12, req);
  assert.equal(d.responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(d.responses[0]!.partitions[0]!.records, null);
  const a = await allowed.request(ApiKey.Fetch, 12, req);
  assert.equal(a.responses[0]!.partitions[0]!.errorCode, 0);
  assert.ok((a.responses[0]!.partitions[0]!.records?.length ?? 0) > 0);
  // A replica fetch needs CLUSTER_ACTION, which neither has.
  const replica = await allowed.request(ApiKey.Fetch, 12, { ...req, replicaId: 5 });
  assert.equal(replica.responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
});

test('ListOffsets and OffsetForLeaderEpoch: DESCRIBE on the topic; DeleteRecords: DELETE', async () => {
  const lo = (c: WireClient) => c.request(ApiKey.ListOffsets, 7, {
    ...defaultListOffsetsRequest(), replicaId: -1, topics: [{ name: TOPIC, partitions: [{ ...defaultListOffsetsPartition(), partitionIndex: 0, timestamp: -1n }] }],
  });
  assert.equal((await lo(denied)).topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await lo(allowed)).topics[0]!.partitions[0]!.errorCode, 0);
  const ofle = (c: WireClient) => c.request(ApiKey.OffsetForLeaderEpoch, 4, {
    ...defaultOffsetForLeaderEpochRequest(), replicaId: -1, topics: [{ topic: TOPIC, partitions: [{ ...defaultOffsetForLeaderPartition(), partition: 0, leaderEpoch: 0, currentLeaderEpoch: -1 }] }],
  });
  assert.equal((await ofle(denied)).topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await ofle(allowed)).topics[0]!.partitions[0]!.errorCode, 0);
  const dr = (c: WireClient) => c.request(ApiKey.DeleteRecords, 2, { timeoutMs: 5000, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 1n }] }] });
  assert.equal((await dr(denied)).topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const logStart = (await admin.request(ApiKey.ListOffsets, 7, {
    ...defaultListOffsetsRequest(), replicaId: -1, topics: [{ name: TOPIC, partitions: [{ ...defaultListOffsetsPartition(), partitionIndex: 0, timestamp: -2n }] }],
  })).topics[0]!.partitions[0]!.offset;
  assert.equal(logStart, 0n, 'the denied DeleteRecords deleted nothing');
  const a = await dr(allowed);
  assert.deepEqual([a.topics[0]!.partitions[0]!.errorCode, a.topics[0]!.partitions[0]!.lowWatermark], [0, 1n]);
});

test('classic group APIs: READ on the group (and on committed topics), DESCRIBE to find, describe and list it', async () => {
  const fc = (c: WireClient, key: string) => c.request(ApiKey.FindCoordinator, 4, { ...defaultFindCoordinatorRequest(), keyType: 0, coordinatorKeys: [key] });
  assert.equal((await fc(denied, GROUP)).coordinators[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await fc(allowed, GROUP)).coordinators[0]!.errorCode, 0);

  const deniedJoin = await denied.request(ApiKey.JoinGroup, 9, joinBody({ groupId: GROUP, topics: [TOPIC] }));
  assert.equal(deniedJoin.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.deepEqual((await admin.request(ApiKey.ListGroups, 5, defaultListGroupsRequest())).groups, [], 'no group was created by the refused join');

  const first = await allowed.request(ApiKey.JoinGroup, 9, joinBody({ groupId: GROUP, topics: [TOPIC] }));
  const joined = await allowed.request(ApiKey.JoinGroup, 9, joinBody({ groupId: GROUP, topics: [TOPIC], memberId: first.memberId }));
  assert.equal(joined.errorCode, 0);
  const member = joined.memberId;
  const gen = joined.generationId;
  assert.equal((await denied.request(ApiKey.SyncGroup, 5, syncBody(GROUP, gen, member))).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await allowed.request(ApiKey.SyncGroup, 5, syncBody(GROUP, gen, member, [{ memberId: member, assignment: Buffer.alloc(0) }]))).errorCode, 0);
  const hb = { ...defaultHeartbeatRequest(), groupId: GROUP, generationId: gen, memberId: member };
  assert.equal((await denied.request(ApiKey.Heartbeat, 4, hb)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await allowed.request(ApiKey.Heartbeat, 4, hb)).errorCode, 0);

  const commit = commitBody(GROUP, [[TOPIC, 0, 1n]], gen, member);
  const dc = await denied.request(ApiKey.OffsetCommit, 9, commit);
  assert.equal(dc.topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  // READ on the group but not on acl-secret: that topic's partitions are refused.
  const ac = await allowed.request(ApiKey.OffsetCommit, 9, commitBody(GROUP, [[TOPIC, 0, 1n], ['acl-secret', 0, 0n]], gen, member));
  assert.deepEqual(ac.topics.map((t) => [t.name, t.partitions[0]!.errorCode]), [[TOPIC, 0], ['acl-secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);

  const fetchReq = (topics: Array<{ name: string; partitionIndexes: number[] }> | null) => ({ ...defaultOffsetFetchRequest(), groups: [{ groupId: GROUP, memberId: null, memberEpoch: -1, topics: topics?.map((t) => ({ ...t, topicId: ZERO_UUID })) ?? null }] });
  assert.equal((await denied.request(ApiKey.OffsetFetch, 8, fetchReq(null))).groups[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const af = await allowed.request(ApiKey.OffsetFetch, 8, fetchReq([{ name: TOPIC, partitionIndexes: [0] }, { name: 'acl-secret', partitionIndexes: [0] }]));
  assert.deepEqual(af.groups[0]!.topics.map((t) => [t.name, t.partitions[0]!.errorCode, t.partitions[0]!.committedOffset]), [
    [TOPIC, 0, 1n],
    ['acl-secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1n],
  ]);
  // What the admin sees: only the allowed commit was written.
  const adminView = await admin.request(ApiKey.OffsetFetch, 8, fetchReq(null));
  assert.deepEqual(adminView.groups[0]!.topics.map((t) => t.name), [TOPIC]);

  const dg = (c: WireClient) => c.request(ApiKey.DescribeGroups, 5, { ...defaultDescribeGroupsRequest(), groups: [GROUP], includeAuthorizedOperations: true });
  const ddg = await dg(denied);
  assert.deepEqual([ddg.groups[0]!.errorCode, ddg.groups[0]!.members], [ErrorCode.GROUP_AUTHORIZATION_FAILED, []]);
  const adg = await dg(allowed);
  assert.equal(adg.groups[0]!.errorCode, 0);
  // ALL on the group: READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (3400).
  assert.equal(adg.groups[0]!.authorizedOperations, 3400);

  const lg = async (c: WireClient) => (await c.request(ApiKey.ListGroups, 5, defaultListGroupsRequest())).groups.map((g) => g.groupId);
  assert.deepEqual(await lg(denied), []);
  assert.deepEqual(await lg(allowed), [GROUP]);

  const od = (c: WireClient) => c.request(ApiKey.OffsetDelete, 0, { ...defaultOffsetDeleteRequest(), groupId: GROUP, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] });
  assert.equal((await od(denied)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);

  const leave = { ...defaultLeaveGroupRequest(), groupId: GROUP, members: [{ memberId: member, groupInstanceId: null, reason: null }] };
  assert.equal((await denied.request(ApiKey.LeaveGroup, 5, leave)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await allowed.request(ApiKey.LeaveGroup, 5, leave)).errorCode, 0);

  const del = (c: WireClient) => c.request(ApiKey.DeleteGroups, 2, { ...defaultDeleteGroupsRequest(), groupsNames: [GROUP] });
  assert.deepEqual((await del(denied)).results.map((r) => r.errorCode), [ErrorCode.GROUP_AUTHORIZATION_FAILED]);
  assert.deepEqual(await lg(admin), [GROUP], 'the refused DeleteGroups deleted nothing');
  assert.deepEqual((await del(allowed)).results.map((r) => r.errorCode), [0]);
});

test('consumer groups (KIP-848): READ on the group and DESCRIBE on subscribed topics; ConsumerGroupDescribe needs DESCRIBE', async () => {
  const beat = (c: WireClient, groupId: string, topics: string[]) => c.request(ApiKey.ConsumerGroupHeartbeat, 0, {
    ...defaultConsumerGroupHeartbeatRequest(), groupId, memberId: `m-${groupId}-${topics.join()}`, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: topics, topicPartitions: [],
  });
  assert.equal((await beat(denied, 'g-cg', [TOPIC])).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await beat(allowed, 'g-cg', ['acl-secret'])).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await beat(allowed, 'g-cg', [TOPIC])).errorCode, 0);
  const describe = (c: WireClient) => c.request(ApiKey.ConsumerGroupDescribe, 0, { ...defaultConsumerGroupDescribeRequest(), groupIds: ['g-cg'], includeAuthorizedOperations: true });
  assert.equal((await describe(denied)).groups[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const a = await describe(allowed);
  assert.deepEqual([a.groups[0]!.errorCode, a.groups[0]!.authorizedOperations], [0, 3400]);
  assert.deepEqual(a.groups[0]!.members.flatMap((m) => m.targetAssignment.topicPartitions.map((tp) => tp.topicName)), [TOPIC]);
  // DESCRIBE on the group but not on the assigned topic: the group is hidden, not just the topic.
  const grant = await admin.request(ApiKey.CreateAcls, 3, {
    creations: [{ resourceType: Res.Group, resourceName: 'g-cg', resourcePatternType: Pat.Literal, principal: 'User:denied', host: '*', operation: Op.Describe, permissionType: Perm.Allow }],
  });
  assert.deepEqual(grant.results.map((r) => r.errorCode), [0]);
  const hidden = (await describe(denied)).groups[0]!;
  assert.deepEqual([hidden.errorCode, hidden.errorMessage, hidden.members], [
    ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'The group has described topic(s) that the client is not authorized to describe.', [],
  ]);
});
