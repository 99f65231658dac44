// A broker started with metadata.store=etcd://...: with one broker and RF=1 it serves as the
// local store does (topics, produce, consume), and keeps serving when etcd restarts under it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBroker } from '../../../src/start-broker.js';
import { Admin, Fetcher, KafkaClient, Producer, type FetchedRecord } from '../../../src/client/index.js';
import { eventually } from '../../helpers/eventually.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';
import { EtcdKv } from '../../../src/cluster/kv/etcd-kv.js';

let server: EtcdServer;
before(async () => {
  server = await startEtcd();
});
after(async () => {
  await server.stop();
});

async function produce(client: KafkaClient, topic: string, from: number, count: number): Promise<void> {
  const producer = new Producer(client, { acks: -1, lingerMs: 1 });
  await Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic, partition: (from + i) % 2, value: Buffer.from(`v${from + i}`) })));
  await producer.close();
}

async function readAll(client: KafkaClient, topic: string, count: number): Promise<FetchedRecord[]> {
  const fetcher = new Fetcher(client, { maxWaitMs: 50 });
  fetcher.assign([0, 1].map((partition) => ({ topic, partition, offset: -2n })));
  const out: FetchedRecord[] = [];
  await eventually(`${count} records of ${topic}`, async () => {
    out.push(...(await fetcher.poll()));
    return out.length >= count;
  }, { intervalMs: 0 });
  fetcher.close();
  return out;
}

test('a broker on etcd: topics in etcd, produce and consume, and etcd restarted under it', async () => {
  const root = `/broker-${randomBytes(4).toString('hex')}`;
  const broker = await startBroker({ config: { 'metadata.store': `etcd://${server.endpoint}${root}`, 'num.partitions': 2 } });
  const client = new KafkaClient({ bootstrapServers: [broker.bootstrapServers] });
  const admin = new Admin(client);
  const kv = new EtcdKv({ hosts: [server.endpoint] });
  try {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.controllerId, 1);
    assert.deepEqual(cluster.brokers.map((b) => b.id), [1]);
    assert.equal(cluster.clusterId, (await kv.get(`${root}/cluster/id`))!.value);

    await admin.createTopic({ name: 'events', partitions: 2, replicationFactor: 1 });
    const partitions = await kv.range(`${root}/partitions/events/`);
    assert.equal(partitions.entries.length, 2, 'the partitions are keys in etcd');
    assert.deepEqual(JSON.parse(partitions.entries[0]!.value), { replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 });
    await produce(client, 'events', 0, 20);
    assert.deepEqual((await readAll(client, 'events', 20)).map((r) => r.value!.toString()).sort(), Array.from({ length: 20 }, (_, i) => `v${i}`).sort());

    // Auto-creation on produce goes through etcd too.
    await produce(client, 'auto', 0, 4);
    assert.equal((await readAll(client, 'auto', 4)).length, 4);

    await server.restart();
    // Serving from the image needs no etcd: produce and consume go on.
    await produce(client, 'events', 20, 10);
    assert.equal((await readAll(client, 'events', 30)).length, 30);
    // Changes need etcd: the broker reconnected, its watch and its controller work again.
    await eventually('a topic created after the restart', async () => {
      try {
        await admin.createTopic({ name: 'after-restart', partitions: 2, replicationFactor: 1 });
      } catch (err) {
        // An attempt whose answer was lost while the client reconnected may have created it.
        if (!/already exists/.test((err as Error).message)) throw err;
      }
      return true;
    }, { retryErrors: true, intervalMs: 200 });
    await produce(client, 'after-restart', 0, 6);
    assert.equal((await readAll(client, 'after-restart', 6)).length, 6);
    await eventually('broker 1 registered', async () => (await admin.describeCluster()).brokers.map((b) => b.id).join() === '1', { intervalMs: 100 });
  } finally {
    await kv.close();
    client.close();
    await broker.close();
  }
});
