/**
 * Record-level timestamp search inside one batch, for ListOffsets by timestamp (Kafka's
 * FileRecords.searchForTimestamp): the first record whose timestamp is >= the target and
 * whose offset is >= the minimum. Records are decoded by the protocol layer (every codec);
 * under LogAppendTime every record carries the batch's max timestamp.
 */
import { decodeBatch } from '../protocol/records/index.js';

export async function findRecordByTimestamp(batch: Buffer, target: number, minOffset: number): Promise<{ offset: number; timestamp: number } | null> {
  const decoded = await decodeBatch(batch, 0, batch.length, { verifyCrc: false });
  for (const r of decoded.records) {
    if (r.timestamp >= target && r.offset >= minOffset) return { offset: r.offset, timestamp: r.timestamp };
  }
  return null;
}
