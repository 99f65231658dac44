import { test } from 'node:test';
import assert from 'node:assert/strict';
import { electAndShrink, newPartition, NO_LEADER } from '../../src/cluster/partition-change.js';

const p = (leader: number, isr: number[], leaderEpoch = 4, partitionEpoch = 9) => ({ replicas: [1, 2, 3], isr, leader, leaderEpoch, partitionEpoch });

test('a lost leader is replaced by the first live replica in the ISR, epochs bumped, ISR shrunk', () => {
  assert.deepEqual(electAndShrink(p(1, [1, 2, 3]), new Set([2, 3]), false), { replicas: [1, 2, 3], isr: [2, 3], leader: 2, leaderEpoch: 5, partitionEpoch: 10 });
  assert.deepEqual(electAndShrink(p(1, [1, 3]), new Set([2, 3]), false), { replicas: [1, 2, 3], isr: [3], leader: 3, leaderEpoch: 5, partitionEpoch: 10 }, 'never 2: it is out of the ISR');
});

test('a lost follower leaves the ISR; the leader and its epoch stay', () => {
  assert.deepEqual(electAndShrink(p(1, [1, 2, 3]), new Set([1, 3]), false), { replicas: [1, 2, 3], isr: [1, 3], leader: 1, leaderEpoch: 4, partitionEpoch: 10 });
  assert.equal(electAndShrink(p(1, [1, 2, 3]), new Set([1, 2, 3]), false), null, 'nothing to change');
});

test('no live ISR member: offline (the ISR keeps its last members) unless unclean election is allowed', () => {
  assert.deepEqual(electAndShrink(p(1, [1]), new Set([2, 3]), false), { replicas: [1, 2, 3], isr: [1], leader: NO_LEADER, leaderEpoch: 5, partitionEpoch: 10 });
  assert.deepEqual(electAndShrink(p(1, [1]), new Set([2, 3]), true), { replicas: [1, 2, 3], isr: [2], leader: 2, leaderEpoch: 5, partitionEpoch: 10 });
  // Offline, then the last ISR member comes back: it leads again.
  const offline = electAndShrink(p(1, [1]), new Set([2, 3]), false)!;
  assert.deepEqual(electAndShrink(offline, new Set([1, 2, 3]), false), { replicas: [1, 2, 3], isr: [1], leader: 1, leaderEpoch: 6, partitionEpoch: 11 });
});

test('a new partition: all replicas in sync, the first leads, epochs 0', () => {
  assert.deepEqual(newPartition([3, 1, 2]), { replicas: [3, 1, 2], isr: [3, 1, 2], leader: 3, leaderEpoch: 0, partitionEpoch: 0 });
});
