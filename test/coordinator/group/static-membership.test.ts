// Static membership (KIP-345): a member with a group.instance.id keeps its place across
// restarts, its old incarnation is fenced, and it can be removed by instance id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { GroupState } from '../../../src/coordinator/group/classic/group-state.js';
import { harness, join, subscription, sync, type Harness, leaveNow } from './helpers.js';

/** Two static members, a and b, in a Stable group; returns their member ids and the generation. */
function staticGroup(h: Harness, opts: { sessionTimeoutMs?: number } = {}) {
  const a = join(h, 'g', { groupInstanceId: 'a', ...opts });
  const b = join(h, 'g', { groupInstanceId: 'b', ...opts });
  h.advance(0);
  const ida = a.get().memberId;
  const idb = b.get().memberId;
  assert.match(ida, /^a-/, 'a static member id starts with its instance id');
  const gen = a.get().generationId;
  const leader = a.get().leader;
  const sa = sync(h, 'g', ida, gen, leader === ida ? [{ memberId: ida, assignment: Buffer.from('A') }, { memberId: idb, assignment: Buffer.from('B') }] : [], { groupInstanceId: 'a' });
  const sb = sync(h, 'g', idb, gen, leader === idb ? [{ memberId: ida, assignment: Buffer.from('A') }, { memberId: idb, assignment: Buffer.from('B') }] : [], { groupInstanceId: 'b' });
  assert.equal(sa.get().assignment.toString(), 'A');
  assert.equal(sb.get().assignment.toString(), 'B');
  return { ida, idb, gen, leader };
}

test('static members join without MEMBER_ID_REQUIRED', async () => {
  const h = await harness();
  const { gen } = staticGroup(h);
  assert.equal(gen, 1);
});

test('a restarted static member takes its old place without a rebalance, keeps its assignment, and fences its old id', async () => {
  const h = await harness();
  const { ida, idb, gen } = staticGroup(h);
  const restarted = join(h, 'g', { groupInstanceId: 'b' });
  const r = restarted.get();
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.notEqual(r.memberId, idb);
  assert.equal(r.generationId, gen, 'no new generation');
  const group = h.coord.groups.group('g')!;
  assert.equal(group.state, GroupState.Stable);
  assert.equal(group.staticMembers.get('b'), r.memberId);
  // The new incarnation syncs and gets b's assignment back.
  assert.equal(sync(h, 'g', r.memberId, gen, [], { groupInstanceId: 'b' }).get().assignment.toString(), 'B');
  // The old incarnation is fenced everywhere.
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: gen, memberId: idb, groupInstanceId: 'b' }), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(sync(h, 'g', idb, gen, [], { groupInstanceId: 'b' }).get().errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(join(h, 'g', { memberId: idb, groupInstanceId: 'b' }).get().errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const commit = h.coord.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: gen, memberId: idb, groupInstanceId: 'b', retentionTimeMs: -1n, apiVersion: 8,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  assert.equal((commit as { errorCode: number }).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  // a is untouched.
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: gen, memberId: ida, groupInstanceId: 'a' }), ErrorCode.NONE);
  // The new member id was persisted with the group.
  const last = h.log.records.at(-1) as { value: { members: Array<{ memberId: string; groupInstanceId: string }> } };
  assert.deepEqual(last.value.members.map((m) => m.groupInstanceId).sort(), ['a', 'b']);
  assert.ok(last.value.members.some((m) => m.memberId === r.memberId));
});

test('a restarted static leader on JoinGroup v9 learns it leads but skips the assignment; before v9 it is told the old leader', async () => {
  const h = await harness();
  const { leader, gen } = staticGroup(h);
  const leaderInstance = leader.startsWith('a-') ? 'a' : 'b';
  const v9 = join(h, 'g', { groupInstanceId: leaderInstance }).get();
  assert.equal(v9.leader, v9.memberId);
  assert.equal(v9.skipAssignment, true);
  assert.equal(v9.members.length, 2);
  assert.equal(v9.generationId, gen);
  const v8 = join(h, 'g', { groupInstanceId: leaderInstance, apiVersion: 8 }).get();
  assert.equal(v8.leader, v9.memberId, 'the previous leader id (the v9 incarnation)');
  assert.equal(v8.skipAssignment, false);
  assert.deepEqual(v8.members, []);
});

test('a static member restarting with other protocols triggers a rebalance', async () => {
  const h = await harness();
  staticGroup(h);
  const r = join(h, 'g', { groupInstanceId: 'b', protocols: [{ name: 'range', metadata: subscription('t') }, { name: 'roundrobin', metadata: subscription('t') }] });
  // range is still the choice (a supports only range): no rebalance.
  assert.equal(r.get().errorCode, ErrorCode.NONE);
  assert.equal(h.coord.groups.group('g')!.state, GroupState.Stable);
});

test('a static member that does not come back within its session is removed', async () => {
  const h = await harness();
  const { ida, gen } = staticGroup(h, { sessionTimeoutMs: 30_000 });
  for (let i = 0; i < 3; i++) {
    h.advance(9000);
    assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: gen, memberId: ida, groupInstanceId: 'a' }), ErrorCode.NONE);
  }
  assert.ok(h.coord.groups.group('g')!.staticMembers.has('b'));
  h.advance(3000);
  const group = h.coord.groups.group('g')!;
  assert.ok(!group.staticMembers.has('b'));
  assert.equal(group.state, GroupState.PreparingRebalance);
});

test('static members that miss a rebalance stay in the group (only dynamic ones are dropped)', async () => {
  const h = await harness();
  const { ida, gen } = staticGroup(h, { sessionTimeoutMs: 120_000 });
  const ja = join(h, 'g', { memberId: ida, groupInstanceId: 'a', sessionTimeoutMs: 120_000, rebalanceTimeoutMs: 1000, protocols: [{ name: 'range', metadata: subscription('x') }] });
  // b keeps heartbeating (REBALANCE_IN_PROGRESS) without rejoining; the rebalance completes
  // at the rebalance timeout with b still a member.
  h.advance(60_000);
  assert.equal(ja.get().errorCode, ErrorCode.NONE);
  assert.equal(ja.get().generationId, gen + 1);
  assert.equal(h.coord.groups.group('g')!.staticMembers.size, 2);
});

test('LeaveGroup by group.instance.id alone (an administrator) removes the static member', async () => {
  const h = await harness();
  staticGroup(h);
  const r = leaveNow(h, 'g', [{ memberId: '', groupInstanceId: 'b', reason: 'admin' }, { memberId: '', groupInstanceId: 'zzz', reason: null }]);
  assert.deepEqual(r.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
  const group = h.coord.groups.group('g')!;
  assert.ok(!group.staticMembers.has('b'));
  assert.equal(group.state, GroupState.PreparingRebalance);
  // A member id with the wrong instance id is fenced.
  const ida = group.staticMembers.get('a')!;
  assert.equal(leaveNow(h, 'g', [{ memberId: ida, groupInstanceId: 'b', reason: null }]).members[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(leaveNow(h, 'g', [{ memberId: 'x', groupInstanceId: 'a', reason: null }]).members[0]!.errorCode, ErrorCode.FENCED_INSTANCE_ID);
});

test('a static member rejoining during CompletingRebalance triggers another rebalance and fences the parked old id', async () => {
  const h = await harness();
  const a = join(h, 'g', { groupInstanceId: 'a' });
  const b = join(h, 'g', { groupInstanceId: 'b' });
  h.advance(0);
  const idb = b.get().memberId;
  // b's old incarnation has sent SyncGroup and waits for the leader.
  const leader = a.get().leader;
  const follower = leader === idb ? a.get().memberId : idb;
  const followerInstance = follower === idb ? 'b' : 'a';
  const parked = sync(h, 'g', follower, 1, [], { groupInstanceId: followerInstance });
  assert.equal(parked.done, false);
  const again = join(h, 'g', { groupInstanceId: followerInstance });
  assert.equal(parked.get().errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(again.done, false);
  assert.equal(h.coord.groups.group('g')!.state, GroupState.PreparingRebalance);
});
