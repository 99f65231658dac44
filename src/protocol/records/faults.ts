import { DecompressionError } from '../compression/errors.js';
import { ProtocolDecodeError } from '../primitives/errors.js';

/**
 * The Kafka error codes a record batch check can answer with. (These mirror the generated
 * error table's values; they live here so the records layer depends on nothing above it.)
 */
export const RecordsErrorCode = {
  /** Kafka's answer for an exception it does not map (IllegalArgumentException, KafkaException). */
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  /** CorruptRecordException: bad CRC, impossible size, unknown magic. Retriable for clients. */
  CORRUPT_MESSAGE: 2,
  /** RecordTooLargeException: batch above max.message.bytes, or inflates past the cap. */
  RECORD_TOO_LARGE: 10,
  /** UnsupportedCompressionTypeException. */
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  /** InvalidRecordException: structurally wrong content, legacy magic on produce. */
  INVALID_RECORD: 87,
} as const;

/**
 * What a header-only check found wrong with a batch; `Ok` (0) when nothing. A number, so the
 * hot path allocates nothing: `batchFaultErrorCode` and `batchFaultMessage` turn it into
 * what the broker answers.
 */
export const enum BatchFault {
  Ok = 0,
  /** The buffer ends before the batch does (also: fewer than 17 bytes to frame it). */
  Truncated,
  /** batchLength below the smallest any magic allows (14), or below 49 for magic 2. */
  SizeTooSmall,
  /** Magic 0 or 1: message formats Kafka 4.0 no longer accepts (KIP-724). */
  LegacyMagic,
  /** Magic outside 0..2. */
  UnknownMagic,
  /** Stored CRC32C differs from the one computed over attributes..end. */
  CrcMismatch,
  /** Compression codec id 5..7. */
  UnknownCompression,
  /** recordCount below zero. */
  NegativeRecordCount,
  /** lastOffsetDelta below zero, or fewer offsets than records. */
  BadOffsetDelta,
  /** An uncompressed batch too small to hold its stated record count. */
  CountExceedsSize,
  // -- checks Kafka applies only to batches a client produces (AppendOrigin.CLIENT) --
  /** Batch larger than the topic's max.message.bytes. */
  TooLarge,
  /** baseOffset other than 0 from a producer. */
  NonZeroBaseOffset,
  /** recordCount of 0, or not lastOffsetDelta + 1. */
  CountMismatch,
  /** Producers may not write control batches. */
  ControlBatch,
  /** An idempotent/transactional batch (producerId >= 0) without a sequence. */
  MissingSequence,
  // -- checks of a whole Produce partition's records (ProduceRequest.validateRecords) --
  /** No complete batch in the records. */
  NoBatch,
  /** More than one batch in the records. */
  MultipleBatches,
  /** zstd in a Produce request older than v7. */
  ZstdBeforeV7,
}

const FAULT_CODES: readonly number[] = [
  RecordsErrorCode.NONE, // Ok
  RecordsErrorCode.CORRUPT_MESSAGE, // Truncated
  RecordsErrorCode.CORRUPT_MESSAGE, // SizeTooSmall
  RecordsErrorCode.INVALID_RECORD, // LegacyMagic
  RecordsErrorCode.CORRUPT_MESSAGE, // UnknownMagic
  RecordsErrorCode.CORRUPT_MESSAGE, // CrcMismatch
  RecordsErrorCode.UNKNOWN_SERVER_ERROR, // UnknownCompression
  RecordsErrorCode.INVALID_RECORD, // NegativeRecordCount
  RecordsErrorCode.INVALID_RECORD, // BadOffsetDelta
  RecordsErrorCode.INVALID_RECORD, // CountExceedsSize
  RecordsErrorCode.RECORD_TOO_LARGE, // TooLarge
  RecordsErrorCode.INVALID_RECORD, // NonZeroBaseOffset
  RecordsErrorCode.INVALID_RECORD, // CountMismatch
  RecordsErrorCode.INVALID_RECORD, // ControlBatch
  RecordsErrorCode.INVALID_RECORD, // MissingSequence
  RecordsErrorCode.INVALID_RECORD, // NoBatch
  RecordsErrorCode.INVALID_RECORD, // MultipleBatches
  RecordsErrorCode.UNSUPPORTED_COMPRESSION_TYPE, // ZstdBeforeV7
];

/**
 * The Kafka error code for a fault, as Kafka 4.4 answers it (test/compat/malformed records its
 * answers):
 * - UnknownCompression: Kafka's CompressionType.forId throws IllegalArgumentException ("Unknown
 *   compression type id"), which reaches the client as UNKNOWN_SERVER_ERROR (-1); so here.
 * - Truncated: a lone batch cut short is CORRUPT_MESSAGE (a torn write in storage); in a
 *   Produce request, where a cut batch means "no batch", validateProduceRecords answers
 *   INVALID_RECORD as Kafka does.
 */
export function batchFaultErrorCode(fault: BatchFault): number {
  return FAULT_CODES[fault] ?? RecordsErrorCode.CORRUPT_MESSAGE;
}

/** A message for the ProduceResponse's error message, close to Kafka's own wording. */
export function batchFaultMessage(fault: BatchFault): string {
  switch (fault) {
    case BatchFault.Ok: return '';
    case BatchFault.Truncated: return 'Record batch is truncated: the buffer ends before the batch does';
    case BatchFault.SizeTooSmall: return 'Record batch is corrupt (the size is smaller than the minimum allowed overhead)';
    case BatchFault.LegacyMagic:
      return 'Produce requests are only allowed to contain record batches with magic version 2 ' +
        '(message formats v0 and v1 were removed in Apache Kafka 4.0)';
    case BatchFault.UnknownMagic: return 'Invalid magic found in record';
    case BatchFault.CrcMismatch: return 'Record is corrupt (stored crc differs from computed crc)';
    case BatchFault.UnknownCompression: return 'Unknown compression type id';
    case BatchFault.NegativeRecordCount: return 'Found invalid record count';
    case BatchFault.BadOffsetDelta: return 'Batch has an invalid offset range';
    case BatchFault.CountExceedsSize: return 'Record count exceeds what the batch size can hold';
    case BatchFault.TooLarge: return 'The record batch size exceeds the maximum configured value';
    case BatchFault.NonZeroBaseOffset: return 'The baseOffset of the record batch in the append should be 0';
    case BatchFault.CountMismatch: return 'Inconsistent batch offset range and count of records';
    case BatchFault.ControlBatch: return 'Clients are not allowed to write control records';
    case BatchFault.MissingSequence: return 'Invalid sequence number in record batch with a producerId';
    case BatchFault.NoBatch: return 'Produce requests must have at least one record batch per partition';
    case BatchFault.MultipleBatches: return 'Produce requests are only allowed to contain exactly one record batch per partition';
    case BatchFault.ZstdBeforeV7: return 'Produce requests with version below 7 are not allowed to use ZStandard compression';
    default: return 'Record batch is invalid';
  }
}

/**
 * The Kafka error code for an error thrown by a full decode (decodeBatch, decompress):
 * too much output is RECORD_TOO_LARGE (a Java producer then splits its batch), an unknown
 * codec UNSUPPORTED_COMPRESSION_TYPE, a stream that does not inflate or a batch whose framing
 * or CRC is wrong CORRUPT_MESSAGE, and records that do not parse INVALID_RECORD (Kafka's
 * InvalidRecordException). Anything that is not a ProtocolDecodeError is not bad input and
 * gets -1 (UNKNOWN_SERVER_ERROR).
 */
export function recordsErrorCode(err: unknown): number {
  if (err instanceof DecompressionError) {
    if (err.reason === 'too-large') return RecordsErrorCode.RECORD_TOO_LARGE;
    if (err.reason === 'unsupported') return RecordsErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    return RecordsErrorCode.CORRUPT_MESSAGE;
  }
  if (err instanceof BatchDecodeError) return batchFaultErrorCode(err.fault);
  if (err instanceof ProtocolDecodeError) return RecordsErrorCode.INVALID_RECORD;
  return -1;
}

/** A full decode refused a batch for a header fault (see BatchFault). */
export class BatchDecodeError extends ProtocolDecodeError {
  readonly fault: BatchFault;
  constructor(fault: BatchFault, offset: number) {
    super(batchFaultMessage(fault), offset, -1, -1, 'records');
    this.fault = fault;
  }
}
