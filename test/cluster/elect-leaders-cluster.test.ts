// ElectLeaders end to end on an embedded cluster of three brokers (real replication, real
// time): a broker stopped and started again catches up into the ISR, and a preferred leader
// election through the client gives it back its partition with no acknowledged write lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/start-cluster.js';
import { Admin, electLeaders, ElectionType, Fetcher, KafkaClient, Producer } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';

async function produce(client: KafkaClient, partition: number, from: number, count: number): Promise<void> {
  const producer = new Producer(client, { acks: -1, lingerMs: 1 });
  await Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic: 't', partition, value: Buffer.from(`v${from + i}`) })));
  await producer.close();
}

test('a restarted broker back in the ISR gets its partition back by a preferred election; UNCLEAN is not needed with a leader', async () => {
  const cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.fetch.wait.max.ms': 50, 'replica.fetch.backoff.ms': 20 }, logLevel: process.env.MILLRACE_TEST_LOG ?? 'silent' });
  const clients: KafkaClient[] = [];
  const connect = (): KafkaClient => {
    const c = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
    clients.push(c);
    return c;
  };
  try {
    const first = connect();
    const admin = new Admin(first);
    await admin.createTopic({ name: 't', partitions: 3, replicationFactor: 3 });
    const leadersOf = async (a: Admin) => (await a.describeTopics(['t']))[0]!.partitions;
    // The partition broker 2 leads (its first replica), and the one it leads with no broker 2.
    const placed = await leadersOf(admin);
    assert.deepEqual(placed.map((p) => p.replicas[0]).sort(), [1, 2, 3]);
    const mine = placed.find((p) => p.replicas[0] === 2)!;
    const target = mine.partition;
    const other = placed.find((p) => p.replicas[0] !== 2)!.partition;
    await produce(first, target, 0, 20);

    await cluster.stopBroker(2);
    const client = connect();
    const live = new Admin(client);
    await eventually(`partition ${target} led by ${mine.replicas[1]}`, async () => (await leadersOf(live))[target]!.leader === mine.replicas[1], { retryErrors: true });
    await produce(client, target, 20, 20);
    assert.deepEqual(await electLeaders(client, ElectionType.PREFERRED, [{ topic: 't', partition: target }]), [
      { topic: 't', partition: target, error: 'PREFERRED_LEADER_NOT_AVAILABLE', message: `Failed to elect leader for partition t-${target} under strategy PreferredReplicaPartitionLeaderElectionStrategy` },
    ]);

    await cluster.startBroker(2);
    const back = connect();
    const backAdmin = new Admin(back);
    await eventually('2 caught up into the ISR of every partition', async () => (await leadersOf(backAdmin)).every((p) => p.isr.includes(2)), { retryErrors: true, intervalMs: 20 });
    const epoch = (await leadersOf(backAdmin))[target]!.leaderEpoch;

    const outcome = await electLeaders(back, ElectionType.PREFERRED, [other, target, 7].map((partition) => ({ topic: 't', partition })));
    assert.deepEqual(outcome.map((o) => [o.partition, o.error]), [[other, 'ELECTION_NOT_NEEDED'], [target, null], [7, 'UNKNOWN_TOPIC_OR_PARTITION']].sort((a, b) => (a[0] as number) - (b[0] as number)));
    const after = await eventually(`2 leads partition ${target} again`, async () => {
      const p = (await leadersOf(backAdmin))[target]!;
      return p.leader === 2 ? p : null;
    }, { retryErrors: true });
    assert.equal(after.leaderEpoch, epoch + 1);
    assert.deepEqual(await electLeaders(back, ElectionType.PREFERRED, null), [], 'every preferred replica leads');
    assert.deepEqual((await electLeaders(back, ElectionType.UNCLEAN, [{ topic: 't', partition: other }])).map((o) => o.error), ['ELECTION_NOT_NEEDED']);

    // The new leader serves acks=all and every acknowledged record is there, in order.
    await produce(back, target, 40, 20);
    const fetcher = new Fetcher(back, { maxWaitMs: 50 });
    fetcher.assign([{ topic: 't', partition: target, offset: -2n }]);
    const values: string[] = [];
    await eventually(`60 records of partition ${target}`, async () => {
      for (const r of await fetcher.poll()) values.push(r.value!.toString());
      return values.length >= 60;
    }, { intervalMs: 0 });
    fetcher.close();
    assert.deepEqual(values, Array.from({ length: 60 }, (_, i) => `v${i}`));
  } finally {
    for (const c of clients) c.close();
    await cluster.close();
  }
});
