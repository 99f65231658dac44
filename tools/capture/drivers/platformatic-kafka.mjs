// Capture driver for @platformatic/kafka 1.x (run with Node >= 22.15 so zstd is available).
// Env: BOOTSTRAP, TOPIC, GROUP, CAPTURE_NODE_MODULES (folder holding @platformatic/kafka).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(path.join(process.env.CAPTURE_NODE_MODULES, 'x.js'));
const entry = require.resolve('@platformatic/kafka');
const { Admin, Producer, Consumer, stringSerializers, stringDeserializers } = await import(pathToFileURL(entry).href);
const pkg = JSON.parse(fs.readFileSync(path.join(process.env.CAPTURE_NODE_MODULES, '@platformatic', 'kafka', 'package.json'), 'utf8'));

const { BOOTSTRAP, TOPIC, GROUP } = process.env;
const N = 20;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
console.log(`CLIENT_VERSION: @platformatic/kafka ${pkg.version} (node ${process.version})`);

const messages = () =>
  Array.from({ length: N }, (_, i) => ({ topic: TOPIC, key: `k${i}`, value: `v${i}`.repeat(10), headers: { h: `${i}` } }));

const base = { clientId: 'golden-platformatic', bootstrapBrokers: [BOOTSTRAP] };
const admin = new Admin(base);
await admin.createTopics({ topics: [TOPIC], partitions: 3, replicas: 1 });
await admin.metadata({ topics: [TOPIC] });
await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: TOPIC }] });

const producer = new Producer({ ...base, serializers: stringSerializers, idempotent: true, acks: -1 });
for (const codec of CODECS) {
  await producer.send({ messages: messages(), compression: codec });
  console.log(`produced ${N} records with ${codec}`);
}
await producer.close();

const partitions = [0, 1, 2];
const listed = await admin.listOffsets({
  topics: [{ name: TOPIC, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp: -1n })) }],
});
console.log('latest offsets', JSON.stringify(listed, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));

const consumer = new Consumer({ ...base, groupId: GROUP, deserializers: stringDeserializers, maxWaitTime: 200 });
const stream = await consumer.consume({ topics: [TOPIC], mode: 'earliest', autocommit: false });
const total = N * CODECS.length;
let seen = 0;
const last = new Map();
for await (const message of stream) {
  seen++;
  last.set(message.partition, message.offset);
  if (seen === total) break;
}
await consumer.commit({
  offsets: [...last].map(([partition, offset]) => ({ topic: TOPIC, partition, offset: offset + 1n, leaderEpoch: 0 })),
});
console.log(`consumed ${seen}, committed`);
await stream.close();
await consumer.listCommittedOffsets({ topics: [{ topic: TOPIC, partitions }] });
await consumer.close();
await admin.listConsumerGroupOffsets({ groups: [GROUP] });
await admin.describeGroups({ groups: [GROUP] });
await admin.close();
