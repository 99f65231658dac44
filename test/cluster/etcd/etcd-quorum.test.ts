// Three brokers on a three-member etcd cluster (metadata.store=etcd://m1,m2,m3): one etcd
// member is lost (SIGKILL) and the cluster keeps serving — acks=all writes, a new topic (a
// metadata write through the remaining quorum), and a leader failover after a broker stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBroker, type EmbeddedBroker } from '../../../src/start-broker.js';
import { Admin, Fetcher, KafkaClient, Producer } from '../../../src/client/index.js';
import { eventually } from '../../helpers/eventually.js';
import { startEtcdCluster } from './etcd-server.js';

async function readValues(client: KafkaClient, topic: string, count: number): Promise<string[]> {
  const fetcher = new Fetcher(client, { maxWaitMs: 50 });
  fetcher.assign([{ topic, partition: 0, offset: -2n }]);
  const out: string[] = [];
  try {
    await eventually(`${count} records of ${topic}`, async () => {
      for (const r of await fetcher.poll()) out.push(r.value!.toString());
      return out.length >= count;
    }, { intervalMs: 0, retryErrors: true });
  } finally {
    fetcher.close();
  }
  return out;
}

async function send(client: KafkaClient, topic: string, values: string[]): Promise<void> {
  const producer = new Producer(client, { acks: -1, lingerMs: 1 });
  try {
    await Promise.all(values.map((v) => producer.send({ topic, partition: 0, value: Buffer.from(v) })));
  } finally {
    await producer.close();
  }
}

test('one etcd member of three lost: writes, topic creation and leader failover go on', async () => {
  const etcd = await startEtcdCluster(3);
  const store = `etcd://${etcd.endpoints.join(',')}/quorum-${randomBytes(4).toString('hex')}`;
  const brokers = new Map<number, EmbeddedBroker>();
  let client: KafkaClient | null = null;
  try {
    for (const id of [1, 2, 3]) {
      brokers.set(id, await startBroker({ config: { 'node.id': id, 'metadata.store': store, 'replica.fetch.wait.max.ms': 50 } }));
    }
    client = new KafkaClient({ bootstrapServers: [...brokers.values()].map((b) => b.bootstrapServers) });
    const admin = new Admin(client);
    await admin.createTopic({ name: 'before', partitions: 1, replicationFactor: 3 });
    const first = Array.from({ length: 20 }, (_, i) => `a${i}`);
    await send(client, 'before', first);

    await etcd.kill(0);
    const second = Array.from({ length: 20 }, (_, i) => `b${i}`);
    await send(client, 'before', second);
    await admin.createTopic({ name: 'after', partitions: 1, replicationFactor: 3 });
    await send(client, 'after', ['c0']);

    // A broker stops: the controller (whichever broker holds it) moves its leaderships through
    // the two remaining members.
    const [described] = await admin.describeTopics(['before']);
    const leader = described!.partitions[0]!.leader;
    await brokers.get(leader)!.close();
    brokers.delete(leader);
    client.close();
    client = new KafkaClient({ bootstrapServers: [...brokers.values()].map((b) => b.bootstrapServers) });
    const survivors = new Admin(client);
    await eventually('a new leader of before-0', async () => {
      const [t] = await survivors.describeTopics(['before']);
      const p = t?.partitions[0];
      return p !== undefined && p.leader > 0 && p.leader !== leader;
    }, { intervalMs: 50, retryErrors: true });
    assert.deepEqual(await readValues(client, 'before', 40), [...first, ...second]);
    assert.deepEqual(await readValues(client, 'after', 1), ['c0']);
  } finally {
    client?.close();
    for (const b of brokers.values()) await b.close();
    await etcd.stop();
  }
});
