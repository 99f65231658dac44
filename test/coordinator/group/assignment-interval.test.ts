// KIP-1263's assignment interval (group.{consumer,share,streams}.assignment.interval.ms, default
// 1 s): a target assignment is computed at most once per interval; a heartbeat within it keeps
// the last one, the first heartbeat after it computes one for the newest group epoch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { canComputeNextTargetAssignment } from '../../../src/coordinator/group/assignment-interval.js';
import { groupConfigFrom, type ConfigValues } from '../../../src/coordinator/group/config.js';
import { DeadlineTimer } from '../../../src/coordinator/group/timer.js';
import { StreamsStatus } from '../../../src/coordinator/streams/configured-topology.js';
import { defaultShareGroupConfig, shareGroupConfigFrom } from '../../../src/coordinator/share/share-config.js';
import { ShareGroupManager, type ShareHeartbeatRequest } from '../../../src/coordinator/share/share-group-manager.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { consumerHarness, TestMember } from './consumer-helpers.js';
import { SimStreamsMember } from '../streams/sim-client.js';
import { streamsHarness, topology } from '../streams/streams-helpers.js';

test('canComputeNextTargetAssignment: never computed or interval 0 → now; else once the interval has passed', () => {
  assert.equal(canComputeNextTargetAssignment(0, 1000, 5), true);
  assert.equal(canComputeNextTargetAssignment(10_000, 0, 10_000), true);
  assert.equal(canComputeNextTargetAssignment(10_000, 1000, 10_999), false);
  assert.equal(canComputeNextTargetAssignment(10_000, 1000, 11_000), true);
});

test('consumer group: a member joining within the interval waits for the first heartbeat after it', async () => {
  const h = await consumerHarness({ assignmentIntervalMs: 1000 });
  h.topics.create('t', 4);
  const a = new TestMember(h, 'g', 'a');
  a.join();
  assert.deepEqual(a.ownedNames(), ['t-0', 't-1', 't-2', 't-3']);
  const g = h.coord.consumer.group('g')!;
  assert.equal(g.assignmentTimestamp, h.clock.now());

  h.advance(300);
  const b = new TestMember(h, 'g', 'b');
  const rb = b.join();
  // The group epoch moved; the target did not: b is at the old target's epoch with nothing.
  assert.equal(g.groupEpoch, 2);
  assert.equal(g.assignmentEpoch, 1);
  assert.equal(rb.memberEpoch, 1);
  assert.deepEqual(b.ownedNames(), []);
  assert.equal(g.stateName, 'Assigning');
  a.beat();
  assert.deepEqual(a.ownedNames(), ['t-0', 't-1', 't-2', 't-3']);

  // The first heartbeat once the interval has passed computes the target for epoch 2.
  h.advance(700);
  a.beat();
  assert.equal(g.assignmentEpoch, 2);
  for (let i = 0; i < 4; i++) {
    a.beat();
    b.beat();
  }
  assert.equal(a.ownedNames().length, 2);
  assert.equal(b.ownedNames().length, 2);
  assert.equal(g.stateName, 'Stable');
});

test('consumer group: the group\'s consumer.assignment.interval.ms overrides the broker\'s', async () => {
  const h = await consumerHarness({ assignmentIntervalMs: 15_000 });
  const fast: Record<string, string> = { 'consumer.assignment.interval.ms': '0' };
  h.coord.consumer.groupOverrides = (id) => (id === 'fast' ? fast : {});
  h.topics.create('t', 2);
  for (const groupId of ['fast', 'slow']) {
    new TestMember(h, groupId, 'a').join();
    new TestMember(h, groupId, 'b').join();
  }
  assert.equal(h.coord.consumer.group('fast')!.assignmentEpoch, 2);
  assert.equal(h.coord.consumer.group('slow')!.assignmentEpoch, 1);
});

test('share group: a member joining within the interval gets the partitions once it has passed', () => {
  const clock = new ManualClock();
  const timer = new DeadlineTimer(clock);
  const id = Buffer.alloc(16, 0xcd);
  const topics = new Map([['orders', { name: 'orders', id, partitions: [0, 0] }]]);
  const mgr = new ShareGroupManager(defaultShareGroupConfig(), timer, { topics: () => topics.values(), topic: (n: string) => topics.get(n) }, pino({ level: 'silent' }), () => {});
  const hb = (memberId: string, memberEpoch: number): ShareHeartbeatRequest => ({
    groupId: 'q', memberId, memberEpoch, rackId: null, subscribedTopicNames: memberEpoch === 0 ? ['orders'] : null, clientId: 'c', clientHost: '/127.0.0.1',
  });
  const r1 = mgr.heartbeat(hb('m1', 0));
  assert.equal(r1.memberEpoch, 1);
  clock.advance(500);
  const r2 = mgr.heartbeat(hb('m2', 0));
  assert.equal(r2.memberEpoch, 1);
  assert.equal(r2.assignment?.size ?? 0, 0);
  assert.equal(mgr.group('q')!.groupEpoch, 2);
  clock.advance(500);
  const later = mgr.heartbeat(hb('m2', 1));
  assert.equal(later.memberEpoch, 2);
  // The two members split the two partitions.
  assert.equal(later.assignment!.get(id.toString('hex'))!.size, 1);
});

test('share group: group.share.assignment.interval.ms outside its bounds is refused at start-up, as Kafka does', () => {
  const values = (over: Record<string, number>) => ({ int: (name: string) => over[name] ?? 1000 });
  assert.throws(() => shareGroupConfigFrom(values({ 'group.share.min.assignment.interval.ms': 0, 'group.share.max.assignment.interval.ms': 500 })),
    /group\.share\.assignment\.interval\.ms must be less than or equal to group\.share\.max\.assignment\.interval\.ms/);
});

test('consumer and streams: assignment interval bounds checked at start-up with Kafka\'s messages', () => {
  const ints: Record<string, number> = {
    'group.consumer.session.timeout.ms': 45_000, 'group.consumer.min.session.timeout.ms': 45_000, 'group.consumer.max.session.timeout.ms': 60_000,
    'group.consumer.heartbeat.interval.ms': 5000, 'group.consumer.min.heartbeat.interval.ms': 5000, 'group.consumer.max.heartbeat.interval.ms': 15_000,
    'group.consumer.assignment.interval.ms': 1000, 'group.consumer.min.assignment.interval.ms': 2000, 'group.consumer.max.assignment.interval.ms': 15_000,
  };
  const config: ConfigValues = { int: (n) => ints[n] ?? 0, long: () => 0, list: () => ['uniform'], raw: () => null };
  assert.throws(() => groupConfigFrom(config), /^Error: group\.consumer\.assignment\.interval\.ms must be greater than or equal to group\.consumer\.min\.assignment\.interval\.ms$/);
});

test('streams group: within the interval the status says the assignment is delayed', () => {
  const h = streamsHarness({ assignmentIntervalMs: 1000 });
  h.topics.create('input', 2);
  const app = topology(1, [{ id: '0', sources: ['input'] }]);
  const m1 = new SimStreamsMember(h, 'app', 'm1', 'p1', app);
  assert.deepEqual(m1.heartbeat().status, []);
  h.advance(200);
  const m2 = new SimStreamsMember(h, 'app', 'm2', 'p2', app);
  const r2 = m2.heartbeat();
  assert.deepEqual(r2.status, [{ statusCode: StreamsStatus.AssignmentDelayed, statusDetail: 'Assignment delayed due to the configured assignment interval.' }]);
  assert.equal(h.mgr.group('app')!.assignmentEpoch, 1);
  h.advance(800);
  assert.deepEqual(m1.heartbeat().status, []);
  assert.equal(h.mgr.group('app')!.assignmentEpoch, 2);
});
