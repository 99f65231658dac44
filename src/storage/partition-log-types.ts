/**
 * The public types of PartitionLog: options, append and read results, ListOffsets
 * timestamps. Kept apart so the class file holds behaviour only.
 */
import type { Clock } from './clock.js';
import type { LogConfig } from './config.js';
import type { DeferredDeleter } from './deferred-deleter.js';
import type { FdCache } from './fd-cache.js';
import type { StorageFs } from './fs/storage-fs.js';
import type { RecordTimestampFinder } from './log-segment.js';
import type { StorageLogger } from './logger.js';
import type { AbortedTxn } from './transaction-index.js';

/** ListOffsets special timestamps (Kafka's ListOffsetsRequest). */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;
export const EARLIEST_PENDING_UPLOAD_TIMESTAMP = -6;

export interface PartitionLogOptions {
  /** The partition directory `<log dir>/<topic>-<partition>`; created if missing. */
  dir: string;
  /** The partition, when the directory's name does not say it (a future log's `<topic>-<partition>.<id>-future`). */
  topicPartition?: { topic: string; partition: number };
  config?: LogConfig;
  fs?: StorageFs;
  /** Shared descriptor pool (the LogManager's); a private one of 64 otherwise. */
  fds?: FdCache;
  clock?: Clock;
  logger?: StorageLogger;
  deleter?: DeferredDeleter;
  /** From `recovery-point-offset-checkpoint` (0 when unknown: recover everything). */
  recoveryPoint?: number;
  /** From `log-start-offset-checkpoint`. */
  logStartOffset?: number;
  /** From `replication-offset-checkpoint`. */
  highWatermark?: number;
  /** True when the log directory had Kafka's clean-shutdown marker. */
  hadCleanShutdown?: boolean;
  timestampFinder?: RecordTimestampFinder;
}

export interface AppendOptions {
  /** Partition leader epoch written into each batch (leader appends). Default -1. */
  leaderEpoch?: number;
  /**
   * true (default): leader append, offsets assigned from the log end offset and written in
   * place. false: follower append, the batches carry their offsets.
   */
  assignOffsets?: boolean;
  /**
   * A coordinator's transactional write verified by a transaction coordinator on another
   * broker (TxnOffsetCommit): the guard its verification took (PartitionLog.appendAsLeader's).
   */
  verificationGuard?: number | null;
}

export interface LogAppendInfo {
  firstOffset: number;
  lastOffset: number;
  /** Largest batch timestamp of the append (the append time with LogAppendTime). */
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  /** The time written into the batches with LogAppendTime, else -1. */
  logAppendTime: number;
  logStartOffset: number;
  recordCount: number;
  validBytes: number;
  /**
   * Non-null when the flush policy (`flush.messages`) wants this append on disk before it is
   * acknowledged: resolves after the fsync that covers it, rejects if that fsync fails.
   */
  durable: Promise<void> | null;
}

export interface FetchDataInfo {
  /** Whole raw batches, possibly none. */
  records: Buffer;
  /** True when the first batch was larger than the byte limit (and minOneMessage was off). */
  firstBatchTooLarge: boolean;
  /**
   * With 'txnCommitted' isolation, the aborted transactions that overlap the records read
   * (what a read_committed consumer needs to skip their batches); null otherwise.
   */
  abortedTransactions: AbortedTxn[] | null;
}

/**
 * How far a read may go (Kafka's FetchIsolation): the log end offset (replicas, tools), the
 * high watermark (read_uncommitted consumers), the last stable offset (read_committed).
 */
export type FetchIsolation = 'logEnd' | 'highWatermark' | 'txnCommitted';

export interface ReadOptions {
  isolation?: FetchIsolation;
  /** Return the first batch even when larger than maxBytes (Kafka's KIP-74 rule). Default true. */
  minOneMessage?: boolean;
  /**
   * Where the bytes are read into: a buffer of at least `size` bytes that the caller owns
   * (a fetch reuses buffers once the socket is done with them). Default Buffer.allocUnsafe.
   */
  allocate?: (size: number) => Buffer;
}

export interface LogOffsetsListener {
  onHighWatermarkUpdated(highWatermark: number): void;
}
