// AlterPartitionReassignments / ListPartitionReassignments end to end on an embedded cluster
// of three brokers (real replication, real time): a partition moved to a broker that had no
// replica of it; the new replica catches up by fetching, the controller completes the move
// once it is in the ISR, the removed replica leaves, and no acknowledged record is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { Admin, alterPartitionReassignments, Fetcher, KafkaClient, listPartitionReassignments, Producer } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';

test('a replica moved to another broker catches up, the reassignment completes and the old replica leaves', async () => {
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  const client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: 'r', partitions: 1, replicationFactor: 2 });
    const describe = async () => (await admin.describeTopics(['r']))[0]!.partitions[0]!;
    const before = await describe();
    const [leader, other] = before.replicas as [number, number];
    const newcomer = [1, 2, 3].find((id) => !before.replicas.includes(id))!;
    const producer = new Producer(client, { acks: -1, lingerMs: 1 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send({ topic: 'r', partition: 0, value: Buffer.from(`v${i}`) })));

    // The leader is moved out: the newcomer and the other replica are the target.
    assert.deepEqual(await alterPartitionReassignments(client, [
      { topic: 'r', partition: 0, replicas: [newcomer, other] },
      { topic: 'r', partition: 4, replicas: [1] },
      { topic: 'r', partition: 0, replicas: null },
    ]), [
      { topic: 'r', partition: 0, error: 'NO_REASSIGNMENT_IN_PROGRESS', message: 'No partition reassignment is in progress.' },
      { topic: 'r', partition: 0, error: null, message: null },
      { topic: 'r', partition: 4, error: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'Unable to find partition r:4.' },
    ].sort((a, b) => a.partition - b.partition || (a.error === null ? 1 : -1)));
    const done = await eventually('the reassignment completed', async () => {
      if ((await listPartitionReassignments(client, null)).length > 0) return null;
      const p = await describe();
      return p.replicas.join() === `${newcomer},${other}` ? p : null;
    }, { retryErrors: true, intervalMs: 20 });
    assert.deepEqual([...done.isr].sort(), [newcomer, other].sort());
    assert.notEqual(done.leader, leader, 'the removed leader gave way');
    assert.ok(done.leaderEpoch > before.leaderEpoch);
    await eventually('the newcomer holds the records', () => cluster.broker(newcomer).logs.getLog('r', 0)?.logEndOffset === 30);

    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'r', partition: 0, value: Buffer.from(`v${30 + i}`) })));
    await producer.close();
    const fetcher = new Fetcher(client, { maxWaitMs: 50 });
    fetcher.assign([{ topic: 'r', partition: 0, offset: -2n }]);
    const values: string[] = [];
    await eventually('40 records', async () => {
      for (const r of await fetcher.poll()) values.push(r.value!.toString());
      return values.length >= 40;
    }, { intervalMs: 0 });
    fetcher.close();
    assert.deepEqual(values, Array.from({ length: 40 }, (_, i) => `v${i}`));
  } finally {
    client.close();
    await cluster.close();
  }
});
