// Transactions driver for @platformatic/kafka 1.x (installed by test/compat/setup), run by
// test/compat/transactions-clients.test.ts. One JSON object per line.
//   COMPAT_NODE_MODULES=... node txn-platformatic.mjs smoke BOOTSTRAP TOPIC TXN_ID GROUP
// Like the other drivers' smoke: three transactions of 10 records each to partition 0 of
// TOPIC (committed, aborted, committed). @platformatic/kafka commits offsets in a transaction
// only for messages its own group consumer received (Transaction#addConsumer, #addOffset), so
// 12 records are first written to TOPIC-src and consumed in GROUP; the transactions carry the
// offsets after messages 4, 6 and 9 (5, 7, 10), and GROUP's committed offset on TOPIC-src is
// printed after each (read with requireStable). Then partition 0 of TOPIC is read with Consumer#fetch up to its last
// stable offset (isolation read_committed) and its high watermark (read_uncommitted).
import { loadPlatformaticKafka } from './platformatic-kafka-load.mjs';

const { kafka: { Admin, Consumer, Producer }, version } = await loadPlatformaticKafka();
const [mode, bootstrap, topic, txnId, group] = process.argv.slice(2);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
out({ event: 'client', client: `@platformatic/kafka ${version} (node ${process.version})` });
if (mode !== 'smoke') throw new Error(`unknown mode ${mode}`);
const source = `${topic}-src`;
const common = { bootstrapBrokers: [bootstrap], retries: 10, timeout: 10000 };

const plain = new Producer({ ...common, clientId: 'txn-source', autocreateTopics: true });
await plain.send({ messages: Array.from({ length: 12 }, (_, i) => ({ topic: source, partition: 0, key: Buffer.from('s'), value: Buffer.from(`s-${i}`) })), acks: -1 });
await plain.close();

const consumer = new Consumer({ ...common, clientId: 'txn-group', groupId: group, autocommit: false, maxWaitTime: 100 });
const stream = await consumer.consume({ topics: [source], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
const consumed = [];
await new Promise((resolve, reject) => {
  stream.on('data', (m) => {
    consumed.push(m);
    if (consumed.length === 12) resolve();
  });
  stream.on('error', reject);
});
// Admin#listConsumerGroupOffsets with requireStable (KIP-447): the broker answers
// UNSTABLE_OFFSET_COMMIT, retried by the client, until the transaction's markers are written.
const admin = new Admin({ ...common, clientId: 'txn-admin' });
const committed = async () => {
  const [g] = await admin.listConsumerGroupOffsets({ groups: [{ groupId: group, topics: [{ name: source, partitionIndexes: [0] }] }], requireStable: true });
  return Number(g.topics.find((t) => t.name === source)?.partitions.find((p) => p.partitionIndex === 0)?.committedOffset ?? -1n);
};

const producer = new Producer({ ...common, clientId: 'txn-producer', transactionalId: txnId, idempotent: true });
for (const [name, after] of [['c1', 4], ['a2', 6], ['c3', 9]]) {
  const t = await producer.beginTransaction();
  await t.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, key: Buffer.from(name), value: Buffer.from(`${name}-${i}`) })) });
  await t.addConsumer(consumer);
  await t.addOffset(consumed[after]);
  if (name.startsWith('a')) await t.abort();
  else await t.commit();
  out({ event: 'transaction', name, committed_offset: await committed() });
}
await producer.close();

async function readAll(isolationLevel) {
  const metadata = await consumer.metadata({ topics: [topic] });
  const t = metadata.topics.get(topic);
  const values = [];
  let next = 0n;
  for (;;) {
    const response = await consumer.fetch({
      node: t.partitions[0].leader, maxWaitTime: 100, isolationLevel,
      topics: [{ topicId: t.id, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: next, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    const part = response.responses[0].partitions[0];
    if (part.errorCode !== 0) throw new Error(`fetch error ${part.errorCode}`);
    // What a read_committed consumer does with AbortedTransactions (Kafka's Fetcher): a
    // producer's transactional batches are dropped from its aborted transaction's first offset
    // up to its abort marker.
    const pendingAborts = [...(part.abortedTransactions ?? [])].sort((x, y) => (x.firstOffset < y.firstOffset ? -1 : 1));
    const abortedProducers = new Set();
    for (const batch of part.records ?? []) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (last < next) continue;
      while (pendingAborts.length > 0 && pendingAborts[0].firstOffset <= last) abortedProducers.add(pendingAborts.shift().producerId);
      const transactional = (batch.attributes & 0x10) !== 0;
      const control = (batch.attributes & 0x20) !== 0;
      if (control) {
        // an abort marker's key is version 0, type 0
        if (Buffer.from(batch.records[0].key).readInt16BE(2) === 0) abortedProducers.delete(batch.producerId);
      } else if (!(isolationLevel === 1 && transactional && abortedProducers.has(batch.producerId))) {
        for (const r of batch.records) if (batch.firstOffset + BigInt(r.offsetDelta) >= next) values.push(Buffer.from(r.value).toString());
      }
      next = last + 1n;
    }
    const end = isolationLevel === 1 ? part.lastStableOffset : part.highWatermark;
    if (next >= end) return values;
  }
}
out({ event: 'read', isolation: 'read_committed', values: await readAll(1) });
out({ event: 'read', isolation: 'read_uncommitted', values: await readAll(0) });
await admin.close();
await stream.close();
await consumer.close(true);
