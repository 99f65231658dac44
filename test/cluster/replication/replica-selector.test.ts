// RackAwareReplicaSelector's choice (Kafka's ReplicaSelectorTest cases) and the names
// `replica.selector.class` accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rackAwareReplicaSelector, RACK_AWARE_REPLICA_SELECTOR, replicaSelectorFor, type ReplicaView } from '../../../src/cluster/replication/replica-selector.js';

const view = (nodeId: number, rack: string | null, logEndOffset: number, timeSinceLastCaughtUpMs = 0): ReplicaView => ({ nodeId, rack, logEndOffset, timeSinceLastCaughtUpMs });

test('the leader when it is in the client\'s rack, when no replica is, or when the client has no rack', () => {
  const leader = view(1, 'a', 100);
  const replicas = [leader, view(2, 'b', 100), view(3, 'a', 100)];
  assert.equal(rackAwareReplicaSelector('a', replicas, leader), leader);
  assert.equal(rackAwareReplicaSelector('z', replicas, leader), leader);
  assert.equal(rackAwareReplicaSelector('', replicas, leader), leader);
  assert.equal(rackAwareReplicaSelector('b', replicas, leader).nodeId, 2);
});

test('among followers of the rack: highest log end offset, then most recently caught up, then highest id', () => {
  const leader = view(1, 'a', 100);
  assert.equal(rackAwareReplicaSelector('b', [leader, view(2, 'b', 90), view(3, 'b', 95)], leader).nodeId, 3);
  assert.equal(rackAwareReplicaSelector('b', [leader, view(2, 'b', 95, 10), view(3, 'b', 95, 500)], leader).nodeId, 2);
  assert.equal(rackAwareReplicaSelector('b', [leader, view(4, 'b', 95, 10), view(3, 'b', 95, 10)], leader).nodeId, 4);
  assert.equal(rackAwareReplicaSelector('b', [leader, view(2, null, 100)], leader), leader, 'a broker without a rack is in no rack');
});

test('replica.selector.class: unset is none, Kafka\'s RackAwareReplicaSelector by its exact name, anything else refused', () => {
  assert.equal(replicaSelectorFor(null), null);
  assert.equal(replicaSelectorFor(RACK_AWARE_REPLICA_SELECTOR), rackAwareReplicaSelector);
  assert.throws(() => replicaSelectorFor('RackAwareReplicaSelector'), /class RackAwareReplicaSelector cannot be found/);
  assert.throws(() => replicaSelectorFor('org.apache.kafka.common.replica.ReplicaSelector'), /cannot be found/);
});
