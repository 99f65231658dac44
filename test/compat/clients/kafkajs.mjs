// Compat consumer driver for kafkajs (the project's devDependency), with the codec plugins a
// kafkajs user installs for what kafkajs lacks (it only has gzip): kafkajs-snappy (snappyjs,
// xerial framing included), kafkajs-lz4 (node-lz4) and, for zstd, a codec over zstd-napi as
// @sensejs/kafkajs-zstd-support writes it. The plugins come from COMPAT_NODE_MODULES
// (test/.cache/compat/npm/node_modules, installed by test/compat/setup).
//   COMPAT_NODE_MODULES=... node kafkajs.mjs BOOTSTRAP TOPIC COUNT TIMEOUT_MS
// kafkajs has no manual partition assignment: this driver joins a fresh consumer group (the
// only difference from the other drivers) and reads from the beginning until COUNT records.
// kafkajs gives headers as an object, so headers of one key come back grouped, in the order
// of each key's first appearance.
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs;
const [bootstrap, topic, count, timeoutMs] = process.argv.slice(2);
const total = Number(count);

const pluginsDir = process.env.COMPAT_NODE_MODULES;
if (!pluginsDir) throw new Error('COMPAT_NODE_MODULES is not set (test/compat/setup installs the kafkajs codec plugins)');
const requirePlugin = createRequire(path.join(pluginsDir, 'index.js'));
const version = (name) => JSON.parse(readFileSync(path.join(pluginsDir, name, 'package.json'), 'utf8')).version;
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
const kafkajsVersion = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('kafkajs/package.json'), 'utf8')).version;
console.log(JSON.stringify({
  client: `kafkajs ${kafkajsVersion} (node ${process.version}; kafkajs-snappy ${version('kafkajs-snappy')}, ` +
    `kafkajs-lz4 ${version('kafkajs-lz4')}, zstd-napi ${version('zstd-napi')})`,
}));

const logCreator = () => ({ level, log }) => {
  if (level <= logLevel.ERROR) process.stderr.write(`kafkajs: ${log.message} ${log.error ?? ''}\n`);
};
const kafka = new Kafka({
  clientId: 'millrace-compat-kafkajs', brokers: [bootstrap], logLevel: logLevel.ERROR, logCreator,
  retry: { retries: 2 },
});
const consumer = kafka.consumer({
  groupId: `millrace-compat-${randomBytes(6).toString('hex')}`, maxWaitTimeInMs: 200,
  retry: { retries: 2, restartOnFailure: async () => false },
});

const timer = setTimeout(() => fail(`timed out after ${seen} of ${total} records`, 2), Number(timeoutMs));
let seen = 0;
let finished = false;
async function fail(message, code) {
  if (finished) return;
  finished = true;
  console.error(message);
  process.exitCode = code;
  clearTimeout(timer);
  await consumer.disconnect().catch(() => {});
  process.exit(code);
}

consumer.on(consumer.events.CRASH, (e) => fail(`consumer crashed: ${e.payload.error?.stack ?? e.payload.error}`, 1));
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    const headers = [];
    for (const [k, v] of Object.entries(message.headers ?? {})) {
      for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one == null ? null : Buffer.from(one).toString('base64')]);
    }
    console.log(JSON.stringify({
      partition, offset: Number(message.offset),
      key_b64: message.key === null ? null : message.key.toString('base64'),
      value_b64: message.value === null ? null : message.value.toString('base64'),
      headers, timestamp: Number(message.timestamp),
    }));
    if (++seen === total && !finished) {
      finished = true;
      clearTimeout(timer);
      setImmediate(() => consumer.disconnect());
    }
  },
});
