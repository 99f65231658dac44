// KIP-1331 over the wire, as Kafka 4.4 answers: without group.streams.topology.description.plugin.class
// the update is refused with UNSUPPORTED_VERSION and Kafka's message, heartbeats never ask and
// describe says NOT_STORED when asked; with Kafka's InMemoryTopologyDescriptionPlugin a
// heartbeat asks once (then the backoff holds), the update's checks answer Kafka's codes and
// messages, describe returns what was pushed (AVAILABLE), and the clean-up and DeleteGroups
// remove it. Any other plugin class stops the broker at start-up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConfig } from '../../../src/broker/settings/broker-config.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { defaultStreamsGroupHeartbeatRequest, type Topology } from '../../../src/protocol/generated/streams-group-heartbeat-request.js';
import { defaultStreamsGroupDescribeRequest } from '../../../src/protocol/generated/streams-group-describe-request.js';
import type { TopologyDescription, TopologyDescriptionNode } from '../../../src/protocol/generated/streams-group-topology-description-update-request.js';
import { type TestBroker, makeTopic, startTestBroker } from '../../helpers/test-broker.js';

const PLUGIN = 'org.apache.kafka.server.streams.InMemoryTopologyDescriptionPlugin';
let plain: TestBroker;
let withPlugin: TestBroker;

before(async () => {
  const config = { 'offsets.topic.num.partitions': 1, 'group.streams.initial.rebalance.delay.ms': 0 };
  plain = await startTestBroker({ config });
  withPlugin = await startTestBroker({ config: { ...config, 'group.streams.topology.description.plugin.class': PLUGIN } });
  await makeTopic(plain, 'td-in', 1);
  await makeTopic(withPlugin, 'td-in', 1);
});

after(async () => {
  await plain.close();
  await withPlugin.close();
});

function topology(): Topology {
  return { epoch: 1, subtopologies: [{ subtopologyId: '0', sourceTopics: ['td-in'], sourceTopicRegex: [], stateChangelogTopics: [], repartitionSinkTopics: [], repartitionSourceTopics: [], copartitionGroups: [] }] };
}

function join(groupId: string, memberId: string) {
  return {
    ...defaultStreamsGroupHeartbeatRequest(), groupId, memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, topology: topology(),
    activeTasks: [], standbyTasks: [], warmupTasks: [], processId: 'p1', userEndpoint: null, clientTags: [],
  };
}

function node(name: string, nodeType: number, fields: Partial<TopologyDescriptionNode> = {}): TopologyDescriptionNode {
  return { name, nodeType, sourceTopics: [], sinkTopic: null, stores: [], successors: [], ...fields };
}

/** A description as Kafka Streams sends it, with a duplicate successor (Kafka keeps sets). */
function description(): TopologyDescription {
  return {
    subtopologies: [{
      subtopologyId: '0',
      nodes: [
        node('KSTREAM-SOURCE-0000000000', 1, { sourceTopics: ['td-in'], successors: ['KSTREAM-MAPVALUES-0000000001', 'KSTREAM-MAPVALUES-0000000001'] }),
        node('KSTREAM-MAPVALUES-0000000001', 2, { stores: ['store-a'], successors: ['KSTREAM-SINK-0000000002'] }),
        node('KSTREAM-SINK-0000000002', 3, { sinkTopic: 'td-out' }),
      ],
    }],
    globalStores: [],
  };
}

function update(groupId: string, memberId: string, topologyEpoch = 1, topologyDescription = description()) {
  return { groupId, memberId, topologyEpoch, topologyDescription };
}

async function describeGroup(tb: TestBroker, groupId: string, includeTopologyDescription = true) {
  const r = await tb.client.request(ApiKey.StreamsGroupDescribe, 1, { ...defaultStreamsGroupDescribeRequest(), groupIds: [groupId], includeTopologyDescription });
  return r.groups[0]!;
}

test('ApiVersions advertises StreamsGroupTopologyDescriptionUpdate 0-0', async () => {
  const r = await plain.client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 });
  const k = r.apiKeys.find((x) => x.apiKey === ApiKey.StreamsGroupTopologyDescriptionUpdate);
  assert.deepEqual([k?.minVersion, k?.maxVersion], [0, 0]);
});

test('without a plugin: UNSUPPORTED_VERSION with Kafka\'s message, no request in heartbeats, NOT_STORED in describe', async () => {
  const c = plain.client;
  const joined = await c.request(ApiKey.StreamsGroupHeartbeat, 1, join('td-plain', 'm1'));
  assert.equal(joined.errorCode, ErrorCode.NONE, joined.errorMessage ?? '');
  assert.equal(joined.topologyDescriptionRequired, false);
  const r = await c.request(ApiKey.StreamsGroupTopologyDescriptionUpdate, 0, update('td-plain', 'm1'));
  assert.equal(r.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.equal(r.errorMessage, 'The broker has no streams group topology description plugin configured.');
  // The plugin check comes before the request's own.
  const empty = await c.request(ApiKey.StreamsGroupTopologyDescriptionUpdate, 0, update('td-plain', ''));
  assert.equal(empty.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const asked = await describeGroup(plain, 'td-plain');
  assert.equal(asked.errorCode, ErrorCode.NONE);
  assert.equal(asked.topologyDescriptionStatus, 1);
  assert.equal(asked.topologyDescription, null);
  assert.equal((await describeGroup(plain, 'td-plain', false)).topologyDescriptionStatus, 0);
  assert.equal((await describeGroup(plain, 'td-missing')).topologyDescriptionStatus, 0, 'a group that failed keeps 0');
});

test('with the in-memory plugin: asked once, the update\'s checks, the description in describe, clean-up and deletion', async () => {
  const c = withPlugin.client;
  const g = 'td-app';
  const joined = await c.request(ApiKey.StreamsGroupHeartbeat, 1, join(g, 'm1'));
  assert.equal(joined.errorCode, ErrorCode.NONE, joined.errorMessage ?? '');
  assert.equal(joined.topologyDescriptionRequired, true, 'the plugin lacks topology epoch 1');
  const again = await c.request(ApiKey.StreamsGroupHeartbeat, 1, { ...defaultStreamsGroupHeartbeatRequest(), groupId: g, memberId: 'm1', memberEpoch: joined.memberEpoch });
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.equal(again.topologyDescriptionRequired, false, 'the backoff holds the next request back');
  assert.equal((await describeGroup(withPlugin, g)).topologyDescriptionStatus, 1);

  const refusals: Array<[ReturnType<typeof update>, number, string | null]> = [
    [update(g, ''), ErrorCode.INVALID_REQUEST, "MemberId can't be empty."],
    [update('', 'm1'), ErrorCode.INVALID_REQUEST, "GroupId can't be empty."],
    [update('td-none', 'm1'), ErrorCode.GROUP_ID_NOT_FOUND, 'Group td-none not found.'],
    [update(g, 'stranger'), ErrorCode.UNKNOWN_MEMBER_ID, `Member stranger is not a member of group ${g}.`],
    [update(g, 'm1', 2), ErrorCode.INVALID_REQUEST, "Topology epoch 2 does not match the group's current topology epoch 1."],
    [update(g, 'm1', 1, { subtopologies: [{ subtopologyId: '0', nodes: [node('x', 7)] }], globalStores: [] }), ErrorCode.INVALID_REQUEST, 'Unknown topology node type: 7'],
    [update(g, 'm1', 1, { subtopologies: [], globalStores: [{ source: node('s', 2), processor: node('p', 2) }] }), ErrorCode.INVALID_REQUEST, 'Global store must be composed of a source and a processor node.'],
  ];
  for (const [req, code, message] of refusals) {
    const r = await c.request(ApiKey.StreamsGroupTopologyDescriptionUpdate, 0, req);
    assert.deepEqual([r.errorCode, r.errorMessage], [code, message], JSON.stringify(req.groupId + '/' + req.memberId));
  }
  assert.equal(withPlugin.broker.groups.streams.group(g)!.storedDescriptionTopologyEpoch, -1, 'nothing was marked by a refused update');

  const ok = await c.request(ApiKey.StreamsGroupTopologyDescriptionUpdate, 0, update(g, 'm1'));
  assert.deepEqual([ok.errorCode, ok.errorMessage], [ErrorCode.NONE, null]);
  assert.equal(withPlugin.broker.groups.streams.group(g)!.storedDescriptionTopologyEpoch, 1);
  const d = await describeGroup(withPlugin, g);
  assert.equal(d.topologyDescriptionStatus, 3);
  assert.deepEqual(d.topologyDescription, {
    subtopologies: [{
      subtopologyId: '0',
      nodes: [
        { name: 'KSTREAM-SOURCE-0000000000', nodeType: 1, sourceTopics: ['td-in'], sinkTopic: null, stores: [], successors: ['KSTREAM-MAPVALUES-0000000001'] },
        { name: 'KSTREAM-MAPVALUES-0000000001', nodeType: 2, sourceTopics: [], sinkTopic: null, stores: ['store-a'], successors: ['KSTREAM-SINK-0000000002'] },
        { name: 'KSTREAM-SINK-0000000002', nodeType: 3, sourceTopics: [], sinkTopic: 'td-out', stores: [], successors: [] },
      ],
    }],
    globalStores: [],
  });
  assert.equal((await describeGroup(withPlugin, g, false)).topologyDescriptionStatus, 0);

  // v0 heartbeats are never asked; once stored, v1 heartbeats are not either.
  const v0 = await c.request(ApiKey.StreamsGroupHeartbeat, 0, join(g, 'm0'));
  assert.equal(v0.topologyDescriptionRequired, false);
  const stored = await c.request(ApiKey.StreamsGroupHeartbeat, 1, join(g, 'm2'));
  assert.equal(stored.errorCode, ErrorCode.NONE);
  assert.equal(stored.topologyDescriptionRequired, false);

  // Everyone leaves: the clean-up deletes the description, then the group may expire.
  for (const [m, epoch] of [['m1', again.memberEpoch], ['m0', v0.memberEpoch], ['m2', stored.memberEpoch]] as const) {
    const left = await c.request(ApiKey.StreamsGroupHeartbeat, 1, { ...defaultStreamsGroupHeartbeatRequest(), groupId: g, memberId: m, memberEpoch: -1 });
    assert.equal(left.errorCode, ErrorCode.NONE, `${m} at ${epoch}`);
  }
  assert.equal(withPlugin.broker.groups.cleanupGroupMetadata(), 0, 'an empty group whose description the plugin holds does not expire');
  assert.equal(await withPlugin.broker.groups.cleanupTopologyDescriptions(), 1);
  assert.equal(withPlugin.broker.groups.streams.group(g)!.storedDescriptionTopologyEpoch, -1);
  assert.equal((await describeGroup(withPlugin, g)).topologyDescriptionStatus, 1);
  assert.ok(withPlugin.broker.groups.cleanupGroupMetadata() > 0, 'then it expires');
  assert.equal(withPlugin.broker.groups.streams.group(g), undefined);
});

test('DeleteGroups deletes a stored description with the group', async () => {
  const c = withPlugin.client;
  const g = 'td-deleted';
  const joined = await c.request(ApiKey.StreamsGroupHeartbeat, 1, join(g, 'm1'));
  assert.equal((await c.request(ApiKey.StreamsGroupTopologyDescriptionUpdate, 0, update(g, 'm1'))).errorCode, ErrorCode.NONE);
  await c.request(ApiKey.StreamsGroupHeartbeat, 1, { ...defaultStreamsGroupHeartbeatRequest(), groupId: g, memberId: 'm1', memberEpoch: -1 });
  assert.ok(joined.memberEpoch > 0);
  const deleted = await c.request(ApiKey.DeleteGroups, 2, { groupsNames: [g] });
  assert.equal(deleted.results[0]!.errorCode, ErrorCode.NONE);
  assert.equal(withPlugin.broker.groups.streams.descriptions.plugin!.getTopology(g, 1), null);
});

test('any other plugin class stops the broker at start-up, as Kafka cannot load it', () => {
  assert.throws(
    () => BrokerConfig.load({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'group.streams.topology.description.plugin.class': 'com.example.MyPlugin' } }),
    /group.streams.topology.description.plugin.class: Class com.example.MyPlugin could not be found\./,
  );
});
