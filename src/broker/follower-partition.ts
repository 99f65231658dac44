/**
 * A partition this broker follows, as its fetcher sees it (replication/replica-fetcher.ts's
 * FollowerLog over the broker's Partition and log): offsets, epochs, truncation, the leader's
 * batches appended as they are, and the leader's high watermark and log start offset.
 */
import type { FollowerLog } from '../cluster/replication/replica-fetcher.js';
import type { EpochEndOffset } from '../storage/leader-epoch-cache.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { Partition } from './partition.js';

export class FollowerPartition implements FollowerLog {
  readonly partitionRef: Partition;
  readonly topicId: Buffer;
  private log_: PartitionLog;

  constructor(partition: Partition, log: PartitionLog, topicId: Buffer) {
    this.partitionRef = partition;
    this.log_ = log;
    this.topicId = topicId;
  }

  /** The follower's log; the one that replaced it when the replica moved to another log directory. */
  get log(): PartitionLog {
    let log = this.log_;
    while (log.replacedBy !== null) log = log.replacedBy;
    this.log_ = log;
    return log;
  }

  get topic(): string {
    return this.partitionRef.topic;
  }
  get partition(): number {
    return this.partitionRef.index;
  }
  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }
  get highWatermark(): number {
    return this.log.highWatermark;
  }
  get latestEpoch(): number {
    return this.partitionRef.latestEpoch(this.log);
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.partitionRef.epochCache(this.log).endOffsetFor(epoch, this.log.logEndOffset);
  }

  truncateTo(offset: number): Promise<void> {
    return this.partitionRef.truncateTo(this.log, offset);
  }

  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.partitionRef.truncateFullyAndStartAt(this.log, offset);
  }

  appendAsFollower(records: Buffer): void {
    this.partitionRef.appendAsFollower(this.log, records);
  }

  updateFromLeader(highWatermark: number, logStartOffset: number): void {
    const log = this.log;
    log.updateHighWatermark(Math.min(highWatermark, log.logEndOffset));
    if (logStartOffset > log.logStartOffset && logStartOffset <= log.highWatermark) log.maybeIncrementLogStartOffset(logStartOffset, 'leader log start offset incremented');
  }
}
