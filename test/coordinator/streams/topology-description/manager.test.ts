// The manager's decisions as Kafka 4.4's StreamsGroupTopologyDescriptionManager makes them:
// when a heartbeat asks for the description, every describe status, and plugin outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/protocol/generated/errors.js';
import { StreamsGroup } from '../../../../src/coordinator/streams/streams-group.js';
import { StreamsGroupManager } from '../../../../src/coordinator/streams/streams-group-manager.js';
import { descriptionFromRequest, type TopologyDescriptionValue } from '../../../../src/coordinator/streams/topology-description/converter.js';
import { DescriptionStatus, PluginOutcomeKind, TopologyDescriptionManager } from '../../../../src/coordinator/streams/topology-description/manager.js';
import { InMemoryTopologyDescriptionPlugin, PermanentPluginFailure, type TopologyDescriptionPlugin } from '../../../../src/coordinator/streams/topology-description/plugin.js';
import { GroupError } from '../../../../src/coordinator/streams/errors.js';

const clock = { now: () => 0 };

function groupAt(topologyEpoch: number | null, stored = -1, failed = -1): StreamsGroup {
  const g = new StreamsGroup('g');
  if (topologyEpoch !== null) g.topology = { epoch: topologyEpoch, subtopologies: new Map() } as unknown as StreamsGroup['topology'];
  g.storedDescriptionTopologyEpoch = stored;
  g.failedDescriptionTopologyEpoch = failed;
  return g;
}

const ok = StreamsGroupManager.errorResponse(ErrorCode.NONE, null);
const desc: TopologyDescriptionValue = { subtopologies: [{ subtopologyId: '0', nodes: [] }], globalStores: [] };

test('descriptionRequired: v1, a plugin, a member, no error, an epoch the plugin neither holds nor refused, not stale', () => {
  const m = () => new TopologyDescriptionManager(new InMemoryTopologyDescriptionPlugin(), clock, () => 0.5);
  assert.equal(m().descriptionRequired(groupAt(1), ok, 1, 0), true);
  assert.equal(m().descriptionRequired(groupAt(1), ok, 0, 0), false, 'v0');
  assert.equal(new TopologyDescriptionManager(null, clock).descriptionRequired(groupAt(1), ok, 1, 0), false, 'no plugin');
  assert.equal(m().descriptionRequired(groupAt(1), ok, 1, -1), false, 'leaving');
  assert.equal(m().descriptionRequired(groupAt(1), StreamsGroupManager.errorResponse(ErrorCode.UNKNOWN_MEMBER_ID, null), 1, 0), false, 'error');
  assert.equal(m().descriptionRequired(groupAt(null), ok, 1, 0), false, 'no topology');
  assert.equal(m().descriptionRequired(groupAt(1, 1), ok, 1, 0), false, 'stored');
  assert.equal(m().descriptionRequired(groupAt(1, -2), ok, 1, 0), true, 'uncertain asks again');
  assert.equal(m().descriptionRequired(groupAt(2, 1), ok, 1, 0), true, 'an older epoch stored');
  assert.equal(m().descriptionRequired(groupAt(1, -1, 1), ok, 1, 0), false, 'refused');
  const stale = { ...ok, status: [{ statusCode: 0, statusDetail: 'stale' }] };
  assert.equal(m().descriptionRequired(groupAt(1), stale, 1, 0), false, 'STALE_TOPOLOGY');
  const once = m();
  assert.equal(once.descriptionRequired(groupAt(1), ok, 1, 0), true);
  assert.equal(once.descriptionRequired(groupAt(1), ok, 1, 0), false, 'backoff');
});

test('attach: every status', () => {
  const plugin = new InMemoryTopologyDescriptionPlugin();
  const m = new TopologyDescriptionManager(plugin, clock);
  assert.equal(new TopologyDescriptionManager(null, clock).attach(groupAt(1, 1)).topologyDescriptionStatus, DescriptionStatus.NotStored);
  assert.equal(m.attach(groupAt(null)).topologyDescriptionStatus, DescriptionStatus.NotStored, 'no topology');
  assert.equal(m.attach(groupAt(1, -2)).topologyDescriptionStatus, DescriptionStatus.NotStored, 'uncertain');
  assert.equal(m.attach(groupAt(2, 1)).topologyDescriptionStatus, DescriptionStatus.NotStored, 'another epoch stored');
  assert.equal(m.attach(groupAt(1, 1)).topologyDescriptionStatus, DescriptionStatus.NotStored, 'the plugin lost it');
  plugin.setTopology('g', 1, desc);
  assert.deepEqual(m.attach(groupAt(1, 1)), { topologyDescription: { subtopologies: [{ subtopologyId: '0', nodes: [] }], globalStores: [] }, topologyDescriptionStatus: DescriptionStatus.Available });
  const failing: TopologyDescriptionPlugin = { ...plugin, getTopology: () => { throw new Error('down'); }, setTopology: () => undefined, deleteTopology: () => undefined, close: () => undefined };
  assert.deepEqual(new TopologyDescriptionManager(failing, clock).attach(groupAt(1, 1)), { topologyDescription: null, topologyDescriptionStatus: DescriptionStatus.Error });
});

test('setTopology: success, permanent and transient outcomes', () => {
  const base = new InMemoryTopologyDescriptionPlugin();
  const throwing = (err: Error): TopologyDescriptionPlugin => ({ setTopology: () => { throw err; }, getTopology: () => null, deleteTopology: () => undefined, close: () => undefined });
  assert.equal(new TopologyDescriptionManager(base, clock).setTopology('g', 1, desc).kind, PluginOutcomeKind.Success);
  assert.deepEqual(new TopologyDescriptionManager(throwing(new PermanentPluginFailure('too big')), clock).setTopology('g', 1, desc), { kind: PluginOutcomeKind.Permanent, message: 'too big' });
  assert.deepEqual(new TopologyDescriptionManager(throwing(new Error('busy')), clock).setTopology('g', 1, desc), { kind: PluginOutcomeKind.Transient, message: 'busy' });
  assert.deepEqual(new TopologyDescriptionManager(null, clock).setTopology('g', 1, desc), { kind: PluginOutcomeKind.Permanent, message: 'Topology description plugin failed.' });
});

test('converter: node types, sets, and Kafka\'s refusals', () => {
  const n = (name: string, nodeType: number) => ({ name, nodeType, sourceTopics: ['a', 'a'], sinkTopic: 'out', stores: ['s', 's'], successors: ['x', 'x'] });
  const v = descriptionFromRequest({ subtopologies: [{ subtopologyId: '0', nodes: [n('src', 1), n('proc', 2), n('sink', 3)] }], globalStores: [{ source: n('gs', 1), processor: n('gp', 2) }] });
  assert.deepEqual(v.subtopologies[0]!.nodes.map((x) => [x.topics, x.stores, x.sinkTopic, x.successors]), [[['a'], [], null, ['x']], [[], ['s'], null, ['x']], [[], [], 'out', ['x']]]);
  assert.throws(() => descriptionFromRequest({ subtopologies: [{ subtopologyId: '0', nodes: [n('bad', 0)] }], globalStores: [] }), (e: unknown) => e instanceof GroupError && e.message === 'Unknown topology node type: 0');
  assert.throws(() => descriptionFromRequest({ subtopologies: [], globalStores: [{ source: n('gp', 2), processor: n('gs', 1) }] }), /Global store must be composed of a source and a processor node\./);
});
