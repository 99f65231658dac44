// ConsumerGroupHeartbeat end to end in the coordinator: joins, revoke-before-assign across
// members, epochs, fencing and validation errors, leaves, static members, regexes, metadata
// changes, size limit, assignor choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/protocol/generated/errors.js';
import { consumerHarness, named, settle, TestMember } from '../consumer-helpers.js';

test('the first member joins with epoch 0 and gets every partition at epoch 1', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 3);
  const m = new TestMember(h, 'g', 'member-1');
  const r = m.join();
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.memberId, 'member-1');
  assert.equal(r.memberEpoch, 1);
  assert.equal(r.heartbeatIntervalMs, 5000);
  assert.deepEqual(m.ownedNames(), ['t-0', 't-1', 't-2']);
  const g = h.coord.consumer.group('g')!;
  assert.equal(g.stateName, 'Stable');
  assert.equal(g.groupEpoch, 1);
  assert.equal(g.assignmentEpoch, 1);
});

test('v0 without a member id: the coordinator makes one up; v1 requires the client\'s', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 1);
  const v0 = h.hb({ groupId: 'g', apiVersion: 0, memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] });
  assert.equal(v0.errorCode, ErrorCode.NONE);
  assert.equal(v0.memberId!.length, 22);
  const v1 = h.hb({ groupId: 'g', apiVersion: 1, memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] });
  assert.equal(v1.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(v1.errorMessage, "MemberId can't be empty.");
});

test('a second member: the first revokes before the second is given anything, epochs move on', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 4);
  const a = new TestMember(h, 'g', 'a');
  a.join();
  assert.deepEqual(a.ownedNames(), ['t-0', 't-1', 't-2', 't-3']);
  const b = new TestMember(h, 'g', 'b');
  const rb = b.join();
  // b is at the new epoch but gets nothing a still holds.
  assert.equal(rb.memberEpoch, 2);
  assert.deepEqual(b.ownedNames(), []);
  assert.equal(h.coord.consumer.group('g')!.stateName, 'Reconciling');
  // a is told to keep two partitions, at its old epoch.
  const ra = a.beat();
  assert.equal(ra.memberEpoch, 1);
  assert.equal(a.ownedNames().length, 2);
  // a reports the revocation and moves to epoch 2; then b gets the released partitions.
  a.beat();
  assert.equal(a.epoch, 2);
  b.beat();
  assert.equal(b.ownedNames().length, 2);
  assert.deepEqual([...a.ownedNames(), ...b.ownedNames()].sort(), ['t-0', 't-1', 't-2', 't-3']);
  settle([a, b]);
  assert.equal(h.coord.consumer.group('g')!.stateName, 'Stable');
});

test('join storm: twenty members settle on a balanced assignment with every partition owned once', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 30);
  h.topics.create('u', 7);
  const members = Array.from({ length: 20 }, (_, i) => new TestMember(h, 'storm', `m${String(i).padStart(2, '0')}`, { topics: ['t', 'u'] }));
  for (const m of members) assert.equal(m.join().errorCode, ErrorCode.NONE);
  settle(members, 50);
  const all = members.flatMap((m) => m.ownedNames());
  assert.equal(all.length, 37);
  assert.equal(new Set(all).size, 37);
  for (const m of members) assert.ok(m.ownedNames().length === 1 || m.ownedNames().length === 2, `${m.memberId}: ${m.ownedNames()}`);
  const g = h.coord.consumer.group('storm')!;
  assert.equal(g.stateName, 'Stable');
  for (const m of members) assert.equal(m.epoch, g.assignmentEpoch);
});

test('epoch checks: ahead is fenced, the previous epoch with a subset is accepted, older is fenced', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 2);
  const a = new TestMember(h, 'g', 'a');
  a.join();
  const b = new TestMember(h, 'g', 'b');
  b.join();
  settle([a, b]);
  const current = a.epoch;
  const ahead = h.hb({ groupId: 'g', memberId: 'a', memberEpoch: current + 1 });
  assert.equal(ahead.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.match(ahead.errorMessage!, /greater member epoch/);
  const previous = h.coord.consumer.group('g')!.members.get('a')!.previousMemberEpoch;
  const lost = h.hb({ groupId: 'g', memberId: 'a', memberEpoch: previous, topicPartitions: a.owned });
  assert.equal(lost.errorCode, ErrorCode.NONE);
  assert.equal(lost.memberEpoch, current);
  const old = h.hb({ groupId: 'g', memberId: 'a', memberEpoch: previous - 1 > 0 ? previous - 1 : 0 === previous ? -3 : 0, topicPartitions: a.owned });
  assert.notEqual(old.errorCode, ErrorCode.NONE);
  const unknown = h.hb({ groupId: 'g', memberId: 'nobody', memberEpoch: 3 });
  assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(unknown.errorMessage, 'Member nobody is not a member of group g.');
  const noGroup = h.hb({ groupId: 'other', memberId: 'a', memberEpoch: 3 });
  assert.equal(noGroup.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('a fenced member rejoins with epoch 0 under the same member id (KIP-1082 clients)', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 2);
  const a = new TestMember(h, 'g', 'a');
  a.join();
  assert.equal(h.hb({ groupId: 'g', memberId: 'a', memberEpoch: 9 }).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  const r = a.join();
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.memberEpoch, 1);
  assert.deepEqual(a.ownedNames(), ['t-0', 't-1']);
});

test('request validation answers INVALID_REQUEST with Kafka\'s messages', async () => {
  const h = await consumerHarness();
  const join = { memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ groupId: '', ...join }, "GroupId can't be empty."],
    [{ groupId: 'g', ...join, instanceId: '' }, "InstanceId can't be empty."],
    [{ groupId: 'g', ...join, rackId: '' }, "RackId can't be empty."],
    [{ groupId: 'g', ...join, rebalanceTimeoutMs: -1 }, 'RebalanceTimeoutMs must be provided in first request.'],
    [{ groupId: 'g', ...join, topicPartitions: null }, 'TopicPartitions must be empty when (re-)joining.'],
    [{ groupId: 'g', ...join, subscribedTopicNames: null }, 'Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.'],
    [{ groupId: 'g', memberId: 'm', memberEpoch: -2 }, "InstanceId can't be null."],
    [{ groupId: 'g', memberId: 'm', memberEpoch: -3 }, 'MemberEpoch is invalid.'],
  ];
  for (const [req, message] of cases) {
    const r = h.hb(req as { groupId: string });
    assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST, message);
    assert.equal(r.errorMessage, message);
  }
  const assignor = h.hb({ groupId: 'g', ...join, serverAssignor: 'sticky' });
  assert.equal(assignor.errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
  assert.equal(assignor.errorMessage, 'ServerAssignor sticky is not supported. Supported assignors: uniform, range.');
  const regex = h.hb({ groupId: 'g', ...join, subscribedTopicNames: null, subscribedTopicRegex: '(unclosed' });
  assert.equal(regex.errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);
  assert.equal(h.coord.consumer.group('g'), undefined, 'refused requests change nothing');
  assert.equal(h.log.records.length, 0);
});

test('group.consumer.max.size: a new member is refused, existing ones keep heartbeating', async () => {
  const h = await consumerHarness({ maxSize: 2 });
  h.topics.create('t', 2);
  const a = new TestMember(h, 'g', 'a');
  const b = new TestMember(h, 'g', 'b');
  a.join();
  b.join();
  const c = new TestMember(h, 'g', 'c').join();
  assert.equal(c.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal(c.errorMessage, 'The consumer group has reached its maximum capacity of 2 members.');
  assert.equal(a.beat().errorCode, ErrorCode.NONE);
});

test('leaving with epoch -1 removes the member and bumps the group epoch; the others take its partitions', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 4);
  const a = new TestMember(h, 'g', 'a');
  const b = new TestMember(h, 'g', 'b');
  a.join();
  b.join();
  settle([a, b]);
  const epoch = h.coord.consumer.group('g')!.groupEpoch;
  const r = h.hb({ groupId: 'g', memberId: 'b', memberEpoch: -1 });
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.memberEpoch, -1);
  assert.equal(r.memberId, 'b');
  const g = h.coord.consumer.group('g')!;
  assert.equal(g.members.has('b'), false);
  assert.equal(g.groupEpoch, epoch + 1);
  assert.equal(g.stateName, 'Assigning');
  settle([a]);
  assert.deepEqual(a.ownedNames(), ['t-0', 't-1', 't-2', 't-3']);
});

test('session timeout: a member that stops heartbeating is fenced after group.consumer.session.timeout.ms', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 2);
  const a = new TestMember(h, 'g', 'a');
  const b = new TestMember(h, 'g', 'b');
  a.join();
  b.join();
  settle([a, b]);
  for (let i = 0; i < 10; i++) {
    h.advance(5000);
    a.beat();
  }
  const g = h.coord.consumer.group('g')!;
  assert.equal(g.members.has('b'), false, 'b was fenced');
  assert.equal(g.members.has('a'), true);
  settle([a]);
  assert.deepEqual(a.ownedNames(), ['t-0', 't-1']);
  h.advance(45_000);
  assert.equal(h.coord.consumer.group('g')!.stateName, 'Empty');
});

test('rebalance timeout: a member that does not revoke in time is fenced and its partitions freed', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 2);
  const a = new TestMember(h, 'g', 'a');
  a.join();
  const b = new TestMember(h, 'g', 'b');
  b.join();
  // a is told to revoke one partition but keeps reporting both.
  const both = a.owned;
  const stubborn = () => h.hb({ groupId: 'g', memberId: 'a', memberEpoch: 1, topicPartitions: both });
  assert.equal(stubborn().errorCode, ErrorCode.NONE);
  assert.equal(h.coord.consumer.group('g')!.members.get('a')!.state, 1);
  let last = stubborn();
  for (let i = 0; i < 7 && last.errorCode === ErrorCode.NONE; i++) {
    h.advance(5000);
    last = stubborn();
    b.beat();
  }
  assert.equal(h.coord.consumer.group('g')!.members.has('a'), false);
  assert.equal(last.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  settle([b]);
  assert.deepEqual(b.ownedNames(), ['t-0', 't-1']);
});

test('static member: -2 keeps its partitions, a new member id under the same instance takes them back', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 2);
  const s = new TestMember(h, 'g', 's1', { instanceId: 'i' });
  const d = new TestMember(h, 'g', 'd');
  s.join();
  d.join();
  settle([s, d]);
  const held = s.ownedNames();
  assert.equal(held.length, 1);
  const left = h.hb({ groupId: 'g', memberId: 's1', memberEpoch: -2, instanceId: 'i' });
  assert.equal(left.memberEpoch, -2);
  settle([d]);
  assert.equal(d.ownedNames().length, 1, 'the other member does not get the static member\'s partition');
  // Another member id claiming the instance id while it is still owned is refused.
  const stolen = new TestMember(h, 'g', 's2', { instanceId: 'j' });
  stolen.join();
  const back = new TestMember(h, 'g', 's3', { instanceId: 'i' });
  const r = back.join();
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(back.ownedNames(), held);
  assert.equal(h.coord.consumer.group('g')!.members.has('s1'), false);
  const again = new TestMember(h, 'g', 's4', { instanceId: 'i' }).join();
  assert.equal(again.errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  const wrong = h.hb({ groupId: 'g', memberId: 's1', memberEpoch: 1, instanceId: 'i' });
  assert.equal(wrong.errorCode, ErrorCode.FENCED_INSTANCE_ID);
});

test('regex subscriptions follow topics as they are created and deleted', async () => {
  const h = await consumerHarness();
  h.topics.create('orders-eu', 1);
  h.topics.create('payments', 1);
  const m = new TestMember(h, 'g', 'm', { regex: 'orders-.*' });
  m.join();
  assert.deepEqual(m.ownedNames(), ['orders-eu-0']);
  h.topics.create('orders-us', 2);
  settle([m]);
  assert.deepEqual(m.ownedNames(), ['orders-eu-0', 'orders-us-0', 'orders-us-1']);
  h.topics.delete('orders-eu');
  settle([m]);
  assert.deepEqual(m.ownedNames(), ['orders-us-0', 'orders-us-1']);
});

test('metadata changes: a subscribed topic created later and partitions added start a new target assignment', async () => {
  const h = await consumerHarness();
  const a = new TestMember(h, 'g', 'a', { topics: ['t', 'later'] });
  a.join();
  assert.deepEqual(a.ownedNames(), []);
  h.topics.create('later', 1);
  settle([a]);
  assert.deepEqual(a.ownedNames(), ['later-0']);
  h.topics.grow('later', 3);
  const epoch = h.coord.consumer.group('g')!.groupEpoch;
  settle([a]);
  assert.deepEqual(a.ownedNames(), ['later-0', 'later-1', 'later-2']);
  assert.equal(h.coord.consumer.group('g')!.groupEpoch, epoch + 1);
});

test('the server assignor most members ask for is used; range is available', async () => {
  const h = await consumerHarness();
  h.topics.create('x', 4);
  h.topics.create('y', 4);
  const a = new TestMember(h, 'g', 'a', { topics: ['x', 'y'], assignor: 'range' });
  const b = new TestMember(h, 'g', 'b', { topics: ['x', 'y'], assignor: 'range' });
  a.join();
  b.join();
  settle([a, b]);
  assert.deepEqual(a.ownedNames(), ['x-0', 'x-1', 'y-0', 'y-1']);
  assert.deepEqual(b.ownedNames(), ['x-2', 'x-3', 'y-2', 'y-3']);
  const d = h.coord.consumerGroupDescribe('g', 1);
  assert.equal(d.assignorName, 'range');
});

test('an assignment is sent on a full request and when it changes, not on a plain heartbeat', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 1);
  const a = new TestMember(h, 'g', 'a');
  a.join();
  const plain = h.hb({ groupId: 'g', memberId: 'a', memberEpoch: a.epoch });
  assert.equal(plain.assignment, null);
  const full = h.hb({ groupId: 'g', memberId: 'a', memberEpoch: a.epoch, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: a.owned });
  assert.deepEqual(named(h.topics, full.assignment), ['t-0']);
});

test('a static member that left with -2 and never comes back is removed when its session ends, freeing its partitions', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 2);
  const s = new TestMember(h, 'g', 's', { instanceId: 'i' });
  const d = new TestMember(h, 'g', 'd');
  s.join();
  d.join();
  settle([s, d]);
  h.hb({ groupId: 'g', memberId: 's', memberEpoch: -2, instanceId: 'i' });
  for (let i = 0; i < 10; i++) {
    h.advance(5000);
    d.beat();
  }
  assert.equal(h.coord.consumer.group('g')!.staticMember('i'), undefined);
  settle([d]);
  assert.deepEqual(d.ownedNames(), ['t-0', 't-1']);
});
