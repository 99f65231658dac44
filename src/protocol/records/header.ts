import { crc32c } from '../crc32c.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_MASK,
  CONTROL_MASK,
  CRC_OFFSET,
  CRC_START,
  DELETE_HORIZON_MASK,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
} from './batch-header.js';
import type { CompressionType } from '../compression/compression-type.js';

/**
 * Header-only access to a v2 record batch at `offset` in a buffer: the broker's hot path. The
 * readers do no bounds checks of their own (run validateBatch or a BatchCursor first); int64
 * fields come back as numbers, exact for every offset, timestamp and producer id Kafka uses
 * (below 2^53), so nothing allocates a BigInt.
 */

/** Timestamp type in attribute bit 3. */
export const enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

const TWO_32 = 0x100000000;

/** Reads a big-endian int64 as a number (exact below 2^53 in magnitude). */
export function readInt64Number(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}

/** Writes a number or bigint as a big-endian int64. */
export function writeInt64(buf: Buffer, offset: number, value: number | bigint): void {
  if (typeof value === 'bigint') {
    buf.writeBigInt64BE(value, offset);
    return;
  }
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, offset);
  buf.writeUInt32BE(value - hi * TWO_32, offset + 4);
}

export function batchBaseOffset(buf: Buffer, offset: number): number {
  return readInt64Number(buf, offset + BASE_OFFSET_OFFSET);
}

/** The batchLength field: bytes after it, i.e. total size minus 12. */
export function batchLength(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset + BATCH_LENGTH_OFFSET);
}

/** Total size of the batch on the wire: batchLength + 12. */
export function batchSize(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
}

export function batchPartitionLeaderEpoch(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset + PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * The magic byte (record format version) of the batch at `offset`: 2 for record batches,
 * 0 or 1 for the legacy message sets Kafka 4.0 rejects. -1 when the buffer is too short to
 * hold it.
 */
export function batchMagic(buf: Buffer, offset = 0): number {
  return offset + MAGIC_OFFSET < buf.length ? buf.readInt8(offset + MAGIC_OFFSET) : -1;
}

/** Stored CRC32C, unsigned. */
export function batchCrc(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset + CRC_OFFSET);
}

export function batchAttributes(buf: Buffer, offset: number): number {
  return buf.readInt16BE(offset + ATTRIBUTES_OFFSET);
}

export function batchCompression(buf: Buffer, offset: number): CompressionType {
  return (buf[offset + ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK) as CompressionType;
}

export function batchTimestampType(buf: Buffer, offset: number): TimestampType {
  return (buf[offset + ATTRIBUTES_OFFSET + 1]! & TIMESTAMP_TYPE_MASK) !== 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
}

export function batchIsTransactional(buf: Buffer, offset: number): boolean {
  return (buf[offset + ATTRIBUTES_OFFSET + 1]! & TRANSACTIONAL_MASK) !== 0;
}

export function batchIsControl(buf: Buffer, offset: number): boolean {
  return (buf[offset + ATTRIBUTES_OFFSET + 1]! & CONTROL_MASK) !== 0;
}

export function batchHasDeleteHorizon(buf: Buffer, offset: number): boolean {
  return (buf[offset + ATTRIBUTES_OFFSET + 1]! & DELETE_HORIZON_MASK) !== 0;
}

export function batchLastOffsetDelta(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset + LAST_OFFSET_DELTA_OFFSET);
}

/** baseOffset + lastOffsetDelta. */
export function batchLastOffset(buf: Buffer, offset: number): number {
  return batchBaseOffset(buf, offset) + buf.readInt32BE(offset + LAST_OFFSET_DELTA_OFFSET);
}

/** Base timestamp; the delete horizon when batchHasDeleteHorizon. */
export function batchBaseTimestamp(buf: Buffer, offset: number): number {
  return readInt64Number(buf, offset + BASE_TIMESTAMP_OFFSET);
}

export function batchMaxTimestamp(buf: Buffer, offset: number): number {
  return readInt64Number(buf, offset + MAX_TIMESTAMP_OFFSET);
}

export function batchProducerId(buf: Buffer, offset: number): number {
  return readInt64Number(buf, offset + PRODUCER_ID_OFFSET);
}

export function batchProducerEpoch(buf: Buffer, offset: number): number {
  return buf.readInt16BE(offset + PRODUCER_EPOCH_OFFSET);
}

export function batchBaseSequence(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset + BASE_SEQUENCE_OFFSET);
}

/**
 * Sequence of the last record, wrapping past Int32.MAX_VALUE to 0 as Kafka's
 * DefaultRecordBatch.incrementSequence does; -1 when the batch has no sequence.
 */
export function batchLastSequence(buf: Buffer, offset: number): number {
  const base = batchBaseSequence(buf, offset);
  if (base === -1) return -1;
  const delta = batchLastOffsetDelta(buf, offset);
  return base > 0x7fffffff - delta ? delta - (0x7fffffff - base) - 1 : base + delta;
}

export function batchRecordCount(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset + RECORD_COUNT_OFFSET);
}

/** CRC32C over attributes..end of the batch at `offset` (whose batchLength is trusted). */
export function computeBatchCrc(buf: Buffer, offset: number): number {
  return crc32c(buf.subarray(offset + CRC_START, offset + batchSize(buf, offset)));
}

/** Recomputes and stores the CRC after a change to a covered field. */
export function updateBatchCrc(buf: Buffer, offset: number): void {
  buf.writeUInt32BE(computeBatchCrc(buf, offset), offset + CRC_OFFSET);
}

/** Assigns the base offset in place; not covered by the CRC. */
export function writeBaseOffset(buf: Buffer, offset: number, baseOffset: number | bigint): void {
  writeInt64(buf, offset + BASE_OFFSET_OFFSET, baseOffset);
}

/**
 * Assigns offsets so the batch ends at `lastOffset` (Kafka's setLastOffset: baseOffset =
 * lastOffset - lastOffsetDelta).
 */
export function writeLastOffset(buf: Buffer, offset: number, lastOffset: number): void {
  writeInt64(buf, offset + BASE_OFFSET_OFFSET, lastOffset - batchLastOffsetDelta(buf, offset));
}

/** Stamps the partition leader epoch in place; not covered by the CRC. */
export function writePartitionLeaderEpoch(buf: Buffer, offset: number, epoch: number): void {
  buf.writeInt32BE(epoch, offset + PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * Sets the timestamp type and max timestamp (Kafka's setMaxTimestamp) and recomputes the CRC,
 * since both are covered by it. Returns false, touching nothing, when both already hold.
 */
export function writeMaxTimestamp(buf: Buffer, offset: number, type: TimestampType, maxTimestamp: number): boolean {
  const attrLow = offset + ATTRIBUTES_OFFSET + 1;
  const currentType = (buf[attrLow]! & TIMESTAMP_TYPE_MASK) !== 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  if (currentType === type && batchMaxTimestamp(buf, offset) === maxTimestamp) return false;
  buf[attrLow] = type === TimestampType.LogAppendTime ? buf[attrLow]! | TIMESTAMP_TYPE_MASK : buf[attrLow]! & ~TIMESTAMP_TYPE_MASK;
  writeInt64(buf, offset + MAX_TIMESTAMP_OFFSET, maxTimestamp);
  updateBatchCrc(buf, offset);
  return true;
}

/** For topics with message.timestamp.type=LogAppendTime: the broker's append time, CRC redone. */
export function writeLogAppendTime(buf: Buffer, offset: number, now: number): boolean {
  return writeMaxTimestamp(buf, offset, TimestampType.LogAppendTime, now);
}

/** The header fields of a batch as one object (off the hot path: logs, tools, tests). */
export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads every header field; the caller has checked that 61 bytes are there. */
export function readBatchHeader(buf: Buffer, offset = 0): BatchHeader {
  return {
    baseOffset: batchBaseOffset(buf, offset),
    batchLength: batchLength(buf, offset),
    partitionLeaderEpoch: batchPartitionLeaderEpoch(buf, offset),
    magic: buf.readInt8(offset + MAGIC_OFFSET),
    crc: batchCrc(buf, offset),
    attributes: batchAttributes(buf, offset),
    compression: batchCompression(buf, offset),
    timestampType: batchTimestampType(buf, offset),
    isTransactional: batchIsTransactional(buf, offset),
    isControl: batchIsControl(buf, offset),
    hasDeleteHorizon: batchHasDeleteHorizon(buf, offset),
    lastOffsetDelta: batchLastOffsetDelta(buf, offset),
    baseTimestamp: batchBaseTimestamp(buf, offset),
    maxTimestamp: batchMaxTimestamp(buf, offset),
    producerId: batchProducerId(buf, offset),
    producerEpoch: batchProducerEpoch(buf, offset),
    baseSequence: batchBaseSequence(buf, offset),
    recordCount: batchRecordCount(buf, offset),
  };
}
