// @platformatic/kafka transactions against BOOTSTRAP: a committed transaction of three records
// to TOPIC partition 0, then an aborted one of one record. Prints the client's version, then "ok".
//   COMPAT_NODE_MODULES=... node platformatic-kafka-txn.mjs BOOTSTRAP TOPIC
import { loadPlatformaticKafka } from './platformatic-kafka-load.mjs';

const { kafka: { Producer }, version } = await loadPlatformaticKafka();
const [bootstrap, topic] = process.argv.slice(2);
console.log(JSON.stringify({ client: `@platformatic/kafka ${version} (node ${process.version})` }));

const producer = new Producer({
  clientId: 'millrace-compat-platformatic-txn',
  bootstrapBrokers: [bootstrap],
  transactionalId: 'platformatic-txn',
  idempotent: true,
  retries: 3,
  timeout: 30000,
});
try {
  const committed = await producer.beginTransaction();
  await committed.send({ messages: [0, 1, 2].map((i) => ({ topic, partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`pc${i}`) })) });
  await committed.commit();
  const aborted = await producer.beginTransaction();
  await aborted.send({ messages: [{ topic, partition: 0, key: Buffer.from('k'), value: Buffer.from('pa0') }] });
  await aborted.abort();
} finally {
  await producer.close();
}
console.log('ok');
