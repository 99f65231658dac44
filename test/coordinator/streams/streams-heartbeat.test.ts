// StreamsGroupHeartbeat: joining, topology and topics, sharing tasks, leaving, timeouts, static members, IQ endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamsStatus } from '../../../src/coordinator/streams/configured-topology.js';
import { StreamsErrorCode } from '../../../src/coordinator/streams/errors.js';
import { StreamsGroupState } from '../../../src/coordinator/streams/streams-group.js';
import { StreamsGroupManager } from '../../../src/coordinator/streams/streams-group-manager.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { settle, SimStreamsMember } from './sim-client.js';
import { streamsHarness, topology, type StreamsHarness } from './streams-helpers.js';

// A word count: subtopology 0 reads the input and repartitions by word; 1 counts into a store.
const WORDCOUNT = topology(1, [
  { id: '0', sources: ['input'], sinks: ['app-counts-repartition'] },
  { id: '1', repartitions: [['app-counts-repartition', 0]], changelogs: ['app-counts-changelog'] },
]);

function ready(partitions = 4, config = {}): StreamsHarness {
  const h = streamsHarness(config);
  h.topics.create('input', partitions);
  h.topics.create('app-counts-repartition', partitions);
  h.topics.create('app-counts-changelog', partitions);
  return h;
}

const ALL = (n: number) => ['0', '1'].flatMap((s) => Array.from({ length: n }, (_, p) => `${s}_${p}`)).sort();

test('the first member sets the topology and gets every task', () => {
  const h = ready();
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const r = m1.heartbeat();
  assert.equal(r.memberEpoch, 1);
  assert.equal(r.heartbeatIntervalMs, 5000);
  assert.deepEqual(r.status, []);
  assert.deepEqual(m1.activeTasks(), ALL(4));
  const g = h.mgr.group('app')!;
  assert.equal(g.topology?.epoch, 1);
  assert.equal(g.groupEpoch, 1);
  assert.equal(g.assignmentEpoch, 1);
  assert.equal(g.state, StreamsGroupState.Stable);
});

test('missing source topics: NotReady, no tasks, the status says which; once created the tasks come', () => {
  const h = streamsHarness();
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const r = m1.heartbeat();
  assert.deepEqual(r.status, [{ statusCode: StreamsStatus.MissingSourceTopics, statusDetail: 'Source topics input are missing.' }]);
  assert.deepEqual(m1.activeTasks(), []);
  assert.equal(h.mgr.group('app')!.state, StreamsGroupState.NotReady);
  h.topics.create('input', 2);
  const r2 = m1.heartbeat();
  assert.equal(r2.status![0]!.statusCode, StreamsStatus.MissingInternalTopics);
  assert.deepEqual(h.toCreate, [{ name: 'app-counts-changelog', numPartitions: 2 }, { name: 'app-counts-repartition', numPartitions: 2 }]);
  for (const t of h.toCreate) h.topics.create(t.name, t.numPartitions);
  const r3 = m1.heartbeat();
  assert.deepEqual(r3.status, []);
  assert.deepEqual(m1.activeTasks(), ALL(2));
  assert.equal(h.mgr.group('app')!.state, StreamsGroupState.Stable);
});

test('a second instance joins: tasks are revoked before the other gets them, and end up shared', () => {
  const h = ready();
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT);
  m1.heartbeat();
  const joined = m2.heartbeat();
  // m1 still runs everything: m2 gets nothing yet, at the new epoch.
  assert.equal(joined.memberEpoch, 2);
  assert.deepEqual(m2.activeTasks(), []);
  const revoking = m1.heartbeat();
  assert.equal(revoking.memberEpoch, 1, 'm1 keeps its epoch while revoking');
  assert.equal(m1.activeTasks().length, 4);
  assert.equal(h.mgr.group('app')!.state, StreamsGroupState.Reconciling);
  settle([m1, m2]);
  assert.equal(m1.activeTasks().length, 4);
  assert.equal(m2.activeTasks().length, 4);
  assert.deepEqual([...m1.activeTasks(), ...m2.activeTasks()].sort(), ALL(4));
  assert.equal(m1.epoch, 2);
  assert.equal(m2.epoch, 2);
  assert.equal(h.mgr.group('app')!.state, StreamsGroupState.Stable);
});

test('a member that leaves hands its tasks to the one left', () => {
  const h = ready();
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT);
  m1.heartbeat();
  m2.heartbeat();
  settle([m1, m2]);
  const left = m2.leave();
  assert.equal(left.errorCode, 0);
  assert.equal(left.memberEpoch, -1);
  settle([m1]);
  assert.deepEqual(m1.activeTasks(), ALL(4));
  assert.equal(h.mgr.group('app')!.members.size, 1);
});

test('a member killed without leaving is fenced after group.streams.session.timeout.ms and its tasks move', () => {
  const h = ready(4, { sessionTimeoutMs: 10_000, minSessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, minHeartbeatIntervalMs: 1000 });
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT);
  m1.heartbeat();
  m2.heartbeat();
  settle([m1, m2]);
  assert.equal(m1.last!.heartbeatIntervalMs, 1000);
  for (let t = 0; t < 9; t++) {
    h.advance(1000);
    m1.heartbeat();
  }
  assert.equal(h.mgr.group('app')!.members.size, 2, 'not fenced before its session ends');
  h.advance(1500);
  assert.equal(h.mgr.group('app')!.members.size, 1, 'fenced once its session ended');
  settle([m1]);
  assert.deepEqual(m1.activeTasks(), ALL(4));
  const late = m2.heartbeat(true);
  assert.equal(late.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a member that does not revoke within its rebalance timeout is fenced', () => {
  const h = ready();
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT);
  m1.heartbeat();
  m2.heartbeat();
  // m1 is told to revoke but keeps reporting everything.
  const everything = m1.active;
  m1.heartbeat();
  m1.active = everything;
  m1.heartbeat();
  h.advance(20_000);
  m2.heartbeat();
  h.advance(11_000);
  assert.equal(h.mgr.group('app')!.members.has('m1'), false);
  settle([m2]);
  assert.deepEqual(m2.activeTasks(), ALL(4));
});

test('standby replicas (group.streams.num.standby.replicas) on the other instance', () => {
  const h = ready(2, { numStandbyReplicas: 1 });
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT);
  m1.heartbeat();
  m2.heartbeat();
  settle([m1, m2]);
  // Only subtopology 1 has state; each of its tasks has a standby where it is not active.
  assert.deepEqual([...m1.standbyTasks(), ...m2.standbyTasks()].sort(), ['1_0', '1_1']);
  for (const m of [m1, m2]) for (const t of m.standbyTasks()) assert.ok(!m.activeTasks().includes(t));
});

test('request validation: Kafka\'s INVALID_REQUEST messages', () => {
  const h = ready();
  const cases: Array<[Parameters<StreamsHarness['hb']>[0], string]> = [
    [{ groupId: 'app', memberId: '' }, "MemberId can't be empty."],
    [{ groupId: '', memberId: 'm' }, "GroupId can't be empty."],
    [{ groupId: 'app', memberId: 'm', instanceId: '' }, "InstanceId can't be empty."],
    [{ groupId: 'app', memberId: 'm', rackId: '' }, "RackId can't be empty."],
    [{ groupId: 'app', memberId: 'm', topology: WORDCOUNT }, 'RebalanceTimeoutMs must be provided in first request.'],
    [{ groupId: 'app', memberId: 'm', rebalanceTimeoutMs: 1000 }, 'Topology must be non-null when (re-)joining.'],
    [{ groupId: 'app', memberId: 'm', rebalanceTimeoutMs: 1000, topology: WORDCOUNT, activeTasks: [{ subtopologyId: '0', partitions: [0] }], standbyTasks: [], warmupTasks: [] }, 'ActiveTasks must be empty when (re-)joining.'],
    [{ groupId: 'app', memberId: 'm', rebalanceTimeoutMs: 1000, topology: WORDCOUNT, activeTasks: [] }, 'If one task-type is non-null, all must be non-null.'],
    [{ groupId: 'app', memberId: 'm', memberEpoch: -2 }, "InstanceId can't be null."],
    [{ groupId: 'app', memberId: 'm', memberEpoch: -3 }, 'MemberEpoch is -3, but must be greater than or equal to -2.'],
    [{ groupId: 'app', memberId: 'm', memberEpoch: 3, topology: WORDCOUNT }, 'Topology can only be provided when (re-)joining.'],
  ];
  for (const [req, message] of cases) {
    const r = h.hb(req);
    assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST, message);
    assert.equal(r.errorMessage, message);
  }
  assert.equal(h.log.length, 0, 'a refused heartbeat writes nothing');
});

test('a changelog topic with a partition count is an invalid topology', () => {
  const h = ready();
  const bad = structuredClone(WORDCOUNT);
  bad.subtopologies[1]!.stateChangelogTopics[0]!.partitions = 4;
  const r = h.hb({ groupId: 'app', memberId: 'm', rebalanceTimeoutMs: 1000, topology: bad });
  assert.equal(r.errorCode, StreamsErrorCode.STREAMS_INVALID_TOPOLOGY);
});

test('unknown groups, unknown members, epochs ahead of the coordinator, groups of another type', () => {
  const h = ready();
  assert.equal(h.hb({ groupId: 'nope', memberId: 'm', memberEpoch: 3 }).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  m1.heartbeat();
  const unknown = h.hb({ groupId: 'app', memberId: 'ghost', memberEpoch: 1 });
  assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(unknown.errorMessage, 'Member ghost is not a member of group app.');
  const ahead = h.hb({ groupId: 'app', memberId: 'm1', memberEpoch: 7 });
  assert.equal(ahead.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal(ahead.errorMessage, 'The streams group member has a greater member epoch (7) than the one known by the group coordinator (1). The member must abandon all its partitions and rejoin.');
  h.mgr.otherGroupExists = (id) => id === 'classic';
  const other = h.hb({ groupId: 'classic', memberId: 'm', rebalanceTimeoutMs: 1000, topology: WORDCOUNT });
  assert.equal(other.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(other.errorMessage, 'Group classic is not a streams group.');
});

test('group.streams.max.size', () => {
  const h = ready(4, { maxSize: 1 });
  new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT).heartbeat();
  const r = h.hb({ groupId: 'app', memberId: 'm2', rebalanceTimeoutMs: 1000, topology: WORDCOUNT, processId: 'p2' });
  assert.equal(r.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal(r.errorMessage, 'The streams group has reached its maximum capacity of 1 members.');
});

test('topology epochs: another topology is refused, an older epoch runs with the group\'s and is told it is stale', () => {
  const h = ready();
  new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT).heartbeat();
  const other = topology(1, [{ id: '0', sources: ['input'] }]);
  const r = h.hb({ groupId: 'app', memberId: 'm2', rebalanceTimeoutMs: 1000, topology: other, processId: 'p2' });
  assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(r.errorMessage, 'Topology updates are not supported yet.');
  const newer = structuredClone(WORDCOUNT);
  newer.epoch = 2;
  assert.equal(h.hb({ groupId: 'app', memberId: 'm2', rebalanceTimeoutMs: 1000, topology: newer, processId: 'p2' }).errorMessage, 'Topology updates are not supported yet.');
  const older = topology(0, [{ id: '0', sources: ['input'] }]);
  const stale = h.hb({ groupId: 'app', memberId: 'm3', rebalanceTimeoutMs: 1000, topology: older, processId: 'p3' });
  assert.equal(stale.errorCode, 0);
  assert.deepEqual(stale.status, [{ statusCode: StreamsStatus.StaleTopology, statusDetail: "The member's topology epoch 0 is behind the group's topology epoch 1." }]);
});

test('owned tasks must exist in the topology', () => {
  const h = ready();
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  m1.heartbeat();
  const r = h.hb({ groupId: 'app', memberId: 'm1', memberEpoch: 1, activeTasks: [{ subtopologyId: '9', partitions: [0] }], standbyTasks: [], warmupTasks: [] });
  assert.equal(r.errorMessage, 'Subtopology 9 does not exist in the topology.');
  const r2 = h.hb({ groupId: 'app', memberId: 'm1', memberEpoch: 1, activeTasks: [{ subtopologyId: '0', partitions: [5] }], standbyTasks: [], warmupTasks: [] });
  assert.equal(r2.errorMessage, 'Task 5 for subtopology 0 is invalid. Number of tasks for this subtopology: 4');
});

test('a static member leaving with epoch -2 keeps its tasks and gets them back under a new member id', () => {
  const h = ready();
  const a = new SimStreamsMember(h, 'app', 'a1', 'pa', WORDCOUNT, { instanceId: 'instance-a' });
  const b = new SimStreamsMember(h, 'app', 'b1', 'pb', WORDCOUNT, { instanceId: 'instance-b' });
  a.heartbeat();
  b.heartbeat();
  settle([a, b]);
  const tasks = a.activeTasks();
  const epoch = h.mgr.group('app')!.groupEpoch;
  assert.equal(a.leave(-2).errorCode, 0);
  // While it is away, its tasks are not moved.
  settle([b]);
  assert.equal(b.activeTasks().length, 4);
  const back = new SimStreamsMember(h, 'app', 'a2', 'pa', WORDCOUNT, { instanceId: 'instance-a' });
  back.heartbeat();
  assert.deepEqual(back.activeTasks(), tasks);
  assert.equal(h.mgr.group('app')!.groupEpoch, epoch, 'no rebalance');
  assert.equal(h.mgr.group('app')!.members.has('a1'), false);
  // The old member id is fenced; a third member under a live instance id is refused.
  assert.equal(h.hb({ groupId: 'app', memberId: 'a1', memberEpoch: 2, instanceId: 'instance-a' }).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const dup = h.hb({ groupId: 'app', memberId: 'b9', instanceId: 'instance-b', rebalanceTimeoutMs: 1000, topology: WORDCOUNT, processId: 'pb' });
  assert.equal(dup.errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  assert.equal(dup.errorMessage, 'Static member b9 with instance id instance-b cannot join the group because the instance id is owned by b1 member.');
});

test('a static member that does not come back within its session is removed', () => {
  const h = ready();
  const a = new SimStreamsMember(h, 'app', 'a1', 'pa', WORDCOUNT, { instanceId: 'instance-a' });
  const b = new SimStreamsMember(h, 'app', 'b1', 'pb', WORDCOUNT);
  a.heartbeat();
  b.heartbeat();
  settle([a, b]);
  a.leave(-2);
  for (let i = 0; i < 10; i++) {
    h.advance(5000);
    b.heartbeat();
  }
  assert.equal(h.mgr.group('app')!.members.has('a1'), false);
  settle([b]);
  assert.deepEqual(b.activeTasks(), ALL(4));
});

test('interactive queries: partitions by user endpoint, sent when the member\'s endpoint epoch is behind', () => {
  const h = ready(2);
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT, { endpoint: { host: 'h1', port: 7001 } });
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT, { endpoint: { host: 'h2', port: 7002 } });
  m1.heartbeat();
  m2.heartbeat();
  settle([m1, m2]);
  m1.endpointEpoch = 0;
  const r = m1.heartbeat();
  assert.ok(r.partitionsByUserEndpoint !== null);
  const byHost = new Map(r.partitionsByUserEndpoint!.map((e) => [e.userEndpoint.host, e]));
  for (const m of [m1, m2]) {
    const e = byHost.get(m === m1 ? 'h1' : 'h2')!;
    const want = new Set<string>();
    for (const t of m.activeTasks()) {
      const [s, p] = t.split('_');
      want.add(`${s === '0' ? 'input' : 'app-counts-repartition'}-${p}`);
    }
    const got = new Set(e.activePartitions.flatMap((tp) => tp.partitions.map((p) => `${tp.topic}-${p}`)));
    assert.deepEqual(got, want);
  }
  const again = m1.heartbeat();
  assert.equal(again.partitionsByUserEndpoint, null, 'not sent again while nothing changed');
});

test('a member asking to shut the application down: every member is told until the group is empty', () => {
  const h = ready();
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT);
  m1.heartbeat();
  m2.heartbeat();
  h.hb({ groupId: 'app', memberId: 'm1', memberEpoch: m1.epoch, shutdownApplication: true });
  const r = m2.heartbeat();
  assert.ok(r.status!.some((s) => s.statusCode === StreamsStatus.ShutdownApplication && s.statusDetail.includes('m1')));
  m1.leave();
  m2.leave();
  const m3 = new SimStreamsMember(h, 'app', 'm3', 'p3', WORDCOUNT);
  assert.deepEqual(m3.heartbeat().status, []);
});

test('the records rebuild the same group in a fresh manager (what a coordinator load does)', () => {
  const h = ready(3, { numStandbyReplicas: 1 });
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT, { endpoint: { host: 'h1', port: 1 } });
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT, { instanceId: 'i2' });
  m1.heartbeat();
  m2.heartbeat();
  m1.heartbeat();
  const live = h.mgr.group('app')!;
  const h2 = streamsHarness({ numStandbyReplicas: 1 }, h.topics);
  for (const r of h.log) h2.mgr.replay(r);
  const loaded = h2.mgr.group('app')!;
  assert.equal(loaded.groupEpoch, live.groupEpoch);
  assert.equal(loaded.assignmentEpoch, live.assignmentEpoch);
  assert.equal(loaded.metadataHash, live.metadataHash);
  assert.equal(loaded.validatedTopologyEpoch, live.validatedTopologyEpoch);
  assert.deepEqual(loaded.topology, live.topology);
  assert.deepEqual([...loaded.targetAssignment.keys()].sort(), [...live.targetAssignment.keys()].sort());
  for (const [id, m] of live.members) assert.deepEqual(loaded.members.get(id)!.fields(), m.fields());
  assert.equal(loaded.staticMembers.get('i2'), 'm2');
  // The loaded group carries on: deadlines are set and heartbeats continue at the same epochs.
  h2.mgr.onLoaded();
  const m1b = Object.assign(new SimStreamsMember(h2, 'app', 'm1', 'p1', WORDCOUNT), { epoch: m1.epoch, active: m1.active, standby: m1.standby });
  const m2b = Object.assign(new SimStreamsMember(h2, 'app', 'm2', 'p2', WORDCOUNT, { instanceId: 'i2' }), { epoch: m2.epoch, active: m2.active, standby: m2.standby });
  settle([m1b, m2b]);
  assert.deepEqual([...m1b.activeTasks(), ...m2b.activeTasks()].sort(), ALL(3));
});

test('deleting an empty group writes tombstones for all its records', () => {
  const h = ready();
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  m1.heartbeat();
  assert.equal(h.mgr.validateDeleteGroup('app'), ErrorCode.NON_EMPTY_GROUP);
  m1.leave();
  assert.equal(h.mgr.validateDeleteGroup('app'), ErrorCode.NONE);
  const tombstones = StreamsGroupManager.groupTombstones(h.mgr.group('app')!);
  assert.ok(tombstones.every((r) => r.value === null));
  for (const r of tombstones) h.mgr.replay(r);
  assert.equal(h.mgr.group('app'), undefined);
  assert.equal(h.mgr.validateDeleteGroup('app'), ErrorCode.GROUP_ID_NOT_FOUND);
});

test('group.streams.initial.rebalance.delay.ms: the first assignment waits for the members starting together', () => {
  const h = ready(4, { initialRebalanceDelayMs: 3000 });
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', WORDCOUNT);
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', WORDCOUNT);
  const delayed = { statusCode: StreamsStatus.AssignmentDelayed, statusDetail: 'Assignment delayed due to the configured initial rebalance delay.' };
  const first = m1.heartbeat();
  assert.deepEqual(first.status, [delayed]);
  assert.equal(first.memberEpoch, 1, 'a joined member is never left at epoch 0');
  h.advance(1000);
  const second = m2.heartbeat();
  assert.deepEqual(second.status, [delayed]);
  assert.equal(second.memberEpoch, 1);
  assert.deepEqual(m1.heartbeat().status, [delayed]);
  assert.deepEqual([...m1.activeTasks(), ...m2.activeTasks()], []);
  h.advance(2000);
  // The delayed target covers both: each gets its half at once, nobody revokes anything.
  m1.heartbeat();
  m2.heartbeat();
  assert.equal(m1.activeTasks().length, 4);
  assert.equal(m2.activeTasks().length, 4);
  assert.deepEqual([...m1.activeTasks(), ...m2.activeTasks()].sort(), ALL(4));
  assert.deepEqual(m1.last!.status, []);
  assert.equal(h.mgr.group('app')!.state, StreamsGroupState.Stable);
  // A member joining the running group is not delayed.
  const m3 = new SimStreamsMember(h, 'app', 'm3', 'p3', WORDCOUNT);
  assert.deepEqual(m3.heartbeat().status, []);
});
