import { compress, compressSync } from '../compression/index.js';
import { ProtocolEncodeError } from '../primitives/errors.js';
import {
  COMPRESSION_MASK,
  CONTROL_MASK,
  CRC_OFFSET,
  CRC_START,
  CURRENT_MAGIC,
  DELETE_HORIZON_MASK,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_SEQUENCE,
  RECORD_BATCH_OVERHEAD,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
} from './batch-header.js';
import { CompressionType } from '../compression/compression-type.js';
import { crc32c } from '../crc32c.js';
import { TimestampType, writeInt64 } from './header.js';
import { recordBodySize, writeRecord, type RecordInput } from './record.js';
import { sizeOfVarint } from '../primitives/varint.js';

/**
 * Builds a v2 batch from records: sizes every record first, writes the records section into
 * one buffer of exactly that size (for an uncompressed batch, the batch itself), compresses
 * it with the chosen codec, then writes the header and the CRC32C. Follows Kafka's
 * MemoryRecordsBuilder: the base timestamp is the first record's timestamp (or the delete
 * horizon), the max timestamp the largest record timestamp (or the log append time).
 */

export interface BatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  /** gzip or zstd level; Kafka's defaults otherwise. */
  compressionLevel?: number;
  timestampType?: TimestampType;
  /** Timestamp of records that give none, and of an empty batch's base; default Date.now(). */
  defaultTimestamp?: number;
  /** Max timestamp to write instead of the computed one (LogAppendTime: the append time). */
  maxTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  /** Sets the delete-horizon flag; the base timestamp then holds this value. */
  deleteHorizonMs?: number;
  /** Defaults to the last record's offsetDelta (0 for an empty batch). */
  lastOffsetDelta?: number;
}

interface Layout {
  bodySize: number;
  baseTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  sizes: Int32Array;
  keyLengths: number[];
}

function layout(records: readonly RecordInput[], options: BatchOptions, fallback: number): Layout {
  const count = records.length;
  const baseTimestamp = options.deleteHorizonMs ?? (count > 0 ? records[0]!.timestamp ?? fallback : -1);
  const sizes = new Int32Array(count);
  const keyLengths: number[] = [];
  let bodySize = 0;
  let maxTimestamp = -1;
  let previousDelta = -1;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    const offsetDelta = record.offsetDelta ?? i;
    if (!(offsetDelta > previousDelta) || offsetDelta > 0x7fffffff) {
      throw new ProtocolEncodeError(`record ${i}: offsetDelta ${offsetDelta} must increase and fit int32`);
    }
    previousDelta = offsetDelta;
    const timestamp = record.timestamp ?? fallback;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const size = recordBodySize(record, offsetDelta, timestamp - baseTimestamp, keyLengths);
    sizes[i] = size;
    bodySize += sizeOfVarint(size) + size;
  }
  if (options.timestampType === TimestampType.LogAppendTime) maxTimestamp = options.maxTimestamp ?? fallback;
  else if (options.maxTimestamp !== undefined) maxTimestamp = options.maxTimestamp;
  return {
    bodySize,
    baseTimestamp,
    maxTimestamp,
    lastOffsetDelta: options.lastOffsetDelta ?? (count > 0 ? previousDelta : 0),
    sizes,
    keyLengths,
  };
}

function writeRecords(buf: Buffer, pos: number, records: readonly RecordInput[], plan: Layout, fallback: number): void {
  let keyIndex = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const timestamp = record.timestamp ?? fallback;
    pos = writeRecord(buf, pos, record, plan.sizes[i]!, record.offsetDelta ?? i, timestamp - plan.baseTimestamp,
      plan.keyLengths, keyIndex);
    keyIndex += record.headers?.length ?? 0;
  }
}

function attributesOf(options: BatchOptions): number {
  let attributes = (options.compression ?? CompressionType.None) & COMPRESSION_MASK;
  if (options.timestampType === TimestampType.LogAppendTime) attributes |= TIMESTAMP_TYPE_MASK;
  if (options.transactional) attributes |= TRANSACTIONAL_MASK;
  if (options.control) attributes |= CONTROL_MASK;
  if (options.deleteHorizonMs !== undefined) attributes |= DELETE_HORIZON_MASK;
  return attributes;
}

function writeHeader(batch: Buffer, count: number, plan: Layout, options: BatchOptions): Buffer {
  writeInt64(batch, 0, options.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, 8);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, 12);
  batch.writeInt8(CURRENT_MAGIC, 16);
  batch.writeInt16BE(attributesOf(options), 21);
  batch.writeInt32BE(plan.lastOffsetDelta, 23);
  writeInt64(batch, 27, plan.baseTimestamp);
  writeInt64(batch, 35, plan.maxTimestamp);
  writeInt64(batch, 43, options.producerId ?? -1);
  batch.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, 51);
  batch.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, 53);
  batch.writeInt32BE(count, 57);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_START)), CRC_OFFSET);
  return batch;
}

/** An uncompressed batch: one allocation, records written in place after the header. */
function encodePlain(records: readonly RecordInput[], options: BatchOptions, plan: Layout, fallback: number): Buffer {
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + plan.bodySize);
  writeRecords(batch, RECORD_BATCH_OVERHEAD, records, plan, fallback);
  return writeHeader(batch, records.length, plan, options);
}

function withBody(compressed: Buffer, count: number, plan: Layout, options: BatchOptions): Buffer {
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
  compressed.copy(batch, RECORD_BATCH_OVERHEAD);
  return writeHeader(batch, count, plan, options);
}

function body(records: readonly RecordInput[], plan: Layout, fallback: number): Buffer {
  const buf = Buffer.allocUnsafe(plan.bodySize);
  writeRecords(buf, 0, records, plan, fallback);
  return buf;
}

export async function encodeBatch(records: readonly RecordInput[], options: BatchOptions = {}): Promise<Buffer> {
  const fallback = options.defaultTimestamp ?? Date.now();
  const plan = layout(records, options, fallback);
  const codec = options.compression ?? CompressionType.None;
  if (codec === CompressionType.None || records.length === 0) return encodePlain(records, options, plan, fallback);
  const compressed = await compress(codec, body(records, plan, fallback), options.compressionLevel);
  return withBody(compressed, records.length, plan, options);
}

/** encodeBatch, synchronously; throws SyncCodecUnavailableError for zstd. */
export function encodeBatchSync(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  const fallback = options.defaultTimestamp ?? Date.now();
  const plan = layout(records, options, fallback);
  const codec = options.compression ?? CompressionType.None;
  if (codec === CompressionType.None || records.length === 0) return encodePlain(records, options, plan, fallback);
  return withBody(compressSync(codec, body(records, plan, fallback), options.compressionLevel), records.length, plan, options);
}
