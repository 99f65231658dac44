import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignReplicas, rackAlternatedBrokers, startIndexFor } from '../../src/cluster/replica-placement.js';
import { isMetadataError } from '../../src/cluster/metadata.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';

const noRack = (...ids: number[]) => ids.map((nodeId) => ({ nodeId, rack: null }));

test("without racks: Kafka's AdminUtils assignment (AdminUtilsTest.testReplicaAssignment)", () => {
  const got = assignReplicas(10, 3, noRack(0, 1, 2, 3, 4), { startIndex: 0, replicaShift: 0 });
  assert.deepEqual(got, [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1], [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2]]);
  // Adding partitions continues the stripe where partition 0's leader sits.
  const more = assignReplicas(2, 3, noRack(0, 1, 2, 3, 4), { startIndex: startIndexFor(0, noRack(0, 1, 2, 3, 4))!, replicaShift: 0, startPartition: 10 });
  assert.deepEqual(more[0]![0], 0);
  assert.deepEqual(more[1]![0], 1);
});

test("the rack-alternated broker list is Kafka's (AdminRackAwareTest.testGetRackAlternatedBrokerListAndAssignReplicasToBrokers)", () => {
  const racks = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' } as Record<number, string>;
  const brokers = Object.entries(racks).map(([id, rack]) => ({ nodeId: Number(id), rack }));
  assert.deepEqual(rackAlternatedBrokers(brokers), [0, 1, 3, 5, 2, 4]);
});

test('with racks: every partition spans as many racks as it has replicas, leaders spread evenly', () => {
  const brokers = [1, 2, 3, 4, 5, 6].map((nodeId) => ({ nodeId, rack: `r${nodeId % 3}` }));
  for (let start = 0; start < 6; start++) {
    const got = assignReplicas(12, 3, brokers, { startIndex: start, replicaShift: start });
    const leaders = new Map<number, number>();
    for (const replicas of got) {
      assert.equal(new Set(replicas).size, 3, 'distinct brokers');
      assert.equal(new Set(replicas.map((id) => `r${id % 3}`)).size, 3, `distinct racks: ${replicas.join(',')}`);
      leaders.set(replicas[0]!, (leaders.get(replicas[0]!) ?? 0) + 1);
    }
    assert.deepEqual([...leaders.values()], [2, 2, 2, 2, 2, 2]);
  }
  // More replicas than racks: racks are reused only once each has one.
  const two = [1, 2, 3, 4].map((nodeId) => ({ nodeId, rack: nodeId <= 2 ? 'a' : 'b' }));
  for (const replicas of assignReplicas(8, 3, two, { startIndex: 1, replicaShift: 2 })) {
    assert.equal(new Set(replicas).size, 3);
    assert.deepEqual(new Set(replicas.map((id) => (id <= 2 ? 'a' : 'b'))), new Set(['a', 'b']));
  }
});

test('refusals: too few brokers, and racks on only some brokers', () => {
  assert.throws(() => assignReplicas(1, 4, noRack(1, 2, 3)), (e) => isMetadataError(e, ErrorCode.INVALID_REPLICATION_FACTOR) && /only 3 broker\(s\) are registered/.test(e.message));
  assert.throws(() => assignReplicas(1, 2, [{ nodeId: 1, rack: 'a' }, { nodeId: 2, rack: null }]), (e) => isMetadataError(e, ErrorCode.INVALID_REPLICA_ASSIGNMENT));
  assert.deepEqual(assignReplicas(3, 1, noRack(7), { random: () => 0 }), [[7], [7], [7]]);
});
