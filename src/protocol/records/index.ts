/**
 * Record batch v2: header-only access and checks for the hot path, in-place rewrites, and a
 * full codec (records, compression, control records) for everything else.
 */
export * from './batch-header.js';
/** Re-exported from protocol/compression/, its home, so that `records.CompressionType` keeps working. */
export { CompressionType } from '../compression/compression-type.js';
export {
  BatchDecodeError,
  BatchFault,
  batchFaultErrorCode,
  batchFaultMessage,
  recordsErrorCode,
  RecordsErrorCode,
} from './faults.js';
export * from './header.js';
export { BatchCursor } from './iterator.js';
export {
  checkBatch,
  MIN_BATCH_LENGTH,
  MIN_FRAMED_BATCH_LENGTH,
  MIN_RECORD_SIZE,
  validateBatch,
  validateClientBatch,
  validateProduceRecords,
} from './validate.js';
export { DecodedRecord, decodeRecords } from './record.js';
export type { RecordHeader, RecordHeaderInput, RecordInput, RecordsContext } from './record.js';
export { decodeBatch, decodeBatchSync, DEFAULT_MAX_RECORDS_BYTES } from './decode.js';
export type { DecodedBatch, DecodeOptions } from './decode.js';
export { encodeBatch, encodeBatchSync } from './encode.js';
export type { BatchOptions } from './encode.js';
export * from './control.js';
