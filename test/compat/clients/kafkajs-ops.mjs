// Compat operations driver for kafkajs (the project's devDependency) with the codec plugins of
// kafkajs.mjs (kafkajs-snappy, kafkajs-lz4, zstd-napi from COMPAT_NODE_MODULES).
//   COMPAT_NODE_MODULES=... node kafkajs-ops.mjs BOOTSTRAP STEP...
// Steps (see test/compat/clients/ops.ts for the protocol every ops driver follows):
//   create:TOPIC:PARTITIONS    admin.createTopics (waitForLeaders)
//   produce:TOPIC:IDEMPOTENT   records from stdin, producer.send in batches of 500 per codec;
//                              kafkajs reports offsets per partition, so each record's partition
//                              is the one kafkajs's own DefaultPartitioner returned (observed by
//                              wrapping it) and its offset is the partition's base offset plus
//                              its place among that partition's records in the send
//   offsets:TOPIC:TS,TS,...    admin.fetchTopicOffsets, admin.fetchTopicOffsetsByTimestamp (which
//                              answers the end offset where no record is that late)
//   configs:TOPIC:NAME:VALUE   admin.describeConfigs, alterConfigs, describeConfigs
//   delete:TOPIC               admin.deleteTopics, then listTopics
// The consumer of kafkajs needs a consumer group: see kafkajs.mjs.
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { out, reportDeliveries } from './ops-common.mjs';

const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, ConfigResourceTypes, logLevel } = kafkajs;
const [bootstrap, ...steps] = process.argv.slice(2);

const pluginsDir = process.env.COMPAT_NODE_MODULES;
if (!pluginsDir) throw new Error('COMPAT_NODE_MODULES is not set (test/compat/setup installs the kafkajs codec plugins)');
const requirePlugin = createRequire(path.join(pluginsDir, 'index.js'));
CompressionCodecs[CompressionTypes.Snappy] = requirePlugin('kafkajs-snappy');
const LZ4Codec = requirePlugin('kafkajs-lz4');
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
const zstd = requirePlugin('zstd-napi');
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  async compress(encoder) {
    return new zstd.Compressor().compress(encoder.buffer);
  },
  async decompress(buffer) {
    return new zstd.Decompressor().decompress(buffer);
  },
});
const CODECS = {
  none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD,
};
const version = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('kafkajs/package.json'), 'utf8')).version;
console.log(JSON.stringify({ client: `kafkajs ${version} (node ${process.version})` }));

const unb64 = (s) => (s === '-' ? null : Buffer.from(s, 'base64'));
const logCreator = () => ({ level, log }) => {
  if (level <= logLevel.ERROR) process.stderr.write(`kafkajs: ${log.message} ${log.error ?? ''}\n`);
};
const kafka = new Kafka({ clientId: 'millrace-compat-kafkajs-ops', brokers: [bootstrap], logLevel: logLevel.ERROR, logCreator });

async function readRecords() {
  const records = [];
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === '') continue;
    const [codec, key, value, ts, headers] = line.split('\t');
    // kafkajs takes headers as an object: a key's values as an array, sent next to each other
    const hs = {};
    for (const h of headers === '' ? [] : headers.split(',')) {
      const [k, v] = h.split(':');
      const name = Buffer.from(k, 'base64').toString('utf8');
      if (name in hs) hs[name] = [].concat(hs[name], unb64(v));
      else hs[name] = unb64(v);
    }
    records.push({ codec, message: { key: unb64(key), value: unb64(value), headers: hs, ...(ts === '-' ? {} : { timestamp: ts }) } });
  }
  return records;
}

async function produce(topic, idempotent) {
  const records = await readRecords();
  let chosen = [];
  const createPartitioner = () => {
    const partitioner = Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = partitioner(args);
      chosen.push(partition);
      return partition;
    };
  };
  const producer = kafka.producer({ idempotent, maxInFlightRequests: idempotent ? 1 : undefined, createPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  let delivered = 0;
  try {
    for (let start = 0; start < records.length;) {
      const codec = records[start].codec;
      let end = start;
      while (end < records.length && end - start < 500 && records[end].codec === codec) end++;
      chosen = [];
      const result = await producer.send({ topic, acks: -1, compression: CODECS[codec], messages: records.slice(start, end).map((r) => r.message) });
      if (chosen.length !== end - start) throw new Error(`the partitioner ran ${chosen.length} times for ${end - start} messages`);
      const bases = new Map(result.map((r) => {
        if (r.errorCode !== 0) throw new Error(`partition ${r.partition}: error ${r.errorCode}`);
        return [r.partition, BigInt(r.baseOffset)];
      }));
      delivered += reportDeliveries(chosen, bases, start, end);
      start = end;
    }
  } finally {
    await producer.disconnect();
  }
  out({ op: 'produce', done: true, delivered, errors: 0 });
}

async function describe(admin, topic, name) {
  const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }], includeSynonyms: false });
  const entry = res.resources[0].configEntries.find((e) => e.configName === name);
  if (entry === undefined) throw new Error(`describeConfigs: no ${name} for ${topic}`);
  return { value: entry.configValue, default: entry.isDefault };
}

const admin = kafka.admin();
await admin.connect();
try {
  for (const step of steps) {
    const [op, topic, ...args] = step.split(':');
    if (op === 'create') {
      const created = await admin.createTopics({ topics: [{ topic, numPartitions: Number(args[0]), replicationFactor: 1 }], waitForLeaders: true });
      if (!created) throw new Error(`createTopics: ${topic} was not created`);
      out({ op: 'create', ok: true });
    } else if (op === 'produce') {
      await produce(topic, args[0] === '1');
    } else if (op === 'offsets') {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        out({ op: 'offsets', partition: p.partition, earliest: Number(p.low), latest: Number(p.high) });
      }
      for (const ts of args[0].split(',').map(Number)) {
        for (const p of await admin.fetchTopicOffsetsByTimestamp(topic, ts)) {
          out({ op: 'offsets', partition: p.partition, timestamp: ts, offset: Number(p.offset) });
        }
      }
    } else if (op === 'configs') {
      const [name, value] = args;
      const before = await describe(admin, topic, name);
      const res = await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name, value }] }] });
      if (res.resources[0].errorCode !== 0) throw new Error(`alterConfigs: error ${res.resources[0].errorCode}`);
      out({ op: 'configs', name, before, after: await describe(admin, topic, name), how: 'alterConfigs' });
    } else if (op === 'delete') {
      await admin.deleteTopics({ topics: [topic] });
      out({ op: 'delete', ok: true, listed: (await admin.listTopics()).includes(topic) });
    } else {
      throw new Error(`unknown step ${step}`);
    }
  }
} finally {
  await admin.disconnect();
}
