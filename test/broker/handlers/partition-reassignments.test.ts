// AlterPartitionReassignments (v0-1) and ListPartitionReassignments v0 on a single node: the only
// target there can be is its one broker; everything else gets Kafka's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import { createTopics, newTopic } from '../config-admin/admin-helpers.js';
import { startTestBroker } from '../../helpers/test-broker.js';

test('AlterPartitionReassignments v0 on a single node: its own broker accepted, others and cancels refused; nothing to list', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('one', 1));
    const nodeId = ab.broker.metadata.brokers()[0]!.nodeId;
    const res = await ab.client.request(ApiKey.AlterPartitionReassignments, 0, {
      timeoutMs: 10_000,
      topics: [
        { name: 'one', partitions: [{ partitionIndex: 0, replicas: [nodeId] }] },
        { name: 'one', partitions: [{ partitionIndex: 0, replicas: [nodeId + 1] }, { partitionIndex: 0, replicas: null }, { partitionIndex: 0, replicas: [] }, { partitionIndex: 3, replicas: [nodeId] }] },
      ],
    });
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.deepEqual(res.responses.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.errorMessage])]), [
      ['one', [
        [0, ErrorCode.NONE, null],
        [0, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${nodeId + 1}, but no such broker is registered.`],
        [0, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'No partition reassignment is in progress.'],
        [0, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.'],
        [3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Unable to find partition one:3.'],
      ]],
    ]);
    assert.deepEqual(ab.broker.metadata.topic('one')!.partitions[0]!.replicas, [nodeId]);
    const list = await ab.client.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: null });
    assert.deepEqual([list.errorCode, list.topics], [ErrorCode.NONE, []]);
    const named = await ab.client.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: [{ name: 'one', partitionIndexes: [0, 1] }] });
    assert.deepEqual(named.topics, []);
  } finally {
    await ab.close();
  }
});

test('AlterPartitionReassignments v1: the choice is echoed; a single node\'s one possible target keeps the replication factor', async () => {
  const ab = await startTestBroker();
  try {
    await createTopics(ab, newTopic('one', 1));
    const nodeId = ab.broker.metadata.brokers()[0]!.nodeId;
    for (const allowReplicationFactorChange of [false, true]) {
      const res = await ab.client.request(ApiKey.AlterPartitionReassignments, 1, {
        timeoutMs: 10_000,
        allowReplicationFactorChange,
        topics: [{ name: 'one', partitions: [{ partitionIndex: 0, replicas: [nodeId] }, { partitionIndex: 0, replicas: [nodeId, nodeId] }] }],
      });
      assert.equal(res.allowReplicationFactorChange, allowReplicationFactorChange);
      assert.deepEqual(res.responses[0]!.partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.INVALID_REPLICA_ASSIGNMENT], 'target checks come first');
    }
  } finally {
    await ab.close();
  }
});
