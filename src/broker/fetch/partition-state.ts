/**
 * What Fetch, ListOffsets, OffsetForLeaderEpoch and DeleteRecords ask of a partition before
 * touching its log, with Kafka's error codes (Partition.getLocalLog and
 * ReplicaManager.getPartitionOrException): is it known, is its log online, is the caller's
 * leader epoch current, is this broker its leader.
 *
 * Leader epochs: storage keeps no leader-epoch checkpoint yet, so a partition has one epoch,
 * the metadata's current leader epoch, starting at the log start offset. That is exactly
 * Kafka's epoch cache for a partition that never changed leader (a single node); it becomes
 * a real history with replication.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { partitionKey } from '../../storage/checkpoint.js';
import { isStorageError } from '../../storage/errors.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { BrokerContext } from '../context.js';
import type { PartitionMetadata } from '../../cluster/metadata.js';

/** "No epoch given" in requests and "unknown" in responses (RecordBatch.NO_PARTITION_LEADER_EPOCH). */
export const NO_EPOCH = -1;
/** LeaderEpochFileCache's UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH_OFFSET = -1;

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

/**
 * The leader's log of a partition known to the metadata, or the error code Kafka gives: an
 * offline log KAFKA_STORAGE_ERROR, a partition without a local log NOT_LEADER_OR_FOLLOWER,
 * then the leader epoch check, then NOT_LEADER_OR_FOLLOWER when another broker leads it.
 */
export function leaderLog(broker: BrokerContext, topic: string, pm: PartitionMetadata, currentLeaderEpoch: number): PartitionLog | number {
  const log = broker.logs.getLog(topic, pm.partition);
  if (log === undefined) {
    return broker.logs.offlinePartitions.has(partitionKey(topic, pm.partition)) ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NOT_LEADER_OR_FOLLOWER;
  }
  if (log.isOffline) return ErrorCode.KAFKA_STORAGE_ERROR;
  const epochError = leaderEpochError(pm.leaderEpoch, currentLeaderEpoch);
  if (epochError !== ErrorCode.NONE) return epochError;
  if (pm.leader !== broker.nodeId) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  return log;
}

/** Last stable offset: the high watermark while there are no transactions. */
export function lastStableOffset(log: PartitionLog): number {
  return log.highWatermark;
}

export interface EpochAndOffset {
  epoch: number;
  endOffset: number;
}

const UNDEFINED: EpochAndOffset = Object.freeze({ epoch: NO_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });

/**
 * Kafka's LeaderEpochFileCache.endOffsetFor over the one-epoch history: the current epoch
 * ends at the log end offset; a later epoch is undefined; an earlier one (older than any we
 * know) ends where the known history starts, the log start offset.
 */
export function endOffsetForEpoch(log: PartitionLog, currentEpoch: number, requestedEpoch: number): EpochAndOffset {
  if (requestedEpoch === NO_EPOCH) return UNDEFINED;
  if (requestedEpoch === currentEpoch) return { epoch: currentEpoch, endOffset: log.logEndOffset };
  if (requestedEpoch > currentEpoch) return UNDEFINED;
  return { epoch: requestedEpoch, endOffset: log.logStartOffset };
}

/** The Kafka error code for a failure thrown while reading or changing a log. */
export function storageErrorCode(e: unknown): number {
  if (isStorageError(e) && e.errorCode >= 0) return e.errorCode;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}
