// AlterPartition as the leader writes it: the checks Kafka's controller makes
// (ReplicationControlManager.alterPartition) and the guards of the write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterKeys, encodeRecord, type PartitionRecord } from '../../../src/cluster/cluster-keys.js';
import { MetadataImage } from '../../../src/cluster/metadata-image.js';
import { planAlterPartition, type AlterPartitionRequest } from '../../../src/cluster/replication/alter-partition.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import type { KvEntry } from '../../../src/cluster/kv/kv.js';

const keys = new ClusterKeys();

function entry(key: string, value: object, createRevision: number, modRevision = createRevision): KvEntry {
  return { key, value: encodeRecord(value), createRevision, modRevision, version: 1, lease: '0' };
}

function image(partition: PartitionRecord): MetadataImage {
  const img = new MetadataImage(keys);
  img.load(
    [
      entry(keys.broker(1), { nodeId: 1, host: 'h', port: 1, rack: null, dirId: 'a' }, 10),
      entry(keys.broker(2), { nodeId: 2, host: 'h', port: 2, rack: null, dirId: 'b' }, 11),
      entry(keys.broker(3), { nodeId: 3, host: 'h', port: 3, rack: null, dirId: 'c' }, 12),
      entry(keys.topic('t'), { id: 'AAAAAAAAAAAAAAAAAAAAAQ', internal: false, partitions: 1, initialPartitions: 1, replicationFactor: 3 }, 20),
      entry(keys.partition('t', 0), partition, 21, 25),
    ],
    30,
  );
  return img;
}

const base: PartitionRecord = { replicas: [1, 2, 3], isr: [1, 2], leader: 1, leaderEpoch: 4, partitionEpoch: 9 };
const request: AlterPartitionRequest = { topic: 't', partition: 0, brokerId: 1, brokerEpoch: 10, leaderEpoch: 4, partitionEpoch: 9, newIsr: [1, 2, 3] };

test('a valid ISR change is one write guarded by the partition key and the leader\'s registration, with the partition epoch bumped', () => {
  const plan = planAlterPartition(image(base), request);
  assert.equal(plan.errorCode, ErrorCode.NONE);
  assert.deepEqual(plan.compares, [
    { key: keys.partition('t', 0), target: 'modRevision', op: '==', value: 25 },
    { key: keys.broker(1), target: 'createRevision', op: '==', value: 10 },
  ]);
  assert.equal(plan.ops.length, 1);
  const op = plan.ops[0]!;
  assert.ok(op.type === 'put');
  assert.deepEqual(JSON.parse(op.value), { ...base, isr: [1, 2, 3], partitionEpoch: 10 });
});

test('stale requests are refused with Kafka\'s error codes and write nothing', () => {
  const img = image(base);
  const refused = (req: Partial<AlterPartitionRequest>) => {
    const plan = planAlterPartition(img, { ...request, ...req });
    assert.equal(plan.ops.length, 0);
    return plan.errorCode;
  };
  assert.equal(refused({ brokerEpoch: 9 }), ErrorCode.STALE_BROKER_EPOCH, 'a broker that registered again since');
  assert.equal(refused({ partition: 1 }), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(refused({ leaderEpoch: 3 }), ErrorCode.FENCED_LEADER_EPOCH);
  assert.equal(refused({ leaderEpoch: 5 }), ErrorCode.UNKNOWN_LEADER_EPOCH);
  assert.equal(refused({ partitionEpoch: 8 }), ErrorCode.INVALID_UPDATE_VERSION);
  assert.equal(refused({ brokerId: 2, brokerEpoch: 11 }), ErrorCode.INVALID_REQUEST, 'only the leader changes the ISR');
  assert.equal(refused({ newIsr: [2, 3] }), ErrorCode.INVALID_REQUEST, 'the leader stays in the ISR');
  assert.equal(refused({ newIsr: [1, 4] }), ErrorCode.INVALID_REQUEST, 'only replicas');
});

test('a broker in controlled shutdown cannot join the ISR', () => {
  const img = image(base);
  const three = img.brokers.get(3)!;
  img.brokers.set(3, { ...three, record: { ...three.record, shuttingDown: true } });
  assert.equal(planAlterPartition(img, request).errorCode, ErrorCode.INELIGIBLE_REPLICA);
});

test('a replica whose broker is not registered cannot join the ISR', () => {
  const img = image({ ...base, replicas: [1, 2, 4] });
  assert.equal(planAlterPartition(img, { ...request, newIsr: [1, 2, 4] }).errorCode, ErrorCode.INELIGIBLE_REPLICA);
  assert.equal(planAlterPartition(img, { ...request, newIsr: [1] }).errorCode, ErrorCode.NONE, 'shrinking is always allowed');
});
