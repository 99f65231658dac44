// Partition reassignments: the record changes (start, completion, cancel) as pure functions,
// and AlterPartitionReassignments / ListPartitionReassignments through the store with the
// controller completing them, on the in-process MemoryKv with a manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKv } from '../../src/cluster/kv/memory-kv.js';
import { ManualClock } from '../../src/cluster/kv/clock.js';
import { KvMetadataStore } from '../../src/cluster/kv-metadata-store.js';
import type { PartitionRecord } from '../../src/cluster/cluster-keys.js';
import { cancelReassignment, maybeCompleteReassignment, startReassignment, validateTarget } from '../../src/cluster/reassignment.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { eventually } from '../helpers/eventually.js';

const all = () => true;
const rec = (replicas: number[], isr: number[], leader: number, extra: Partial<PartitionRecord> = {}): PartitionRecord => ({ replicas, isr, leader, leaderEpoch: 3, partitionEpoch: 7, ...extra });

test('a reassignment starts with the targets first and the removing replicas after; adding and removing recorded', () => {
  assert.deepEqual(startReassignment(rec([1, 2, 3], [1, 2, 3], 1), [4, 2, 3], all), rec([4, 2, 3, 1], [1, 2, 3], 1, { partitionEpoch: 8, addingReplicas: [4], removingReplicas: [1] }));
  // Targets already in the ISR: it completes at once; the leader left the replicas, so the first target in the ISR leads.
  assert.deepEqual(startReassignment(rec([1, 2, 3], [1, 2, 3], 1), [3, 2], all), rec([3, 2], [2, 3], 3, { leaderEpoch: 4, partitionEpoch: 8 }));
  // A reordering changes the preferred replica only.
  assert.deepEqual(startReassignment(rec([1, 2, 3], [1, 2, 3], 1), [2, 1, 3], all), rec([2, 1, 3], [1, 2, 3], 1, { partitionEpoch: 8 }));
});

test('a reassignment completes when every target is in the ISR; cancelling reverts to the replicas without the added ones', () => {
  const ongoing = rec([4, 2, 3, 1], [1, 2, 3], 1, { addingReplicas: [4], removingReplicas: [1] });
  assert.equal(maybeCompleteReassignment(ongoing), null, '4 is not in the ISR yet');
  assert.deepEqual(maybeCompleteReassignment({ ...ongoing, isr: [1, 2, 3, 4] }), rec([4, 2, 3], [2, 3, 4], 1));
  assert.equal(maybeCompleteReassignment(rec([1, 2], [1, 2], 1)), null, 'nothing in progress');

  assert.deepEqual(cancelReassignment(ongoing, all, false), rec([2, 3, 1], [1, 2, 3], 1, { partitionEpoch: 8, leaderEpoch: 4 }), '4 removed: the leader epoch fences it');
  const onlyNewInSync = rec([4, 1], [4], 4, { addingReplicas: [4], removingReplicas: [1] });
  assert.equal((cancelReassignment(onlyNewInSync, all, false) as { errorCode: number }).errorCode, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  assert.deepEqual(cancelReassignment(onlyNewInSync, all, true), rec([1], [1], 1, { leaderEpoch: 4, partitionEpoch: 8 }));
});

test("targets are checked as Kafka's validateManualPartitionAssignment checks them", () => {
  const registered = (id: number) => id <= 3;
  assert.equal(validateTarget([1, 2], registered), null);
  assert.deepEqual(validateTarget([], registered), { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'The manual partition assignment includes an empty replica list.' });
  assert.deepEqual(validateTarget([1, 1], registered), { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'The manual partition assignment includes the broker 1 more than once.' });
  assert.deepEqual(validateTarget([1, 9], registered), { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'The manual partition assignment includes broker 9, but no such broker is registered.' });
});

test('through the store: started, listed, completed by the controller once the new replica joins the ISR (also after a controller failover); cancelled; errors', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const dirs: string[] = [];
  const stores: KvMetadataStore[] = [];
  const open = async (nodeId: number) => {
    const logDir = mkdtempSync(join(tmpdir(), 'millrace-reassign-'));
    dirs.push(logDir);
    const s = await KvMetadataStore.open({ kv, clock, logDir, self: { nodeId, host: 'localhost', port: 9000 + nodeId, rack: null }, sessionTtlSeconds: 3, random: () => 0, leaderRebalance: { enabled: false, intervalMs: 300_000 } });
    stores.push(s);
    return s;
  };
  try {
    const [s1, s2, s3, s4] = [await open(1), await open(2), await open(3), await open(4)];
    await eventually('four brokers', () => stores.every((s) => s.brokers().length === 4));
    await s1.createTopic('t', 2, 2, {});
    const p0 = s2.topic('t')!.partitions[0]!;
    assert.deepEqual(p0.replicas, [1, 2]);

    assert.deepEqual(await s2.alterPartitionReassignments([
      { topic: 't', partition: 0, replicas: [3, 2] },
      { topic: 't', partition: 1, replicas: null },
      { topic: 't', partition: 5, replicas: [1] },
      { topic: 't', partition: 1, replicas: [1, 7] },
    ]), [
      { topic: 't', partition: 1, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, message: 'No partition reassignment is in progress.' },
      { topic: 't', partition: 5, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: 'Unable to find partition t:5.' },
      { topic: 't', partition: 1, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'The manual partition assignment includes broker 7, but no such broker is registered.' },
      { topic: 't', partition: 0, errorCode: ErrorCode.NONE, message: null },
    ]);
    assert.deepEqual(s3.listPartitionReassignments(null), [{ topic: 't', partition: 0, replicas: [3, 2, 1], addingReplicas: [3], removingReplicas: [1] }]);
    assert.deepEqual(s3.listPartitionReassignments([{ topic: 't', partition: 1 }, { topic: 'nope', partition: 0 }]), []);
    // v1 forbidding replication factor changes (KIP-860): partition 0's factor is 2 while 3 is being added.
    assert.deepEqual(await s2.alterPartitionReassignments([
      { topic: 't', partition: 0, replicas: [3], allowReplicationFactorChange: false },
      { topic: 't', partition: 1, replicas: [1, 2, 3], allowReplicationFactorChange: false },
    ]), [
      { topic: 't', partition: 0, errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'The replication factor is changed from 2 to 1' },
      { topic: 't', partition: 1, errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: 'The replication factor is changed from 2 to 3' },
    ]);
    assert.deepEqual(s3.listPartitionReassignments(null), [{ topic: 't', partition: 0, replicas: [3, 2, 1], addingReplicas: [3], removingReplicas: [1] }], 'nothing changed');

    // The controller (broker 1) goes; the next one completes the reassignment once 3 is in the ISR.
    await s1.crash();
    await clock.advance(3_500);
    await eventually('a new controller, 1 out of the ISR', () => s2.controllerId > 1 && s2.topic('t')!.partitions[0]!.leader === 2);
    const cur = s2.topic('t')!.partitions[0]!;
    assert.deepEqual(s2.listPartitionReassignments(null), [{ topic: 't', partition: 0, replicas: [3, 2, 1], addingReplicas: [3], removingReplicas: [1] }], 'still in progress');
    assert.equal(await s2.alterPartition({ topic: 't', partition: 0, brokerId: 2, brokerEpoch: s2.brokerEpoch, leaderEpoch: cur.leaderEpoch, partitionEpoch: cur.partitionEpoch!, newIsr: [2, 3] }), ErrorCode.NONE);
    await eventually('completed', () => s4.listPartitionReassignments(null).length === 0 && s4.topic('t')!.partitions[0]!.replicas.join() === '3,2');
    const done = s4.topic('t')!.partitions[0]!;
    assert.deepEqual({ isr: done.isr, leader: done.leader }, { isr: [3, 2], leader: 2 });
    assert.equal(done.leaderEpoch, cur.leaderEpoch + 1, 'removing 1 bumps the leader epoch');

    // A reassignment cancelled before it completes.
    assert.deepEqual(await s3.alterPartitionReassignments([{ topic: 't', partition: 1, replicas: [4] }]), [{ topic: 't', partition: 1, errorCode: ErrorCode.NONE, message: null }]);
    assert.equal(s3.listPartitionReassignments(null).length, 1);
    const before = s3.topic('t')!.partitions[1]!;
    assert.deepEqual(await s3.alterPartitionReassignments([{ topic: 't', partition: 1, replicas: null }]), [{ topic: 't', partition: 1, errorCode: ErrorCode.NONE, message: null }]);
    const reverted = s3.topic('t')!.partitions[1]!;
    assert.deepEqual(reverted.replicas, before.replicas.filter((id) => id !== 4));
    assert.deepEqual(s3.listPartitionReassignments(null), []);
  } finally {
    for (const s of stores) await s.close();
    await kv.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
