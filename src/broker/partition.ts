/**
 * A partition as this broker holds it (Kafka's Partition, with ReplicaManager's map of them):
 * its entry in the metadata image (leader, leader epoch, replicas, ISR), its local log, and
 * what Produce, Fetch, ListOffsets, DeleteRecords and OffsetForLeaderEpoch ask of it — is its
 * log online (else KAFKA_STORAGE_ERROR), is the caller's leader epoch current, does this
 * broker lead it, the end offset of an epoch, the last stable offset, the high watermark
 * after a leader append. Replication extends this object (follower state, ISR changes).
 *
 * One Partition per partition, made on first use and looked up by topic and index (no
 * allocation per request); the metadata entry is refreshed at each lookup, so the image stays
 * the one source of leaders and epochs.
 *
 * Leader epochs: storage keeps no leader-epoch checkpoint yet, so a partition has one epoch,
 * the metadata's current leader epoch, starting at the log start offset. That is exactly
 * Kafka's epoch cache for a partition that never changed leader (a single node); it becomes
 * a real history with replication.
 */
import { partitionOf, type PartitionMetadata, type TopicMetadata } from '../cluster/metadata.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { isDeletePolicy } from '../storage/config.js';
import { partitionKey } from '../storage/checkpoint.js';
import { isStorageError } from '../storage/errors.js';
import type { TxnMarker } from '../storage/txn-marker.js';
import type { LogManager } from '../storage/log-manager.js';
import type { TimestampAndOffset } from '../storage/log-segment.js';
import { EARLIEST_LOCAL_TIMESTAMP, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type LogAppendInfo, type PartitionLog } from '../storage/partition-log.js';

/** "No epoch given" in requests and "unknown" in responses (RecordBatch.NO_PARTITION_LEADER_EPOCH). */
export const NO_EPOCH = -1;
/** LeaderEpochFileCache's UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH_OFFSET = -1;
/** DeleteRecordsRequest.HIGH_WATERMARK. */
export const DELETE_TO_HIGH_WATERMARK = -1;

export interface EpochAndOffset {
  epoch: number;
  endOffset: number;
}

const UNDEFINED: EpochAndOffset = Object.freeze({ epoch: NO_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });

export interface DeleteRecordsResult {
  errorCode: number;
  /** The log start offset after the deletion; -1 with an error. */
  lowWatermark: number;
}

/** Which offset bounds what a ListOffsets caller may see (Kafka's lastFetchableOffset). */
export const enum OffsetsIsolation {
  /** Replicas and tools: the log end offset. */
  LogEnd = 0,
  /** Consumers, read_uncommitted: the high watermark. */
  HighWatermark = 1,
  /** Consumers, read_committed: the last stable offset. */
  Committed = 2,
}

/**
 * Kafka's Partition.checkCurrentLeaderEpoch: a caller ahead of us gets UNKNOWN_LEADER_EPOCH
 * (we have not caught up yet), one behind gets FENCED_LEADER_EPOCH. NO_EPOCH skips the check.
 */
export function leaderEpochError(localEpoch: number, requestEpoch: number): number {
  if (requestEpoch === NO_EPOCH) return ErrorCode.NONE;
  if (localEpoch > requestEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
  if (localEpoch < requestEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  return ErrorCode.NONE;
}

/** The Kafka error code for a failure thrown while reading or changing a log. */
export function storageErrorCode(e: unknown): number {
  if (isStorageError(e) && e.errorCode >= 0) return e.errorCode;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

export class Partition {
  readonly topic: string;
  readonly index: number;
  /** The metadata image's entry, as of the last lookup. */
  metadata: PartitionMetadata;
  private readonly owner: Partitions;
  private log_: PartitionLog | undefined = undefined;

  constructor(owner: Partitions, topic: string, metadata: PartitionMetadata) {
    this.owner = owner;
    this.topic = topic;
    this.index = metadata.partition;
    this.metadata = metadata;
  }

  get leaderEpoch(): number {
    return this.metadata.leaderEpoch;
  }

  get isLeader(): boolean {
    return this.metadata.leader === this.owner.nodeId;
  }

  /**
   * The local log, or undefined when this broker has none. A closed log (its topic was
   * deleted, perhaps made again) is looked up afresh.
   */
  get log(): PartitionLog | undefined {
    let log = this.log_;
    if (log === undefined || log.isClosed) {
      log = this.owner.logs.getLog(this.topic, this.index);
      this.log_ = log;
    }
    return log;
  }

  /** True when the log failed to load or went offline after an I/O error (KAFKA_STORAGE_ERROR). */
  get hasStorageError(): boolean {
    const log = this.log;
    return log !== undefined ? log.isOffline : this.owner.logs.offlinePartitions.has(partitionKey(this.topic, this.index));
  }

  /**
   * The local log whatever its role (ReplicaManager.getPartitionOrException with
   * localLogOrException): KAFKA_STORAGE_ERROR when offline, NOT_LEADER_OR_FOLLOWER when
   * there is none.
   */
  localLogOrError(): PartitionLog | number {
    const log = this.log;
    if (log === undefined || log.isOffline) return this.hasStorageError ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return log;
  }

  /**
   * The leader's log (Partition.localLogWithEpochOrThrow), or the error code Kafka gives: the
   * local log's errors, then the leader epoch check, then NOT_LEADER_OR_FOLLOWER when another
   * broker leads it.
   */
  leaderLogOrError(currentLeaderEpoch: number): PartitionLog | number {
    const log = this.localLogOrError();
    if (typeof log === 'number') return log;
    const epochError = leaderEpochError(this.metadata.leaderEpoch, currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) return epochError;
    if (!this.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return log;
  }

  /**
   * Appends an end-transaction marker to the leader's `log` (the WriteTxnMarkers path,
   * Kafka's ReplicaManager.appendRecords with AppendOrigin.COORDINATOR), stamping the
   * partition's leader epoch; with `advanceHw` (the leader is the whole ISR) the high
   * watermark follows the log end, which makes the transaction stable at once. Throws the
   * log's StorageErrors: INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED,
   * KAFKA_STORAGE_ERROR; nothing is written then. The caller checks leadership first
   * (`leaderLogOrError`).
   */
  appendTxnMarkerAsLeader(log: PartitionLog, marker: TxnMarker, advanceHw: boolean): LogAppendInfo {
    const info = log.appendTxnMarker(marker, this.metadata.leaderEpoch);
    if (advanceHw) log.maybeIncrementHighWatermark(log.logEndOffset);
    return info;
  }

  /**
   * The last stable offset (UnifiedLog.lastStableOffset): the first offset of the earliest
   * transaction not yet decided (or decided above the high watermark), capped by the high
   * watermark.
   */
  lastStableOffset(log: PartitionLog): number {
    return log.lastStableOffset;
  }

  /**
   * Kafka's LeaderEpochFileCache.endOffsetFor over the one-epoch history: the current epoch
   * ends at the log end offset; a later epoch is undefined; an earlier one (older than any we
   * know) ends where the known history starts, the log start offset.
   */
  endOffsetForEpoch(log: PartitionLog, requestedEpoch: number): EpochAndOffset {
    const currentEpoch = this.metadata.leaderEpoch;
    if (requestedEpoch === NO_EPOCH) return UNDEFINED;
    if (requestedEpoch === currentEpoch) return { epoch: currentEpoch, endOffset: log.logEndOffset };
    if (requestedEpoch > currentEpoch) return UNDEFINED;
    return { epoch: requestedEpoch, endOffset: log.logStartOffset };
  }

  /** OffsetForLeaderEpoch (Partition.lastOffsetForLeaderEpoch): the leader checks, then the epoch's end. */
  lastOffsetForLeaderEpoch(currentLeaderEpoch: number, leaderEpoch: number): EpochAndOffset | number {
    const log = this.leaderLogOrError(currentLeaderEpoch);
    if (typeof log === 'number') return log;
    return this.endOffsetForEpoch(log, leaderEpoch);
  }

  /**
   * ListOffsets on the leader's `log` (Partition.fetchOffsetForTimestamp): the latest and
   * earliest offsets, or the first offset whose timestamp is >= `timestamp`; null when there
   * is none the caller may see yet. Throws the log's StorageErrors.
   */
  async fetchOffsetForTimestamp(log: PartitionLog, timestamp: number, isolation: OffsetsIsolation): Promise<TimestampAndOffset | null> {
    const lastFetchable =
      isolation === OffsetsIsolation.LogEnd ? log.logEndOffset : isolation === OffsetsIsolation.Committed ? this.lastStableOffset(log) : log.highWatermark;
    switch (timestamp) {
      case LATEST_TIMESTAMP:
        return { timestamp: -1, offset: lastFetchable, leaderEpoch: this.metadata.leaderEpoch };
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP:
        return { timestamp: -1, offset: log.logStartOffset, leaderEpoch: this.metadata.leaderEpoch };
    }
    const found = await log.fetchOffsetByTimestamp(timestamp);
    return found === null || found.offset >= lastFetchable ? null : found;
  }

  /**
   * DeleteRecords (Partition.deleteRecordsOnLeader): moves the log start offset up to
   * `requested` (DELETE_TO_HIGH_WATERMARK: the high watermark) on a topic with the delete
   * policy, and answers the new low watermark. Throws the log's StorageErrors (an offset
   * past the high watermark is OFFSET_OUT_OF_RANGE).
   */
  deleteRecordsOnLeader(log: PartitionLog, requested: number): DeleteRecordsResult {
    if (!isDeletePolicy(log.config)) return { errorCode: ErrorCode.POLICY_VIOLATION, lowWatermark: -1 };
    const offset = requested === DELETE_TO_HIGH_WATERMARK ? log.highWatermark : requested;
    if (offset < 0) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 };
    log.maybeIncrementLogStartOffset(offset, 'client delete records request');
    return { errorCode: ErrorCode.NONE, lowWatermark: log.logStartOffset };
  }

  /**
   * Appends a validated client batch as the leader (Partition.appendRecordsToLeader), stamping
   * the partition's leader epoch; with `advanceHw` (the leader is the whole ISR) the high
   * watermark follows the log end. Throws the log's StorageErrors, the idempotent producer
   * checks' among them.
   */
  appendRecordsToLeader(log: PartitionLog, batch: Buffer, advanceHw: boolean): LogAppendInfo {
    const endBefore = log.logEndOffset;
    const info = log.appendAsLeader(batch, this.metadata.leaderEpoch);
    // A retried batch appends nothing and moves nothing.
    if (advanceHw && log.logEndOffset !== endBefore) log.maybeIncrementHighWatermark(log.logEndOffset);
    return info;
  }
}

/**
 * The partitions of this broker by topic name and index (Kafka's ReplicaManager.allPartitions).
 * Made on first lookup of a partition the metadata knows; dropped with their topic.
 */
export class Partitions {
  readonly nodeId: number;
  readonly logs: LogManager;
  private readonly byTopic = new Map<string, Partition[]>();

  constructor(nodeId: number, logs: LogManager) {
    this.nodeId = nodeId;
    this.logs = logs;
  }

  /** The partition `index` of `topic`, its metadata refreshed; undefined when the image does not know it. */
  get(topic: TopicMetadata | undefined, index: number): Partition | undefined {
    const pm = partitionOf(topic, index);
    if (pm === undefined) return undefined;
    const name = topic!.name;
    let list = this.byTopic.get(name);
    if (list === undefined) {
      list = [];
      this.byTopic.set(name, list);
    }
    let p = list[index];
    if (p === undefined) {
      p = new Partition(this, name, pm);
      list[index] = p;
    } else {
      p.metadata = pm;
    }
    return p;
  }

  /** Forgets a deleted topic's partitions. */
  removeTopic(name: string): void {
    this.byTopic.delete(name);
  }
}
