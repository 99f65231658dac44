/**
 * The checks an append makes before touching anything (Kafka's analyzeAndValidateRecords,
 * header level): whole magic-v2 batches, each within `max.message.bytes`, all within
 * `segment.bytes`, and for follower appends offsets that only grow from the log end. The
 * protocol layer validated CRCs and record structure already.
 */
import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD, readInt64 } from './batch.js';
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
