/**
 * Share groups on a three-broker embedded cluster, with Kafka 4.4.0's Java KafkaShareConsumer
 * (ShareDriver.java): the group's share-partitions are led by one broker and their state is
 * kept by the share coordinator that leads its partition of __share_group_state — another
 * broker for at least one of them (the group id is chosen so) — through the share state APIs
 * between brokers. Two consumers split 3,000 records on three partitions, each delivered once
 * and accepted; the start offsets the coordinators keep then stand at the log ends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { KafkaClient } from '../../src/client/index.js';
import { shareGroupOffsets } from '../../src/client/share-group-admin.js';
import { Producer } from '../../src/client/producer.js';
import { SHARE_GROUP_STATE_TOPIC } from '../../src/coordinator/share/share-state-records.js';
import { killMembers, Member } from './clients/group-members.js';
import { shareDriver, startShareCluster, untilShareMembersAssigned } from './clients/share-consumers.js';
import { eventually } from '../helpers/eventually.js';

const RECORDS = 3000;
const TOPIC = 'cluster-queue';

test('KafkaShareConsumers on a cluster whose share coordinators are other brokers than the share-partition leaders', async () => {
  const cmd = await shareDriver();
  const cluster = await startShareCluster();
  const client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers.split(',') });
  try {
    await new Admin(client).createTopic({ name: TOPIC, partitions: 3, replicationFactor: 3 });
    const b1 = cluster.broker(1);
    // __share_group_state exists once a share-partition leader first needs it.
    await b1.share.persister.read({ groupId: 'probe', topicId: '00'.repeat(16), partition: 0 }, -1);
    const led = await eventually('the topics led', () => {
      const q = b1.metadata.topic(TOPIC);
      const state = b1.metadata.topic(SHARE_GROUP_STATE_TOPIC);
      return q !== undefined && state !== undefined && [...q.partitions, ...state.partitions].every((p) => p.leader > 0) ? { q, state } : null;
    });
    const topicId = led.q.id.toString('hex');
    const remote = (groupId: string) => led.q.partitions.filter((p) =>
      led.state.partitions[b1.share.stateTopic.partitionFor({ groupId, topicId, partition: p.partition })]!.leader !== p.leader).length;
    let group = '';
    for (let i = 0; group === '' && i < 100; i++) if (remote(`workers-${i}`) > 0) group = `workers-${i}`;
    assert.notEqual(group, '', 'a group whose state is kept away from its share-partitions');

    const start = (name: string) => new Member(cmd, name, [cluster.bootstrapServers, group, TOPIC, '6000', '1000000', '1000000', '0']);
    const consumers = [start('c1'), start('c2')];
    // Both get partitions before the records come (share-assignment.ts).
    await untilShareMembersAssigned(client, group, TOPIC, consumers.length);
    // The share-partitions start at the log end when first fetched: markers until one is delivered.
    const producer = new Producer(client);
    const delivered = () => consumers.flatMap((m) => m.lines.map((l) => String(l.line ?? '')).filter((t) => t.startsWith('R ')).map((t) => Number(t.split(' ')[3])));
    for (let p = 0; delivered().filter((v) => v < 0).length === 0; p = (p + 1) % 3) {
      await producer.send({ topic: TOPIC, partition: p, value: Buffer.from('-1') });
      await new Promise((r) => setTimeout(r, 300));
    }
    for (let v = 0; v < RECORDS; v++) void producer.send({ topic: TOPIC, partition: v % 3, value: Buffer.from(String(v)) });
    await producer.flush();
    for (const m of consumers) assert.equal((await m.exited).code, 0, `${m.name}:\n${m.tail()}`);

    const values = delivered().filter((v) => v >= 0).sort((a, b) => a - b);
    assert.deepEqual(values, Array.from({ length: RECORDS }, (_, i) => i), 'each record delivered once');
    assert.ok(consumers.every((m) => m.lines.some((l) => String(l.line ?? '').startsWith('R '))), 'both consumers got records');
    // What the coordinators keep: every share-partition's start offset at its log end.
    const offsets = await shareGroupOffsets(client, group, [{ topic: TOPIC, partitions: [0, 1, 2] }]);
    const ends = led.q.partitions.map((p) => BigInt(cluster.broker(p.leader).partitions.get(led.q, p.partition)!.log!.logEndOffset));
    assert.deepEqual(offsets.map((o) => o.startOffset), ends);
  } finally {
    killMembers();
    await client.close();
    await cluster.close();
  }
});
