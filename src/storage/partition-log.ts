/**
 * The log of one partition (Kafka's UnifiedLog) over its segments on disk (LocalLog,
 * local-log.ts): appends validated batches, assigning offsets in place, with the idempotent
 * producer checks for client batches and end-transaction markers for the coordinator; reads
 * whole batches by offset (read_committed: up to the last stable offset, with the aborted
 * transactions from the segments' `.txnindex`); finds offsets by timestamp; rolls segments
 * with a producer snapshot; applies the flush policy with group commit; tracks the log start
 * offset, high watermark, last stable offset and producer state; deletes old segments by
 * retention; truncates for replication. It knows nothing of sockets. Its parts live apart:
 * loading in log-loader.ts, the flush policy in log-flusher.ts, the transaction side of the
 * producer state as the log uses it (checks, transactions, snapshots) in log-producer-state.ts,
 * the search by timestamp in timestamp-search.ts.
 *
 * Every method is synchronous except the ones that wait on the disk (flushes, close), so the
 * broker's single event loop owns the log without locks. `append` returns once the bytes
 * are in the kernel; when the flush policy asks for an fsync first, the result carries a
 * promise to await before acknowledging. All fsyncs wanted while one is running share the
 * next one (group commit).
 */
import path from 'node:path';
import { readInt64 } from './batch.js';
import { systemClock } from './clock.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './config.js';
import { DeferredDeleter } from './deferred-deleter.js';
import { StorageError } from './errors.js';
import { FdCache } from './fd-cache.js';
import { NodeFs } from './fs/storage-fs.js';
import { parsePartitionDirName } from './checkpoint.js';
import { loadLog } from './log-loader.js';
import type { LogSegment, RecordTimestampFinder, TimestampAndOffset } from './log-segment.js';
import { LocalLog } from './local-log.js';
import type { LogSegments } from './log-segments.js';
import { consoleLogger } from './logger.js';
import { ProducerStateManager } from './producer-state.js';
import { findRecordByTimestamp } from './record-timestamps.js';
import { LogFlusher } from './log-flusher.js';
import { LogProducerState } from './log-producer-state.js';
import { fetchOffsetByTimestamp } from './timestamp-search.js';
import { retentionRules, segmentsToDelete, type SegmentPredicate } from './retention.js';
import { AppendSummary, checkAppend, stampBatches } from './append-check.js';
import { firstOffsetOf } from './producer-check.js';
import type { TxnMarker } from './txn-marker.js';
import type { AbortedTxn } from './transaction-index.js';
import type { BatchMetadata, ProducerStateEntry } from './producer-state.js';
import type { AppendOptions, FetchDataInfo, LogAppendInfo, LogOffsetsListener, PartitionLogOptions, ReadOptions } from './partition-log-types.js';

export { LATEST_TIMESTAMP, EARLIEST_TIMESTAMP, MAX_TIMESTAMP, EARLIEST_LOCAL_TIMESTAMP, LATEST_TIERED_TIMESTAMP, EARLIEST_PENDING_UPLOAD_TIMESTAMP } from './partition-log-types.js';
export type { PartitionLogOptions, AppendOptions, LogAppendInfo, FetchDataInfo, FetchIsolation, ReadOptions, LogOffsetsListener } from './partition-log-types.js';
export type { TxnMarker } from './txn-marker.js';
export type { AbortedTxn, CompletedTxn } from './transaction-index.js';

/** Reused by every append (they run synchronously, one at a time). */
const appendSummary = new AppendSummary();

export class PartitionLog {
  /** The segments, log end offset and recovery point. */
  readonly local: LocalLog;
  readonly producerState: ProducerStateManager;
  /** The producer state as this log uses it: checks, transactions, snapshots. */
  private readonly producers: LogProducerState;
  private readonly flusher: LogFlusher;
  private readonly timestampFinder: RecordTimestampFinder;

  private logStartOffset_ = 0;
  private highWatermark_ = 0;
  private listener: LogOffsetsListener | null = null;
  /** Counts truncations, so a compaction round can tell that the log changed under it. */
  truncations = 0;
  /** Lowest offset truncated to since the cleaner last looked (it pulls its checkpoint back). */
  lowestTruncation = Number.POSITIVE_INFINITY;
  /**
   * The log that took this one's place when the partition moved to another log directory
   * (FutureLogs.replaceCurrentWithFutureLog); this one is closed then. Holders of a log
   * reference (a follower's fetch state) follow it rather than fail on a closed log.
   */
  replacedBy: PartitionLog | null = null;

  private constructor(opts: PartitionLogOptions) {
    const parsed = opts.topicPartition ?? parsePartitionDirName(path.basename(opts.dir));
    const fs = opts.fs ?? new NodeFs();
    const logger = opts.logger ?? consoleLogger();
    this.local = new LocalLog({
      dir: opts.dir,
      topic: parsed?.topic ?? path.basename(opts.dir),
      partition: parsed?.partition ?? 0,
      config: opts.config ?? { ...DEFAULT_LOG_CONFIG },
      fs,
      fds: opts.fds ?? new FdCache(fs, 64),
      clock: opts.clock ?? systemClock,
      logger,
      deleter: opts.deleter ?? new DeferredDeleter(logger),
    });
    this.producerState = new ProducerStateManager(fs, opts.dir, logger);
    this.producers = new LogProducerState(this.producerState, this.local);
    this.flusher = new LogFlusher(this.local);
    this.timestampFinder = opts.timestampFinder ?? findRecordByTimestamp;
  }

  // The directory, config and segments live in the LocalLog.
  get dir(): string {
    return this.local.dir;
  }
  get topic(): string {
    return this.local.topic;
  }
  get partition(): number {
    return this.local.partition;
  }
  get config(): LogConfig {
    return this.local.config;
  }
  get deleter(): DeferredDeleter {
    return this.local.deleter;
  }
  get segments(): LogSegments {
    return this.local.segments;
  }

  /** Opens (creating if needed) and, after an unclean shutdown, recovers a partition log. */
  static open(opts: PartitionLogOptions): PartitionLog {
    const log = new PartitionLog(opts);
    log.load(opts);
    return log;
  }

  private load(opts: PartitionLogOptions): void {
    const loaded = loadLog(this.local, this.producerState, opts);
    this.logStartOffset_ = loaded.logStartOffset;
    this.highWatermark_ = loaded.highWatermark;
    this.flusher.loadedAt(this.local.recoveryPoint);
  }

  // ---- state ---------------------------------------------------------------------------

  get logEndOffset(): number {
    return this.local.logEndOffset;
  }
  get logStartOffset(): number {
    return this.logStartOffset_;
  }
  get highWatermark(): number {
    return this.highWatermark_;
  }

  /** The first offset of the earliest undecided transaction, -1 when none (log-producer-state.ts). */
  get firstUnstableOffset(): number {
    return this.producers.firstUnstableOffset(this.logStartOffset_);
  }

  /**
   * The last stable offset (Kafka's UnifiedLog.lastStableOffset): every offset below it is
   * decided — plain records at once, transactional ones by their COMMIT or ABORT marker — and
   * replicated. The first unstable offset when there is one below the high watermark, else
   * the high watermark. What read_committed consumers may read up to.
   */
  get lastStableOffset(): number {
    const first = this.firstUnstableOffset;
    return first >= 0 && first < this.highWatermark_ ? first : this.highWatermark_;
  }
  get recoveryPoint(): number {
    return this.local.recoveryPoint;
  }
  /** Offsets below this have been fsynced. */
  get durableOffset(): number {
    return this.flusher.durableOffset;
  }
  get lastFlushTime(): number {
    return this.local.lastFlushTime;
  }
  /** Bytes in all segments. */
  get size(): number {
    return this.segments.sizeInBytes;
  }
  get numberOfSegments(): number {
    return this.segments.count;
  }
  get activeSegment(): LogSegment {
    return this.segments.last!;
  }
  get isOffline(): boolean {
    return this.local.isOffline;
  }
  get isClosed(): boolean {
    return this.local.isClosed;
  }
  get unflushedMessages(): number {
    return this.local.logEndOffset - this.local.recoveryPoint;
  }

  // What the producer state says: log-producer-state.ts.
  activeProducers(): IterableIterator<Readonly<ProducerStateEntry>> {
    return this.producers.activeProducers();
  }
  hasTxnMarker(marker: TxnMarker): boolean {
    return this.producers.hasTxnMarker(marker);
  }
  hasOngoingTransaction(producerId: number, producerEpoch: number): boolean {
    return this.producers.hasOngoingTransaction(producerId, producerEpoch);
  }
  maybeStartTransactionVerification(producerId: number, sequence: number, producerEpoch: number): number {
    return this.producers.maybeStartTransactionVerification(producerId, sequence, producerEpoch);
  }
  verificationGuard(producerId: number): number {
    return this.producers.verificationGuard(producerId);
  }
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.producers.collectAbortedTransactions(startOffset, upperBoundOffset);
  }

  /** Removes producers idle for `expirationMs` (producer.id.expiration.ms); returns how many. */
  removeExpiredProducers(now: number, expirationMs: number): number {
    return this.producerState.removeExpiredProducers(now, expirationMs);
  }

  setOffsetsListener(listener: LogOffsetsListener | null): void {
    this.listener = listener;
  }

  updateConfig(config: LogConfig): void {
    this.local.config = config;
  }

  // ---- append --------------------------------------------------------------------------

  /**
   * Appends a client's batch as the leader (Kafka's appendAsLeader with AppendOrigin.CLIENT):
   * first the idempotent producer checks against this partition's producer state
   * (analyzeAndValidateProducerState; a client append is one batch). A retry of a batch already
   * in the log appends nothing and answers that batch's offsets, with its timestamp as the
   * append time; a stale epoch or a sequence gap throws INVALID_PRODUCER_EPOCH or
   * OUT_OF_ORDER_SEQUENCE_NUMBER. Then as `append`, stamping `leaderEpoch`.
   *
   * `verificationGuard` is given when the batch was verified asynchronously (KIP-890 with a
   * transaction coordinator on another broker): the guard `maybeStartTransactionVerification`
   * gave (or the sentinel); a transactional batch with no transaction open here whose guard
   * no longer holds throws INVALID_TXN_STATE. Null when the caller verified synchronously.
   */
  appendAsLeader(records: Buffer, leaderEpoch: number, verificationGuard: number | null = null): LogAppendInfo {
    this.local.checkOnline();
    const duplicate = this.producers.checkClientBatch(records, verificationGuard);
    if (duplicate !== null) return this.duplicateAppendInfo(duplicate);
    return this.appendBatches(records, true, leaderEpoch);
  }

  /**
   * The answer to a retried batch: the original's offsets and timestamp. When the flush policy
   * wants fsyncs, `durable` waits until the original batch is on disk.
   */
  private duplicateAppendInfo(b: BatchMetadata): LogAppendInfo {
    return {
      firstOffset: firstOffsetOf(b),
      lastOffset: b.lastOffset,
      maxTimestamp: b.timestamp,
      offsetOfMaxTimestamp: b.lastOffset,
      logAppendTime: b.timestamp,
      logStartOffset: this.logStartOffset_,
      recordCount: 0,
      validBytes: 0,
      durable: this.flusher.durableFor(b.lastOffset + 1),
    };
  }

  /**
   * Appends one or more whole record batches (magic v2) already validated by the protocol
   * layer, without producer checks (coordinators, replication, tools; client batches go
   * through appendAsLeader). Leader appends write the base offset and partition leader epoch
   * into `records` in place (and, with LogAppendTime, the timestamp and CRC). Returns once the
   * bytes are in the kernel.
   */
  append(records: Buffer, opts: AppendOptions = {}): LogAppendInfo {
    this.local.checkOnline();
    if (opts.verificationGuard !== undefined && opts.verificationGuard !== null) this.producers.checkCoordinatorBatch(records, opts.verificationGuard);
    return this.appendBatches(records, opts.assignOffsets ?? true, opts.leaderEpoch ?? -1);
  }

  /**
   * Appends an end-transaction marker as the leader, for the transaction coordinator's
   * WriteTxnMarkers (Kafka's appendAsLeader with AppendOrigin.COORDINATOR of
   * MemoryRecords.withEndTransactionMarker): one control batch of the producer's id and the
   * marker's epoch, COMMIT or ABORT with the coordinator epoch, stamped with `leaderEpoch` and
   * the clock's time. The producer's open transaction on this partition ends there (an abort
   * gets an entry in the segment's `.txnindex`); a producer with none gets the marker anyway,
   * which completes nothing, as in Kafka.
   *
   * Its epochs are checked first (LogProducerState.markerBatch): INVALID_PRODUCER_EPOCH or
   * TRANSACTION_COORDINATOR_FENCED, and nothing is written then.
   */
  appendTxnMarker(marker: TxnMarker, leaderEpoch: number): LogAppendInfo {
    this.local.checkOnline();
    return this.appendBatches(this.producers.markerBatch(marker), true, leaderEpoch);
  }

  private appendBatches(records: Buffer, assign: boolean, leaderEpoch: number): LogAppendInfo {
    const len = records.length;
    // Pass 1: structure, sizes, and (followers) offset order. Nothing is modified yet.
    checkAppend(records, this.config, assign, this.local.logEndOffset, `${this.topic}-${this.partition}`);
    const now = this.local.clock.now();
    const logAppendTime = this.config['message.timestamp.type'] === 'LogAppendTime';
    // Pass 2: offsets, epoch, timestamps.
    const firstOffset = assign ? this.local.logEndOffset : readInt64(records, 0);
    const { lastOffset, maxTimestamp, offsetOfMaxTimestamp, recordCount } = stampBatches(records, assign, firstOffset, leaderEpoch, logAppendTime ? now : -1, appendSummary);
    const next = lastOffset + 1;

    let segment: LogSegment;
    try {
      segment = this.maybeRoll(len, maxTimestamp, firstOffset, lastOffset, now);
      segment.append(records, lastOffset);
    } catch (e) {
      this.local.fail('appending to', e);
    }
    this.local.logEndOffset = next;
    this.producers.appended(segment, records);
    if (this.highWatermark_ > this.local.logEndOffset) this.highWatermark_ = this.local.logEndOffset;

    const durable = this.flusher.afterAppend();
    return {
      firstOffset,
      lastOffset,
      maxTimestamp,
      offsetOfMaxTimestamp,
      logAppendTime: logAppendTime && assign ? now : -1,
      logStartOffset: this.logStartOffset_,
      recordCount,
      validBytes: len,
      durable,
    };
  }

  private maybeRoll(size: number, maxTimestamp: number, firstOffset: number, lastOffset: number, now: number): LogSegment {
    const seg = this.segments.last!;
    if (!seg.shouldRoll(now, maxTimestamp, lastOffset, size)) return seg;
    this.local.logger.debug(`rolling ${this.topic}-${this.partition}: segment ${seg.baseOffset} has ${seg.size} bytes`);
    return this.roll(firstOffset);
  }

  /**
   * Starts a new active segment at max(expectedNextOffset, log end offset) and schedules the
   * flush of the old one (Kafka flushes on roll in the background).
   */
  roll(expectedNextOffset = 0): LogSegment {
    const local: LocalLog = this.local;
    local.checkOnline();
    try {
      const newOffset = Math.max(expectedNextOffset, local.logEndOffset);
      const active = local.activeSegment;
      const seg = local.roll(newOffset);
      if (seg === active) return seg; // nothing to roll (KAFKA-6388)
      const snapshot = this.producers.snapshotForRoll(newOffset);
      // Flush the old segment (and the snapshot) off the append path.
      this.flusher.flushAfterRoll(() => this.producerState.flushSnapshot(snapshot), newOffset);
      return seg;
    } catch (e) {
      local.fail('rolling', e);
    }
  }

  // ---- flush ---------------------------------------------------------------------------

  /** Waits until every offset below `offset` (default: the log end offset) is fsynced. */
  awaitDurable(offset = this.local.logEndOffset): Promise<void> {
    return this.flusher.awaitDurable(offset);
  }

  /**
   * Flushes the log and indexes up to `offset` (default: the log end offset) and moves the
   * recovery point there (Kafka's flush). Serialized per log.
   */
  flush(offset = this.local.logEndOffset): Promise<void> {
    return this.flusher.flush(offset);
  }

  /** The periodic flusher's check: flush when `flush.ms` has passed since the last flush. */
  maybeFlushByTime(now = this.local.clock.now()): Promise<void> | null {
    return this.flusher.maybeFlushByTime(now);
  }

  // ---- read ----------------------------------------------------------------------------

  /**
   * Reads whole batches from the one containing `startOffset`, at most `maxBytes` (at least
   * one batch unless minOneMessage is false), from a single segment, up to the log end
   * offset, the high watermark or the last stable offset. With 'txnCommitted' the result
   * lists the aborted transactions overlapping the records read (Kafka's LocalLog.read with
   * includeAbortedTxns). Throws OFFSET_OUT_OF_RANGE outside [log start offset, log end offset].
   */
  read(startOffset: number, maxBytes: number, opts: ReadOptions = {}): FetchDataInfo {
    this.checkReadable(startOffset);
    const isolation = opts.isolation;
    const committed = isolation === 'txnCommitted';
    const maxOffset = isolation === 'highWatermark' ? this.highWatermark_ : committed ? this.lastStableOffset : this.local.logEndOffset;
    if (startOffset >= maxOffset || maxBytes < 0) return { records: EMPTY, firstBatchTooLarge: false, abortedTransactions: committed ? [] : null };
    const info = this.local.read(startOffset, maxBytes, maxOffset, opts.minOneMessage ?? true, opts.allocate);
    if (committed) info.abortedTransactions = this.local.abortedTransactionsIn(startOffset, info.records);
    return info;
  }

  /** Online, and `offset` within [log start offset, log end offset] (else OFFSET_OUT_OF_RANGE). */
  private checkReadable(offset: number): void {
    this.local.checkOnline();
    if (offset < this.logStartOffset_ || offset > this.local.logEndOffset) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `Received request for offset ${offset} for partition ${this.topic}-${this.partition}, but we only have log segments in the range ${this.logStartOffset_} to ${this.local.logEndOffset}.`,
      );
    }
  }

  /**
   * Bytes of the whole batches from the one that contains `startOffset` up to the first that
   * reaches `endOffset` (Kafka's LogOffsetMetadata.positionDiff, across segments), from index
   * positions and batch headers: no records are read. What a waiting fetch counts against
   * its min_bytes. Throws OFFSET_OUT_OF_RANGE as `read` does.
   */
  bytesBetween(startOffset: number, endOffset: number): number {
    this.checkReadable(startOffset);
    if (startOffset >= endOffset) return 0;
    return this.local.bytesBetween(startOffset, endOffset);
  }

  /** ListOffsets by timestamp, or one of the special timestamps (timestamp-search.ts). */
  fetchOffsetByTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    return fetchOffsetByTimestamp(this, timestamp, this.timestampFinder);
  }

  // ---- high watermark and log start offset --------------------------------------------

  /** Sets the high watermark, clamped to [log start offset, log end offset]; returns it. */
  updateHighWatermark(hw: number): number {
    const v = Math.min(Math.max(hw, this.logStartOffset_), this.local.logEndOffset);
    if (v !== this.highWatermark_) {
      this.highWatermark_ = v;
      // Transactions whose markers it passed become stable before waiters look.
      this.producerState.onHighWatermarkUpdated(v);
      this.listener?.onHighWatermarkUpdated(v);
    }
    return v;
  }

  /** Raises the high watermark only; returns true when it moved. */
  maybeIncrementHighWatermark(hw: number): boolean {
    if (hw <= this.highWatermark_) return false;
    const before = this.highWatermark_;
    return this.updateHighWatermark(hw) !== before;
  }

  /**
   * Moves the log start offset forward (DeleteRecords, retention); it may not pass the high
   * watermark. Whole segments below it are deleted by the next retention run.
   */
  maybeIncrementLogStartOffset(offset: number, reason = 'client delete records request'): boolean {
    this.local.checkOnline();
    if (offset > this.highWatermark_) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `Cannot increment the log start offset to ${offset} of partition ${this.topic}-${this.partition} since it is larger than the high watermark ${this.highWatermark_}`,
      );
    }
    if (offset <= this.logStartOffset_) return false;
    this.logStartOffset_ = offset;
    this.producerState.onLogStartOffsetIncremented(offset);
    this.local.logger.info(`incremented the log start offset of ${this.topic}-${this.partition} to ${offset} due to ${reason}`);
    return true;
  }

  // ---- retention -----------------------------------------------------------------------

  /**
   * Deletes old segments: those wholly below the log start offset always; with the delete
   * policy, those beyond `retention.bytes` and older than `retention.ms` (Kafka's
   * deleteOldSegments). Never deletes at or past the high watermark. Returns how many.
   */
  deleteOldSegments(now = this.local.clock.now()): number {
    if (this.local.isClosed || this.local.isOffline) return 0;
    try {
      let n = 0;
      for (const rule of retentionRules(this, now)) n += this.deleteMatching(rule.predicate(), rule.reason);
      return n;
    } catch (e) {
      this.local.fail('deleting segments of', e);
    }
  }

  private deleteMatching(predicate: SegmentPredicate, reason: string): number {
    const toDelete = segmentsToDelete(this, predicate);
    if (toDelete.length === 0) return 0;
    const nextBase = this.segments.higher(toDelete[toDelete.length - 1]!.baseOffset)!.baseOffset;
    if (nextBase > this.logStartOffset_) {
      this.logStartOffset_ = nextBase;
      this.producerState.onLogStartOffsetIncremented(nextBase);
    }
    this.local.logger.info(`deleting ${toDelete.length} segment(s) of ${this.topic}-${this.partition} due to ${reason}: ${toDelete.map((s) => s.baseOffset).join(', ')}`);
    this.removeSegments(toDelete);
    return toDelete.length;
  }

  /** Removes segments from the log (deleted after `file.delete.delay.ms`) with their producer snapshots. */
  private removeSegments(list: readonly LogSegment[]): void {
    this.local.removeSegments(list);
    this.producers.segmentsRemoved(list);
  }

  // ---- truncation (replication) --------------------------------------------------------

  /** Removes every offset >= `offset`; returns true when something was removed. */
  truncateTo(offset: number): boolean {
    const local: LocalLog = this.local;
    local.checkOnline();
    if (offset < 0) throw new StorageError('INVALID_REQUEST', `cannot truncate ${this.topic}-${this.partition} to a negative offset ${offset}`);
    if (offset >= local.logEndOffset) return false;
    this.truncations++;
    this.lowestTruncation = Math.min(this.lowestTruncation, offset);
    try {
      if (this.segments.first!.baseOffset > offset) {
        this.truncateFullyAndStartAt(offset);
        return true;
      }
      this.producers.segmentsRemoved(local.truncateTo(offset));
      const end = local.logEndOffset;
      if (this.logStartOffset_ > end) this.logStartOffset_ = end;
      this.flusher.truncatedTo(end);
      this.producers.truncated(this.logStartOffset_, this.highWatermark_);
      if (this.highWatermark_ > end) this.updateHighWatermark(end);
      return true;
    } catch (e) {
      local.fail('truncating', e);
    }
  }

  /** Deletes everything and starts empty at `offset` (a follower far behind the leader). */
  truncateFullyAndStartAt(offset: number, logStartOffset = offset): void {
    const local: LocalLog = this.local;
    local.checkOnline();
    this.truncations++;
    this.lowestTruncation = Math.min(this.lowestTruncation, offset);
    try {
      this.producers.segmentsRemoved(local.truncateFullyAndStartAt(offset));
      this.logStartOffset_ = logStartOffset;
      this.flusher.truncatedTo(offset);
      this.producerState.truncateFullyAndStartAt(offset);
      this.highWatermark_ = offset;
      this.listener?.onHighWatermarkUpdated(offset);
    } catch (e) {
      local.fail('truncating', e);
    }
  }

  // ---- compaction support --------------------------------------------------------------

  /**
   * Replaces `oldSegments` with `newSegments` written with the `.cleaned` suffix (the
   * cleaner's swap, LocalLog.replaceSegments); the producer snapshots of old segments that no
   * new one replaces go with them.
   */
  replaceSegments(newSegments: readonly LogSegment[], oldSegments: readonly LogSegment[]): void {
    const local: LocalLog = this.local;
    local.checkOnline();
    try {
      local.replaceSegments(newSegments, oldSegments);
      this.producers.segmentsReplaced(newSegments, oldSegments);
    } catch (e) {
      local.fail('swapping cleaned segments of', e);
    }
  }

  // ---- close and delete ----------------------------------------------------------------

  /**
   * Flushes everything, writes a producer snapshot at the log end offset and closes the
   * files. The caller (LogManager) then writes the checkpoints and the clean-shutdown marker.
   */
  async close(): Promise<void> {
    const local: LocalLog = this.local;
    if (local.isClosed) return;
    if (!local.isOffline) {
      try {
        await this.flusher.drain();
        await this.producers.snapshotAtEnd();
        this.activeSegment.onBecomeInactive();
        await this.flusher.fullFlush(local.logEndOffset + 1);
        await local.dirSync.sync();
      } catch (e) {
        this.local.logger.error(`error while closing ${this.dir}: ${(e as Error).message}`);
      }
    }
    local.close();
  }

  /**
   * Renames the partition directory to `dir`, the log staying open (Kafka's UnifiedLog.renameDir):
   * a future log taking the current log's place, or the replaced log set aside for deletion.
   */
  renameDir(dir: string): void {
    this.local.renameDir(dir);
    this.producerState.dir = dir;
  }

  /** Closes without flushing (a failed disk, or simulated crashes in tests). */
  closeWithoutFlush(): void {
    this.local.closeWithoutFlush();
  }

  /** Removes the whole partition directory now. */
  delete(): void {
    this.local.delete();
  }

  toString(): string {
    return `PartitionLog(${this.topic}-${this.partition}, start=${this.logStartOffset_}, end=${this.local.logEndOffset}, hw=${this.highWatermark_})`;
  }
}

const EMPTY = Buffer.alloc(0);
