import { crc32c } from '../crc32c.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_MASK,
  CONTROL_MASK,
  CRC_OFFSET,
  CRC_START,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
} from './batch-header.js';
import { CompressionType } from '../compression/compression-type.js';
import { BatchFault } from './faults.js';
import { BatchCursor } from './iterator.js';

/**
 * Header-only checks of v2 record batches, without decoding a record and without throwing
 * for data that is well framed but wrong: the result is a BatchFault (0 = Ok) that
 * batchFaultErrorCode turns into the error code the broker answers with.
 *
 * Legacy message formats. Apache Kafka 4.0 dropped message formats v0 and v1 (KIP-724) and,
 * with them, Produce v0–v2 (KIP-896), so every Produce it accepts is v3+; for v3+ its
 * ProduceRequest.validateRecords throws InvalidRecordException ("Produce requests with
 * version N are only allowed to contain record batches with magic version 2") for a first
 * batch whose magic is not 2, and the partition's response carries INVALID_RECORD (87).
 * Millrace answers the same: a batch with magic 0 or 1 is BatchFault.LegacyMagic →
 * INVALID_RECORD. A magic outside 0..2 fails Kafka's batch framing (ByteBufferLogInputStream:
 * "Invalid magic found in record") as CORRUPT_MESSAGE, and so here.
 */

/** Smallest length field of any batch (legacy v0 record overhead, Kafka's framing check). */
export const MIN_FRAMED_BATCH_LENGTH = 14;
/** Smallest length field of a v2 batch: the 61-byte header minus the 12 bytes it excludes. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
/** Smallest encoding of one uncompressed record: 7 one-byte varints and attributes. */
export const MIN_RECORD_SIZE = 7;
/** Bytes that frame a batch: baseOffset, batchLength, partitionLeaderEpoch, magic. */
const HEADER_UP_TO_MAGIC = MAGIC_OFFSET + 1;

/**
 * The checks Kafka makes of every v2 batch whatever its origin (framing, magic, CRC, codec),
 * plus counts that cannot be right: recordCount below zero, lastOffsetDelta below zero or
 * smaller than the record count allows, and an uncompressed batch too short for its count.
 * Compacted batches may hold fewer records than lastOffsetDelta + 1, and empty ones none,
 * so those pass. The batch occupies [offset, offset + batchSize) and must end by `end`.
 */
export function validateBatch(buf: Buffer, offset = 0, end = buf.length): BatchFault {
  return checkBatch(buf, offset, end, true);
}

/** validateBatch, with the CRC check optional (full decode of already-verified bytes). */
export function checkBatch(buf: Buffer, offset: number, end: number, verifyCrc: boolean): BatchFault {
  const available = end - offset;
  if (available < HEADER_UP_TO_MAGIC) return BatchFault.Truncated;
  const length = buf.readInt32BE(offset + BATCH_LENGTH_OFFSET);
  if (length < MIN_FRAMED_BATCH_LENGTH) return BatchFault.SizeTooSmall;
  const magic = buf.readInt8(offset + MAGIC_OFFSET);
  if (magic === 0 || magic === 1) return BatchFault.LegacyMagic;
  if (magic !== 2) return BatchFault.UnknownMagic;
  if (length < MIN_BATCH_LENGTH) return BatchFault.SizeTooSmall;
  const size = length + LOG_OVERHEAD;
  if (size > available) return BatchFault.Truncated;
  const stored = buf.readUInt32BE(offset + CRC_OFFSET);
  if (verifyCrc && crc32c(buf.subarray(offset + CRC_START, offset + size)) !== stored) return BatchFault.CrcMismatch;
  const codec = buf[offset + ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK;
  if (codec > CompressionType.Zstd) return BatchFault.UnknownCompression;
  const count = buf.readInt32BE(offset + RECORD_COUNT_OFFSET);
  if (count < 0) return BatchFault.NegativeRecordCount;
  const lastOffsetDelta = buf.readInt32BE(offset + LAST_OFFSET_DELTA_OFFSET);
  if (lastOffsetDelta < 0 || count > lastOffsetDelta + 1) return BatchFault.BadOffsetDelta;
  if (codec === CompressionType.None && count * MIN_RECORD_SIZE > size - RECORD_BATCH_OVERHEAD) {
    return BatchFault.CountExceedsSize;
  }
  return BatchFault.Ok;
}

/**
 * validateBatch plus what Kafka checks of a batch a producer sent (LogValidator.validateBatch
 * and UnifiedLog.analyzeAndValidateRecords for AppendOrigin.CLIENT): size within
 * `maxBatchSize` (the topic's max.message.bytes), baseOffset 0, recordCount > 0 and equal to
 * lastOffsetDelta + 1, no control batch, and a base sequence whenever a producer id is set.
 */
export function validateClientBatch(buf: Buffer, offset = 0, end = buf.length, maxBatchSize = Infinity): BatchFault {
  if (end - offset >= HEADER_UP_TO_MAGIC) {
    const size = buf.readInt32BE(offset + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (size > maxBatchSize && buf.readInt8(offset + MAGIC_OFFSET) === 2) return BatchFault.TooLarge;
  }
  const fault = validateBatch(buf, offset, end);
  if (fault !== BatchFault.Ok) return fault;
  if (buf.readInt32BE(offset) !== 0 || buf.readInt32BE(offset + 4) !== 0) return BatchFault.NonZeroBaseOffset;
  const count = buf.readInt32BE(offset + RECORD_COUNT_OFFSET);
  if (count <= 0 || count !== buf.readInt32BE(offset + LAST_OFFSET_DELTA_OFFSET) + 1) return BatchFault.CountMismatch;
  if ((buf[offset + ATTRIBUTES_OFFSET + 1]! & CONTROL_MASK) !== 0) return BatchFault.ControlBatch;
  if (buf.readInt32BE(offset + PRODUCER_ID_OFFSET) >= 0 && buf.readInt32BE(offset + BASE_SEQUENCE_OFFSET) < 0) {
    return BatchFault.MissingSequence;
  }
  return BatchFault.Ok;
}

/**
 * Checks the records of one partition of a Produce request the way Kafka 4.0's
 * ProduceRequest.validateRecords does (for the v3+ it accepts): at least one complete batch,
 * magic 2 (legacy magic → LegacyMagic → INVALID_RECORD), no zstd before v7, exactly one
 * batch. Bytes after the batch too few to frame another are ignored, as Kafka trims them.
 * Broken framing answers like Kafka's batch iterator (CORRUPT_MESSAGE). Run
 * validateClientBatch on the batch afterwards.
 */
export function validateProduceRecords(buf: Buffer, offset: number, end: number, apiVersion: number): BatchFault {
  const cursor = new BatchCursor(buf, offset, end);
  if (!cursor.next()) return cursor.fault !== BatchFault.Ok ? cursor.fault : BatchFault.NoBatch;
  const first = cursor.offset;
  if (buf.readInt8(first + MAGIC_OFFSET) !== 2) return BatchFault.LegacyMagic;
  if (apiVersion < 7 && (buf[first + ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK) === CompressionType.Zstd) {
    return BatchFault.ZstdBeforeV7;
  }
  if (cursor.next()) return BatchFault.MultipleBatches;
  return cursor.fault;
}
