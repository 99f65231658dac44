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
 * Leader epochs: each log keeps its history in `leader-epoch-checkpoint`
 * (src/storage/leader-epoch-cache.ts): a leader adds its epoch when it takes over
 * (ReplicaManager.makeLeader) or at its first append in a new epoch, a follower the epochs of
 * the batches it copies, and truncation cuts the history with the log. A log from before the
 * file existed starts with the one epoch a single node ever had: the current leader epoch
 * from the log start offset.
 *
 * Replication (src/broker/replica-manager.ts) sets `leaderState` while this broker leads the
 * partition in a cluster, and `followedLeader` while it follows; a single node has neither.
 */
import { TopicStatsRegistry, type TopicStats } from './stats/broker-stats.js';
import { partitionOf, type PartitionMetadata, type TopicMetadata } from '../cluster/metadata.js';
import { ErrorCode } from '../protocol/generated/errors.js';
import { isDeletePolicy } from '../storage/config.js';
import { partitionKey } from '../storage/checkpoint.js';
import { isStorageError } from '../storage/errors.js';
import type { TxnMarker } from '../storage/txn-marker.js';
import type { LogManager } from '../storage/log-manager.js';
import type { TimestampAndOffset } from '../storage/log-segment.js';
import { EARLIEST_LOCAL_TIMESTAMP, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type LogAppendInfo, type PartitionLog } from '../storage/partition-log.js';
import { LeaderEpochCache } from '../storage/leader-epoch-cache.js';
import { StorageError } from '../storage/errors.js';
import { crc32c } from '../protocol/crc32c.js';
import { BATCH_LENGTH_OFFSET, CRC_OFFSET, CRC_START, LOG_OVERHEAD, PARTITION_LEADER_EPOCH_OFFSET } from '../protocol/records/batch-header.js';
import { readInt64Number } from '../protocol/records/header.js';
import type { LeaderState } from '../cluster/replication/leader-state.js';

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

/** What the partitions tell replication (the replica manager implements it; a single node has none). */
export interface ReplicationHooks {
  /** A leader append moved the log end: followers may fetch it, the high watermark may move. */
  onLeaderAppend(partition: Partition, log: PartitionLog): void;
  /** A follower fetched from `fetchOffset` (its log end) without diverging (Partition.updateFollowerFetchState). */
  onFollowerFetch(partition: Partition, log: PartitionLog, replicaId: number, fetchOffset: number, followerLogStartOffset: number): void;
  /** acks=all: the error code once the ISR has everything below `requiredOffset` (NONE), or the verdict; waits up to `timeoutMs`. */
  awaitIsr(partition: Partition, requiredOffset: number, timeoutMs: number): number | Promise<number>;
  /**
   * KIP-392: the replica a consumer in `clientRack` should read `fetchOffset` from, when
   * `replica.selector.class` picks one other than this leader; -1 to read here.
   */
  preferredReadReplica(partition: Partition, log: PartitionLog, clientRack: string, fetchOffset: number): number;
  /**
   * Replication throttles (ReplicaManager.shouldLeaderThrottle): whether the leader sends
   * nothing to follower `replicaId` now — a throttled replica out of the ISR over the leader's
   * `leader.replication.throttled.rate`.
   */
  shouldLeaderThrottle(partition: Partition, replicaId: number): boolean;
  /** Record bytes sent to a follower; they count against the leader's rate when the partition is throttled. */
  recordLeaderReplication(topic: string, partition: number, bytes: number): void;
}

export class Partition {
  readonly topic: string;
  readonly index: number;
  /** The metadata image's entry, as of the last lookup. */
  metadata: PartitionMetadata;
  /** Set while this broker leads the partition in a replicated cluster. */
  leaderState: LeaderState | null = null;
  /** The leader this broker fetches the partition from; -1 when it follows none. */
  followedLeader = -1;
  /** The leader epoch this broker last took a role in (makeLeader / makeFollower); -1 before any. */
  appliedLeaderEpoch = NO_EPOCH;
  /** The topic's BrokerTopicMetrics counters, shared by its partitions. */
  readonly stats: TopicStats;
  private readonly owner: Partitions;
  private log_: PartitionLog | undefined = undefined;
  private epochs_: LeaderEpochCache | undefined = undefined;
  private epochsLog_: PartitionLog | undefined = undefined;

  constructor(owner: Partitions, topic: string, metadata: PartitionMetadata) {
    this.owner = owner;
    this.topic = topic;
    this.index = metadata.partition;
    this.metadata = metadata;
    this.stats = owner.topicStats.of(topic);
  }

  get leaderEpoch(): number {
    return this.metadata.leaderEpoch;
  }

  get isLeader(): boolean {
    return this.metadata.leader === this.owner.nodeId && !this.owner.fenced;
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
    return this.localLogWithEpochOrError(currentLeaderEpoch, true);
  }

  /**
   * Partition.localLogWithEpochOrThrow: as leaderLogOrError, but with `requireLeader` false a
   * follower's log serves too (a consumer reading from the closest replica, KIP-392) — as long
   * as this broker is still one of the partition's replicas.
   */
  localLogWithEpochOrError(currentLeaderEpoch: number, requireLeader: boolean): PartitionLog | number {
    const log = this.localLogOrError();
    if (typeof log === 'number') return log;
    const epochError = leaderEpochError(this.metadata.leaderEpoch, currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) return epochError;
    // A fenced broker (its metadata session lost) serves no reads, a follower's included: its
    // log may be far behind a leader elected meanwhile, and a client that does not send its
    // leader epoch would take that for the leader's end of log and reset its offsets.
    if (requireLeader ? !this.isLeader : !this.isReplica || this.owner.fenced) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return log;
  }

  /** This broker holds one of the partition's replicas (a leader or a follower). */
  get isReplica(): boolean {
    return this.metadata.replicas.includes(this.owner.nodeId);
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
    const epoch = this.metadata.leaderEpoch;
    const epochs = this.epochCache(log);
    const info = log.appendTxnMarker(marker, epoch);
    // As appendRecordsToLeader: the epoch history, then replication or the single-node high watermark.
    if (epoch > epochs.latestEpoch) epochs.assign(epoch, info.firstOffset);
    if (this.leaderState !== null) this.owner.replication?.onLeaderAppend(this, log);
    else if (advanceHw) log.maybeIncrementHighWatermark(log.logEndOffset);
    return info;
  }

  /**
   * Appends a coordinator's batch (__consumer_offsets, __transaction_state) to the leader's
   * `log` (Kafka's appendRecords with AppendOrigin.COORDINATOR: offsets assigned, no client
   * checks), stamping the partition's leader epoch; then, as for a produce, replication or the
   * single-node high watermark (`advanceHw`). Throws the log's StorageErrors.
   * `verificationGuard`: PartitionLog.append's.
   */
  appendAsCoordinator(log: PartitionLog, batch: Buffer, advanceHw: boolean, verificationGuard: number | null = null): LogAppendInfo {
    const epoch = this.metadata.leaderEpoch;
    const epochs = this.epochCache(log);
    const info = log.append(batch, { leaderEpoch: epoch, verificationGuard });
    if (epoch > epochs.latestEpoch) epochs.assign(epoch, info.firstOffset);
    if (this.leaderState !== null) this.owner.replication?.onLeaderAppend(this, log);
    else if (advanceHw) log.maybeIncrementHighWatermark(log.logEndOffset);
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
   * The leader epoch history of `log` (leader-epoch-checkpoint), opened with the log. A log
   * with records and no file yet gets the one-epoch history of a single node.
   */
  epochCache(log: PartitionLog): LeaderEpochCache {
    let epochs = this.epochs_;
    if (epochs === undefined || this.epochsLog_ !== log) {
      epochs = LeaderEpochCache.open(log.dir);
      if (!epochs.exists && log.logEndOffset > log.logStartOffset && this.metadata.leaderEpoch >= 0) epochs.assign(this.metadata.leaderEpoch, log.logStartOffset);
      // Recovery may have cut the log since the file was written (UnifiedLog's load does the same).
      epochs.truncateFromEnd(log.logEndOffset);
      this.epochs_ = epochs;
      this.epochsLog_ = log;
    }
    return epochs;
  }

  /** The epoch of the newest batch the log's history knows; NO_EPOCH when none. */
  latestEpoch(log: PartitionLog): number {
    return this.epochCache(log).latestEpoch;
  }

  /**
   * Kafka's LeaderEpochFileCache.endOffsetFor, over the history of the log; a log with no
   * history at all answers from the one-epoch model: the current epoch
   * ends at the log end offset; a later epoch is undefined; an earlier one (older than any we
   * know) ends where the known history starts, the log start offset.
   */
  endOffsetForEpoch(log: PartitionLog, requestedEpoch: number): EpochAndOffset {
    const epochs = this.epochCache(log);
    if (!epochs.isEmpty) {
      // Retention and DeleteRecords move the log start; the history starts there too (truncateFromStart).
      epochs.truncateFromStart(log.logStartOffset);
      return epochs.endOffsetFor(requestedEpoch, log.logEndOffset);
    }
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
   * checks' among them. `verificationGuard`: PartitionLog.appendAsLeader's.
   */
  appendRecordsToLeader(log: PartitionLog, batch: Buffer, advanceHw: boolean, verificationGuard: number | null = null): LogAppendInfo {
    const endBefore = log.logEndOffset;
    const epoch = this.metadata.leaderEpoch;
    const epochs = this.epochCache(log);
    const info = log.appendAsLeader(batch, epoch, verificationGuard);
    // A retried batch appends nothing and moves nothing.
    if (log.logEndOffset === endBefore) return info;
    if (epoch > epochs.latestEpoch) epochs.assign(epoch, info.firstOffset);
    // Replicated: followers fetch it and the ISR moves the high watermark.
    if (this.leaderState !== null) this.owner.replication?.onLeaderAppend(this, log);
    else if (advanceHw) log.maybeIncrementHighWatermark(log.logEndOffset);
    return info;
  }

  /**
   * Appends the leader's batches as they are, offsets and epochs included
   * (Partition.appendRecordsToFollowerOrFutureReplica): each batch's CRC is checked, as
   * Kafka's follower does, and each new epoch joins the history. Throws StorageErrors.
   */
  appendAsFollower(log: PartitionLog, records: Buffer): LogAppendInfo {
    const epochs = this.epochCache(log);
    for (let at = 0; at + LOG_OVERHEAD <= records.length; ) {
      const size = LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
      if (size < CRC_START || at + size > records.length) break; // storage reports the framing
      if (crc32c(records.subarray(at + CRC_START, at + size)) !== records.readUInt32BE(at + CRC_OFFSET)) {
        throw new StorageError('CORRUPT_MESSAGE', `batch at offset ${readInt64Number(records, at)} from the leader of ${this.topic}-${this.index} fails its CRC`);
      }
      at += size;
    }
    const info = log.append(records, { assignOffsets: false });
    for (let at = 0; at < records.length; ) {
      const e = records.readInt32BE(at + PARTITION_LEADER_EPOCH_OFFSET);
      if (e > epochs.latestEpoch) epochs.assign(e, readInt64Number(records, at));
      at += LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
    }
    return info;
  }

  /**
   * Cuts the log and its epoch history at `offset` (a follower that diverged); resolves once
   * the checkpoints no longer name offsets above the cut.
   */
  async truncateTo(log: PartitionLog, offset: number): Promise<void> {
    const epochs = this.epochCache(log);
    // The log is cut synchronously inside; the history goes with it before anything can append.
    const done = this.owner.logs.truncateTo(this.topic, this.index, offset);
    epochs.truncateFromEnd(offset);
    await done;
  }

  /** Empties the log to start again at `offset` (a follower behind the leader's log start). */
  async truncateFullyAndStartAt(log: PartitionLog, offset: number): Promise<void> {
    const epochs = this.epochCache(log);
    log.truncateFullyAndStartAt(offset);
    epochs.clear();
    await this.owner.logs.checkpointRecoveryOffsets();
    await this.owner.logs.checkpointLogStartOffsets();
  }
}

/**
 * The partitions of this broker by topic name and index (Kafka's ReplicaManager.allPartitions).
 * Made on first lookup of a partition the metadata knows; dropped with their topic.
 */
export class Partitions {
  readonly nodeId: number;
  readonly logs: LogManager;
  /** Replication's hooks, in a cluster. */
  replication: ReplicationHooks | null = null;
  /**
   * In a cluster, set while this broker's metadata session is lost: it leads nothing, whatever
   * its last image says, until it has registered again (another broker may lead by then).
   */
  fenced = false;
  /** Per-topic counters for the metrics (BrokerTopicMetrics). */
  readonly topicStats: TopicStatsRegistry;
  private readonly byTopic = new Map<string, Partition[]>();

  constructor(nodeId: number, logs: LogManager, topicStats = new TopicStatsRegistry()) {
    this.nodeId = nodeId;
    this.logs = logs;
    this.topicStats = topicStats;
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
    this.topicStats.remove(name);
  }
}
