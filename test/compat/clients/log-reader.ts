/**
 * Reads a topic back through the broker with our own codecs (Metadata, then Fetch from offset 0
 * on every partition until nothing more comes) and decodes every batch: what the broker stored,
 * batch headers included (codec, producer id, timestamps), independent of any client under test.
 */
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import * as MetadataRequest from '../../../src/protocol/generated/metadata-request.js';
import { decodeBatch, type DecodedBatch } from '../../../src/protocol/records/index.js';
import { describeError, fetchRaw, WireClient, WireError } from '../../helpers/wire-client.js';

export interface TopicLog {
  name: string;
  id: Buffer;
  /** Batches of each partition, in offset order. */
  partitions: DecodedBatch[][];
}

export async function topicMetadata(conn: WireClient, topic: string): Promise<{ id: Buffer; partitions: number } | null> {
  const md = await conn.request(ApiKey.Metadata, conn.version(ApiKey.Metadata, 1), {
    topics: [{ ...MetadataRequest.defaultMetadataRequestTopic(), name: topic }], allowAutoTopicCreation: false,
  });
  const t = md.topics.find((x) => x.name === topic);
  if (t === undefined || t.errorCode === 3) return null;
  if (t.errorCode !== 0) throw new WireError(`Metadata ${topic}: ${describeError(t.errorCode)}`);
  return { id: t.topicId, partitions: t.partitions.length };
}

export async function readTopic(bootstrap: string, topic: string): Promise<TopicLog> {
  const conn = await WireClient.connect(bootstrap, { apiVersions: true, clientId: 'millrace-compat-log-reader' });
  try {
    const md = await topicMetadata(conn, topic);
    if (md === null) throw new WireError(`topic ${topic} does not exist`);
    const log: TopicLog = { name: topic, id: md.id, partitions: [] };
    for (let p = 0; p < md.partitions; p++) {
      const batches: DecodedBatch[] = [];
      for (let offset = 0; ;) {
        const bytes = await fetchRaw(conn, log, p, offset, 8 << 20);
        if (bytes.length === 0) break;
        let pos = 0;
        while (pos + 12 <= bytes.length) {
          const size = 12 + bytes.readInt32BE(pos + 8);
          if (pos + size > bytes.length) break; // a partial batch at the end of the response
          const batch = await decodeBatch(bytes, pos, pos + size);
          if (batch.baseOffset + batch.lastOffsetDelta >= offset) batches.push(batch);
          offset = batch.baseOffset + batch.lastOffsetDelta + 1;
          pos += size;
        }
        if (pos === 0) throw new WireError(`${topic}/${p}: a batch at offset ${offset} is larger than 8 MiB`);
      }
      log.partitions.push(batches);
    }
    return log;
  } finally {
    conn.close();
  }
}

/**
 * The offset ListOffsets must answer for `timestamp`, by Kafka's rule
 * (UnifiedLog.fetchOffsetByTimestamp): the first batch whose max timestamp is at or after it,
 * then its first record at or after it; null when no batch is that late.
 */
export function offsetForTime(batches: readonly DecodedBatch[], timestamp: number): number | null {
  for (const b of batches) {
    if (b.isControl || b.maxTimestamp < timestamp) continue;
    const r = b.records.find((x) => x.timestamp >= timestamp);
    if (r !== undefined) return r.offset;
  }
  return null;
}
