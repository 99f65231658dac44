/**
 * The acquiring half of a ShareFetch (Kafka's SharePartitionManager.fetchMessages with
 * DelayedShareFetch's reads, less the waiting): for each share-partition of the request, in
 * order, read the leader's log from the share-partition's next fetch offset (up to the high
 * watermark, or the last stable offset for read_committed) and acquire what is available for
 * the member, within the request's record and byte budgets. The batches returned are the log's
 * own bytes, cut after the last one holding an acquired record; the member delivers only the
 * acquired offsets.
 */
import { ErrorCode } from '../../protocol/generated/errors.js';
import { LAST_OFFSET_DELTA_OFFSET } from '../../protocol/records/batch-header.js';
import { batchBaseOffset } from '../../protocol/records/header.js';
import { BatchCursor } from '../../protocol/records/iterator.js';
import { StorageError } from '../../storage/errors.js';
import { logBatchRanges } from '../../coordinator/share/log-batch-ranges.js';
import type { ShareAcquireMode } from '../../coordinator/share/record-state.js';
import type { AcquiredRecords } from '../../coordinator/share/share-partition.js';
import type { SessionPartition } from '../../coordinator/share/share-session-cache.js';
import type { MetadataStore } from '../../cluster/metadata.js';
import type { Partitions } from '../partition.js';
import type { ShareServices } from './share-services.js';

export interface ShareAcquireLimits {
  /** MaxBytes of the request. */
  maxBytes: number;
  /** MaxRecords: at most this many acquired (batch-optimized mode may finish a log batch past it). */
  maxRecords: number;
  batchSize: number;
  mode: ShareAcquireMode;
  readCommitted: boolean;
}

export interface AcquiredPartition {
  topicId: string;
  partition: number;
  errorCode: number;
  /** Whole log batches holding the acquired records; null when nothing was acquired. */
  records: Buffer | null;
  acquired: AcquiredRecords[];
}

/**
 * The most read from a share-partition's log for one acquisition. A ShareFetch's MaxBytes is the
 * consumer's fetch.max.bytes (50 MiB from the Java client) while it acquires at most MaxRecords
 * (500 by default): reading MaxBytes into memory to return a few hundred KiB made the reads and
 * their garbage most of a share consumer's broker CPU (BENCHMARKS.md, issue 17). Kafka reads the
 * same range as a file slice, without a copy. At least one batch is always read (minOneMessage),
 * so a larger batch still goes out; a consumer wanting more fetches again.
 */
const SHARE_READ_BYTES = 1024 * 1024;

export interface ShareAcquireBroker {
  readonly metadata: MetadataStore;
  readonly partitions: Partitions;
  readonly share: ShareServices;
}

/** Acquires for `memberId` from `partitions`; `acquiredCount` of the result says whether anything was. */
export async function acquireForMember(broker: ShareAcquireBroker, groupId: string, memberId: string, partitions: readonly SessionPartition[], limits: ShareAcquireLimits): Promise<{ partitions: AcquiredPartition[]; acquiredCount: number }> {
  const out: AcquiredPartition[] = [];
  let records = limits.maxRecords;
  let bytes = limits.maxBytes;
  let acquiredCount = 0;
  for (const sp of partitions) {
    const result: AcquiredPartition = { topicId: sp.topicId, partition: sp.partition, errorCode: ErrorCode.NONE, records: null, acquired: [] };
    out.push(result);
    const topic = broker.metadata.topicById(Buffer.from(sp.topicId, 'hex'));
    if (topic === undefined) {
      result.errorCode = ErrorCode.UNKNOWN_TOPIC_ID;
      continue;
    }
    const partition = broker.partitions.get(topic, sp.partition);
    if (partition === undefined) {
      result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      continue;
    }
    if (!partition.isLeader) {
      result.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      continue;
    }
    const loaded = await broker.share.sharePartitions.partition({ groupId, topicId: sp.topicId, partition: sp.partition });
    if (loaded.sp === null) {
      result.errorCode = loaded.errorCode;
      continue;
    }
    if (records <= 0 || bytes <= 0 || !loaded.sp.canAcquire()) continue;
    const log = partition.localLogOrError();
    if (typeof log === 'number') {
      result.errorCode = log;
      continue;
    }
    const share = loaded.sp;
    share.updateLogStartOffset(log.logStartOffset);
    const fetchOffset = share.nextFetchOffset();
    let read;
    try {
      read = log.read(fetchOffset, Math.min(bytes, SHARE_READ_BYTES), { isolation: limits.readCommitted ? 'txnCommitted' : 'highWatermark', minOneMessage: true });
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      result.errorCode = err.errorCode;
      continue;
    }
    if (read.records.length === 0) continue;
    const ranges = logBatchRanges(read.records, read.abortedTransactions);
    const acquired = broker.share.sharePartitions.acquire(share, memberId, fetchOffset, ranges, records, limits.batchSize, limits.mode);
    if (acquired.length === 0) continue;
    let n = 0;
    for (const a of acquired) n += a.lastOffset - a.firstOffset + 1;
    records -= n;
    acquiredCount += n;
    result.acquired = acquired;
    result.records = throughOffset(read.records, acquired[acquired.length - 1]!.lastOffset);
    bytes -= result.records.length;
  }
  return { partitions: out, acquiredCount };
}

/** The batches of `records` up to the one holding `offset` (a view, no copy). */
function throughOffset(records: Buffer, offset: number): Buffer {
  const cursor = new BatchCursor(records);
  let end = 0;
  while (cursor.next()) {
    const at = cursor.offset;
    const last = batchBaseOffset(records, at) + records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET);
    end = at + cursor.size;
    if (last >= offset) break;
  }
  return records.subarray(0, end);
}
