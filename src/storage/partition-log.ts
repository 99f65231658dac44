/**
 * The log of one partition (Kafka's UnifiedLog) over its segments on disk (LocalLog,
 * local-log.ts): appends validated batches, assigning offsets in place, with the idempotent
 * producer checks for client batches and end-transaction markers for the coordinator; reads
 * whole batches by offset (read_committed: up to the last stable offset, with the aborted
 * transactions from the segments' `.txnindex`); finds offsets by timestamp; rolls segments
 * with a producer snapshot; applies the flush policy with group commit; tracks the log start
 * offset, high watermark, last stable offset and producer state; deletes old segments by
 * retention; truncates for replication. It knows nothing of sockets.
 *
 * Every method is synchronous except the ones that wait on the disk (flushes, close), so the
 * broker's single event loop owns the log without locks. `append` returns once the bytes
 * are in the kernel; when the flush policy asks for an fsync first, the result carries a
 * promise to await before acknowledging. All fsyncs wanted while one is running share the
 * next one (group commit).
 */
import path from 'node:path';
import {
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  readInt64,
} from './batch.js';
import { systemClock } from './clock.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './config.js';
import { DeferredDeleter } from './deferred-deleter.js';
import { StorageError } from './errors.js';
import { FdCache } from './fd-cache.js';
import { NodeFs } from './fs/storage-fs.js';
import { parsePartitionDirName } from './checkpoint.js';
import { loadSegments, rebuildProducerState } from './log-loader.js';
import { LogSegment, type RecordTimestampFinder, type TimestampAndOffset } from './log-segment.js';
import { LocalLog } from './local-log.js';
import { LogSegments } from './log-segments.js';
import { consoleLogger } from './logger.js';
import { ProducerStateManager } from './producer-state.js';
import { findRecordByTimestamp } from './record-timestamps.js';
import { GroupCommit } from './group-commit.js';
import { RESTART, searchByTimestamp } from './timestamp-search.js';
import { deletableSegments, retentionRules } from './retention.js';
import { AppendSummary, checkAppend, stampBatches } from './append-check.js';
import { checkCoordinatorVerification, checkTxnMarker, firstOffsetOf, TRANSACTION_VERSION_2, validateClientProducerState } from './producer-check.js';
import { VERIFICATION_SENTINEL } from './verification-state.js';
import { markerBatch, type TxnMarker } from './txn-marker.js';
import type { AbortedTxn, CompletedTxn } from './transaction-index.js';
import type { BatchMetadata, ProducerStateEntry } from './producer-state.js';
import {
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  LATEST_TIERED_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  type AppendOptions,
  type FetchDataInfo,
  type LogAppendInfo,
  type LogOffsetsListener,
  type PartitionLogOptions,
  type ReadOptions,
} from './partition-log-types.js';

export {
  LATEST_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  MAX_TIMESTAMP,
  EARLIEST_LOCAL_TIMESTAMP,
  LATEST_TIERED_TIMESTAMP,
  type PartitionLogOptions,
  type AppendOptions,
  type LogAppendInfo,
  type FetchDataInfo,
  type FetchIsolation,
  type ReadOptions,
  type LogOffsetsListener,
} from './partition-log-types.js';
export type { TxnMarker } from './txn-marker.js';
export type { AbortedTxn, CompletedTxn } from './transaction-index.js';

const noop = () => {};
/** Reused by every append (they run synchronously, one at a time). */
const appendSummary = new AppendSummary();

export class PartitionLog {
  /** The segments, log end offset and recovery point. */
  readonly local: LocalLog;
  readonly producerState: ProducerStateManager;
  private readonly timestampFinder: RecordTimestampFinder;

  private logStartOffset_ = 0;
  private highWatermark_ = 0;
  /** Offsets below this are fsynced (data only; the recovery point also needs indexes). */
  private durableOffset_ = 0;
  private readonly groupCommit = new GroupCommit(() => this.syncData(this.local.logEndOffset));
  private fullFlushChain: Promise<void> = Promise.resolve();
  private listener: LogOffsetsListener | null = null;
  /** Counts truncations, so a compaction round can tell that the log changed under it. */
  truncations = 0;
  /** Lowest offset truncated to since the cleaner last looked (it pulls its checkpoint back). */
  lowestTruncation = Number.POSITIVE_INFINITY;

  private constructor(opts: PartitionLogOptions) {
    const parsed = parsePartitionDirName(path.basename(opts.dir));
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
    const fs = this.local.fs;
    if (fs.statSync(this.dir) === null) {
      fs.mkdirSync(this.dir);
      // The new directory's entry becomes durable with the log's first flush (no fsync per
      // partition when a topic with thousands of partitions is created).
      this.local.dirSync.parentChanged();
    }
    const clean = opts.hadCleanShutdown ?? false;
    const lsoCheckpoint = opts.logStartOffset ?? 0;
    const loaded = loadSegments({
      ctx: this.local,
      dir: this.dir,
      owner: this.local,
      hadCleanShutdown: clean,
      recoveryPoint: opts.recoveryPoint ?? 0,
      logStartOffset: lsoCheckpoint,
      discard: (s) => this.deleter.schedule(s, this.local.clock.now() + this.config['file.delete.delay.ms']),
    });
    for (const s of loaded.segments.values()) this.segments.add(s);
    if (this.segments.isEmpty()) this.local.addEmptySegment(lsoCheckpoint);
    const local: LocalLog = this.local;
    local.logEndOffset = loaded.logEndOffset;
    this.logStartOffset_ = Math.max(lsoCheckpoint, this.segments.first!.baseOffset);
    if (this.logStartOffset_ > this.local.logEndOffset) this.logStartOffset_ = this.local.logEndOffset;
    local.recoveryPoint = clean && !loaded.truncated ? local.logEndOffset : Math.min(opts.recoveryPoint ?? 0, local.logEndOffset);
    this.durableOffset_ = local.recoveryPoint;
    rebuildProducerState(this.producerState, this.local, this.logStartOffset_, clean, loaded.names);
    this.highWatermark_ = Math.min(Math.max(opts.highWatermark ?? this.logStartOffset_, this.logStartOffset_), this.local.logEndOffset);
    this.producerState.onHighWatermarkUpdated(this.highWatermark_);
    this.local.logger.info(
      `loaded ${this.dir}: ${this.segments.count} segment(s), log start offset ${this.logStartOffset_}, log end offset ${this.local.logEndOffset}, recovery point ${this.local.recoveryPoint}`,
    );
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

  /**
   * The first offset of the earliest transaction still undecided, or decided by a marker the
   * high watermark has not passed; never below the log start offset. -1 when there is none
   * (Kafka's UnifiedLog.firstUnstableOffset).
   */
  get firstUnstableOffset(): number {
    const first = this.producerState.firstUnstableOffset();
    return first < 0 ? -1 : Math.max(first, this.logStartOffset_);
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
    return this.durableOffset_;
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

  /** The producers this partition knows (DescribeProducers), read-only. */
  activeProducers(): IterableIterator<Readonly<ProducerStateEntry>> {
    return this.producerState.producers.values();
  }

  /**
   * True when `producerId` has a transaction open on this partition at `producerEpoch`
   * (Kafka's UnifiedLog.hasOngoingTransaction): what KIP-890 produce verification asks
   * before sending a first transactional batch to the coordinator.
   */
  hasOngoingTransaction(producerId: number, producerEpoch: number): boolean {
    const e = this.producerState.producers.get(producerId);
    return e !== undefined && e.currentTxnFirstOffset >= 0 && e.producerEpoch === producerEpoch;
  }

  /**
   * True when `marker` is in this log already, so that writing it again would be refused. A
   * coordinator that loads a transaction left in PrepareCommit/PrepareAbort sends every marker
   * again; under transaction version 2 a second marker of the same epoch is refused
   * (INVALID_PRODUCER_EPOCH), which would stop the completion. The producer's epoch equal to
   * the marker's, with no transaction open, can only come from that marker: the coordinator
   * bumped the epoch at EndTxn and refuses the new epoch's partitions until the transaction is
   * complete. Under version 0 an equal epoch is accepted again, so this is false.
   */
  hasTxnMarker(marker: TxnMarker): boolean {
    if (marker.transactionVersion < TRANSACTION_VERSION_2) return false;
    const e = this.producerState.producers.get(marker.producerId);
    return e !== undefined && e.producerEpoch === marker.producerEpoch && e.currentTxnFirstOffset < 0;
  }

  /**
   * Starts a KIP-890 verification of the producer's first transactional batch here (Kafka's
   * UnifiedLog.maybeStartTransactionVerification): the sentinel when a transaction of the
   * epoch is open already, else the guard to hand back to `appendAsLeader`, which refuses the
   * batch if a marker or a newer epoch took the guard away meanwhile (verification-state.ts).
   */
  maybeStartTransactionVerification(producerId: number, sequence: number, producerEpoch: number): number {
    if (this.hasOngoingTransaction(producerId, producerEpoch)) return VERIFICATION_SENTINEL;
    return this.producerState.verifications.maybeCreate(producerId, sequence, producerEpoch, this.local.clock.now());
  }

  /** The producer's verification guard, the sentinel when none is under way. */
  verificationGuard(producerId: number): number {
    return this.producerState.verifications.guardOf(producerId);
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
    const verifications = verificationGuard === null ? null : this.producerState.verifications;
    const duplicate = validateClientProducerState(records, this.producerState.producers, this.local.logEndOffset, this.topic, this.partition, verifications, verificationGuard ?? VERIFICATION_SENTINEL);
    if (duplicate !== null) return this.duplicateAppendInfo(duplicate);
    return this.appendBatches(records, true, leaderEpoch);
  }

  /**
   * The answer to a retried batch: the original's offsets and timestamp. When the flush policy
   * wants fsyncs, `durable` waits until the original batch is on disk.
   */
  private duplicateAppendInfo(b: BatchMetadata): LogAppendInfo {
    const end = b.lastOffset + 1;
    const durable = end <= this.durableOffset_ || end - this.durableOffset_ < this.config['flush.messages'] ? null : this.awaitDurable(end);
    return {
      firstOffset: firstOffsetOf(b),
      lastOffset: b.lastOffset,
      maxTimestamp: b.timestamp,
      offsetOfMaxTimestamp: b.lastOffset,
      logAppendTime: b.timestamp,
      logStartOffset: this.logStartOffset_,
      recordCount: 0,
      validBytes: 0,
      durable,
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
    if (opts.verificationGuard !== undefined && opts.verificationGuard !== null) checkCoordinatorVerification(records, this.producerState, opts.verificationGuard);
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
   * Checked first (producer-check.ts `checkTxnMarker`): a stale producer epoch throws
   * INVALID_PRODUCER_EPOCH (under transaction version 2 an epoch not above the producer's),
   * an older coordinator epoch TRANSACTION_COORDINATOR_FENCED; nothing is written then.
   */
  appendTxnMarker(marker: TxnMarker, leaderEpoch: number): LogAppendInfo {
    this.local.checkOnline();
    checkTxnMarker(
      this.producerState.producers.get(marker.producerId),
      marker.producerId,
      marker.producerEpoch,
      marker.coordinatorEpoch,
      marker.transactionVersion,
      this.local.logEndOffset,
      this.topic,
      this.partition,
    );
    return this.appendBatches(markerBatch(marker, this.local.clock.now()), true, leaderEpoch);
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
    let at = 0;
    while (at < len) {
      const txn = this.producerState.update(records, at);
      if (txn !== null) this.completeTxn(segment, txn);
      at += LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
    }
    if (this.highWatermark_ > this.local.logEndOffset) this.highWatermark_ = this.local.logEndOffset;

    let durable: Promise<void> | null = null;
    if (this.local.logEndOffset - this.durableOffset_ >= this.config['flush.messages']) durable = this.requestDataFlush();
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

  /**
   * A marker in `segment` completed `txn`: an abort gets its index entry with the last stable
   * offset as of its completion, then the transaction leaves the ongoing ones (Kafka's
   * order: the index first, so a failed write leaves the LSO where it was).
   */
  private completeTxn(segment: LogSegment, txn: CompletedTxn): void {
    try {
      segment.updateTxnIndex(txn, this.producerState.lastStableOffsetOf(txn));
    } catch (e) {
      this.local.fail('updating the transaction index of', e);
    }
    this.producerState.completeTxn(txn);
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
      this.producerState.mapEndOffset = newOffset;
      const snapshot = this.producerState.takeSnapshot();
      this.producerState.mapEndOffset = local.logEndOffset;
      // Flush the old segment (and the snapshot) off the append path.
      const target = newOffset;
      this.fullFlushChain = this.fullFlushChain
        .then(() => this.producerState.flushSnapshot(snapshot))
        .then(() => this.doFullFlush(target))
        .catch(noop);
      return seg;
    } catch (e) {
      local.fail('rolling', e);
    }
  }

  // ---- flush ---------------------------------------------------------------------------

  /** Group commit of the `.log` data: one fdatasync round for every append waiting at that moment. */
  private requestDataFlush(): Promise<void> {
    return this.groupCommit.request();
  }

  private async syncData(target: number): Promise<void> {
    await this.local.flushData();
    if (target > this.durableOffset_) this.durableOffset_ = target;
  }

  /** Waits until every offset below `offset` (default: the log end offset) is fsynced. */
  awaitDurable(offset = this.local.logEndOffset): Promise<void> {
    if (offset <= this.durableOffset_) return Promise.resolve();
    return this.requestDataFlush();
  }

  /**
   * Flushes the log and indexes up to `offset` (default: the log end offset) and moves the
   * recovery point there (Kafka's flush). Serialized per log.
   */
  flush(offset = this.local.logEndOffset): Promise<void> {
    const p = this.fullFlushChain.then(() => this.doFullFlush(offset));
    this.fullFlushChain = p.catch(noop);
    return p;
  }

  private async doFullFlush(offset: number): Promise<void> {
    const local: LocalLog = this.local;
    if (offset <= local.recoveryPoint || local.isClosed) return;
    local.checkOnline();
    await local.flush(offset);
    if (local.recoveryPoint > this.durableOffset_) this.durableOffset_ = local.recoveryPoint;
  }

  /** The periodic flusher's check: flush when `flush.ms` has passed since the last flush. */
  maybeFlushByTime(now = this.local.clock.now()): Promise<void> | null {
    if (this.unflushedMessages <= 0 || now - this.local.lastFlushTime < this.config['flush.ms']) return null;
    return this.flush();
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

  /**
   * The aborted transactions overlapping [startOffset, upperBoundOffset) (Kafka's
   * UnifiedLog.collectAbortedTransactions), from the transaction indexes.
   */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    this.local.checkOnline();
    this.local.collectAbortedTransactions(startOffset, upperBoundOffset, out);
    return out;
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

  /**
   * ListOffsets: the first offset whose timestamp is >= `timestamp`, or the special
   * timestamps (-1 latest, -2 earliest, -3 max timestamp, -4 earliest local, -5 latest tiered).
   * null when no record has a timestamp that large. Asynchronous: records of compressed
   * batches are decoded to find the exact record.
   */
  async fetchOffsetByTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    this.local.checkOnline();
    switch (timestamp) {
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP:
        return { timestamp: -1, offset: this.logStartOffset_, leaderEpoch: -1 };
      case LATEST_TIMESTAMP:
        return { timestamp: -1, offset: this.local.logEndOffset, leaderEpoch: -1 };
      case LATEST_TIERED_TIMESTAMP:
        return { timestamp: -1, offset: -1, leaderEpoch: -1 };
    }
    if (timestamp < 0 && timestamp !== MAX_TIMESTAMP) throw new StorageError('INVALID_REQUEST', `invalid timestamp ${timestamp}`);
    // The log may change while a batch is decoded; a search that loses its segment starts over.
    for (let attempt = 0; attempt < 3; attempt++) {
      let r;
      try {
        r = await searchByTimestamp(this, timestamp, this.timestampFinder);
      } catch (e) {
        this.local.fail('searching by timestamp in', e);
      }
      if (r !== RESTART) return r;
    }
    return null;
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

  private deleteMatching(predicate: (s: LogSegment, next: LogSegment | undefined) => boolean, reason: string): number {
    const deletable = deletableSegments(this.segments.values(), this.highWatermark_, this.local.logEndOffset, predicate);
    if (deletable.length === 0) return 0;
    let toDelete = deletable;
    if (deletable.length === this.segments.count) {
      // Never delete every segment: roll first (a no-op when the active one is empty).
      const fresh = this.roll();
      if (deletable[deletable.length - 1] === fresh) toDelete = deletable.slice(0, -1);
    }
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
    this.deleteProducerSnapshots(list);
  }

  private deleteProducerSnapshots(list: readonly LogSegment[]): void {
    for (const s of list) this.producerState.deleteSnapshot(s.baseOffset);
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
      this.deleteProducerSnapshots(local.truncateTo(offset));
      const end = local.logEndOffset;
      if (this.logStartOffset_ > end) this.logStartOffset_ = end;
      if (this.durableOffset_ > end) this.durableOffset_ = end;
      this.producerState.deleteSnapshotsAbove(end);
      rebuildProducerState(this.producerState, local, this.logStartOffset_, false);
      this.producerState.onHighWatermarkUpdated(Math.min(this.highWatermark_, end));
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
      this.deleteProducerSnapshots(local.truncateFullyAndStartAt(offset));
      this.logStartOffset_ = logStartOffset;
      this.durableOffset_ = Math.min(this.durableOffset_, offset);
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
      const newBases = new Set(newSegments.map((s) => s.baseOffset));
      for (const s of oldSegments) if (!newBases.has(s.baseOffset)) this.producerState.deleteSnapshot(s.baseOffset);
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
        await this.fullFlushChain;
        if (this.groupCommit.inFlight) await this.groupCommit.inFlight.catch(noop);
        const end = local.logEndOffset;
        if (this.producerState.snapshotOffsets().at(-1) !== end && end > 0) {
          this.producerState.mapEndOffset = end;
          await this.producerState.flushSnapshot(this.producerState.takeSnapshot());
        }
        this.activeSegment.onBecomeInactive();
        await this.doFullFlush(local.logEndOffset + 1);
        await local.dirSync.sync();
      } catch (e) {
        this.local.logger.error(`error while closing ${this.dir}: ${(e as Error).message}`);
      }
    }
    local.close();
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
