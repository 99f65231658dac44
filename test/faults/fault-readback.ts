/**
 * Reading a partition back for the fault checker: through its leader (Fetch from offset 0 up
 * to the high watermark, as a consumer reads), and from a replica's own segment files on disk
 * (`<log.dirs>/<topic>-<partition>/*.log`, the raw batches it stored, read after the broker is
 * stopped) so that followers' logs can be compared with the leader's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import * as FetchRequest from '../../src/protocol/generated/fetch-request.js';
import { decodeBatch } from '../../src/protocol/records/index.js';
import { partitionKey } from '../../src/storage/checkpoint.js';
import { describeError, WireClient, WireError } from '../helpers/wire-client.js';
import { topicMetadata } from '../compat/clients/log-reader.js';
import type { StoredRecord } from './fault-checker.js';

/** The data records of `bytes` (whole batches; a partial batch at the end is left out). */
async function recordsOf(bytes: Buffer, from: number, into: StoredRecord[]): Promise<number> {
  let next = from;
  let pos = 0;
  while (pos + 12 <= bytes.length) {
    const size = 12 + bytes.readInt32BE(pos + 8);
    if (size < 12 + 49 || pos + size > bytes.length) break;
    const batch = await decodeBatch(bytes, pos, pos + size);
    if (!batch.isControl) {
      for (const r of batch.records) {
        if (r.offset < from) continue;
        const record: StoredRecord = { offset: r.offset, value: r.value?.toString('utf8') ?? '', leaderEpoch: batch.partitionLeaderEpoch };
        if (batch.producerId >= 0) record.producer = { id: batch.producerId, epoch: batch.producerEpoch, seq: batch.baseSequence + (r.offset - batch.baseOffset) };
        into.push(record);
      }
    }
    next = batch.baseOffset + batch.lastOffsetDelta + 1;
    pos += size;
  }
  return next;
}

/** Partition `partition` of `topic` read from `address` (its leader) up to its high watermark. */
export async function readFromLeader(address: string, topic: string, partition: number): Promise<{ highWatermark: number; records: StoredRecord[] }> {
  const conn = await WireClient.connect(address, { apiVersions: true, clientId: 'millrace-faults-checker', timeoutMs: 10_000 });
  try {
    const md = await topicMetadata(conn, topic);
    if (md === null) throw new WireError(`topic ${topic} does not exist on ${address}`);
    const records: StoredRecord[] = [];
    const version = conn.version(ApiKey.Fetch, 4);
    let highWatermark = -1;
    for (let offset = 0; ;) {
      const res = await conn.request(ApiKey.Fetch, version, {
        maxWaitMs: 0, minBytes: 0, maxBytes: 8 << 20, isolationLevel: 0,
        topics: [{
          ...FetchRequest.defaultFetchTopic(), topic, topicId: md.id,
          partitions: [{ ...FetchRequest.defaultFetchPartition(), partition, fetchOffset: BigInt(offset), partitionMaxBytes: 8 << 20 }],
        }],
      });
      const p = res.responses[0]?.partitions[0];
      if (res.errorCode !== 0 || p === undefined || p.errorCode !== 0) {
        throw new WireError(`Fetch ${topic}/${partition} from ${address}: ${describeError(p?.errorCode ?? res.errorCode)}`);
      }
      highWatermark = Number(p.highWatermark);
      const bytes = p.records ?? Buffer.alloc(0);
      if (bytes.length === 0 || offset >= highWatermark) break;
      const next = await recordsOf(bytes, offset, records);
      if (next === offset) throw new WireError(`${topic}/${partition}: a batch at ${offset} is larger than 8 MiB`);
      offset = next;
    }
    return { highWatermark, records: records.filter((r) => r.offset < highWatermark) };
  } finally {
    conn.close();
  }
}

/** Every data record in a replica's segment files of `topic`/`partition` under `logDir`. */
export async function readReplicaLog(logDir: string, topic: string, partition: number): Promise<StoredRecord[]> {
  const dir = path.join(logDir, partitionKey(topic, partition));
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^\d{20}\.log$/.test(f)).sort();
  } catch {
    return [];
  }
  const records: StoredRecord[] = [];
  for (const f of files) await recordsOf(readFileSync(path.join(dir, f)), 0, records);
  return records;
}
