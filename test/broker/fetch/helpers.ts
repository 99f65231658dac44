import type { LogAppendInfo } from '../../../src/storage/partition-log.js';
import { logOf, type TestBroker } from '../../helpers/test-broker.js';
import { decodeBatchSync } from '../../../src/protocol/records/decode.js';
import { encodeBatchSync, type BatchOptions } from '../../../src/protocol/records/encode.js';
import type { RecordInput } from '../../../src/protocol/records/record.js';

/** Values `prefix-0`, `prefix-1`, ... as records. */
export function values(prefix: string, n: number, size = 0): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    const v = `${prefix}-${i}`;
    out.push({ value: Buffer.from(size > v.length ? v.padEnd(size, '.') : v) });
  }
  return out;
}

/**
 * Appends one batch as the leader does (epoch 0) and, unless told not to, moves the high
 * watermark to the log end as the produce path does after each append.
 */
export function append(tb: TestBroker, topic: string, partition: number, records: RecordInput[], opts: BatchOptions & { advanceHw?: boolean } = {}): LogAppendInfo {
  const log = logOf(tb, topic, partition);
  const info = log.append(encodeBatchSync(records, opts), { leaderEpoch: 0 });
  if (opts.advanceHw !== false) log.maybeIncrementHighWatermark(log.logEndOffset);
  return info;
}

/** Offsets and values of every record in fetched record batches. */
export function decodeRecords(records: Buffer | null): Array<{ offset: number; value: string }> {
  const out: Array<{ offset: number; value: string }> = [];
  if (records === null) return out;
  let at = 0;
  while (at + 61 <= records.length) {
    const size = records.readInt32BE(at + 8) + 12;
    const batch = decodeBatchSync(records, at, at + size);
    for (const r of batch.records) out.push({ offset: r.offset, value: r.value === null ? '' : r.value.toString() });
    at += size;
  }
  return out;
}
