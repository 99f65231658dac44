/**
 * The share groups' dead-letter queue (KIP-1191) on a three-broker embedded cluster, with Kafka
 * 4.4.0's Java KafkaShareConsumer (ShareDriver.java) rejecting every record of a topic with
 * three partitions: each share-partition leader writes its rejected records to the one
 * partition of the group's DLQ topic (source partition modulo 1) — over an acks=all Produce to
 * another broker when that broker leads it, as Kafka's leaders do. Kafka's ConsoleConsumer then
 * reads every rejected record there, with its source partition and offset in the headers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin, ResourceType } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/index.js';
import { Producer } from '../../src/client/producer.js';
import { killMembers, Member } from './clients/group-members.js';
import { shareDriver, startShareCluster, untilShareMembersAssigned } from './clients/share-consumers.js';
import { runKafkaTool } from './setup/kafka-tool.js';
import { eventually } from '../helpers/eventually.js';

const RECORDS = 300;
const TOPIC = 'cluster-orders';
const DLQ = 'dlq.cluster-orders';

test('share-partition leaders on three brokers dead-letter to one DLQ partition, another broker\'s for some', async () => {
  const cmd = await shareDriver();
  const cluster = await startShareCluster();
  const client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
  try {
    const b1 = cluster.broker(1);
    const basis = b1.metadata.finalizedFeatures();
    await b1.metadata.setFeatureLevels(new Map([...basis.levels, ['share.version', 2]]), basis);
    const admin = new Admin(client);
    await admin.createTopic({ name: TOPIC, partitions: 3, replicationFactor: 3 });
    await admin.createTopic({ name: DLQ, partitions: 1, replicationFactor: 3, configs: { 'errors.deadletterqueue.group.enable': 'true' } });
    const led = await eventually('the topics led', () => {
      const q = b1.metadata.topic(TOPIC);
      const dlq = b1.metadata.topic(DLQ);
      return q !== undefined && dlq !== undefined && [...q.partitions, ...dlq.partitions].every((p) => p.leader > 0) ? { q, dlq } : null;
    });
    const remote = led.q.partitions.filter((p) => p.leader !== led.dlq.partitions[0]!.leader).length;
    assert.ok(remote > 0, 'some share-partition leader is not the DLQ partition\'s leader');
    await admin.alterConfigs(ResourceType.GROUP, 'rejecters', { 'errors.deadletterqueue.topic.name': DLQ, 'errors.deadletterqueue.copy.record.enable': 'true', 'share.auto.offset.reset': 'earliest' }, []);

    // Rejects every record (every value is a multiple of 1).
    const consumer = new Member(cmd, 'c1', [cluster.bootstrapServers, 'rejecters', TOPIC, '120000', '1', '0', '0']);
    await untilShareMembersAssigned(client, 'rejecters', TOPIC, 1);
    const producer = new Producer(client);
    for (let v = 0; v < RECORDS; v++) void producer.send({ topic: TOPIC, partition: v % 3, value: Buffer.from(String(v)) });
    await producer.flush();

    // Once the DLQ holds every record, the consumer has nothing left to do.
    const r = await runKafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--bootstrap-server', cluster.bootstrapServers, '--topic', DLQ, '--from-beginning',
      '--max-messages', String(RECORDS), '--timeout-ms', '60000', '--property', 'print.headers=true'], { timeoutMs: 120_000 });
    assert.ok(consumer.alive, `the consumer ended early:\n${consumer.tail()}`);
    await consumer.kill();
    assert.equal(r.code, 0, r.stderr);
    const seen = new Set<string>();
    for (const line of r.stdout.split('\n').filter((l) => l.includes('__dlq.errors.'))) {
      const [headers, value] = line.split('\t');
      const h = new Map(headers!.split(',').map((kv) => [kv.slice(0, kv.indexOf(':')), kv.slice(kv.indexOf(':') + 1)]));
      const v = Number(value);
      // Value v went to partition v % 3 at offset floor(v / 3).
      assert.deepEqual([h.get('__dlq.errors.topic'), h.get('__dlq.errors.partition'), h.get('__dlq.errors.offset'), h.get('__dlq.errors.message')],
        [TOPIC, String(v % 3), String(Math.floor(v / 3)), 'Offset rejected by client.'], line);
      seen.add(value!);
    }
    assert.equal(seen.size, RECORDS, r.stdout);
  } finally {
    killMembers();
    await client.close();
    await cluster.close();
  }
});
