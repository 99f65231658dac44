// Compat operations driver for @platformatic/kafka 1.x (installed by test/compat/setup, in the
// folder COMPAT_NODE_MODULES names); run with a Node that has zlib zstd (22.15+) to produce zstd.
//   COMPAT_NODE_MODULES=... node platformatic-kafka-ops.mjs BOOTSTRAP STEP...
// Steps (see test/compat/clients/ops.ts for the protocol every ops driver follows):
//   create:TOPIC:PARTITIONS    Admin#createTopics
//   produce:TOPIC:IDEMPOTENT   records from stdin, Producer#send in batches of 500 per codec; the
//                              client reports a base offset per partition, so each record's
//                              partition is the one the client's own defaultPartitioner chose
//                              (observed by wrapping it; the client takes it modulo the
//                              partition count) and its offset the base offset plus its place
//                              among that partition's records in the send
//   offsets:TOPIC:TS,TS,...    Admin#listOffsets with -2 (earliest), -1 (latest) and each time
//   configs:TOPIC:NAME:VALUE   Admin#describeConfigs, incrementalAlterConfigs, describeConfigs
//   delete:TOPIC               Admin#deleteTopics, then listTopics
import { createInterface } from 'node:readline';
import { out, reportDeliveries } from './ops-common.mjs';
import { loadPlatformaticKafka } from './platformatic-kafka-load.mjs';

const {
  kafka: { Admin, Producer, defaultPartitioner, ConfigResourceTypes, ConfigSources, IncrementalAlterConfigOperationTypes },
  version,
} = await loadPlatformaticKafka();

const [bootstrap, ...steps] = process.argv.slice(2);
console.log(JSON.stringify({ client: `@platformatic/kafka ${version} (node ${process.version})` }));

const unb64 = (s) => (s === '-' ? undefined : Buffer.from(s, 'base64'));
const options = { clientId: 'millrace-compat-platformatic-ops', bootstrapBrokers: [bootstrap], retries: 3, timeout: 30000 };

async function readRecords() {
  const records = [];
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === '') continue;
    const [codec, key, value, ts, headers] = line.split('\t');
    const hs = new Map();
    for (const h of headers === '' ? [] : headers.split(',')) {
      const [k, v] = h.split(':');
      hs.set(Buffer.from(k, 'base64'), unb64(v));
    }
    records.push({ codec, key: unb64(key), value: unb64(value), headers: hs, ...(ts === '-' ? {} : { timestamp: BigInt(ts) }) });
  }
  return records;
}

async function produce(admin, topic, idempotent) {
  const records = await readRecords();
  const metadata = await admin.metadata({ topics: [topic] });
  const partitions = metadata.topics.get(topic).partitionsCount;
  let chosen = [];
  const partitioner = (message, key) => {
    const partition = defaultPartitioner(message, key);
    chosen.push(partition % partitions);
    return partition;
  };
  const producer = new Producer({ ...options, idempotent, acks: -1, partitioner });
  let delivered = 0;
  try {
    for (let start = 0; start < records.length;) {
      const codec = records[start].codec;
      let end = start;
      while (end < records.length && end - start < 500 && records[end].codec === codec) end++;
      chosen = [];
      const result = await producer.send({
        compression: codec,
        messages: records.slice(start, end).map(({ codec: _, ...r }) => ({ topic, ...r })),
      });
      if (chosen.length !== end - start) throw new Error(`the partitioner ran ${chosen.length} times for ${end - start} messages`);
      const bases = new Map(result.offsets.map((o) => [o.partition, BigInt(o.offset)]));
      delivered += reportDeliveries(chosen, bases, start, end);
      start = end;
    }
  } finally {
    await producer.close();
  }
  out({ op: 'produce', done: true, delivered, errors: 0 });
}

async function listOffsets(admin, topic, partitions, timestamp) {
  const res = await admin.listOffsets({
    topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
  });
  return res[0].partitions;
}

async function describe(admin, topic, name) {
  const [res] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [name] }] });
  const config = res.configs.find((c) => c.name === name);
  if (config === undefined) throw new Error(`describeConfigs: no ${name} for ${topic}`);
  return { value: config.value, default: config.configSource === ConfigSources.DEFAULT_CONFIG };
}

const admin = new Admin(options);
try {
  for (const step of steps) {
    const [op, topic, ...args] = step.split(':');
    if (op === 'create') {
      await admin.createTopics({ topics: [topic], partitions: Number(args[0]), replicas: 1 });
      out({ op: 'create', ok: true });
    } else if (op === 'produce') {
      await produce(admin, topic, args[0] === '1');
    } else if (op === 'offsets') {
      const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
      const partitions = [...metadata.topics.get(topic).partitions.keys()];
      const earliest = await listOffsets(admin, topic, partitions, -2n);
      const latest = await listOffsets(admin, topic, partitions, -1n);
      for (const p of earliest) {
        const high = latest.find((l) => l.partitionIndex === p.partitionIndex);
        out({ op: 'offsets', partition: p.partitionIndex, earliest: Number(p.offset), latest: Number(high.offset) });
      }
      for (const ts of args[0].split(',')) {
        for (const p of await listOffsets(admin, topic, partitions, BigInt(ts))) {
          out({ op: 'offsets', partition: p.partitionIndex, timestamp: Number(ts), offset: p.offset < 0n ? null : Number(p.offset) });
        }
      }
    } else if (op === 'configs') {
      const [name, value] = args;
      const before = await describe(admin, topic, name);
      await admin.incrementalAlterConfigs({
        resources: [{
          resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
          configs: [{ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET }],
        }],
      });
      out({ op: 'configs', name, before, after: await describe(admin, topic, name), how: 'incrementalAlterConfigs' });
    } else if (op === 'delete') {
      await admin.deleteTopics({ topics: [topic] });
      out({ op: 'delete', ok: true, listed: (await admin.listTopics()).includes(topic) });
    } else {
      throw new Error(`unknown step ${step}`);
    }
  }
} finally {
  await admin.close();
}
