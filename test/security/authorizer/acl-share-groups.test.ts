// The share group APIs under ACLs (KafkaApis' checks): ShareGroupHeartbeat needs READ on the
// group and DESCRIBE on the subscribed topics; ShareFetch and ShareAcknowledge READ on the
// group (TOPIC_AUTHORIZATION_FAILED per partition of a topic it may not read);
// ShareGroupDescribe and DescribeShareGroupOffsets DESCRIBE on the group; Alter READ and
// Delete DELETE on the group, READ on the topics; the share coordinator's state APIs CLUSTER_ACTION.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { AclOperation as Op, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import { makeTopic } from '../../helpers/test-broker.js';
import type { WireClient } from '../../helpers/wire-client.js';
import { allow, startAclMatrix, type AclMatrix } from './helpers.js';

const TOPIC = 'acl-share-t';
let m: AclMatrix;
let secretId: Buffer;

before(async () => {
  m = await startAclMatrix(
    { 'offsets.topic.num.partitions': 1 },
    [allow(Res.Topic, TOPIC, Pat.Literal, Op.All), allow(Res.Group, 'sg-', Pat.Prefixed, Op.All)],
    async (b) => {
      await makeTopic(b, TOPIC, 1);
      secretId = (await makeTopic(b, 'acl-share-secret', 1)).id;
    },
  );
});

after(async () => {
  await m?.close();
});

const beat = (c: WireClient, topics: string[], memberId = 'member-a') => c.request(ApiKey.ShareGroupHeartbeat, 1, { groupId: 'sg-1', memberId, memberEpoch: 0, rackId: null, subscribedTopicNames: topics });

test('ShareGroupHeartbeat, ShareGroupDescribe and the share offset APIs check the group and its topics', async () => {
  assert.equal((await beat(m.denied, [TOPIC])).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await beat(m.allowed, ['acl-share-secret'])).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await beat(m.allowed, [TOPIC])).errorCode, ErrorCode.NONE);
  const describe = (c: WireClient) => c.request(ApiKey.ShareGroupDescribe, 1, { groupIds: ['sg-1'], includeAuthorizedOperations: true });
  assert.equal((await describe(m.denied)).groups[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const d = (await describe(m.allowed)).groups[0]!;
  assert.deepEqual([d.errorCode, d.authorizedOperations], [ErrorCode.NONE, 3400]);
  const offsets = (c: WireClient) => c.request(ApiKey.DescribeShareGroupOffsets, 1, { groups: [{ groupId: 'sg-1', topics: [{ topicName: 'acl-share-secret', partitions: [0] }] }] });
  assert.equal((await offsets(m.denied)).groups[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal((await offsets(m.allowed)).groups[0]!.topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const alter = (c: WireClient) => c.request(ApiKey.AlterShareGroupOffsets, 0, { groupId: 'sg-1', topics: [{ topicName: 'acl-share-secret', partitions: [{ partitionIndex: 0, startOffset: 0n }] }] });
  assert.equal((await alter(m.denied)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const del = (c: WireClient) => c.request(ApiKey.DeleteShareGroupOffsets, 0, { groupId: 'sg-1', topics: [{ topicName: 'acl-share-secret' }] });
  assert.equal((await del(m.denied)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  // The member leaves, so the group is empty: the topic the principal may not read is refused on its own.
  assert.equal((await m.allowed.request(ApiKey.ShareGroupHeartbeat, 1, { groupId: 'sg-1', memberId: 'member-a', memberEpoch: -1, rackId: null, subscribedTopicNames: null })).errorCode, ErrorCode.NONE);
  assert.equal((await alter(m.allowed)).responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal((await del(m.allowed)).responses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
});

test('ShareFetch and ShareAcknowledge need READ on the group; a topic it may not read fails per partition', async () => {
  const fetch = (c: WireClient, topicId: Buffer) => c.request(ApiKey.ShareFetch, 2, {
    groupId: 'sg-2', memberId: 'member-b', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 10, batchSize: 10,
    shareAcquireMode: 0, isRenewAck: false, topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }], forgottenTopicsData: [],
  });
  assert.equal((await fetch(m.denied, secretId)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const r = await fetch(m.allowed, secretId);
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const ack = await m.denied.request(ApiKey.ShareAcknowledge, 2, { groupId: 'sg-2', memberId: 'member-b', shareSessionEpoch: 1, isRenewAck: false, topics: [] });
  assert.equal(ack.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
});

test('the share coordinator\'s state APIs are for brokers: CLUSTER_ACTION on the cluster, else every partition refused with Kafka\'s message', async () => {
  const read = (c: WireClient) => c.request(ApiKey.ReadShareGroupState, 0, { groupId: 'sg-1', topics: [{ topicId: secretId, partitions: [{ partition: 0, leaderEpoch: 0 }] }] });
  for (const c of [m.allowed, m.denied]) {
    const p = (await read(c)).results[0]!.partitions[0]!;
    assert.deepEqual([p.errorCode, p.errorMessage], [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.']);
  }
  const init = (c: WireClient) => c.request(ApiKey.InitializeShareGroupState, 0, { groupId: 'sg-1', topics: [{ topicId: secretId, partitions: [{ partition: 0, stateEpoch: 0, startOffset: 0n }] }] });
  assert.equal((await init(m.allowed)).results[0]!.partitions[0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  // A broker (the super user here) is served: no state yet reads as start offset -1.
  assert.deepEqual((await read(m.admin)).results[0]!.partitions.map((p) => [p.errorCode, p.startOffset]), [[ErrorCode.NONE, -1n]]);
  assert.equal((await init(m.admin)).results[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.deepEqual((await read(m.admin)).results[0]!.partitions.map((p) => [p.errorCode, p.startOffset]), [[ErrorCode.NONE, 0n]]);
});
