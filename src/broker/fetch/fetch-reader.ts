/**
 * Reading the partitions of a Fetch (Kafka's ReplicaManager.readFromLog and
 * Partition.fetchRecords): per partition the leader checks (a follower serves consumers of
 * Fetch v11+ too, KIP-392, and a leader may send them to a closer replica), the last-fetched-epoch check,
 * then a read from the log up to the high watermark (or log end for non-consumers), within
 * the partition's `partition_max_bytes` and what is left of the request's `max_bytes`. The
 * first non-empty partition may exceed both limits by one batch (KIP-74), so that a consumer
 * always makes progress; after it, batches that do not fit are left for the next fetch.
 * Records are the bytes storage returns, untouched, read into buffers of the read buffer
 * pool (the encoder gives them back).
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import {
  defaultEpochEndOffset,
  defaultLeaderIdAndEpoch,
  defaultSnapshotId,
  type AbortedTransaction,
  type EpochEndOffset,
  type PartitionData,
} from '../../protocol/generated/fetch-response.js';
import { ZERO_UUID } from '../../protocol/primitives/codec-helpers.js';
import type { AbortedTxn, FetchIsolation, PartitionLog } from '../../storage/partition-log.js';
import type { FetchHost } from './fetch-host.js';
import type { FetchedPartition, PartitionFetch } from './fetch-session.js';
import { readBufferPool } from '../network/read-buffer-pool.js';
import { storageErrorCode } from '../partition.js';

/** What the whole request asks, after Kafka's caps (FetchParams). */
export interface FetchParams {
  readonly version: number;
  readonly replicaId: number;
  /** replica_id >= 0: a follower (replication). */
  readonly isFromFollower: boolean;
  /** Only the leader may serve it: followers, and consumers before v11 (no client metadata). */
  readonly fetchOnlyLeader: boolean;
  /** The consumer's rack (rack_id, '' when none) from v11; null before, when the leader serves every consumer itself. */
  readonly clientRack: string | null;
  /** Consumers read to the high watermark ('txnCommitted' for read_committed: the last stable offset), others to the log end. */
  readonly isolation: FetchIsolation;
  readonly readCommitted: boolean;
  readonly maxWaitMs: number;
  /** min(min_bytes, maxBytes). */
  readonly minBytes: number;
  /** min(max_bytes, fetch.max.bytes). */
  readonly maxBytes: number;
  /** The listener the request came in on: the leaders named for KIP-951 are given at their endpoints on it. */
  readonly listenerName?: string;
}

/** The interesting partitions read in request order, with what decides whether to wait. */
export interface ReadResult {
  partitions: FetchedPartition[];
  bytes: number;
  hasError: boolean;
  hasDivergingEpoch: boolean;
  /** Some partition names another replica to read from: answer now (KIP-392). */
  hasPreferredReadReplica: boolean;
}

// Shared defaults for tagged fields: never mutated, so one instance serves every response.
export const NO_DIVERGING_EPOCH: EpochEndOffset = Object.freeze(defaultEpochEndOffset()) as EpochEndOffset;
export const NO_CURRENT_LEADER = Object.freeze(defaultLeaderIdAndEpoch()) as PartitionData['currentLeader'];
export const NO_SNAPSHOT_ID = Object.freeze(defaultSnapshotId()) as PartitionData['snapshotId'];
const EMPTY = Buffer.alloc(0);
const NO_ABORTED: [] = Object.freeze([]) as unknown as [];

/** FetchResponse.partitionResponse: an error before any read (HW -1, no records). */
export function errorPartitionData(partition: number, errorCode: number, records: Buffer | null = null): PartitionData {
  return {
    partitionIndex: partition,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    divergingEpoch: NO_DIVERGING_EPOCH,
    currentLeader: NO_CURRENT_LEADER,
    snapshotId: NO_SNAPSHOT_ID,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records,
  };
}

/** A failed read (ReplicaManager.createLogReadResult): unknown offsets, empty records. */
function readErrorData(params: FetchParams, partition: number, errorCode: number): PartitionData {
  // Clients of v5 and older do not know KAFKA_STORAGE_ERROR; it reads as "retry elsewhere".
  const code = errorCode === ErrorCode.KAFKA_STORAGE_ERROR && params.version <= 5 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : errorCode;
  return errorPartitionData(partition, code, EMPTY);
}

function dataFor(params: FetchParams, partition: number, hw: number, lso: number, logStart: number, records: Buffer): PartitionData {
  return {
    partitionIndex: partition,
    errorCode: ErrorCode.NONE,
    highWatermark: BigInt(hw),
    lastStableOffset: BigInt(lso),
    logStartOffset: BigInt(logStart),
    divergingEpoch: NO_DIVERGING_EPOCH,
    currentLeader: NO_CURRENT_LEADER,
    snapshotId: NO_SNAPSHOT_ID,
    abortedTransactions: params.readCommitted ? NO_ABORTED : null,
    preferredReadReplica: -1,
    records,
  };
}

/** FetchResponse's AbortedTransactions for a read_committed read (AbortedTxn.asAbortedTransaction). */
function abortedTransactionsOf(aborted: readonly AbortedTxn[]): AbortedTransaction[] {
  const out: AbortedTransaction[] = new Array(aborted.length);
  for (let i = 0; i < aborted.length; i++) {
    const t = aborted[i]!;
    out[i] = { producerId: BigInt(t.producerId), firstOffset: BigInt(t.firstOffset) };
  }
  return out;
}

/** Gives the records of a read that will not be answered back to the read buffer pool. */
export function releaseRead(read: ReadResult): void {
  for (let i = 0; i < read.partitions.length; i++) {
    const records = read.partitions[i]!.data.records;
    if (records !== null) readBufferPool.release(records);
  }
}

/** readFromLog: reads `partitions` in order, sharing the request's byte budget. */
export function readPartitions(host: FetchHost, params: FetchParams, partitions: readonly PartitionFetch[]): ReadResult {
  const out: FetchedPartition[] = new Array(partitions.length);
  let limit = params.maxBytes;
  let minOneMessage = true;
  let bytes = 0;
  let hasError = false;
  let hasDivergingEpoch = false;
  let hasPreferredReadReplica = false;
  for (let i = 0; i < partitions.length; i++) {
    const fetch = partitions[i]!;
    const data = readPartition(host, params, fetch, limit, minOneMessage);
    const size = data.records === null ? 0 : data.records.length;
    if (size > 0) minOneMessage = false;
    limit = Math.max(0, limit - size);
    bytes += size;
    if (data.errorCode !== ErrorCode.NONE) hasError = true;
    if (data.divergingEpoch.epoch >= 0) hasDivergingEpoch = true;
    if (data.preferredReadReplica >= 0) hasPreferredReadReplica = true;
    out[i] = { fetch, data };
  }
  return { partitions: out, bytes, hasError, hasDivergingEpoch, hasPreferredReadReplica };
}

function readPartition(host: FetchHost, params: FetchParams, f: PartitionFetch, limitBytes: number, minOneMessage: boolean): PartitionData {
  const topicName = f.topic;
  const topic = topicName === null ? undefined : host.metadata.topic(topicName);
  const partition = host.partitions.get(topic, f.partition);
  if (partition === undefined) return readErrorData(params, f.partition, topicName === null ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (f.topicId !== ZERO_UUID && !isZeroUuid(f.topicId) && !f.topicId.equals(topic!.id)) {
    return readErrorData(params, f.partition, ErrorCode.INCONSISTENT_TOPIC_ID);
  }
  const log = partition.localLogWithEpochOrError(f.currentLeaderEpoch, params.fetchOnlyLeader);
  if (typeof log === 'number') return readErrorData(params, f.partition, log);
  if (params.clientRack !== null && !params.isFromFollower && partition.leaderState !== null) {
    // The leader may send a consumer to a closer replica (ReplicaManager.findPreferredReadReplica): no records then.
    const preferred = host.partitions.replication?.preferredReadReplica(partition, log, params.clientRack, f.fetchOffset) ?? -1;
    if (preferred >= 0) {
      const data = dataFor(params, f.partition, log.highWatermark, partition.lastStableOffset(log), log.logStartOffset, EMPTY);
      data.preferredReadReplica = preferred;
      return data;
    }
  }
  if (params.isFromFollower) {
    const leader = partition.leaderState;
    // A single node has no followers; a leader knows only its replicas (Partition.followerReplicaOrThrow).
    if (leader === null) return readErrorData(params, f.partition, f.currentLeaderEpoch >= 0 ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (!leader.followers.has(params.replicaId)) return readErrorData(params, f.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }
  // Offsets as of before the read, so that an append during it does not show a HW past the records.
  const hw = log.highWatermark;
  const lso = partition.lastStableOffset(log);
  const logStart = log.logStartOffset;
  if (f.lastFetchedEpoch >= 0) {
    const eo = partition.endOffsetForEpoch(log, f.lastFetchedEpoch);
    if (eo.endOffset < 0 || eo.epoch < 0 || f.fetchOffset < logStart) return readErrorData(params, f.partition, ErrorCode.OFFSET_OUT_OF_RANGE);
    if (eo.epoch < f.lastFetchedEpoch || eo.endOffset < f.fetchOffset) {
      const data = dataFor(params, f.partition, hw, lso, logStart, EMPTY);
      data.divergingEpoch = { epoch: eo.epoch, endOffset: BigInt(eo.endOffset) };
      return data;
    }
  }
  let records: Buffer;
  let aborted: AbortedTxn[] | null;
  if (params.isFromFollower && host.partitions.replication?.shouldLeaderThrottle(partition, params.replicaId) === true) {
    // A throttled follower gets no records this time (ReplicaManager.readFromLog); its position still counts below.
    records = EMPTY;
    aborted = null;
  } else {
    try {
      const info = log.read(f.fetchOffset, Math.min(f.maxBytes, limitBytes), { isolation: params.isolation, minOneMessage, allocate: readBufferPool.acquire });
      records = info.records;
      aborted = info.abortedTransactions;
      if (records.length === 0) {
        readBufferPool.release(records);
        records = EMPTY;
      }
    } catch (e) {
      const code = storageErrorCode(e);
      if (code === ErrorCode.UNKNOWN_SERVER_ERROR) host.logger.error({ err: e, topic: topicName, partition: f.partition }, 'error reading for a fetch');
      return readErrorData(params, f.partition, code);
    }
  }
  // The follower has everything below its fetch offset: its place in the ISR and the high watermark follow.
  if (params.isFromFollower) host.partitions.replication?.onFollowerFetch(partition, log, params.replicaId, f.fetchOffset, f.fetcherLogStartOffset);
  const data = dataFor(params, f.partition, hw, lso, logStart, records);
  if (aborted !== null && aborted.length > 0) data.abortedTransactions = abortedTransactionsOf(aborted);
  return data;
}

export function isZeroUuid(id: Buffer): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

/**
 * DelayedFetch's byte count for one partition, Kafka's min(bytes between the fetch offset and
 * `endOffset`, partition_max_bytes), from the log's index positions (nothing is read).
 */
export function bytesAvailable(log: PartitionLog, f: PartitionFetch, endOffset: number): number {
  try {
    return Math.min(log.bytesBetween(f.fetchOffset, endOffset), f.maxBytes);
  } catch {
    return Number.POSITIVE_INFINITY; // the read will fail: answer now with the error
  }
}
