// StreamsGroupHeartbeat and StreamsGroupDescribe under the StandardAuthorizer, as KafkaApis
// checks them: READ on the group to heartbeat, DESCRIBE on every topic of the topology, CREATE
// (on the cluster or the topic) for the internal topics the coordinator needs, else they are
// reported in the MISSING_INTERNAL_TOPICS status; DESCRIBE on the group to describe it; READ on
// the group to push a topology description (StreamsGroupTopologyDescriptionUpdate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultStreamsGroupHeartbeatRequest } from '../../../src/protocol/generated/streams-group-heartbeat-request.js';
import { defaultStreamsGroupDescribeRequest } from '../../../src/protocol/generated/streams-group-describe-request.js';
import { AclOperation as Op, AclPermission as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/cluster/acls.js';
import { makeTopic } from '../../helpers/test-broker.js';
import { connectSaslPlain } from '../../helpers/sasl-client.js';
import { startAclBroker } from '../../helpers/acl-broker.js';

const allow = (resourceType: number, resourceName: string, operation: number) => ({
  resourceType, resourceName, resourcePatternType: Pat.Literal, principal: 'User:alice', host: '*', operation, permissionType: Perm.Allow,
});

const join = {
  ...defaultStreamsGroupHeartbeatRequest(), groupId: 'acl-app', memberId: 'm1', memberEpoch: 0, rebalanceTimeoutMs: 30_000, processId: 'p1', clientTags: [],
  activeTasks: [], standbyTasks: [], warmupTasks: [],
  topology: {
    epoch: 1,
    subtopologies: [{
      subtopologyId: '0', sourceTopics: ['acl-in'], sourceTopicRegex: [], repartitionSinkTopics: [], repartitionSourceTopics: [], copartitionGroups: [],
      stateChangelogTopics: [{ name: 'acl-app-store-changelog', partitions: 0, replicationFactor: 0, topicConfigs: [] }],
    }],
  },
};

test('streams group APIs need READ / DESCRIBE on the group, DESCRIBE on the topology\'s topics and CREATE for its internal topics', async () => {
  const tb = await startAclBroker({ alice: 'alice-secret' }, { 'group.streams.initial.rebalance.delay.ms': 0 });
  const alice = await connectSaslPlain(tb.broker.listenerAddress('SASL_PLAINTEXT'), 'alice', 'alice-secret');
  try {
    await makeTopic(tb, 'acl-in', 2);
    // StreamsGroupTopologyDescriptionUpdate: READ on the group before anything else (KafkaApis), then the plugin check.
    const push = () => alice.request(ApiKey.StreamsGroupTopologyDescriptionUpdate, 0, { groupId: 'acl-app', memberId: '', topologyEpoch: 1, topologyDescription: { subtopologies: [], globalStores: [] } });
    assert.equal((await push()).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const grant = async (...acls: Array<ReturnType<typeof allow>>) => {
      const r = await tb.client.request(ApiKey.CreateAcls, 3, { creations: acls });
      assert.ok(r.results.every((x) => x.errorCode === ErrorCode.NONE));
    };
    const describe = () => alice.request(ApiKey.StreamsGroupDescribe, 1, { ...defaultStreamsGroupDescribeRequest(), groupIds: ['acl-app'] });
    assert.equal((await describe()).groups[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal((await alice.request(ApiKey.StreamsGroupHeartbeat, 1, join)).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    await grant(allow(Res.Group, 'acl-app', Op.Read));
    assert.equal((await alice.request(ApiKey.StreamsGroupHeartbeat, 1, join)).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant(allow(Res.Topic, 'acl-in', Op.Describe), allow(Res.Topic, 'acl-app-store-changelog', Op.Describe));
    // Joined, but alice may not create the changelog topic: the status says so and it is not created.
    const joined = await alice.request(ApiKey.StreamsGroupHeartbeat, 1, join);
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.deepEqual(joined.status, [{
      statusCode: 3,
      statusDetail: 'Internal topics are missing: acl-app-store-changelog; Unauthorized to CREATE on topics acl-app-store-changelog.',
    }]);
    assert.equal(tb.broker.metadata.topic('acl-app-store-changelog'), undefined);
    await grant(allow(Res.Topic, 'acl-app-store-changelog', Op.Create));
    const again = await alice.request(ApiKey.StreamsGroupHeartbeat, 1, { ...join, memberEpoch: joined.memberEpoch, topology: null, rebalanceTimeoutMs: -1, processId: null, clientTags: null });
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.equal(tb.broker.metadata.topic('acl-app-store-changelog')?.partitions.length, 2);

    // READ on the group implies DESCRIBE (Kafka's ACL semantics), and alice may describe its topics.
    assert.equal((await describe()).groups[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual([(await push()).errorCode, (await push()).errorMessage], [ErrorCode.UNSUPPORTED_VERSION, 'The broker has no streams group topology description plugin configured.']);
  } finally {
    alice.close();
    await tb.close();
  }
});
