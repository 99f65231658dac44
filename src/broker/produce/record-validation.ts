/**
 * The record-level part of Kafka's LogValidator. Every record of every produced batch is
 * walked (src/protocol/records/walk.ts: framing, lengths, counts; compressed batches streamed
 * through a bounded window, walk-batch.ts) and refused with Kafka's code when malformed.
 * The walk also gathers what the per-record checks need, so records are decoded only when a
 * check may fail or the batch must be rewritten:
 *
 * - compacted topics: every record needs a key (INVALID_RECORD, "Compacted topic cannot
 *   accept message without key in topic partition ...") — decoded when the walk saw a null key;
 * - CreateTime limits (`message.timestamp.before.max.ms` / `after.max.ms`): decoded when the
 *   walk's smallest or largest timestamp is out of range (INVALID_TIMESTAMP);
 * - a batch the producer marked LogAppendTime (INVALID_TIMESTAMP on LogAppendTime topics, and
 *   for records without a timestamp on CreateTime topics, as Kafka's validateTimestamp);
 * - `compression.type` other than `producer`: a batch in another codec is decompressed and
 *   written again in the topic's codec (`uncompressed` = none), with the same records,
 *   timestamps, producer id, epoch, base sequence and transactional flag; offsets are
 *   assigned from 0 as Kafka's MemoryRecordsBuilder does;
 * - offset deltas that are not 0..n-1: an uncompressed batch is kept as it is, as Kafka's
 *   assignOffsetsNonCompressed does (it never reads offset deltas); a compressed batch being
 *   rewritten anyway (another codec) gets 0..n-1; a compressed batch kept in its codec is
 *   refused with UNKNOWN_SERVER_ERROR, as Kafka 4.4 answers it: its validator walks such a
 *   batch with the key/value-skipping iterator, then falls back to rebuilding it from those
 *   partial records (`inPlaceAssignment = false`) and fails ("key is skipped in
 *   PartialDefaultRecord"). Record errors found first still win, as in Kafka.
 *
 * Record errors carry the index of the record in the batch and Kafka's message; the partition
 * error message is the one Kafka's RecordValidationException carries. Framing faults answer
 * with no message, as Kafka does for InvalidRecordException.
 */
import {
  ATTRIBUTES_OFFSET,
  COMPRESSION_MASK,
  MAX_TIMESTAMP_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
} from '../../protocol/records/batch-header.js';
import { decodeBatch, decodeBatchSync, type DecodedBatch } from '../../protocol/records/decode.js';
import { encodeBatch } from '../../protocol/records/encode.js';
import { recordsErrorCode } from '../../protocol/records/faults.js';
import { ProtocolDecodeError } from '../../protocol/primitives/errors.js';
import { readInt64Number, TimestampType } from '../../protocol/records/header.js';
import type { DecodedRecord, RecordInput } from '../../protocol/records/record.js';
import { RecordFault, recordFaultErrorCode, recordFaultMessage, RecordWalk } from '../../protocol/records/walk.js';
import { walkBatch, walkBatchSync, WALK_ASYNC } from '../../protocol/records/walk-batch.js';
import { CompressionType } from '../../protocol/compression/compression-type.js';
import type { BatchIndexAndErrorMessage } from '../../protocol/generated/produce-response.js';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { isCompactPolicy, type LogConfig } from '../../storage/config.js';
import { KEEP_PRODUCER_COMPRESSION, type TopicProduceSettings } from './topic-settings.js';

/**
 * Cap on a batch's records once decompressed, for validation or recompression. Stricter than
 * Kafka, which has none (it bounds only the compressed size by max.message.bytes): a batch of
 * well-formed records that inflates past it is answered RECORD_TOO_LARGE, so a Java producer
 * splits it, where Kafka would accept it.
 */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** What a batch needs once its records were walked (bit set; 0 = nothing: append it as it is). */
export const enum RecordWork {
  None = 0,
  /** Decode the records to check keys or timestamps. */
  Check = 1,
  /** Decode and encode again in the topic's codec. */
  Recompress = 2,
  /** Compressed, kept in its codec, offset deltas not 0..n-1: refused once the checks pass. */
  Unassignable = 4,
}



/** Kafka's Long.MAX_VALUE, for messages that print a limit of "no limit". */
const LONG_MAX = 9223372036854775807n;

/** A batch refused for its records: the partition's error code, message and record errors. */
export class RecordRejection {
  constructor(
    readonly errorCode: number,
    readonly errorMessage: string | null,
    readonly recordErrors: BatchIndexAndErrorMessage[],
    /** Why, for the broker's log (Kafka's exception message where it sends none). */
    readonly detail: string | null = null,
  ) {}
}

/** Kafka 4.4's answer to a compressed batch it cannot assign offsets to in place (see the top). */
const UNASSIGNABLE = new RecordRejection(
  ErrorCode.UNKNOWN_SERVER_ERROR, null, [], 'key is skipped in PartialDefaultRecord (offset deltas not 0..n-1 in a compressed batch kept in its codec)');

export interface RecordCheckContext {
  topic: string;
  partition: number;
  config: LogConfig;
  settings: TopicProduceSettings;
  now: number;
  /** Codec a rewritten batch is written in; the topic's compression.type when absent. */
  compression?: number;
}

/** Java's `long` arithmetic, for limits printed the way Kafka prints them. */
function javaLong(n: number): bigint {
  return n === Infinity ? LONG_MAX : BigInt(n);
}

function recordToString(r: DecodedRecord): string {
  return `DefaultRecord(offset=${r.offset}, timestamp=${r.timestamp}, key=${r.key?.length ?? 0} bytes, value=${r.value?.length ?? 0} bytes)`;
}

/**
 * LogValidator.validateRecord for each record: key on compacted topics, then the timestamp.
 * Returns null when every record passes.
 */
export function checkRecords(batch: DecodedBatch, ctx: RecordCheckContext): RecordRejection | null {
  const compacted = isCompactPolicy(ctx.config);
  const createTime = ctx.config['message.timestamp.type'] === 'CreateTime';
  const before = ctx.settings.timestampBeforeMaxMs;
  const after = ctx.settings.timestampAfterMaxMs;
  const now = ctx.now;
  const latBatch = batch.timestampType === TimestampType.LogAppendTime;
  let errors: BatchIndexAndErrorMessage[] | null = null;
  let timestampError = false;
  const records = batch.records;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    let message: string | null = null;
    if (compacted && r.key === null) {
      message = `Compacted topic cannot accept message without key in topic partition ${ctx.topic}-${ctx.partition}`;
    } else if (createTime && r.timestamp !== -1) {
      const diff = now - r.timestamp;
      if (diff > before || -diff > after) {
        timestampError = true;
        const low = BigInt.asIntN(64, BigInt(now) - javaLong(before));
        const high = BigInt.asIntN(64, BigInt(now) + javaLong(after));
        message = `Timestamp ${r.timestamp} of message with offset ${r.offset} is out of range. The timestamp should be within [${low}, ${high}]`;
      }
    } else if (latBatch) {
      timestampError = true;
      message = `Invalid timestamp type in message ${recordToString(r)}. Producer should not set timestamp type to LogAppendTime.`;
    }
    if (message !== null) (errors ??= []).push({ batchIndex: i, batchIndexErrorMessage: message });
  }
  if (errors === null) return null;
  if (timestampError) return new RecordRejection(ErrorCode.INVALID_TIMESTAMP, 'One or more records have been rejected due to invalid timestamp', errors);
  const shown = errors
    .slice(0, 3)
    .map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`)
    .join(', ');
  return new RecordRejection(
    ErrorCode.INVALID_RECORD,
    `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown}]`,
    errors,
  );
}

/** A decode failure as Kafka answers it (no message: its exceptions here are not record errors). */
function decodeRejection(err: unknown): RecordRejection {
  const code = recordsErrorCode(err);
  if (code < 0 && !(err instanceof ProtocolDecodeError)) throw err;
  return new RecordRejection(code, null, []);
}

/**
 * Checks the records of an uncompressed batch synchronously (no recompression): null when it
 * may be appended as it is.
 */
export function checkRecordsSync(batch: Buffer, ctx: RecordCheckContext): RecordRejection | null {
  let decoded: DecodedBatch;
  try {
    decoded = decodeBatchSync(batch, 0, batch.length, { verifyCrc: false, maxRecordsBytes: MAX_DECOMPRESSED_BYTES });
  } catch (err) {
    return decodeRejection(err);
  }
  return checkRecords(decoded, ctx);
}

/**
 * Decodes the batch, checks its records when `work` says so, and recompresses it to the
 * topic's codec when asked: the bytes to append, or the rejection.
 */
export async function prepareRecords(batch: Buffer, work: number, ctx: RecordCheckContext): Promise<Buffer | RecordRejection> {
  let decoded: DecodedBatch;
  try {
    decoded = await decodeBatch(batch, 0, batch.length, { verifyCrc: false, maxRecordsBytes: MAX_DECOMPRESSED_BYTES });
  } catch (err) {
    return decodeRejection(err);
  }
  if ((work & RecordWork.Check) !== 0) {
    const rejection = checkRecords(decoded, ctx);
    if (rejection !== null) return rejection;
  }
  if ((work & RecordWork.Unassignable) !== 0) return UNASSIGNABLE;
  if ((work & RecordWork.Recompress) === 0) return batch;
  // Kafka's builder appends the records at consecutive offsets, attributes 0.
  const records = decoded.records;
  const inputs: RecordInput[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    inputs[i] = { key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: i };
  }
  return encodeBatch(inputs, {
    compression: ctx.compression ?? ctx.settings.compression,
    compressionLevel: ctx.settings.compressionLevel,
    producerId: decoded.producerId,
    producerEpoch: decoded.producerEpoch,
    baseSequence: decoded.baseSequence,
    transactional: (batch[ATTRIBUTES_OFFSET + 1]! & TRANSACTIONAL_MASK) !== 0,
  });
}

// ---- the walk of every batch ---------------------------------------------------------------

/** Reused by the synchronous walks (they run one at a time, on the event loop). */
const syncWalk = new RecordWalk();

/** A framing fault as the partition's answer: Kafka's code, no message (its exceptions carry none). */
function walkRejection(walk: RecordWalk, compressed: boolean): RecordRejection {
  const code = recordFaultErrorCode(walk.fault, compressed);
  const where = walk.faultIndex >= 0 ? ` (record ${walk.faultIndex})` : '';
  return new RecordRejection(code === -1 ? ErrorCode.UNKNOWN_SERVER_ERROR : code, null, [], recordFaultMessage(walk) + where);
}

/**
 * After a successful walk: whether LogValidator's per-record checks could fail, so that the
 * records must be decoded to find which and say why.
 */
export function mayFailRecordChecks(batch: Buffer, walk: RecordWalk, settings: TopicProduceSettings, config: LogConfig, now: number): boolean {
  if (walk.nullKeys > 0 && isCompactPolicy(config)) return true;
  if ((batch[ATTRIBUTES_OFFSET + 1]! & TIMESTAMP_TYPE_MASK) !== 0) return true;
  if (config['message.timestamp.type'] === 'LogAppendTime') return false;
  return walk.maxTimestamp - now > settings.timestampAfterMaxMs || now - walk.minTimestamp > settings.timestampBeforeMaxMs;
}

/** The codec a rewrite writes: the topic's, or the batch's own under `producer`. */
function targetCodec(batch: Buffer, settings: TopicProduceSettings): number {
  return settings.compression === KEEP_PRODUCER_COMPRESSION ? batch[ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK : settings.compression;
}

/** What is left to do once the walk passed (RecordWork bits). */
function workAfterWalk(batch: Buffer, walk: RecordWalk, ctx: RecordCheckContext): number {
  const codec = batch[ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK;
  let work = RecordWork.None;
  if (targetCodec(batch, ctx.settings) !== codec) work |= RecordWork.Recompress;
  else if (codec !== CompressionType.None && !walk.offsetsInOrder) work |= RecordWork.Unassignable;
  if (mayFailRecordChecks(batch, walk, ctx.settings, ctx.config, ctx.now)) work |= RecordWork.Check;
  return work;
}

/**
 * Walks the batch's records synchronously where it can (walkBatchSync) and decides what else
 * it needs: a rejection, WALK_ASYNC (walk it with validateRecords), or the RecordWork bits
 * (None: append as it is; Check alone on a codec with a sync decoder: run checkRecordsSync;
 * anything else: prepareRecords).
 * Sets `ctx.compression` for a rewrite.
 */
export function validateRecordsSync(batch: Buffer, ctx: RecordCheckContext): RecordRejection | number {
  const walk = syncWalk;
  const fault = walkBatchSync(batch, walk, MAX_DECOMPRESSED_BYTES);
  if (fault === WALK_ASYNC) return WALK_ASYNC;
  if (fault !== RecordFault.Ok) {
    return walkRejection(walk, (batch[ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK) !== CompressionType.None);
  }
  const work = workAfterWalk(batch, walk, ctx);
  if (work === RecordWork.Unassignable) return UNASSIGNABLE;
  if ((work & RecordWork.Recompress) !== 0) ctx.compression = targetCodec(batch, ctx.settings);
  return work;
}

/**
 * The asynchronous path (gzip and zstd batches): the streamed walk, then the record checks and
 * rewrite it calls for. The bytes to append, or the rejection.
 */
export { WALK_ASYNC };

export async function validateRecords(batch: Buffer, ctx: RecordCheckContext): Promise<Buffer | RecordRejection> {
  const walk = new RecordWalk();
  if ((await walkBatch(batch, walk, MAX_DECOMPRESSED_BYTES)) !== RecordFault.Ok) {
    return walkRejection(walk, (batch[ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK) !== CompressionType.None);
  }
  const work = workAfterWalk(batch, walk, ctx);
  if (work === RecordWork.None) return batch;
  if (work === RecordWork.Unassignable) return UNASSIGNABLE;
  if ((work & RecordWork.Recompress) !== 0) ctx.compression = targetCodec(batch, ctx.settings);
  return prepareRecords(batch, work, ctx);
}
