// Classic and consumer groups under one id space (Kafka 4.0, group.consumer.migration.policy):
// empty groups convert both ways, a classic group whose members use the consumer protocol is
// upgraded when a KIP-848 member joins and its classic members go on through
// JoinGroup/SyncGroup/Heartbeat, and it is downgraded when the last KIP-848 member leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/protocol/generated/errors.js';
import { RecordKind } from '../../../../src/coordinator/group/record-codec.js';
import { decodeRecord, encodeKey, encodeValue, type CoordinatorRecord } from '../../../../src/coordinator/group/records.js';
import * as Assignment from '../../../../src/protocol/generated/consumer-protocol-assignment.js';
import * as Subscription from '../../../../src/protocol/generated/consumer-protocol-subscription.js';
import { join, joinNew, sync, type Harness } from '../helpers.js';
import { MemoryLog } from '../helpers.js';
import { consumerHarness, FakeTopics, settle, TestMember, type ConsumerHarness } from '../consumer-helpers.js';

/** Records kept as the bytes __consumer_offsets would hold. */
class BytesLog extends MemoryLog {
  override async load(replay: (r: CoordinatorRecord, producerId: number) => void): Promise<number> {
    let n = 0;
    for (const r of this.records) {
      const back = decodeRecord(encodeKey(r), encodeValue(r), n++);
      if (back !== null) replay(back, -1);
    }
    return n;
  }
}

function versioned(version: number, body: Buffer): Buffer {
  const out = Buffer.alloc(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

/** A v1 consumer subscription with owned partitions (what a cooperative classic consumer sends). */
function sub(topics: string[], owned: Array<{ topic: string; partitions: number[] }> = []): Buffer {
  return versioned(1, Subscription.encode({ topics, userData: null, ownedPartitions: owned, generationId: -1, rackId: null }, 1));
}

function assignment(parts: Array<{ topic: string; partitions: number[] }>): Buffer {
  return versioned(1, Assignment.encode({ assignedPartitions: parts, userData: null }, 1));
}

function decoded(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const a = Assignment.decode(bytes, 2, Math.min(bytes.readInt16BE(0), 3));
  return a.assignedPartitions.flatMap((tp) => tp.partitions.map((p) => `${tp.topic}-${p}`)).sort();
}

/** Two classic members with the consumer protocol, Stable, t-0/t-1 and t-2/t-3. */
function classicStable(h: Harness, groupId: string, protocolType = 'consumer'): { a: string; b: string; generation: number } {
  const protocols = [{ name: 'cooperative-sticky', metadata: sub(['t']) }];
  const ja = joinNew(h, groupId, { protocols, protocolType });
  const jb = joinNew(h, groupId, { protocols, protocolType });
  h.advance(0);
  const a = ja.get().memberId;
  const b = jb.get().memberId;
  const generation = ja.get().generationId;
  const leader = ja.get().leader;
  const assignments = [
    { memberId: a, assignment: assignment([{ topic: 't', partitions: [0, 1] }]) },
    { memberId: b, assignment: assignment([{ topic: 't', partitions: [2, 3] }]) },
  ];
  for (const m of [a, b]) assert.equal(sync(h, groupId, m, generation, m === leader ? assignments : [], { protocolType }).get().errorCode, ErrorCode.NONE);
  return { a, b, generation };
}

/** A classic member's rejoin and sync against the consumer group; the sync's assignment or error. */
function classicRound(h: ConsumerHarness, groupId: string, memberId: string, owned: string[]): { generation: number; error: number; partitions: string[] } {
  const byTopic = new Map<string, number[]>();
  for (const tp of owned) {
    const [t, p] = [tp.slice(0, tp.lastIndexOf('-')), Number(tp.slice(tp.lastIndexOf('-') + 1))];
    byTopic.set(t, [...(byTopic.get(t) ?? []), p]);
  }
  const protocols = [{ name: 'cooperative-sticky', metadata: sub(['t'], [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))) }];
  const j = join(h, groupId, { memberId, protocols }).get();
  assert.equal(j.errorCode, ErrorCode.NONE);
  assert.equal(j.protocolName, 'cooperative-sticky');
  assert.equal(j.leader, '');
  const s = sync(h, groupId, memberId, j.generationId, [], { protocolName: 'cooperative-sticky' }).get();
  return { generation: j.generationId, error: s.errorCode, partitions: s.errorCode === ErrorCode.NONE ? decoded(s.assignment) : owned };
}

test('an empty classic group (offsets only) becomes a consumer group on the first heartbeat, keeping its offsets', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 1);
  const committed = await h.coord.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 9,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  });
  assert.equal(committed.errorCode, ErrorCode.NONE);
  assert.ok(h.coord.groups.group('g') !== undefined, 'a simple classic group holds the offsets');
  const n = h.log.records.length;
  const r = new TestMember(h, 'g', 'm').join();
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(h.coord.groups.group('g'), undefined, 'the classic group is gone');
  assert.equal(h.coord.consumer.group('g')!.stateName, 'Stable');
  const first = h.log.records[n]!;
  assert.equal(first.kind, RecordKind.Group, 'the classic group gets its tombstone first');
  assert.equal(first.value, null);
  assert.equal(h.coord.offsets.fetch('g', [{ name: 't', partitionIndexes: [0] }])[0]!.partitions[0]!.committedOffset, 42n);
});

test('JoinGroup to an empty consumer group replaces it with a classic group', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 1);
  new TestMember(h, 'g', 'm').join();
  h.hb({ groupId: 'g', memberId: 'm', memberEpoch: -1 });
  const joined = joinNew(h, 'g');
  h.advance(0);
  assert.equal(joined.get().errorCode, ErrorCode.NONE);
  assert.equal(h.coord.consumer.group('g'), undefined);
  assert.equal(h.coord.groups.group('g')!.stateName, 'CompletingRebalance');
});

test('a classic group that does not use the consumer protocol, or with upgrades disabled, is not a consumer group', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 4);
  classicStable(h, 'connect', 'connect');
  const r = new TestMember(h, 'connect', 'm').join();
  assert.equal(r.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.equal(r.errorMessage, 'Group connect is not a consumer group.');
  const off = await consumerHarness({ migrationPolicy: 'downgrade' });
  off.topics.create('t', 4);
  classicStable(off, 'g');
  assert.equal(new TestMember(off, 'g', 'm').join().errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('upgrade: a KIP-848 member joins a classic group; classic members keep their partitions and reconcile through JoinGroup/SyncGroup', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 4);
  const { a, b, generation } = classicStable(h, 'g');
  const m = new TestMember(h, 'g', 'new');
  const r = m.join();
  assert.equal(r.errorCode, ErrorCode.NONE);
  const g = h.coord.consumer.group('g')!;
  assert.equal(h.coord.groups.group('g'), undefined);
  assert.equal(g.size, 3);
  assert.equal(g.groupEpoch, generation + 1);
  assert.ok(g.members.get(a)!.useClassicProtocol);
  assert.deepEqual(m.ownedNames(), [], 'nothing is free yet');

  // The classic members learn of the rebalance through their heartbeats, then rejoin.
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: generation, memberId: a, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS);
  let ownedA = ['t-0', 't-1'];
  let ownedB = ['t-2', 't-3'];
  for (let round = 0; round < 6; round++) {
    const ra = classicRound(h, 'g', a, ownedA);
    if (ra.error === ErrorCode.NONE) ownedA = ra.partitions;
    else assert.equal(ra.error, ErrorCode.REBALANCE_IN_PROGRESS);
    const rb = classicRound(h, 'g', b, ownedB);
    if (rb.error === ErrorCode.NONE) ownedB = rb.partitions;
    m.beat();
  }
  const all = [...ownedA, ...ownedB, ...m.ownedNames()].sort();
  assert.deepEqual(all, ['t-0', 't-1', 't-2', 't-3']);
  assert.ok(m.ownedNames().length >= 1, 'the KIP-848 member got partitions the classic members released');
  assert.equal(h.coord.consumer.group('g')!.stateName, 'Stable');
  const epoch = h.coord.consumer.group('g')!.members.get(a)!.memberEpoch;
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: epoch, memberId: a, groupInstanceId: null }), ErrorCode.NONE);
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: epoch - 1, memberId: a, groupInstanceId: null }), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(h.coord.heartbeat({ groupId: 'g', generationId: epoch, memberId: 'new', groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID, 'not a classic member');
  const refused = join(h, 'g', { memberId: '', protocolType: 'connect', protocols: [{ name: 'x', metadata: Buffer.alloc(0) }] }).get();
  assert.equal(refused.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('downgrade: when the last KIP-848 member leaves, the group is classic again and rebalances', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 4);
  const { a, b } = classicStable(h, 'g');
  const m = new TestMember(h, 'g', 'new');
  m.join();
  const left = h.hb({ groupId: 'g', memberId: 'new', memberEpoch: -1 });
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.equal(h.coord.consumer.group('g'), undefined);
  const classic = h.coord.groups.group('g')!;
  assert.equal(classic.stateName, 'PreparingRebalance');
  assert.deepEqual([...classic.members.keys()].sort(), [a, b].sort());
  const protocols = [{ name: 'cooperative-sticky', metadata: sub(['t']) }];
  const ja = join(h, 'g', { memberId: a, protocols });
  const jb = join(h, 'g', { memberId: b, protocols });
  h.advance(0);
  assert.equal(ja.get().errorCode, ErrorCode.NONE);
  assert.equal(jb.get().errorCode, ErrorCode.NONE);
  assert.equal(h.coord.groups.group('g')!.stateName, 'CompletingRebalance');
});

test('a classic member of a consumer group leaves through LeaveGroup; one that stops heartbeating is fenced', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 4);
  const { a, b } = classicStable(h, 'g');
  const m = new TestMember(h, 'g', 'new');
  m.join();
  const r = await h.coord.leave('g', [{ memberId: a, groupInstanceId: null, reason: null }, { memberId: 'nobody', groupInstanceId: null, reason: null }]);
  assert.deepEqual(r.members.map((x) => x.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal(h.coord.consumer.group('g')!.members.has(a), false);
  for (let i = 0; i < 20; i++) {
    h.advance(5000);
    m.beat();
  }
  assert.equal(h.coord.consumer.group('g')!.members.has(b), false, 'b missed its 10 s session');
  settle([m]);
  assert.deepEqual(m.ownedNames(), ['t-0', 't-1', 't-2', 't-3']);
});

test('a classic member that joins but never sends SyncGroup is fenced after its rebalance timeout', async () => {
  const h = await consumerHarness();
  h.topics.create('t', 2);
  const m = new TestMember(h, 'g', 'new');
  m.join();
  const protocols = [{ name: 'range', metadata: sub(['t']) }];
  const first = join(h, 'g', { memberId: '', protocols }).get();
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const joined = join(h, 'g', { memberId: first.memberId, protocols, sessionTimeoutMs: 45_000, rebalanceTimeoutMs: 20_000 }).get();
  assert.equal(joined.errorCode, ErrorCode.NONE);
  for (let i = 0; i < 5; i++) {
    h.advance(5000);
    m.beat();
    h.coord.heartbeat({ groupId: 'g', generationId: joined.generationId, memberId: first.memberId, groupInstanceId: null });
  }
  assert.equal(h.coord.consumer.group('g')!.members.has(first.memberId), false);
});

test('classic members of a consumer group survive a restart with their protocols', async () => {
  const log = new BytesLog();
  const topics = new FakeTopics();
  topics.create('t', 4);
  const h = await consumerHarness({}, {}, log, undefined, topics);
  const { a } = classicStable(h, 'g');
  new TestMember(h, 'g', 'new').join();
  h.coord.shutdown();
  const h2 = await consumerHarness({}, {}, log, undefined, topics);
  const member = h2.coord.consumer.group('g')!.members.get(a)!;
  assert.ok(member.useClassicProtocol);
  assert.equal(member.classicMemberMetadata!.sessionTimeoutMs, 10_000);
  assert.deepEqual(member.classicMemberMetadata!.supportedProtocols.map((p) => p.name), ['cooperative-sticky']);
  assert.deepEqual(member.classicMemberMetadata!.supportedProtocols[0]!.metadata, sub(['t']));
});
