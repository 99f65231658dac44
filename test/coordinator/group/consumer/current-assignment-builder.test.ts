// Reconciliation steps: revoke before assign, partitions still held by others, epochs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile } from '../../../../src/coordinator/group/consumer/current-assignment-builder.js';
import { ConsumerMember, MemberState } from '../../../../src/coordinator/group/consumer/consumer-member.js';
import { toWire, type TopicPartitions } from '../../../../src/coordinator/group/consumer/assignment.js';

const T = 'aa'.repeat(16);
const tp = (...ps: number[]): TopicPartitions => new Map([[T, new Set(ps)]]);
const sorted = (a: TopicPartitions) => [...(a.get(T) ?? [])].sort((x, y) => x - y);
const free = () => -1;

function member(epoch: number, assigned: number[], state = MemberState.Stable, pending: number[] = []): ConsumerMember {
  return ConsumerMember.create('m').with({ memberEpoch: epoch, previousMemberEpoch: epoch - 1, state, assignedPartitions: tp(...assigned), partitionsPendingRevocation: pending.length ? tp(...pending) : new Map() });
}

test('a member that must give up partitions keeps its epoch and waits in UNREVOKED_PARTITIONS', () => {
  const m = reconcile({ member: member(3, [0, 1, 2]), targetEpoch: 4, target: tp(0, 3), currentPartitionEpoch: free, owned: toWire(tp(0, 1, 2)) });
  assert.equal(m.state, MemberState.UnrevokedPartitions);
  assert.equal(m.memberEpoch, 3);
  assert.deepEqual(sorted(m.assignedPartitions), [0]);
  assert.deepEqual(sorted(m.partitionsPendingRevocation), [1, 2]);
});

test('still reporting a revoked partition keeps the member waiting; once gone it moves to the target epoch', () => {
  const waiting = member(3, [0], MemberState.UnrevokedPartitions, [1, 2]);
  const still = reconcile({ member: waiting, targetEpoch: 4, target: tp(0, 3), currentPartitionEpoch: free, owned: toWire(tp(0, 1)) });
  assert.equal(still, waiting);
  const done = reconcile({ member: waiting, targetEpoch: 4, target: tp(0, 3), currentPartitionEpoch: free, owned: toWire(tp(0)) });
  assert.equal(done.state, MemberState.Stable);
  assert.equal(done.memberEpoch, 4);
  assert.equal(done.previousMemberEpoch, 3);
  assert.deepEqual(sorted(done.assignedPartitions), [0, 3]);
  assert.equal(done.partitionsPendingRevocation.size, 0);
});

test('a partition another member still holds is not given: UNRELEASED_PARTITIONS at the target epoch', () => {
  const heldByOther = (_t: string, p: number) => (p === 3 ? 5 : -1);
  const m = reconcile({ member: member(4, [0]), targetEpoch: 5, target: tp(0, 3, 4), currentPartitionEpoch: heldByOther, owned: toWire(tp(0)) });
  assert.equal(m.state, MemberState.UnreleasedPartitions);
  assert.equal(m.memberEpoch, 5);
  assert.deepEqual(sorted(m.assignedPartitions), [0, 4]);
  const later = reconcile({ member: m, targetEpoch: 5, target: tp(0, 3, 4), currentPartitionEpoch: free, owned: toWire(tp(0, 4)) });
  assert.equal(later.state, MemberState.Stable);
  assert.deepEqual(sorted(later.assignedPartitions), [0, 3, 4]);
});

test('a member that already dropped the partitions (owned list without them) skips the revocation step', () => {
  const m = reconcile({ member: member(3, [0, 1]), targetEpoch: 4, target: tp(0), currentPartitionEpoch: free, owned: toWire(tp(0)) });
  assert.equal(m.state, MemberState.Stable);
  assert.equal(m.memberEpoch, 4);
});

test('without an owned list the member is assumed to still hold what it must revoke', () => {
  const m = reconcile({ member: member(3, [0, 1]), targetEpoch: 4, target: tp(0), currentPartitionEpoch: free, owned: null });
  assert.equal(m.state, MemberState.UnrevokedPartitions);
});

test('a stable member at the target epoch is left alone', () => {
  const m = member(4, [0]);
  assert.equal(reconcile({ member: m, targetEpoch: 4, target: tp(0, 1), currentPartitionEpoch: free, owned: null }), m);
});
