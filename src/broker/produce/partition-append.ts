/**
 * One partition of a Produce request, from its records to its response entry, in the order
 * Kafka 4.0 checks (KafkaApis.handleProduceRequest, ReplicaManager.appendToLocalLog,
 * Partition.appendRecordsToLeader, UnifiedLog.append, LogValidator):
 *
 *   unknown partition → UNKNOWN_TOPIC_OR_PARTITION; ProduceRequest.validateRecords (one v2
 *   batch) → INVALID_RECORD / CORRUPT_MESSAGE / UNSUPPORTED_COMPRESSION_TYPE (zstd before v7) / UNKNOWN_SERVER_ERROR (codec id 5-7); transactional
 *   batch verification (produce-txn.ts); internal topic → INVALID_TOPIC_EXCEPTION; not the leader →
 *   NOT_LEADER_OR_FOLLOWER; acks=-1 with fewer in-sync replicas than min.insync.replicas
 *   (capped at the replica count, as Kafka 3.7+ does) → NOT_ENOUGH_REPLICAS; the client batch
 *   checks (size → MESSAGE_TOO_LARGE, CRC → CORRUPT_MESSAGE, offsets/count/control/sequence →
 *   INVALID_RECORD); the walk of every record (framing → INVALID_RECORD; compressed batches
 *   streamed through a bounded window, past 64 MiB → RECORD_TOO_LARGE), record checks and
 *   recompression (record-validation.ts); the append, whose idempotent producer checks
 *   storage makes (src/storage/producer-check.ts, PartitionLog.appendAsLeader).
 *
 * Like Kafka, the response carries an error message and record errors only for record
 * validation failures (RecordValidationException) and transaction verification; the log
 * start offset is -1 for the errors Kafka answers with UNKNOWN_LOG_APPEND_INFO.
 *
 * The append itself is synchronous; a successful one advances the high watermark to the log
 * end offset when the leader is the whole ISR (a single node), and the response waits for
 * the fsync the flush policy asks for (`flush.messages`), if any. On a replicated leader the
 * followers move the high watermark, and acks=all waits for it (awaitReplication).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import type { BatchIndexAndErrorMessage, LeaderIdAndEpoch, PartitionProduceResponse } from '../../protocol/generated/produce-response.js';
import {
  ATTRIBUTES_OFFSET,
  COMPRESSION_MASK,
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RECORD_BATCH_OVERHEAD,
  TRANSACTIONAL_MASK,
} from '../../protocol/records/batch-header.js';
import { batchFaultErrorCode, BatchFault } from '../../protocol/records/faults.js';
import { validateClientBatch, validateProduceRecords } from '../../protocol/records/validate.js';
import { isStorageError } from '../../storage/errors.js';
import type { LogAppendInfo, PartitionLog } from '../../storage/partition-log.js';
import type { BrokerEndpoint, PartitionMetadata, TopicMetadata } from '../../cluster/metadata.js';
import type { Partition } from '../partition.js';
import type { ProduceHost, ProduceServices } from './produce-services.js';
import { hasSyncCodec } from '../../protocol/compression/index.js';
import {
  checkRecordsSync,
  prepareRecords,
  RecordRejection,
  RecordWork,
  validateRecords,
  validateRecordsSync,
  WALK_ASYNC,
  type RecordCheckContext,
} from './record-validation.js';
import type { TopicProduceSettings } from './topic-settings.js';
import type { ProduceTxn } from './produce-txn.js';

/** The client id Kafka's AdminClient uses; only it may write to internal topics. */
export const ADMIN_CLIENT_ID = '__admin_client';

const NO_LEADER: LeaderIdAndEpoch = Object.freeze({ leaderId: -1, leaderEpoch: -1 });
const NO_RECORD_ERRORS = Object.freeze([]) as unknown as BatchIndexAndErrorMessage[];

/** Errors Kafka answers with UNKNOWN_LOG_APPEND_INFO (log start offset -1). */
function unknownAppendInfo(code: number): boolean {
  return (
    code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
    code === ErrorCode.NOT_LEADER_OR_FOLLOWER ||
    code === ErrorCode.MESSAGE_TOO_LARGE ||
    code === ErrorCode.RECORD_LIST_TOO_LARGE ||
    code === ErrorCode.CORRUPT_MESSAGE ||
    code === ErrorCode.KAFKA_STORAGE_ERROR
  );
}

export function partitionError(
  index: number,
  errorCode: number,
  logStartOffset = -1,
  errorMessage: string | null = null,
  recordErrors: BatchIndexAndErrorMessage[] = NO_RECORD_ERRORS,
  currentLeader: LeaderIdAndEpoch = NO_LEADER,
): PartitionProduceResponse {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: BigInt(logStartOffset), recordErrors, errorMessage, currentLeader };
}

/** An error raised by the log layer: the log start offset unless Kafka reports none. */
function logError(index: number, errorCode: number, log: PartitionLog): PartitionProduceResponse {
  return partitionError(index, errorCode, unknownAppendInfo(errorCode) ? -1 : log.logStartOffset);
}

function success(index: number, baseOffset: number, logAppendTime: number, logStartOffset: number): PartitionProduceResponse {
  return {
    index,
    errorCode: ErrorCode.NONE,
    baseOffset: BigInt(baseOffset),
    logAppendTimeMs: BigInt(logAppendTime),
    logStartOffset: BigInt(logStartOffset),
    recordErrors: NO_RECORD_ERRORS,
    errorMessage: null,
    currentLeader: NO_LEADER,
  };
}

/** What every partition of one Produce request shares. */
export class ProduceRequestContext {
  readonly host: ProduceHost;
  readonly services: ProduceServices;
  readonly acks: number;
  readonly apiVersion: number;
  readonly adminClient: boolean;
  readonly now: number;
  /** Leaders named in NOT_LEADER_OR_FOLLOWER answers (v10+ nodeEndpoints). */
  leaders: BrokerEndpoint[] | null = null;
  /** The transaction of the request's transactional batches (produce-txn.ts), if any. */
  txn: ProduceTxn | null = null;
  /** The request's timeout_ms: how long an acks=all append may wait for the ISR. */
  timeoutMs = 0;

  constructor(services: ProduceServices, acks: number, apiVersion: number, clientId: string | null, now: number) {
    this.host = services.host;
    this.services = services;
    this.acks = acks;
    this.apiVersion = apiVersion;
    this.adminClient = clientId === ADMIN_CLIENT_ID;
    this.now = now;
  }

  notLeader(index: number, p: PartitionMetadata): PartitionProduceResponse {
    if (this.apiVersion < 10) return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const node = this.host.metadata.brokers().find((b) => b.nodeId === p.leader);
    if (node !== undefined) {
      this.leaders ??= [];
      if (!this.leaders.some((b) => b.nodeId === node.nodeId)) this.leaders.push(node);
    }
    return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, -1, null, NO_RECORD_ERRORS, { leaderId: p.leader, leaderEpoch: p.leaderEpoch });
  }
}

/** Kafka's effective min ISR: min.insync.replicas, capped at the replica count (KAFKA-15583). */
export function effectiveMinIsr(p: PartitionMetadata, minInsyncReplicas: number): number {
  return Math.min(minInsyncReplicas, p.replicas.length);
}

/** True when the transactional flag is set on the (already validated) batch. */
export function isTransactionalBatch(batch: Buffer): boolean {
  return batch.length >= RECORD_BATCH_OVERHEAD && (batch[ATTRIBUTES_OFFSET + 1]! & TRANSACTIONAL_MASK) !== 0;
}

/**
 * Produces to one partition. Returns the response entry, or a promise of it when the append
 * waits for its turn behind a recompression, for record decoding, or for an fsync.
 */
export function producePartition(
  rc: ProduceRequestContext,
  topic: TopicMetadata,
  settings: TopicProduceSettings,
  index: number,
  records: Buffer | null,
): PartitionProduceResponse | Promise<PartitionProduceResponse> {
  const host = rc.host;
  const partition = host.partitions.get(topic, index);
  if (partition === undefined) return partitionError(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const p = partition.metadata;
  if (records === null) return partitionError(index, ErrorCode.INVALID_RECORD);
  const fault = validateProduceRecords(records, 0, records.length, rc.apiVersion);
  if (fault !== BatchFault.Ok) {
    // Of these, Kafka 4.4 sends its exception's words for an unknown magic alone.
    const message = fault === BatchFault.UnknownMagic ? `Invalid magic found in record: ${records.readInt8(MAGIC_OFFSET)}` : null;
    return partitionError(index, batchFaultErrorCode(fault), -1, message);
  }
  if (rc.txn !== null && isTransactionalBatch(records)) {
    // KIP-890 verification, answered before the partition's other checks as Kafka does; made
    // again right before the append (appendNow), in case the append has to wait.
    const log = partition.isLeader ? partition.log : undefined;
    const refused = log === undefined || log.isOffline || log.isClosed ? null : rc.txn.check(topic.name, index, log);
    if (refused !== null) return partitionError(index, refused.errorCode, -1, refused.message);
  }
  if (topic.internal && !rc.adminClient) return partitionError(index, ErrorCode.INVALID_TOPIC_EXCEPTION);
  if (!partition.isLeader) return rc.notLeader(index, p);
  const log = partition.log;
  if (log === undefined || log.isOffline || log.isClosed) {
    return log !== undefined || partition.hasStorageError ? partitionError(index, ErrorCode.KAFKA_STORAGE_ERROR) : rc.notLeader(index, p);
  }
  const minIsr = effectiveMinIsr(p, settings.minInsyncReplicas);
  const underMinIsr = p.isr.length < minIsr;
  if (rc.acks === -1 && underMinIsr) {
    host.logger.debug({ topic: topic.name, partition: index, isr: p.isr, minIsr }, 'not enough in-sync replicas for acks=-1');
    return partitionError(index, ErrorCode.NOT_ENOUGH_REPLICAS, log.logStartOffset);
  }
  const config = log.config;
  const clientFault = validateClientBatch(records, 0, records.length, config['max.message.bytes']);
  if (clientFault !== BatchFault.Ok) return logError(index, batchFaultErrorCode(clientFault), log);
  const size = LOG_OVERHEAD + records.readInt32BE(BATCH_LENGTH_OFFSET);
  const batch = size === records.length ? records : records.subarray(0, size);

  // Single node: the leader alone is the ISR, so the high watermark follows the log end
  // (unless the partition is under its min ISR, where Kafka holds it back). With followers in
  // the ISR, replication advances it.
  const advanceHw = p.isr.length <= 1 && !underMinIsr;
  // One context for the synchronous checks (they run one at a time on the event loop); a batch
  // that goes asynchronous gets its own copy below.
  const ctx = syncCheckContext;
  ctx.topic = topic.name;
  ctx.partition = index;
  ctx.config = config;
  ctx.settings = settings;
  ctx.now = rc.now;
  ctx.compression = undefined;
  let prepared: Promise<Buffer | RecordRejection>;
  // Most batches are walked now, synchronously, and need nothing else.
  const work = validateRecordsSync(batch, ctx);
  if (work instanceof RecordRejection) return rejected(index, work, log, host, topic.name);
  if (work === RecordWork.None) return appendInOrder(rc, partition, log, batch, index, topic.name, advanceHw);
  if (work === WALK_ASYNC) {
    // gzip or zstd output past SYNC_INFLATE_MAX (or zstd on Node 20): streamed on the libuv pool.
    prepared = validateRecords(batch, { ...ctx });
  } else if (work === RecordWork.Check && hasSyncCodec(batch[ATTRIBUTES_OFFSET + 1]! & COMPRESSION_MASK)) {
    const rejection = checkRecordsSync(batch, ctx);
    if (rejection !== null) return rejected(index, rejection, log, host, topic.name);
    return appendInOrder(rc, partition, log, batch, index, topic.name, advanceHw);
  } else {
    prepared = prepareRecords(batch, work, { ...ctx });
  }
  // Decompression or recompression: asynchronous, so later appends to this partition wait.
  const queue = rc.services.queue(log);
  queue.pending++;
  const turn = queue.tail.then(() => prepared);
  const done = turn.then(
    (ready): [PartitionProduceResponse | Promise<PartitionProduceResponse>] => {
      queue.pending--;
      if (ready instanceof RecordRejection) return [rejected(index, ready, log, host, topic.name)];
      return [appendNow(rc, partition, log, ready, index, topic.name, advanceHw)];
    },
    (err: unknown): [PartitionProduceResponse] => {
      queue.pending--;
      host.logger.error({ err, topic: topic.name, partition: index }, 'error preparing records for append');
      return [logError(index, ErrorCode.UNKNOWN_SERVER_ERROR, log)];
    },
  );
  queue.tail = done;
  return done.then((box) => box[0]);
}

const syncCheckContext: RecordCheckContext = {
  topic: '',
  partition: 0,
  config: undefined as unknown as RecordCheckContext['config'],
  settings: undefined as unknown as TopicProduceSettings,
  now: 0,
  compression: undefined,
};

function rejected(index: number, r: RecordRejection, log: PartitionLog, host: ProduceHost, topic: string): PartitionProduceResponse {
  if (r.detail !== null) host.logger.debug({ topic, partition: index, errorCode: r.errorCode, reason: r.detail }, 'batch refused for its records');
  const lso = unknownAppendInfo(r.errorCode) ? -1 : log.logStartOffset;
  return partitionError(index, r.errorCode, lso, r.errorMessage, r.recordErrors.length === 0 ? NO_RECORD_ERRORS : r.recordErrors);
}

/** Appends now unless earlier appends to the partition are still waiting. */
function appendInOrder(
  rc: ProduceRequestContext,
  partition: Partition,
  log: PartitionLog,
  batch: Buffer,
  index: number,
  topic: string,
  advanceHw: boolean,
): PartitionProduceResponse | Promise<PartitionProduceResponse> {
  const queue = rc.services.queueIfAny(log);
  if (queue === undefined || queue.pending === 0) return appendNow(rc, partition, log, batch, index, topic, advanceHw);
  queue.pending++;
  const done = queue.tail.then((): [PartitionProduceResponse | Promise<PartitionProduceResponse>] => {
    queue.pending--;
    return [appendNow(rc, partition, log, batch, index, topic, advanceHw)];
  });
  queue.tail = done;
  return done.then((box) => box[0]);
}

/** The idempotence checks and the append, synchronously. */
function appendNow(
  rc: ProduceRequestContext,
  partition: Partition,
  log: PartitionLog,
  batch: Buffer,
  index: number,
  topic: string,
  advanceHw: boolean,
): PartitionProduceResponse | Promise<PartitionProduceResponse> {
  const host = rc.host;
  if (log.isOffline || log.isClosed) return partitionError(index, ErrorCode.KAFKA_STORAGE_ERROR);
  let guard: number | null = null;
  if (rc.txn !== null && isTransactionalBatch(batch)) {
    const refused = rc.txn.check(topic, index, log);
    if (refused !== null) return partitionError(index, refused.errorCode, -1, refused.message);
    guard = rc.txn.guardFor(topic, index);
  }
  let info: LogAppendInfo;
  try {
    // The idempotent producer checks run inside the log (a retried batch is answered with the
    // original's offsets and its timestamp as the append time), and, after a verification by a
    // coordinator on another broker, the check of its guard.
    info = partition.appendRecordsToLeader(log, batch, advanceHw, guard);
  } catch (err) {
    if (isStorageError(err)) {
      const name = err.errorName;
      if (name === 'KAFKA_STORAGE_ERROR') host.logger.error({ err, topic, partition: index }, 'append failed');
      else if (name === 'INVALID_PRODUCER_EPOCH') host.logger.info(err.message);
      else if (name === 'OUT_OF_ORDER_SEQUENCE_NUMBER') host.logger.warn(err.message);
      else host.logger.debug({ topic, partition: index, reason: err.message }, 'append refused');
      return logError(index, err.errorCode >= 0 ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR, log);
    }
    host.logger.error({ err, topic, partition: index }, 'unexpected error appending');
    return logError(index, ErrorCode.UNKNOWN_SERVER_ERROR, log);
  }
  // BrokerTopicMetrics BytesInPerSec / MessagesInPerSec, counted on the append as Kafka's ReplicaManager does.
  const stats = partition.stats;
  stats.bytesIn += batch.length;
  stats.messagesIn += info.recordCount;
  const response = success(index, info.firstOffset, info.logAppendTime, info.logStartOffset);
  if (rc.acks === -1 && partition.leaderState !== null) return awaitReplication(rc, partition, info, response, log, index);
  if (info.durable === null || rc.acks === 0) return response;
  return awaitDurable(info.durable, response, log, index, host);
}

/**
 * acks=all on a replicated leader (Kafka's DelayedProduce): answered once the high watermark
 * passes the append, with the partition's verdict (NOT_ENOUGH_REPLICAS_AFTER_APPEND,
 * NOT_LEADER_OR_FOLLOWER after losing leadership, REQUEST_TIMED_OUT after `timeout_ms`)
 * set on the entry that keeps the append's offsets, as Kafka does.
 */
function awaitReplication(
  rc: ProduceRequestContext,
  partition: Partition,
  info: LogAppendInfo,
  response: PartitionProduceResponse,
  log: PartitionLog,
  index: number,
): PartitionProduceResponse | Promise<PartitionProduceResponse> {
  const replication = rc.host.partitions.replication!;
  const verdict = replication.awaitIsr(partition, info.lastOffset + 1, rc.timeoutMs);
  const withVerdict = (code: number): PartitionProduceResponse => (code === ErrorCode.NONE ? response : { ...response, errorCode: code });
  const durable = info.durable === null ? null : awaitDurable(info.durable, response, log, index, rc.host);
  if (durable === null) return typeof verdict === 'number' ? withVerdict(verdict) : verdict.then(withVerdict);
  return Promise.all([durable, verdict]).then(([flushed, code]) => (flushed.errorCode !== ErrorCode.NONE ? flushed : withVerdict(code)));
}

function awaitDurable(
  durable: Promise<void>,
  response: PartitionProduceResponse,
  log: PartitionLog,
  index: number,
  host: ProduceHost,
): Promise<PartitionProduceResponse> {
  return durable.then(
    () => response,
    (err: unknown) => {
      host.logger.error({ err, topic: log.topic, partition: index }, 'flush failed');
      return partitionError(index, ErrorCode.KAFKA_STORAGE_ERROR);
    },
  );
}
