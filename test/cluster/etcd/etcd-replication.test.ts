// Three brokers on a real etcd: a replicated topic takes acks=all writes from the project's
// client, and when the leader of each partition stops, a new leader from the ISR serves every
// acknowledged record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBroker, type EmbeddedBroker } from '../../../src/start-broker.js';
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

async function readAll(client: KafkaClient, topic: string, count: number): Promise<FetchedRecord[]> {
  const fetcher = new Fetcher(client, { maxWaitMs: 50 });
  fetcher.assign([0, 1].map((partition) => ({ topic, partition, offset: -2n })));
  const out: FetchedRecord[] = [];
  try {
    await eventually(`${count} records of ${topic}`, async () => {
      out.push(...(await fetcher.poll()));
      return out.length >= count;
    }, { intervalMs: 0, retryErrors: true });
  } finally {
    fetcher.close();
  }
  return out;
}

test('three brokers on etcd replicate a topic; stopping a leader loses no acknowledged record', async () => {
  const root = `/replication-${randomBytes(4).toString('hex')}`;
  const store = `etcd://${server.endpoint}${root}`;
  const brokers = new Map<number, EmbeddedBroker>();
  for (const id of [1, 2, 3]) {
    brokers.set(id, await startBroker({ config: { 'node.id': id, 'metadata.store': store, 'replica.fetch.wait.max.ms': 50 } }));
  }
  const client = new KafkaClient({ bootstrapServers: [...brokers.values()].map((b) => b.bootstrapServers) });
  const admin = new Admin(client);
  const kv = new EtcdKv({ hosts: [server.endpoint] });
  try {
    await admin.createTopic({ name: 'replicated', partitions: 2, replicationFactor: 3 });
    const producer = new Producer(client, { acks: -1, lingerMs: 1 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => producer.send({ topic: 'replicated', partition: i % 2, value: Buffer.from(`v${i}`) })));
    await producer.close();

    const leaderOf0 = JSON.parse((await kv.get(`${root}/partitions/replicated/0`))!.value) as { leader: number; leaderEpoch: number; isr: number[] };
    assert.equal(leaderOf0.isr.length, 3);
    await brokers.get(leaderOf0.leader)!.close();
    brokers.delete(leaderOf0.leader);
    await eventually('a new leader of partition 0', async () => {
      const now = JSON.parse((await kv.get(`${root}/partitions/replicated/0`))!.value) as { leader: number; leaderEpoch: number };
      return now.leader !== leaderOf0.leader && now.leader !== -1 && now.leaderEpoch === leaderOf0.leaderEpoch + 1;
    }, { intervalMs: 50 });
    const survivors = new KafkaClient({ bootstrapServers: [...brokers.values()].map((b) => b.bootstrapServers) });
    try {
      const values = (await readAll(survivors, 'replicated', 40)).map((r) => r.value!.toString());
      assert.deepEqual([...values].sort(), Array.from({ length: 40 }, (_, i) => `v${i}`).sort());
    } finally {
      survivors.close();
    }
  } finally {
    await kv.close();
    client.close();
    for (const b of brokers.values()) await b.close();
  }
});
