// Capture driver for kafkajs (run by tools/capture/capture.js through the recording proxy).
// Env: BOOTSTRAP, TOPIC, GROUP, CAPTURE_NODE_MODULES (folder holding kafkajs).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.CAPTURE_NODE_MODULES, 'x.js'));
const { Kafka, CompressionTypes, ConfigResourceTypes, logLevel } = require('kafkajs');
const { version } = require('kafkajs/package.json');

const { BOOTSTRAP, TOPIC, GROUP } = process.env;
const N = 20;
const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP], // snappy, lz4, zstd need third-party codec plugins
];
console.log(`CLIENT_VERSION: kafkajs ${version}`);

const messages = () =>
  Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `v${i}`.repeat(10), headers: { h: `${i}` } }));

const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [BOOTSTRAP], logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC }], includeSynonyms: false });

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
for (const [name, codec] of CODECS) {
  await producer.send({ topic: TOPIC, compression: codec, acks: -1, messages: messages() });
  console.log(`produced ${N} records with ${name}`);
}
await producer.disconnect();

console.log('offsets', JSON.stringify(await admin.fetchTopicOffsets(TOPIC)));
console.log('offsets@0', JSON.stringify(await admin.fetchTopicOffsetsByTimestamp(TOPIC, 0)));

const consumer = kafka.consumer({ groupId: GROUP, maxWaitTimeInMs: 200 });
await consumer.connect();
await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
const total = N * CODECS.length;
let seen = 0;
await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`consumed only ${seen}/${total}`)), 60000);
  consumer
    .run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        seen++;
        if (seen === total) {
          clearTimeout(timer);
          resolve();
        }
      },
    })
    .catch(reject);
});
const committed = [];
for (const p of (await admin.fetchTopicOffsets(TOPIC))) committed.push({ topic: TOPIC, partition: p.partition, offset: p.high });
await consumer.commitOffsets(committed);
console.log(`consumed ${seen}, committed`);
await consumer.disconnect();
console.log('group offsets', JSON.stringify(await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })));
await admin.describeGroups([GROUP]);
await admin.disconnect();
