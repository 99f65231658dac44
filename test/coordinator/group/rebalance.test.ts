// The classic rebalance state machine with a fake clock: joins, the initial delay, join
// storms, members timing out mid-rebalance, leaving during a rebalance, generation fencing,
// protocol selection and the group size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { GroupState } from '../../../src/coordinator/group/classic/group-state.js';
import { harness, join, joinNew, stableGroup, subscription, sync, leaveNow } from './helpers.js';

test('a new dynamic member is handed an id (v4+), then joins; the leader gets the member list', async () => {
  const h = await harness();
  const first = join(h, 'g');
  assert.equal(first.get().errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const memberId = first.get().memberId;
  assert.match(memberId, /^client-[0-9a-f-]{36}$/);
  assert.equal(h.coord.groups.group('g')!.state, GroupState.Empty);

  const second = join(h, 'g', { memberId });
  assert.equal(second.done, false, 'parked during the initial delay');
  assert.equal(h.coord.groups.group('g')!.state, GroupState.PreparingRebalance);
  h.advance(0);
  const r = second.get();
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.generationId, 1);
  assert.equal(r.leader, memberId);
  assert.equal(r.protocolName, 'range');
  assert.equal(r.protocolType, 'consumer');
  assert.deepEqual(r.members.map((m) => m.memberId), [memberId]);
  assert.equal(h.coord.groups.group('g')!.state, GroupState.CompletingRebalance);

  const s = sync(h, 'g', memberId, 1, [{ memberId, assignment: Buffer.from('mine') }]);
  assert.equal(s.get().errorCode, ErrorCode.NONE);
  assert.equal(s.get().assignment.toString(), 'mine');
  assert.equal(s.get().protocolName, 'range');
  assert.equal(h.coord.groups.group('g')!.state, GroupState.Stable);
  // The group's metadata with the assignment was written.
  const last = h.log.records.at(-1)!;
  assert.equal(last.kind, 1);
  assert.equal((last as { value: { generation: number } }).value.generation, 1);
});

test('before v4 a member joins at once without a second request', async () => {
  const h = await harness();
  const j = join(h, 'g', { apiVersion: 3 });
  h.advance(0);
  assert.equal(j.get().errorCode, ErrorCode.NONE);
  assert.equal(j.get().members.length, 1);
});

test('followers wait for the leader\'s SyncGroup; members the leader leaves out get an empty assignment', async () => {
  const h = await harness();
  const a = joinNew(h, 'g');
  const b = joinNew(h, 'g');
  const c = joinNew(h, 'g');
  h.advance(0);
  const leader = a.get().leader;
  const ids = [a, b, c].map((j) => j.get().memberId);
  assert.equal(a.get().generationId, b.get().generationId);
  const followers = ids.filter((id) => id !== leader);
  assert.deepEqual(
    [a, b, c].filter((j) => j.get().memberId !== leader).map((j) => j.get().members.length),
    [0, 0],
    'only the leader sees the members',
  );
  const f0 = sync(h, 'g', followers[0]!, 1);
  const f1 = sync(h, 'g', followers[1]!, 1);
  assert.equal(f0.done, false);
  const l = sync(h, 'g', leader, 1, [{ memberId: followers[0]!, assignment: Buffer.from('x') }]);
  assert.equal(l.get().errorCode, ErrorCode.NONE);
  assert.equal(f0.get().assignment.toString(), 'x');
  assert.equal(f1.get().assignment.length, 0);
  assert.equal(l.get().assignment.length, 0);
});

test('join storm: members arriving during the initial delay extend it, up to the rebalance timeout', async () => {
  // Delay 3 s, rebalance timeout 10 s: a member every second keeps extending the delay
  // (3 s, then 3 s, then 3 s, then the 1 s left), and the phase ends at 10 s.
  const h = await harness({ initialRebalanceDelayMs: 3000 });
  const joins = [joinNew(h, 'storm', { rebalanceTimeoutMs: 10_000 })];
  for (let i = 1; i < 10; i++) {
    h.advance(1000);
    joins.push(joinNew(h, 'storm', { rebalanceTimeoutMs: 10_000 }));
  }
  h.advance(999);
  assert.ok(joins.every((j) => !j.done), 'still waiting at 9.999 s');
  h.advance(1);
  assert.ok(joins.every((j) => j.get().errorCode === ErrorCode.NONE));
  assert.deepEqual(new Set(joins.map((j) => j.get().generationId)), new Set([1]));
  const leader = joins.find((j) => j.get().memberId === j.get().leader)!;
  assert.equal(leader.get().members.length, 10);
});

test('without newcomers the initial delay ends the join phase on time', async () => {
  const h = await harness({ initialRebalanceDelayMs: 3000 });
  const a = joinNew(h, 'quiet');
  h.advance(2999);
  assert.equal(a.done, false);
  h.advance(1);
  assert.equal(a.get().generationId, 1);
});

test('join storm within the delay: 100 members, one generation, the leader lists all 100', async () => {
  const h = await harness({ initialRebalanceDelayMs: 3000 });
  const joins = [];
  for (let i = 0; i < 100; i++) joins.push(joinNew(h, 'big'));
  h.advance(2999);
  assert.ok(joins.every((j) => !j.done));
  h.advance(10_000);
  assert.ok(joins.every((j) => j.get().errorCode === ErrorCode.NONE));
  assert.deepEqual(new Set(joins.map((j) => j.get().generationId)), new Set([1]));
  const leader = joins.find((j) => j.get().memberId === j.get().leader)!;
  assert.equal(leader.get().members.length, 100);
});

test('a member that does not rejoin within the rebalance timeout is removed; the others move on', async () => {
  const h = await harness();
  const { members, leader, generation } = stableGroup(h, 'g', 3);
  const [m0, m1, m2] = members as [string, string, string];
  // m0 rejoins (say its subscription changed): a rebalance starts, the others learn it by heartbeat.
  const rejoin = join(h, 'g', { memberId: m0, protocols: [{ name: 'range', metadata: subscription('t', 'u') }], rebalanceTimeoutMs: 5000 });
  assert.equal(h.coord.groups.group('g')!.state, GroupState.PreparingRebalance);
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: m1, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoin1 = join(h, 'g', { memberId: m1, rebalanceTimeoutMs: 5000 });
  // m2 keeps heartbeating but never rejoins. The rebalance timeout is the largest member's
  // (60 s for m2, which joined with the default).
  for (let t = 0; t < 11; t++) {
    h.advance(5000);
    assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: m2, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
  }
  h.advance(4999);
  assert.equal(rejoin.done, false);
  h.advance(1);
  assert.equal(rejoin.get().errorCode, ErrorCode.NONE);
  assert.equal(rejoin.get().generationId, generation + 1);
  assert.equal(rejoin1.get().generationId, generation + 1);
  const group = h.coord.groups.group('g')!;
  assert.deepEqual([...group.members.keys()].sort(), [m0, m1].sort());
  assert.ok(!group.members.has(m2));
  assert.ok(leader === m0 || group.leaderId !== m2);
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: m2, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a Stable member whose session expires is removed and the group rebalances without it', async () => {
  const h = await harness();
  const { members, generation } = stableGroup(h, 'g', 2, { sessionTimeoutMs: 10_000 });
  const [alive, dead] = members as [string, string];
  for (let t = 0; t < 3; t++) {
    h.advance(3000);
    assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: alive, groupInstanceId: null }), ErrorCode.NONE);
  }
  h.advance(1000);
  // 10 s without a heartbeat from `dead`: gone, and a rebalance is on.
  const group = h.coord.groups.group('g')!;
  assert.ok(!group.members.has(dead));
  assert.equal(group.state, GroupState.PreparingRebalance);
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: alive, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
  const again = join(h, 'g', { memberId: alive });
  assert.equal(again.get().generationId, generation + 1);
  assert.deepEqual(again.get().members.map((m) => m.memberId), [alive]);
});

test('a member timing out in the middle of a rebalance lets it complete without waiting for the timeout', async () => {
  const h = await harness();
  const { members, generation } = stableGroup(h, 'g', 2, { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 300_000 });
  const [a, b] = members as [string, string];
  const ja = join(h, 'g', { memberId: a, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 300_000, protocols: [{ name: 'range', metadata: subscription('x') }] });
  assert.equal(ja.done, false);
  // b's session (10 s) ends long before the rebalance timeout (300 s).
  h.advance(10_000);
  assert.equal(ja.get().errorCode, ErrorCode.NONE);
  assert.equal(ja.get().generationId, generation + 1);
  assert.ok(!h.coord.groups.group('g')!.members.has(b));
});

test('leaving during a rebalance completes it for the others; leaving as the last member empties the group', async () => {
  const h = await harness();
  const { members, generation } = stableGroup(h, 'g', 3);
  const [a, b, c] = members as [string, string, string];
  const ja = join(h, 'g', { memberId: a });
  const jb = join(h, 'g', { memberId: b });
  assert.equal(ja.done, false);
  const left = leaveNow(h, 'g', [{ memberId: c, groupInstanceId: null, reason: 'bye' }]);
  assert.deepEqual(left.members, [{ memberId: c, groupInstanceId: null, errorCode: 0 }]);
  assert.equal(ja.get().generationId, generation + 1);
  assert.equal(jb.get().generationId, generation + 1);
  const g = h.coord.groups.group('g')!;
  assert.equal(g.state, GroupState.CompletingRebalance);
  // Unknown members are reported per member.
  assert.equal(leaveNow(h, 'g', [{ memberId: 'nobody', groupInstanceId: null, reason: null }]).members[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(leaveNow(h, 'nogroup', [{ memberId: a, groupInstanceId: null, reason: null }]).members[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  leaveNow(h, 'g', [
    { memberId: a, groupInstanceId: null, reason: null },
    { memberId: b, groupInstanceId: null, reason: null },
  ]);
  assert.equal(g.state, GroupState.Empty);
  assert.equal(g.generationId, generation + 2);
  // The emptied group was written with no members.
  const last = h.log.records.at(-1) as { kind: number; value: { members: unknown[]; generation: number } };
  assert.equal(last.kind, 1);
  assert.deepEqual(last.value.members, []);
  assert.equal(last.value.generation, generation + 2);
});

test('a member whose JoinGroup is parked and who leaves gets UNKNOWN_MEMBER_ID on that JoinGroup', async () => {
  const h = await harness();
  const { members } = stableGroup(h, 'g', 2);
  const [a, b] = members as [string, string];
  const ja = join(h, 'g', { memberId: a });
  leaveNow(h, 'g', [{ memberId: a, groupInstanceId: null, reason: null }]);
  assert.equal(ja.get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.ok(h.coord.groups.group('g')!.members.has(b));
});

test('generation fencing: heartbeats, syncs and commits of an old generation get ILLEGAL_GENERATION', async () => {
  const h = await harness();
  const { members, generation } = stableGroup(h, 'g', 2);
  const [a, b] = members as [string, string];
  const ja = join(h, 'g', { memberId: a });
  const jb = join(h, 'g', { memberId: b });
  const next = ja.get().generationId;
  assert.equal(next, generation + 1);
  assert.equal(jb.get().generationId, next);
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: b, groupInstanceId: null }), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(sync(h, 'g', b, generation).get().errorCode, ErrorCode.ILLEGAL_GENERATION);
  const commit = h.coord.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: generation, memberId: b, groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 8,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  assert.equal((commit as { errorCode: number }).errorCode, ErrorCode.ILLEGAL_GENERATION);
  // With the current generation, during CompletingRebalance: REBALANCE_IN_PROGRESS.
  const early = h.coord.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: next, memberId: b, groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 8,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  assert.equal((early as { errorCode: number }).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  // A SyncGroup during PreparingRebalance is told to rejoin.
  join(h, 'g', { memberId: a, protocols: [{ name: 'range', metadata: subscription('other') }] });
  assert.equal(sync(h, 'g', b, next).get().errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
});

test('a member rejoining in CompletingRebalance with the same metadata gets the same answer again', async () => {
  const h = await harness();
  const a = joinNew(h, 'g');
  const b = joinNew(h, 'g');
  h.advance(0);
  const leader = a.get().leader;
  const leaderJoin = [a, b].find((j) => j.get().memberId === leader)!;
  const again = join(h, 'g', { memberId: leader });
  assert.equal(again.get().generationId, leaderJoin.get().generationId);
  assert.equal(again.get().members.length, 2);
  assert.equal(h.coord.groups.group('g')!.state, GroupState.CompletingRebalance);
});

test('protocol selection: only protocols every member supports, by the members\' preferences', async () => {
  const h = await harness();
  const m = subscription('t');
  const a = joinNew(h, 'g', { protocols: [{ name: 'range', metadata: m }, { name: 'roundrobin', metadata: m }, { name: 'sticky', metadata: m }] });
  const b = joinNew(h, 'g', { protocols: [{ name: 'roundrobin', metadata: m }, { name: 'sticky', metadata: m }] });
  const c = joinNew(h, 'g', { protocols: [{ name: 'sticky', metadata: m }, { name: 'roundrobin', metadata: m }] });
  const d = joinNew(h, 'g', { protocols: [{ name: 'roundrobin', metadata: m }, { name: 'sticky', metadata: m }, { name: 'range', metadata: m }] });
  h.advance(0);
  // Candidates: roundrobin and sticky (range lacks b and c). Votes: a, b, d roundrobin; c sticky.
  for (const j of [a, b, c, d]) assert.equal(j.get().protocolName, 'roundrobin');
});

test('INCONSISTENT_GROUP_PROTOCOL: another protocol type, or no protocol in common', async () => {
  const h = await harness();
  stableGroup(h, 'g', 1);
  assert.equal(join(h, 'g', { protocolType: 'connect' }).get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(join(h, 'g', { protocols: [{ name: 'other', metadata: subscription('t') }] }).get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  // An empty group accepts any non-empty type with at least one protocol.
  assert.equal(join(h, 'e', { protocolType: '' }).get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(join(h, 'e2', { protocols: [] }).get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('SyncGroup v5 checks protocol type and name against the group', async () => {
  const h = await harness();
  const { leader, generation } = stableGroup(h, 'g', 1);
  assert.equal(sync(h, 'g', leader, generation, [], { protocolType: 'connect' }).get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(sync(h, 'g', leader, generation, [], { protocolName: 'roundrobin' }).get().errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(sync(h, 'g', leader, generation, [], { protocolName: 'range' }).get().errorCode, ErrorCode.NONE);
  assert.equal(sync(h, 'g', 'stranger', generation).get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(sync(h, 'nogroup', leader, generation).get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('group.max.size: a member beyond the limit gets GROUP_MAX_SIZE_REACHED', async () => {
  const h = await harness({ maxSize: 2 });
  stableGroup(h, 'g', 2);
  const third = join(h, 'g', { apiVersion: 3 });
  assert.equal(third.get().errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal(h.coord.groups.group('g')!.size, 2);
});

test('an id handed out with MEMBER_ID_REQUIRED expires after a session if it never comes back', async () => {
  const h = await harness();
  const first = join(h, 'g', { sessionTimeoutMs: 6000 });
  const id = first.get().memberId;
  assert.ok(h.coord.groups.group('g')!.pendingJoinMembers.has(id));
  h.advance(6000);
  assert.ok(!h.coord.groups.group('g')!.pendingJoinMembers.has(id));
  assert.equal(join(h, 'g', { memberId: id }).get().errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('members that never send SyncGroup are removed after the rebalance timeout and the group rebalances', async () => {
  const h = await harness();
  const a = joinNew(h, 'g', { rebalanceTimeoutMs: 5000 });
  const b = joinNew(h, 'g', { rebalanceTimeoutMs: 5000 });
  h.advance(0);
  const leader = a.get().leader;
  const follower = [a, b].map((j) => j.get().memberId).find((id) => id !== leader)!;
  const l = sync(h, 'g', leader, 1, []);
  assert.equal(l.get().errorCode, ErrorCode.NONE);
  // The follower never syncs: after 5 s it is removed and a new rebalance starts.
  h.advance(5000);
  const g = h.coord.groups.group('g')!;
  assert.ok(!g.members.has(follower));
  assert.equal(g.state, GroupState.PreparingRebalance);
});

test('the leader\'s assignment is acknowledged only after its record is written (an fsync may hold it)', async () => {
  const h = await harness();
  h.log.holdFlush = true;
  const a = joinNew(h, 'g');
  h.advance(0);
  const id = a.get().memberId;
  const s = sync(h, 'g', id, 1, [{ memberId: id, assignment: Buffer.from('p') }]);
  await Promise.resolve();
  assert.equal(s.done, false);
  assert.equal(h.coord.groups.group('g')!.state, GroupState.CompletingRebalance);
  h.log.flush();
  await new Promise((r) => setImmediate(r));
  assert.equal(s.get().assignment.toString(), 'p');
  assert.equal(h.coord.groups.group('g')!.state, GroupState.Stable);
});

test('a failed write of the assignment answers the members with the error and rebalances', async () => {
  const h = await harness();
  const a = joinNew(h, 'g');
  h.advance(0);
  const id = a.get().memberId;
  h.log.failWith = ErrorCode.KAFKA_STORAGE_ERROR;
  const s = sync(h, 'g', id, 1, [{ memberId: id, assignment: Buffer.from('p') }]);
  assert.equal(s.get().errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(h.coord.groups.group('g')!.state, GroupState.PreparingRebalance);
});

test('shutdown answers parked requests with NOT_COORDINATOR and later ones with COORDINATOR_NOT_AVAILABLE', async () => {
  const h = await harness({ initialRebalanceDelayMs: 3000 });
  const parked = joinNew(h, 'g');
  h.coord.shutdown();
  assert.equal(parked.get().errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(h.coord.statusError(), ErrorCode.COORDINATOR_NOT_AVAILABLE);
});
