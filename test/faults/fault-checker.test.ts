// The cluster fault test's checker on made-up histories: a clean one counts nothing, and each
// kind of violation is counted once, in its partition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, producerOf, type CheckInput, type StoredRecord } from './fault-checker.js';

const rec = (offset: number, value: string, leaderEpoch = 0): StoredRecord => ({ offset, value, leaderEpoch });

/** Two partitions, two producers (one, kcat-like, without offsets), a consumer, two epochs. */
function clean(): CheckInput {
  const p0 = [rec(0, 'java-0'), rec(1, 'kcat.0-0'), rec(2, 'java-1', 1), rec(3, 'kcat.0-1', 1)];
  const p1 = [rec(0, 'java-2'), rec(1, 'java-3')];
  return {
    partitions: 2,
    acks: [
      { value: 'java-0', partition: 0, offset: 0 }, { value: 'java-1', partition: 0, offset: 2 },
      { value: 'java-2', partition: 1, offset: 0 }, { value: 'java-3', partition: 1, offset: 1 },
      { value: 'kcat.0-0', partition: null, offset: null }, { value: 'kcat.0-1', partition: null, offset: null },
    ],
    leaderLogs: new Map([[0, p0], [1, p1]]),
    highWatermarks: new Map([[0, 4], [1, 2]]),
    replicaLogs: new Map([
      [0, new Map([[1, p0], [2, [...p0, rec(4, 'java-9', 1)]], [3, p0.slice()]])],
      [1, new Map([[1, p1], [2, p1], [3, p1]])],
    ]),
    consumed: [
      { group: 'g', assignment: 1, partition: 0, offset: 0, value: 'java-0' }, { group: 'g', assignment: 1, partition: 0, offset: 1, value: 'kcat.0-0' },
      // a rebalance: the new assignment starts again from the committed offset
      { group: 'g', assignment: 2, partition: 0, offset: 1, value: 'kcat.0-0' }, { group: 'g', assignment: 2, partition: 0, offset: 2, value: 'java-1' },
      { group: 'g', assignment: 2, partition: 0, offset: 3, value: 'kcat.0-1' },
      { group: 'g', assignment: 2, partition: 1, offset: 0, value: 'java-2' }, { group: 'g', assignment: 2, partition: 1, offset: 1, value: 'java-3' },
    ],
    committed: [{ group: 'g', partition: 0, offset: 1 }, { group: 'g', partition: 0, offset: 1 }, { group: 'h', partition: 0, offset: 0 }, { group: 'g', partition: 0, offset: 4 }, { group: 'g', partition: 1, offset: 2 }],
    groups: ['g'],
    leaders: [
      { source: 'etcd', partition: 0, leaderEpoch: 0, leader: 1, atMs: 1 },
      { source: 'broker-2', partition: 0, leaderEpoch: 0, leader: 1, atMs: 2 },
      { source: 'etcd', partition: 0, leaderEpoch: 1, leader: -1, atMs: 3 },
      { source: 'etcd', partition: 0, leaderEpoch: 1, leader: 2, atMs: 4 },
      { source: 'broker-3', partition: 1, leaderEpoch: 0, leader: 3, atMs: 5 },
    ],
  };
}

test('a clean history counts nothing', () => {
  const r = check(clean());
  assert.deepEqual(r.total, {
    stored: 6, acked: 6, lost: 0, misplaced: 0, duplicates: 0, duplicatesAfterEpochBump: 0, outOfOrder: 0, offsetsBackwards: 0, notConsumed: 0, divergentReplicas: 0, epochsWithTwoLeaders: 0,
  });
  assert.deepEqual(r.details, []);
  assert.equal(r.partitions[0]!.stored, 4);
});

test('an acknowledged value missing is lost; one stored elsewhere than acknowledged is misplaced', () => {
  const input = clean();
  const r = check({ ...input, acks: [...input.acks, { value: 'java-7', partition: 1, offset: 2 }, { value: 'kcat.1-0', partition: null, offset: null }, { value: 'java-3', partition: 1, offset: 5 }] });
  assert.equal(r.partitions[1]!.lost, 1);
  assert.equal(r.partitions[0]!.lost, 1, 'a value without a partition counts in partition 0');
  assert.equal(r.partitions[1]!.misplaced, 1);
  assert.match(r.details.join('\n'), /lost: java-7 acknowledged at 1@2, not stored/);
});

test('a value stored twice is a duplicate; a producer going back in sequence is out of order', () => {
  const input = clean();
  const p1 = [rec(0, 'java-2'), rec(1, 'java-3'), rec(2, 'java-2'), rec(3, 'kcat.0-9'), rec(4, 'kcat.0-5'), rec(5, 'kcat.1-0')];
  const r = check({ ...input, leaderLogs: new Map([[0, input.leaderLogs.get(0)!], [1, p1]]), highWatermarks: new Map([[0, 4], [1, 6]]), replicaLogs: new Map() });
  assert.equal(r.partitions[1]!.duplicates, 1);
  assert.equal(r.partitions[1]!.outOfOrder, 1, 'kcat.0-5 after kcat.0-9; kcat.1 is another producer');
  assert.equal(r.total.duplicates, 1);
});

test('a duplicate is listed in full with the producer id, epoch and sequence of both copies; one under a bumped epoch is counted apart', () => {
  const input = clean();
  const p1 = [
    { ...rec(0, 'java-2'), producer: { id: 1, epoch: 0, seq: 7 } }, rec(1, 'java-3'),
    { ...rec(2, 'java-2'), producer: { id: 1, epoch: 1, seq: 0 } },
  ];
  const r = check({ ...input, leaderLogs: new Map([[0, input.leaderLogs.get(0)!], [1, p1]]), highWatermarks: new Map([[0, 4], [1, 3]]), replicaLogs: new Map() });
  assert.deepEqual(r.duplicates, [{
    value: 'java-2', first: { partition: 1, offset: 0, producer: { id: 1, epoch: 0, seq: 7 } }, again: { partition: 1, offset: 2, producer: { id: 1, epoch: 1, seq: 0 } },
  }]);
  assert.match(r.details.join('\n'), /duplicate after the client bumped its epoch: java-2 at 1@2 \(producer 1 epoch 1 seq 0\), first at 1@0 \(producer 1 epoch 0 seq 7\)/);
  assert.equal(r.total.duplicatesAfterEpochBump, 1);
  assert.equal(r.total.duplicates, 0);
  // The client acknowledged at the second copy: a duplicate, not also misplaced.
  const acked = check({ ...input, acks: [...input.acks.filter((a) => a.value !== 'java-2'), { value: 'java-2', partition: 1, offset: 2 }], leaderLogs: new Map([[0, input.leaderLogs.get(0)!], [1, p1]]), highWatermarks: new Map([[0, 4], [1, 3]]), replicaLogs: new Map() });
  assert.equal(acked.total.misplaced, 0);
  assert.deepEqual(check(clean()).duplicates, []);
  // The same epoch (a retry the broker should have recognised), or another producer id: a duplicate.
  for (const again of [{ id: 1, epoch: 0, seq: 9 }, { id: 2, epoch: 1, seq: 0 }]) {
    const q = [p1[0]!, p1[1]!, { ...rec(2, 'java-2'), producer: again }];
    const s = check({ ...input, leaderLogs: new Map([[0, input.leaderLogs.get(0)!], [1, q]]), highWatermarks: new Map([[0, 4], [1, 3]]), replicaLogs: new Map() });
    assert.equal(s.total.duplicates, 1);
    assert.equal(s.total.duplicatesAfterEpochBump, 0);
  }
});

test('offsets going backwards within an assignment or in the commits are counted', () => {
  const input = clean();
  const r = check({
    ...input,
    consumed: [...input.consumed, { group: 'g', assignment: 2, partition: 1, offset: 1, value: 'java-3' }],
    committed: [...input.committed, { group: 'g', partition: 0, offset: 3 }],
  });
  assert.equal(r.partitions[1]!.offsetsBackwards, 1);
  assert.equal(r.partitions[0]!.offsetsBackwards, 1);
});

test('an acknowledged value a group never received is not consumed, once per group', () => {
  const input = clean();
  const r = check({ ...input, consumed: input.consumed.filter((c) => c.value !== 'java-3') });
  assert.equal(r.partitions[1]!.notConsumed, 1);
  const two = check({ ...input, groups: ['g', 'h'], consumed: [...input.consumed, { group: 'h', assignment: 1, partition: 1, offset: 1, value: 'java-3' }] });
  assert.equal(two.total.notConsumed, 5, 'group h received one of the six');
  assert.match(two.details.join('\n'), /not consumed: java-0 at 0@0 by group h/);
});

test('a replica differing below the high watermark diverges; above it does not count', () => {
  const input = clean();
  const p0 = input.leaderLogs.get(0)!;
  const replicaLogs = new Map(input.replicaLogs);
  replicaLogs.set(0, new Map([[1, p0], [2, [rec(0, 'java-0'), rec(1, 'kcat.0-0'), rec(2, 'java-1', 0), rec(3, 'kcat.0-1', 1)]], [3, p0.slice(0, 3)]]));
  const r = check({ ...input, replicaLogs });
  assert.equal(r.partitions[0]!.divergentReplicas, 2, 'broker 2 has another epoch at offset 2, broker 3 misses offset 3');
  assert.match(r.details.join('\n'), /partition 0 on broker 3 \(hw 4\): record 3 is missing/);
});

test('two leaders reported for one epoch are counted once per epoch', () => {
  const input = clean();
  const r = check({ ...input, leaders: [...input.leaders, { source: 'broker-1', partition: 0, leaderEpoch: 1, leader: 1, atMs: 9 }, { source: 'broker-3', partition: 0, leaderEpoch: 1, leader: 3, atMs: 9 }] });
  assert.equal(r.partitions[0]!.epochsWithTwoLeaders, 1);
  assert.match(r.details.join('\n'), /two leaders: partition 0 epoch 1: etcd:2, broker-1:1, broker-3:3/);
});

test('the producer of a value is everything before its last dash', () => {
  assert.equal(producerOf('kcat.12-3'), 'kcat.12');
  assert.equal(producerOf('java-0'), 'java');
});
