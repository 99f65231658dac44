// Transactions driver for kafkajs (the project's devDependency), run by
// test/compat/transactions-clients.test.ts. One JSON object per line.
//   node txn-kafkajs.mjs smoke BOOTSTRAP TOPIC TXN_ID GROUP
// Three transactions of 10 records each to partition 0 of TOPIC: committed, aborted,
// committed; each also sends GROUP's offset for partition 0 (5, 7, 10) with sendOffsets and
// prints GROUP's committed offset after it. Then reads the partition in fresh groups with
// readUncommitted false and true: kafkajs cannot ask for end offsets by isolation level, so
// it reads until WANT records (20 and 30) and 2 s more, and prints every value it saw.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [mode, bootstrap, topic, txnId, group] = process.argv.slice(2);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const version = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('kafkajs/package.json'), 'utf8')).version;
out({ event: 'client', client: `kafkajs ${version} (node ${process.version})` });
if (mode !== 'smoke') throw new Error(`unknown mode ${mode}`);

const kafka = new Kafka({ clientId: 'txn-kafkajs', brokers: [bootstrap], logLevel: logLevel.ERROR });
const admin = kafka.admin();
await admin.connect();
const committed = async () => {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Number(t.partitions.find((p) => p.partition === 0).offset);
};

const producer = kafka.producer({ transactionalId: txnId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 30000 });
await producer.connect();
for (const [name, offset] of [['c1', 5], ['a2', 7], ['c3', 10]]) {
  const t = await producer.transaction();
  await t.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: name, value: `${name}-${i}`, partition: 0 })) });
  await t.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: String(offset) }] }] });
  if (name.startsWith('a')) await t.abort();
  else await t.commit();
  // kafkajs's fetchOffsets cannot ask for stable offsets (KIP-447's require_stable): the
  // markers that make a commit visible are written after EndTxn answers, so wait for them
  let seen = await committed();
  for (let i = 0; i < 50 && !name.startsWith('a') && seen !== offset; i++) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await committed();
  }
  out({ event: 'transaction', name, committed_offset: seen });
}
await producer.disconnect();
await admin.disconnect();

async function readAll(readUncommitted, want) {
  const consumer = kafka.consumer({ groupId: `txn-reader-${randomBytes(4).toString('hex')}`, readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await new Promise((resolve, reject) => {
    const deadline = setTimeout(resolve, 60_000);
    let settle = null;
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value.toString());
        if (values.length >= want && settle === null) {
          clearTimeout(deadline);
          settle = setTimeout(resolve, 2000);
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return values;
}
out({ event: 'read', isolation: 'read_committed', values: await readAll(false, 20) });
out({ event: 'read', isolation: 'read_uncommitted', values: await readAll(true, 30) });
