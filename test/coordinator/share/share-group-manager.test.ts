// Share group membership (KIP-932): joining bumps the group epoch and takes the simple
// assignor's target at once; heartbeats keep the member; epochs are fenced; leaving and
// session timeouts remove the member and bump the epoch; the max size; replaying the records
// rebuilds the same group; validation as Kafka's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { ManualClock } from '../../../src/storage/clock.js';
import { DeadlineTimer } from '../../../src/coordinator/group/timer.js';
import { GroupError } from '../../../src/coordinator/group/consumer/errors.js';
import type { TopicPartitions } from '../../../src/coordinator/group/consumer/assignment.js';
import { defaultShareGroupConfig } from '../../../src/coordinator/share/share-config.js';
import { ShareGroupState } from '../../../src/coordinator/share/share-group.js';
import { ShareGroupManager, type ShareHeartbeatRequest } from '../../../src/coordinator/share/share-group-manager.js';
import type { ShareGroupRecord } from '../../../src/coordinator/share/share-group-records.js';

const TOPIC_ID = Buffer.alloc(16, 0xab);
const HEX = TOPIC_ID.toString('hex');

function setup(partitions = 1, over = {}) {
  const clock = new ManualClock();
  const timer = new DeadlineTimer(clock);
  const topics = new Map([['orders', { name: 'orders', id: TOPIC_ID, partitions: new Array(partitions).fill(0) }]]);
  const source = { topics: () => topics.values(), topic: (n: string) => topics.get(n) };
  const written: ShareGroupRecord[] = [];
  const removed: string[] = [];
  const mgr = new ShareGroupManager(defaultShareGroupConfig({ assignmentIntervalMs: 0, ...over }), timer, source, pino({ level: 'silent' }), (_g, records) => void written.push(...records));
  mgr.onMemberRemoved = (_g, m) => void removed.push(m);
  return { clock, timer, topics, mgr, written, removed };
}

const hb = (memberId: string, memberEpoch: number, over: Partial<ShareHeartbeatRequest> = {}): ShareHeartbeatRequest => ({
  groupId: 'q', memberId, memberEpoch, rackId: null, subscribedTopicNames: memberEpoch === 0 ? ['orders'] : null, clientId: 'c', clientHost: '/127.0.0.1', ...over,
});

function parts(a: TopicPartitions | null | undefined): number[] {
  return [...(a?.get(HEX) ?? [])].sort((x, y) => x - y);
}

function refused(fn: () => unknown, code: number): void {
  assert.throws(fn, (err: unknown) => err instanceof GroupError && err.errorCode === code);
}

test('three members join one partition: each epoch bump gives everyone the partition', () => {
  const { mgr } = setup(1);
  const r1 = mgr.heartbeat(hb('m1', 0));
  assert.equal(r1.memberEpoch, 1);
  assert.deepEqual(parts(r1.assignment), [0]);
  assert.equal(r1.heartbeatIntervalMs, 5000);
  const r2 = mgr.heartbeat(hb('m2', 0));
  assert.equal(r2.memberEpoch, 2);
  assert.deepEqual(parts(r2.assignment), [0]);
  const r3 = mgr.heartbeat(hb('m3', 0));
  assert.equal(r3.memberEpoch, 3);
  // m1 catches up to the new epoch; its partitions did not change, so no assignment is sent.
  const again = mgr.heartbeat(hb('m1', 1));
  assert.equal(again.memberEpoch, 3);
  assert.equal(again.assignment, null);
  const g = mgr.group('q')!;
  assert.equal(g.groupEpoch, 3);
  assert.equal(g.assignmentEpoch, 3);
  assert.equal(g.state, ShareGroupState.Stable);
  // Nothing changed: a steady heartbeat writes nothing.
  assert.deepEqual(mgr.heartbeat(hb('m1', 3)).records, []);
});

test('members split several partitions; a leaving member\'s partitions go to the others', () => {
  const { mgr, removed } = setup(4);
  mgr.heartbeat(hb('m1', 0));
  const r2 = mgr.heartbeat(hb('m2', 0));
  const r1 = mgr.heartbeat(hb('m1', 1));
  assert.deepEqual([...parts(r1.assignment), ...parts(r2.assignment)].sort(), [0, 1, 2, 3]);
  const left = mgr.heartbeat(hb('m2', r2.memberEpoch, { memberEpoch: -1 }));
  assert.equal(left.memberEpoch, -1);
  assert.deepEqual(removed, ['m2']);
  const after = mgr.heartbeat(hb('m1', r1.memberEpoch));
  assert.equal(after.memberEpoch, 3);
  assert.deepEqual(parts(after.assignment), [0, 1, 2, 3]);
});

test('a new partition bumps the group epoch on the next heartbeat and is assigned', () => {
  const { mgr, topics } = setup(1);
  mgr.heartbeat(hb('m1', 0));
  topics.get('orders')!.partitions = [0, 0];
  const r = mgr.heartbeat(hb('m1', 1));
  assert.equal(r.memberEpoch, 2);
  assert.deepEqual(parts(r.assignment), [0, 1]);
});

test('epochs: greater is fenced, the previous one is accepted, older ones fenced; unknown members refused', () => {
  const { mgr } = setup(1);
  mgr.heartbeat(hb('m1', 0));
  mgr.heartbeat(hb('m2', 0));
  mgr.heartbeat(hb('m1', 1)); // m1 at 2, previous 1
  refused(() => mgr.heartbeat(hb('m1', 3)), ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal(mgr.heartbeat(hb('m1', 1)).memberEpoch, 2);
  mgr.heartbeat(hb('m3', 0));
  mgr.heartbeat(hb('m1', 2)); // m1 at 3, previous 2
  refused(() => mgr.heartbeat(hb('m1', 1)), ErrorCode.FENCED_MEMBER_EPOCH);
  refused(() => mgr.heartbeat(hb('nobody', 4)), ErrorCode.UNKNOWN_MEMBER_ID);
  refused(() => mgr.heartbeat({ ...hb('m9', 1), groupId: 'other' }), ErrorCode.GROUP_ID_NOT_FOUND);
});

test('Kafka\'s request validation; the max size; another group type under the id', () => {
  const { mgr } = setup(1, { maxSize: 1 });
  refused(() => mgr.heartbeat(hb('', 0)), ErrorCode.INVALID_REQUEST);
  refused(() => mgr.heartbeat({ ...hb('m', 0), groupId: '' }), ErrorCode.INVALID_REQUEST);
  refused(() => mgr.heartbeat(hb('m', 0, { subscribedTopicNames: [] })), ErrorCode.INVALID_REQUEST);
  refused(() => mgr.heartbeat(hb('m', 0, { rackId: '' })), ErrorCode.INVALID_REQUEST);
  refused(() => mgr.heartbeat(hb('m', -3)), ErrorCode.INVALID_REQUEST);
  mgr.heartbeat(hb('m1', 0));
  refused(() => mgr.heartbeat(hb('m2', 0)), ErrorCode.GROUP_MAX_SIZE_REACHED);
  mgr.otherGroupType = (g) => (g === 'c' ? 'consumer' : null);
  refused(() => mgr.heartbeat({ ...hb('m', 0), groupId: 'c' }), ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(mgr.group('q')!.members.size, 1, 'refused requests change nothing');
});

test('a member that stops heartbeating is fenced after the session timeout; its records are written', () => {
  const { mgr, clock, timer, written, removed } = setup(1);
  mgr.heartbeat(hb('m1', 0));
  mgr.heartbeat(hb('m2', 0));
  clock.advance(40_000);
  mgr.heartbeat(hb('m1', 1));
  clock.advance(5_000);
  timer.poll();
  assert.deepEqual(removed, ['m2']);
  assert.ok(written.length > 0);
  assert.deepEqual([...mgr.group('q')!.members.keys()], ['m1']);
  assert.equal(mgr.group('q')!.groupEpoch, 3);
});

test('replaying the records rebuilds the same group; an empty group is deleted with tombstones', () => {
  const { mgr } = setup(2);
  const all: ShareGroupRecord[] = [];
  all.push(...mgr.heartbeat(hb('m1', 0)).records);
  all.push(...mgr.heartbeat(hb('m2', 0)).records);
  all.push(...mgr.heartbeat(hb('m1', 1)).records);
  const copy = setup(2).mgr;
  for (const r of all) copy.replay(r);
  const a = mgr.group('q')!;
  const b = copy.group('q')!;
  assert.equal(b.groupEpoch, a.groupEpoch);
  assert.equal(b.assignmentEpoch, a.assignmentEpoch);
  assert.equal(b.metadataHash, a.metadataHash);
  for (const id of ['m1', 'm2']) {
    assert.equal(b.members.get(id)!.memberEpoch, a.members.get(id)!.memberEpoch);
    assert.deepEqual(parts(b.members.get(id)!.assignedPartitions), parts(a.members.get(id)!.assignedPartitions));
  }
  refused(() => mgr.deleteGroup('q'), ErrorCode.NON_EMPTY_GROUP);
  mgr.heartbeat(hb('m1', 2, { memberEpoch: -1 }));
  mgr.heartbeat(hb('m2', 2, { memberEpoch: -1 }));
  assert.equal(mgr.group('q')!.state, ShareGroupState.Empty);
  mgr.deleteGroup('q');
  assert.equal(mgr.group('q'), undefined);
});
