import { decompress, decompressSync } from '../compression/index.js';
import { LOG_OVERHEAD, BATCH_LENGTH_OFFSET, RECORDS_OFFSET } from './batch-header.js';
import { CompressionType } from '../compression/compression-type.js';
import { BatchDecodeError, BatchFault } from './faults.js';
import { readBatchHeader, TimestampType, type BatchHeader } from './header.js';
import { decodeRecords, type DecodedRecord } from './record.js';
import { checkBatch } from './validate.js';

/**
 * Full decode of a v2 batch: header, decompression of the records section, every record.
 * Off the hot path (compaction, key checks on compacted topics, the internal client, tools).
 * Malformed input raises only ProtocolDecodeError (BatchDecodeError for a header fault,
 * DecompressionError for the codec, plain ProtocolDecodeError for records), and
 * `recordsErrorCode(err)` gives the code to answer with.
 */

/** Default cap on a decompressed records section. */
export const DEFAULT_MAX_RECORDS_BYTES = 64 * 1024 * 1024;

export interface DecodeOptions {
  /** Cap on the records section once decompressed (default 64 MiB). */
  maxRecordsBytes?: number;
  /** Check the CRC first (default true); false for bytes validated already. */
  verifyCrc?: boolean;
}

export interface DecodedBatch extends BatchHeader {
  /** Total size of the batch (batchLength + 12). */
  sizeInBytes: number;
  records: DecodedRecord[];
}

export async function decodeBatch(buf: Buffer, offset = 0, end = buf.length, options?: DecodeOptions): Promise<DecodedBatch> {
  const batch = frame(buf, offset, end, options);
  if (batch.recordCount === 0) return batch;
  const body = buf.subarray(offset + RECORDS_OFFSET, offset + batch.sizeInBytes);
  const records = batch.compression === CompressionType.None
    ? body
    : await decompress(batch.compression, body, options?.maxRecordsBytes ?? DEFAULT_MAX_RECORDS_BYTES);
  return fill(batch, records);
}

/** decodeBatch without awaiting; throws SyncCodecUnavailableError for zstd batches. */
export function decodeBatchSync(buf: Buffer, offset = 0, end = buf.length, options?: DecodeOptions): DecodedBatch {
  const batch = frame(buf, offset, end, options);
  if (batch.recordCount === 0) return batch;
  const body = buf.subarray(offset + RECORDS_OFFSET, offset + batch.sizeInBytes);
  const records = batch.compression === CompressionType.None
    ? body
    : decompressSync(batch.compression, body, options?.maxRecordsBytes ?? DEFAULT_MAX_RECORDS_BYTES);
  return fill(batch, records);
}

function frame(buf: Buffer, offset: number, end: number, options: DecodeOptions | undefined): DecodedBatch {
  const fault = checkBatch(buf, offset, end, options?.verifyCrc ?? true);
  // Kafka's record iterator does not look at lastOffsetDelta; neither does a decode.
  if (fault !== BatchFault.Ok && fault !== BatchFault.BadOffsetDelta) throw new BatchDecodeError(fault, offset);
  const header = readBatchHeader(buf, offset) as DecodedBatch;
  header.sizeInBytes = buf.readInt32BE(offset + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  header.records = [];
  return header;
}

function fill(batch: DecodedBatch, records: Buffer): DecodedBatch {
  batch.records = decodeRecords(records, 0, records.length, batch.recordCount, {
    baseOffset: batch.baseOffset,
    baseTimestamp: batch.baseTimestamp,
    logAppendTime: batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : null,
  });
  return batch;
}
