// AlterReplicaLogDirs in a replicated cluster (embedded, real replication and time): the
// leader's and the follower's replicas of a partition each move to their broker's other log
// directory while a producer writes with acks=all. Replication goes on through the swaps: the
// ISR stays whole, both replicas end equal, and every acknowledged record reads back in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startCluster } from '../../src/start-cluster.js';
import { Admin, Fetcher, KafkaClient, Producer } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import { eventually } from '../helpers/eventually.js';

test("a partition's leader and follower replicas move between log directories while it takes acks=all writes", async () => {
  const cluster = await startCluster({
    brokers: 2,
    logDirsPerBroker: 2,
    // Small chunks: each move takes many steps, interleaved with the writes.
    config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20, 'replica.fetch.max.bytes': 2048 },
    logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent',
  });
  const client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
  try {
    const admin = new Admin(client);
    await admin.createTopic({ name: 'd', partitions: 1, replicationFactor: 2 });
    const describe = async () => (await admin.describeTopics(['d']))[0]!.partitions[0]!;
    const p = await eventually('both replicas in sync', async () => {
      const d = await describe();
      return d.isr.length === 2 ? d : null;
    }, { retryErrors: true, intervalMs: 20 });
    const leader = p.leader;
    const follower = p.replicas.find((id) => id !== leader)!;
    const producer = new Producer(client, { acks: -1, lingerMs: 1 });
    const value = (i: number) => Buffer.from(`v${i}-`.padEnd(200, 'x'));
    for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => producer.send({ topic: 'd', partition: 0, value: value(i + j) })));

    const otherDir = (id: number) => {
      const dirs = cluster.broker(id).logs.config['log.dirs'].map((d) => path.resolve(d));
      const current = cluster.broker(id).logs.futures.currentDir('d', 0)!;
      return dirs.find((d) => d !== current)!;
    };
    const targets = new Map([leader, follower].map((id) => [id, otherDir(id)]));
    for (const [id, dir] of targets) assert.equal(cluster.broker(id).logDirMover.alter('d', 0, dir), ErrorCode.NONE);

    // Writes go on while both replicas are copied and swapped.
    let sent = 200;
    const moved = () => [...targets].every(([id, dir]) => cluster.broker(id).logs.futures.currentDir('d', 0) === dir && cluster.broker(id).logs.futures.get('d', 0) === undefined);
    while (!moved() || sent < 400) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => producer.send({ topic: 'd', partition: 0, value: value(sent + j) })));
      sent += 10;
      assert.ok(sent < 20_000, 'the moves finish');
    }
    await producer.close();
    for (const [id, dir] of targets) assert.equal(cluster.broker(id).logs.getLog('d', 0)!.dir, path.join(dir, 'd-0'), `broker ${id}`);

    const after = await eventually('the ISR whole, both replicas at the end', async () => {
      const d = await describe();
      const ends = [leader, follower].map((id) => cluster.broker(id).logs.getLog('d', 0)!.logEndOffset);
      return d.isr.length === 2 && ends.every((e) => e === sent) ? d : null;
    }, { retryErrors: true, intervalMs: 20 });
    assert.equal(after.leader, leader, 'no leader change was needed');

    const fetcher = new Fetcher(client, { maxWaitMs: 50 });
    fetcher.assign([{ topic: 'd', partition: 0, offset: -2n }]);
    const values: string[] = [];
    await eventually(`${sent} records`, async () => {
      for (const r of await fetcher.poll()) values.push(r.value!.toString());
      return values.length >= sent;
    }, { intervalMs: 0 });
    fetcher.close();
    assert.deepEqual(values, Array.from({ length: sent }, (_, i) => value(i).toString()));
  } finally {
    client.close();
    await cluster.close();
  }
});
