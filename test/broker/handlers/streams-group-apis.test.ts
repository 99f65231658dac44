// The KIP-1071 APIs over the wire at every version (StreamsGroupHeartbeat 0-1,
// StreamsGroupDescribe 0-1): ApiVersions' streams.version, a member joining with its topology
// while the internal topics get created, tasks shared by two members, leaving, describe, the
// refusals KafkaApis makes before the coordinator (internal topics, invalid names), and how
// ListGroups and DescribeGroups see a streams group.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultStreamsGroupHeartbeatRequest, type Topology } from '../../../src/protocol/generated/streams-group-heartbeat-request.js';
import { defaultStreamsGroupDescribeRequest } from '../../../src/protocol/generated/streams-group-describe-request.js';
import { defaultDescribeGroupsRequest } from '../../../src/protocol/generated/describe-groups-request.js';
import { defaultListGroupsRequest } from '../../../src/protocol/generated/list-groups-request.js';
import type { WireClient } from '../../helpers/wire-client.js';
import { type TestBroker, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

let tb: TestBroker;
let c: WireClient;

before(async () => {
  // Assignments come at once (the initial rebalance delay and the assignment interval have their own tests).
  tb = await startTestBroker({ config: { 'offsets.topic.num.partitions': 3, 'group.streams.initial.rebalance.delay.ms': 0, 'group.streams.assignment.interval.ms': 0 } });
  c = tb.client;
  await makeTopic(tb, 'sg-in', 2);
});

after(async () => {
  await tb.close();
});

function wordcount(app: string): Topology {
  const info = (name: string) => ({ name, partitions: 0, replicationFactor: 0, topicConfigs: [] });
  return {
    epoch: 1,
    subtopologies: [
      { subtopologyId: '0', sourceTopics: ['sg-in'], sourceTopicRegex: [], stateChangelogTopics: [], repartitionSinkTopics: [`${app}-rep`], repartitionSourceTopics: [], copartitionGroups: [] },
      { subtopologyId: '1', sourceTopics: [], sourceTopicRegex: [], stateChangelogTopics: [info(`${app}-changelog`)], repartitionSinkTopics: [], repartitionSourceTopics: [info(`${app}-rep`)], copartitionGroups: [] },
    ],
  };
}

function join(groupId: string, memberId: string, processId: string) {
  return {
    ...defaultStreamsGroupHeartbeatRequest(), groupId, memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, topology: wordcount(groupId),
    activeTasks: [], standbyTasks: [], warmupTasks: [], processId, userEndpoint: { host: 'localhost', port: 8080 }, clientTags: [],
  };
}

function beat(groupId: string, memberId: string, memberEpoch: number, activeTasks: Array<{ subtopologyId: string; partitions: number[] }>) {
  return { ...defaultStreamsGroupHeartbeatRequest(), groupId, memberId, memberEpoch, activeTasks, standbyTasks: [], warmupTasks: [] };
}

const count = (tasks: Array<{ partitions: number[] }> | null) => (tasks ?? []).reduce((n, t) => n + t.partitions.length, 0);

test('ApiVersions advertises StreamsGroupHeartbeat 0-1, StreamsGroupDescribe 0-1 and streams.version 1', async () => {
  const r = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
  const range = (k: number) => r.apiKeys.filter((x) => x.apiKey === k).map((x) => [x.minVersion, x.maxVersion])[0];
  assert.deepEqual(range(ApiKey.StreamsGroupHeartbeat), [0, 1]);
  assert.deepEqual(range(ApiKey.StreamsGroupDescribe), [0, 1]);
  assert.deepEqual(r.supportedFeatures.find((f) => f.name === 'streams.version'), { name: 'streams.version', minVersion: 0, maxVersion: 1 });
  assert.deepEqual(r.finalizedFeatures.find((f) => f.name === 'streams.version'), { name: 'streams.version', maxVersionLevel: 1, minVersionLevel: 1 });
});

for (const v of [0, 1]) {
  test(`StreamsGroupHeartbeat v${v}: join (internal topics created), share tasks, leave; StreamsGroupDescribe v${v}`, async () => {
    const groupId = `sg-app-${v}`;
    const first = await c.request(ApiKey.StreamsGroupHeartbeat, v, join(groupId, 'm1', 'p1'));
    assert.equal(first.errorCode, ErrorCode.NONE, first.errorMessage ?? '');
    assert.equal(first.memberEpoch, 1);
    assert.equal(first.heartbeatIntervalMs, 5000);
    assert.equal(first.taskOffsetIntervalMs, 60_000);
    if (v === 0) assert.equal(first.acceptableRecoveryLagLegacy, 10_000);
    else assert.equal(first.acceptableRecoveryLag, 10_000n);
    assert.equal(first.topologyDescriptionRequired, false);
    assert.deepEqual(first.status!.map((s) => s.statusCode), [3], 'MISSING_INTERNAL_TOPICS while the coordinator creates them');
    assert.equal(count(first.activeTasks), 0);
    // The handler created them with the partition count of the input.
    for (const t of [`${groupId}-rep`, `${groupId}-changelog`]) assert.equal(tb.broker.metadata.topic(t)?.partitions.length, 2, t);

    const second = await c.request(ApiKey.StreamsGroupHeartbeat, v, beat(groupId, 'm1', 1, []));
    assert.equal(second.errorCode, ErrorCode.NONE);
    assert.deepEqual(second.status, []);
    assert.equal(second.memberEpoch, 2);
    assert.equal(count(second.activeTasks), 4);
    assert.ok(second.partitionsByUserEndpoint !== null);
    assert.deepEqual(second.partitionsByUserEndpoint![0]!.userEndpoint, { host: 'localhost', port: 8080 });

    // A second member: m1 revokes half, then m2 gets them.
    const m2 = await c.request(ApiKey.StreamsGroupHeartbeat, v, join(groupId, 'm2', 'p2'));
    assert.equal(m2.errorCode, ErrorCode.NONE);
    const revoke = await c.request(ApiKey.StreamsGroupHeartbeat, v, beat(groupId, 'm1', 2, second.activeTasks!));
    assert.equal(count(revoke.activeTasks), 2);
    const kept = await c.request(ApiKey.StreamsGroupHeartbeat, v, beat(groupId, 'm1', 2, revoke.activeTasks!));
    assert.equal(kept.memberEpoch, 3);
    const got = await c.request(ApiKey.StreamsGroupHeartbeat, v, beat(groupId, 'm2', m2.memberEpoch, []));
    assert.equal(count(got.activeTasks), 2);

    const described = await c.request(ApiKey.StreamsGroupDescribe, v, { ...defaultStreamsGroupDescribeRequest(), groupIds: [groupId, 'nope'], includeTopologyDescription: v >= 1 });
    const d = described.groups[0]!;
    assert.equal(d.errorCode, ErrorCode.NONE);
    assert.equal(d.groupState, 'Stable');
    assert.equal(d.topology!.epoch, 1);
    assert.deepEqual(d.topology!.subtopologies!.map((s) => s.subtopologyId), ['0', '1']);
    assert.deepEqual(d.members.map((m) => m.processId), ['p1', 'p2']);
    assert.equal(d.members.reduce((n, m) => n + count(m.assignment.activeTasks), 0), 4);
    if (v === 1) {
      assert.equal(d.assignorName, 'sticky');
      assert.equal(d.topologyDescriptionStatus, 1);
    }
    assert.equal(described.groups[1]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(described.groups[1]!.errorMessage, 'Group nope not found.');

    const left = await c.request(ApiKey.StreamsGroupHeartbeat, v, { ...defaultStreamsGroupHeartbeatRequest(), groupId, memberId: 'm2', memberEpoch: -1 });
    assert.equal(left.errorCode, ErrorCode.NONE);
    assert.equal(left.memberEpoch, -1);
  });
}

test('KafkaApis\' refusals: internal topics in a topology, invalid topic names, and the coordinator\'s own', async () => {
  const bad = join('sg-bad', 'm', 'p');
  bad.topology.subtopologies[0]!.sourceTopics = ['__consumer_offsets'];
  const r = await c.request(ApiKey.StreamsGroupHeartbeat, 1, bad);
  assert.equal(r.errorCode, ErrorCode.STREAMS_INVALID_TOPOLOGY);
  assert.equal(r.errorMessage, 'Use of Kafka internal topics __consumer_offsets in a Kafka Streams topology is prohibited.');
  const badName = join('sg-bad', 'm', 'p');
  badName.topology.subtopologies[0]!.sourceTopics = ['no spaces'];
  const r2 = await c.request(ApiKey.StreamsGroupHeartbeat, 1, badName);
  assert.equal(r2.errorCode, ErrorCode.STREAMS_INVALID_TOPOLOGY);
  assert.equal(r2.errorMessage, 'Topic names no spaces are not valid topic names.');
  const noTopology = await c.request(ApiKey.StreamsGroupHeartbeat, 0, { ...join('sg-bad', 'm', 'p'), topology: null });
  assert.equal(noTopology.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(noTopology.errorMessage, 'Topology must be non-null when (re-)joining.');
});

test('ListGroups lists a streams group with its type; DescribeGroups answers as Kafka for a non-classic group', async () => {
  const joined = await c.request(ApiKey.StreamsGroupHeartbeat, 1, join('sg-listed', 'm1', 'p1'));
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const listed = await c.request(ApiKey.ListGroups, 5, { ...defaultListGroupsRequest(), typesFilter: ['streams'] });
  const g = listed.groups.find((x) => x.groupId === 'sg-listed');
  // NotReady: its internal topics were created by this heartbeat, and the next one finds them.
  assert.deepEqual(g, { groupId: 'sg-listed', protocolType: 'streams', groupState: 'NotReady', groupType: 'streams' });
  const consumers = await c.request(ApiKey.ListGroups, 5, { ...defaultListGroupsRequest(), typesFilter: ['consumer'] });
  assert.equal(consumers.groups.some((x) => x.groupId === 'sg-listed'), false);
  const described = await c.request(ApiKey.DescribeGroups, 6, { ...defaultDescribeGroupsRequest(), groups: ['sg-listed'] });
  assert.equal(described.groups[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(described.groups[0]!.errorMessage, 'Group sg-listed is not a classic group.');
});
