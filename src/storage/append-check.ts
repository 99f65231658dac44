/**
 * The two passes of an append over its batch headers. First the checks made before touching
 * anything (Kafka's analyzeAndValidateRecords, header level): whole magic-v2 batches, each
 * within `max.message.bytes`, all within `segment.bytes`, and for follower appends offsets
 * that only grow from the log end. The protocol layer validated CRCs and record structure
 * already. Then the stamping of a leader append (base offsets, leader epoch, timestamp type)
 * with what the log needs to know of the batches.
 */
import {
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  readInt64,
} from './batch.js';
import {
  batchMaxTimestamp,
  batchTimestampType,
  TimestampType,
  writeBaseOffset,
  writeLogAppendTime,
  writeMaxTimestamp,
  writePartitionLeaderEpoch,
} from '../protocol/records/header.js';
import type { LogConfig } from './config.js';
import { StorageError } from './errors.js';

/** Throws the StorageError Kafka would answer with; returns the number of batches. */
export function checkAppend(records: Buffer, config: Readonly<LogConfig>, assignOffsets: boolean, logEndOffset: number, name: string): number {
  const len = records.length;
  const maxMessage = config['max.message.bytes'];
  let at = 0;
  let count = 0;
  let prevLast = logEndOffset - 1;
  while (at < len) {
    if (len - at < RECORD_BATCH_OVERHEAD) throw new StorageError('CORRUPT_MESSAGE', `${len - at} trailing bytes are not a record batch`);
    const length = records.readInt32BE(at + BATCH_LENGTH_OFFSET);
    const size = LOG_OVERHEAD + length;
    if (length < MIN_BATCH_LENGTH || at + size > len) throw new StorageError('CORRUPT_MESSAGE', `batch at byte ${at} has invalid length ${length}`);
    if (records[at + MAGIC_OFFSET] !== 2) throw new StorageError('INVALID_RECORD', `unsupported record batch magic ${records[at + MAGIC_OFFSET]}`);
    if (size > maxMessage) {
      throw new StorageError('MESSAGE_TOO_LARGE', `The request included a message larger than the max message size the server will accept (batch of ${size} bytes, max.message.bytes=${maxMessage}).`);
    }
    const delta = records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET);
    if (delta < 0) throw new StorageError('CORRUPT_MESSAGE', `batch at byte ${at} has negative lastOffsetDelta`);
    if (!assignOffsets) {
      const base = readInt64(records, at);
      if (base <= prevLast) {
        if (count === 0) throw new StorageError('UNEXPECTED_APPEND_OFFSET', `Unexpected offset in append to ${name}. First offset ${base} is less than the next offset ${logEndOffset}.`);
        throw new StorageError('INVALID_RECORD', `Out of order offsets found in append to ${name}: ${base} after ${prevLast}`);
      }
      prevLast = base + delta;
    }
    count++;
    at += size;
  }
  if (count === 0) throw new StorageError('CORRUPT_MESSAGE', 'no record batch to append');
  if (len > config['segment.bytes']) {
    throw new StorageError('RECORD_LIST_TOO_LARGE', `Message batch size is ${len} bytes in append to partition ${name}, which exceeds the maximum configured segment size of ${config['segment.bytes']}.`);
  }
  return count;
}

/** What stampBatches found; one instance is reused by its caller. */
export class AppendSummary {
  lastOffset = 0;
  maxTimestamp = -1;
  offsetOfMaxTimestamp = 0;
  recordCount = 0;
}

/**
 * With `assign` (a leader append), writes each batch's base offset from `firstOffset` on,
 * its partition leader epoch, and its timestamp type: LogAppendTime `appendTime` when that is
 * >= 0, else CreateTime. Uses the protocol layer's header writers, which redo the CRC only
 * when a covered field changes. Fills `out` with the last offset, the largest timestamp and
 * its offset, and the record count (follower appends keep their offsets).
 */
export function stampBatches(records: Buffer, assign: boolean, firstOffset: number, leaderEpoch: number, appendTime: number, out: AppendSummary): AppendSummary {
  const len = records.length;
  let next = firstOffset;
  let maxTimestamp = -1;
  let offsetOfMax = firstOffset;
  let recordCount = 0;
  let at = 0;
  while (at < len) {
    const size = LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
    const delta = records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET);
    if (assign) {
      writeBaseOffset(records, at, next);
      writePartitionLeaderEpoch(records, at, leaderEpoch);
      if (appendTime >= 0) writeLogAppendTime(records, at, appendTime);
      else if (batchTimestampType(records, at) === TimestampType.LogAppendTime) {
        writeMaxTimestamp(records, at, TimestampType.CreateTime, batchMaxTimestamp(records, at));
      }
    }
    const last = readInt64(records, at) + delta;
    const ts = readInt64(records, at + MAX_TIMESTAMP_OFFSET);
    if (ts > maxTimestamp) {
      maxTimestamp = ts;
      offsetOfMax = last;
    }
    recordCount += records.readInt32BE(at + RECORD_COUNT_OFFSET);
    next = last + 1;
    at += size;
  }
  out.lastOffset = next - 1;
  out.maxTimestamp = maxTimestamp;
  out.offsetOfMaxTimestamp = offsetOfMax;
  out.recordCount = recordCount;
  return out;
}
