/**
 * The log of one partition (Kafka's UnifiedLog + LocalLog): appends validated batches,
 * assigning offsets in place; reads whole batches by offset; finds offsets by timestamp;
 * rolls segments; applies the flush policy with group commit; tracks the log start offset,
 * high watermark and recovery point; deletes old segments by retention; truncates for
 * replication. It knows nothing of sockets.
 *
 * Every method is synchronous except the ones that wait on the disk (flushes, close), so the
 * broker's single event loop owns the log without locks. `append` returns once the bytes
 * are in the kernel; when the flush policy asks for an fsync first, the result carries a
 * promise to await before acknowledging. All fsyncs wanted while one is running share the
 * next one (group commit).
 */
import path from 'node:path';
import {
  BASE_SEQUENCE_OFFSET,
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_COUNT_OFFSET,
  readInt64,
  BatchScanner,
} from './batch.js';
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './config.js';
import { DeferredDeleter } from './deferred-deleter.js';
import { StorageError, isStorageError } from './errors.js';
import { FdCache } from './fd-cache.js';
import { NodeFs, type StorageFs } from './fs/storage-fs.js';
import { parsePartitionDirName } from './checkpoint.js';
import { loadSegments } from './log-loader.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, SWAP_SUFFIX, LogSegment, type RecordTimestampFinder, type SegmentContext, type TimestampAndOffset } from './log-segment.js';
import { LogSegments } from './log-segments.js';
import { consoleLogger, type StorageLogger } from './logger.js';
import { ProducerStateManager } from './producer-state.js';
import { findRecordByTimestamp } from './record-timestamps.js';
import { GroupCommit } from './group-commit.js';
import { DirectorySync } from './dir-sync.js';
import { RESTART, searchByTimestamp } from './timestamp-search.js';
import { deletableSegments, retentionRules } from './retention.js';
import { checkAppend } from './append-check.js';
import { checkProducerBatch, firstOffsetOf, ProducerCheck, ProducerCheckResult } from './producer-check.js';
import type { BatchMetadata, ProducerStateEntry } from './producer-state.js';
import {
  batchLastSequence,
  batchMaxTimestamp,
  batchTimestampType,
  TimestampType,
  writeBaseOffset,
  writeLogAppendTime,
  writeMaxTimestamp,
  writePartitionLeaderEpoch,
} from '../protocol/records/header.js';
import { ErrorCode } from '../protocol/generated/errors.js';
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

const noop = () => {};
/** Reused by every producer check (they run synchronously, one at a time). */
const producerCheck = new ProducerCheckResult();

export class PartitionLog implements SegmentContext {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  config: LogConfig;
  readonly fs: StorageFs;
  readonly fds: FdCache;
  readonly clock: Clock;
  readonly logger: StorageLogger;
  readonly deleter: DeferredDeleter;
  readonly segments: LogSegments;
  readonly producerState: ProducerStateManager;
  private readonly timestampFinder: RecordTimestampFinder;

  private logEndOffset_ = 0;
  private logStartOffset_ = 0;
  private highWatermark_ = 0;
  private recoveryPoint_ = 0;
  /** Offsets below this are fsynced (data only; the recovery point also needs indexes). */
  private durableOffset_ = 0;
  private lastFlushTime_: number;
  private readonly dirSync: DirectorySync;
  private offlineCause: unknown = null;
  private readonly groupCommit = new GroupCommit(() => this.syncData(this.logEndOffset_));
  private fullFlushChain: Promise<void> = Promise.resolve();
  private listener: LogOffsetsListener | null = null;
  private closed = false;
  /** Counts truncations, so a compaction round can tell that the log changed under it. */
  truncations = 0;
  /** Lowest offset truncated to since the cleaner last looked (it pulls its checkpoint back). */
  lowestTruncation = Number.POSITIVE_INFINITY;

  private constructor(opts: PartitionLogOptions) {
    this.dir = opts.dir;
    const parsed = parsePartitionDirName(path.basename(opts.dir));
    this.topic = parsed?.topic ?? path.basename(opts.dir);
    this.partition = parsed?.partition ?? 0;
    this.config = opts.config ?? { ...DEFAULT_LOG_CONFIG };
    this.fs = opts.fs ?? new NodeFs();
    this.fds = opts.fds ?? new FdCache(this.fs, 64);
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? consoleLogger();
    this.deleter = opts.deleter ?? new DeferredDeleter(this.logger);
    this.segments = new LogSegments();
    this.producerState = new ProducerStateManager(this.fs, this.dir, this.logger);
    this.timestampFinder = opts.timestampFinder ?? findRecordByTimestamp;
    this.dirSync = new DirectorySync(this.fs, this.dir);
    this.lastFlushTime_ = this.clock.now();
  }

  /** Opens (creating if needed) and, after an unclean shutdown, recovers a partition log. */
  static open(opts: PartitionLogOptions): PartitionLog {
    const log = new PartitionLog(opts);
    log.load(opts);
    return log;
  }

  private load(opts: PartitionLogOptions): void {
    const fs = this.fs;
    if (fs.statSync(this.dir) === null) {
      fs.mkdirSync(this.dir);
      // The new directory's entry becomes durable with the log's first flush (no fsync per
      // partition when a topic with thousands of partitions is created).
      this.dirSync.parentChanged();
    }
    const clean = opts.hadCleanShutdown ?? false;
    const lsoCheckpoint = opts.logStartOffset ?? 0;
    const loaded = loadSegments({
      ctx: this,
      dir: this.dir,
      owner: this,
      hadCleanShutdown: clean,
      recoveryPoint: opts.recoveryPoint ?? 0,
      logStartOffset: lsoCheckpoint,
      discard: (s) => this.deleter.schedule(s, this.clock.now() + this.config['file.delete.delay.ms']),
    });
    for (const s of loaded.segments.values()) this.segments.add(s);
    if (this.segments.isEmpty()) {
      this.segments.add(LogSegment.create(this, this.dir, lsoCheckpoint, this));
      this.dirSync.changed();
    }
    this.logEndOffset_ = loaded.logEndOffset;
    this.logStartOffset_ = Math.max(lsoCheckpoint, this.segments.first!.baseOffset);
    if (this.logStartOffset_ > this.logEndOffset_) this.logStartOffset_ = this.logEndOffset_;
    this.recoveryPoint_ = clean && !loaded.truncated ? this.logEndOffset_ : Math.min(opts.recoveryPoint ?? 0, this.logEndOffset_);
    this.durableOffset_ = this.recoveryPoint_;
    this.rebuildProducerState(clean, loaded.names);
    this.highWatermark_ = Math.min(Math.max(opts.highWatermark ?? this.logStartOffset_, this.logStartOffset_), this.logEndOffset_);
    this.logger.info(
      `loaded ${this.dir}: ${this.segments.count} segment(s), log start offset ${this.logStartOffset_}, log end offset ${this.logEndOffset_}, recovery point ${this.recoveryPoint_}`,
    );
  }

  /** Loads the newest producer snapshot at or below the log end offset and replays what follows it. */
  private rebuildProducerState(clean: boolean, names?: readonly string[]): void {
    const ps = this.producerState;
    const listing = ps.removeStraySnapshots(this.segments.baseOffsets(), names);
    const loadedAt = ps.loadLatestSnapshot(this.logEndOffset_, listing);
    if (loadedAt < 0 && clean) {
      // Kafka's upgrade shortcut: a clean log without snapshots starts with empty state.
      ps.mapEndOffset = this.logEndOffset_;
    } else if (ps.mapEndOffset < this.logEndOffset_) {
      const from = Math.max(ps.mapEndOffset, this.logStartOffset_);
      for (const seg of this.segments.range(from, this.logEndOffset_)) {
        const scanner = new BatchScanner(this.fs, this.fds.fd(seg.logFile), seg.baseOffset >= from ? 0 : this.positionOf(seg, from), seg.size, false);
        while (scanner.next()) if (scanner.lastOffset >= from) ps.update(scanner.buffer, scanner.at);
      }
    }
    ps.mapEndOffset = this.logEndOffset_;
    if (loadedAt !== this.logEndOffset_ && this.logEndOffset_ > 0) ps.takeSnapshot();
  }

  private positionOf(seg: LogSegment, offset: number): number {
    seg.ensureIndexesLoaded();
    return seg.offsetIndex.lookup(offset);
  }

  // ---- state ---------------------------------------------------------------------------

  get logEndOffset(): number {
    return this.logEndOffset_;
  }
  get logStartOffset(): number {
    return this.logStartOffset_;
  }
  get highWatermark(): number {
    return this.highWatermark_;
  }
  get recoveryPoint(): number {
    return this.recoveryPoint_;
  }
  /** Offsets below this have been fsynced. */
  get durableOffset(): number {
    return this.durableOffset_;
  }
  get lastFlushTime(): number {
    return this.lastFlushTime_;
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
    return this.offlineCause !== null;
  }
  get isClosed(): boolean {
    return this.closed;
  }
  get unflushedMessages(): number {
    return this.logEndOffset_ - this.recoveryPoint_;
  }

  /** The producers this partition knows (DescribeProducers), read-only. */
  activeProducers(): IterableIterator<Readonly<ProducerStateEntry>> {
    return this.producerState.producers.values();
  }

  /** Removes producers idle for `expirationMs` (producer.id.expiration.ms); returns how many. */
  removeExpiredProducers(now: number, expirationMs: number): number {
    return this.producerState.removeExpiredProducers(now, expirationMs);
  }

  setOffsetsListener(listener: LogOffsetsListener | null): void {
    this.listener = listener;
  }

  updateConfig(config: LogConfig): void {
    this.config = config;
  }

  private checkOnline(): void {
    if (this.offlineCause !== null) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `log ${this.topic}-${this.partition} in ${path.dirname(this.dir)} is offline after an I/O error`, {
        cause: this.offlineCause,
      });
    }
    if (this.closed) throw new StorageError('KAFKA_STORAGE_ERROR', `log ${this.topic}-${this.partition} is closed`);
  }

  /** Marks the log offline after an I/O error (Kafka takes the log dir offline); it stays so until reopened. */
  private fail(op: string, e: unknown): never {
    if (isStorageError(e) && e.errorName !== 'KAFKA_STORAGE_ERROR') throw e;
    if (this.offlineCause === null && !this.closed) {
      this.offlineCause = e;
      this.logger.error(`error while ${op} ${this.topic}-${this.partition} in ${this.dir}: ${(e as Error)?.message ?? e}; the log is offline until reopened`);
    }
    throw new StorageError('KAFKA_STORAGE_ERROR', `error while ${op} ${this.topic}-${this.partition}: ${(e as Error)?.message ?? e}`, { cause: e });
  }

  // ---- append --------------------------------------------------------------------------

  /**
   * Appends a client's batch as the leader (Kafka's appendAsLeader with AppendOrigin.CLIENT):
   * first the idempotent producer checks against this partition's producer state
   * (analyzeAndValidateProducerState; a client append is one batch). A retry of a batch already
   * in the log appends nothing and answers that batch's offsets, with its timestamp as the
   * append time; a stale epoch or a sequence gap throws INVALID_PRODUCER_EPOCH or
   * OUT_OF_ORDER_SEQUENCE_NUMBER. Then as `append`, stamping `leaderEpoch`.
   */
  appendAsLeader(records: Buffer, leaderEpoch: number): LogAppendInfo {
    this.checkOnline();
    const producerId = readInt64(records, PRODUCER_ID_OFFSET);
    if (producerId >= 0) {
      const verdict = checkProducerBatch(
        producerCheck,
        this.producerState.producers.get(producerId),
        producerId,
        records.readInt16BE(PRODUCER_EPOCH_OFFSET),
        records.readInt32BE(BASE_SEQUENCE_OFFSET),
        batchLastSequence(records, 0),
        this.logEndOffset_,
        this.topic,
        this.partition,
      );
      if (verdict === ProducerCheck.Duplicate) return this.duplicateAppendInfo(producerCheck.duplicateOf!);
      if (verdict === ProducerCheck.Reject) {
        throw new StorageError(producerCheck.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH ? 'INVALID_PRODUCER_EPOCH' : 'OUT_OF_ORDER_SEQUENCE_NUMBER', producerCheck.reason);
      }
    }
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
    this.checkOnline();
    return this.appendBatches(records, opts.assignOffsets ?? true, opts.leaderEpoch ?? -1);
  }

  private appendBatches(records: Buffer, assign: boolean, leaderEpoch: number): LogAppendInfo {
    const len = records.length;
    // Pass 1: structure, sizes, and (followers) offset order. Nothing is modified yet.
    checkAppend(records, this.config, assign, this.logEndOffset_, `${this.topic}-${this.partition}`);
    const now = this.clock.now();
    const logAppendTime = this.config['message.timestamp.type'] === 'LogAppendTime';
    // Pass 2: offsets, epoch, timestamps.
    const firstOffset = assign ? this.logEndOffset_ : readInt64(records, 0);
    let next = firstOffset;
    let maxTimestamp = -1;
    let offsetOfMax = firstOffset;
    let recordCount = 0;
    let at = 0;
    while (at < len) {
      const size = LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
      const delta = records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET);
      if (assign) {
        // The protocol layer's header writers (the CRC is redone only when a covered field changes).
        writeBaseOffset(records, at, next);
        writePartitionLeaderEpoch(records, at, leaderEpoch);
        if (logAppendTime) writeLogAppendTime(records, at, now);
        else if (batchTimestampType(records, at) === TimestampType.LogAppendTime) {
          writeMaxTimestamp(records, at, TimestampType.CreateTime, batchMaxTimestamp(records, at));
        }
      }
      const base = readInt64(records, at);
      const last = base + delta;
      const ts = readInt64(records, at + MAX_TIMESTAMP_OFFSET);
      if (ts > maxTimestamp) {
        maxTimestamp = ts;
        offsetOfMax = last;
      }
      recordCount += records.readInt32BE(at + RECORD_COUNT_OFFSET);
      next = last + 1;
      at += size;
    }
    const lastOffset = next - 1;

    try {
      this.maybeRoll(len, maxTimestamp, firstOffset, lastOffset, now).append(records, lastOffset);
    } catch (e) {
      this.fail('appending to', e);
    }
    this.logEndOffset_ = next;
    at = 0;
    while (at < len) {
      this.producerState.update(records, at);
      at += LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
    }
    if (this.highWatermark_ > this.logEndOffset_) this.highWatermark_ = this.logEndOffset_;

    let durable: Promise<void> | null = null;
    if (this.logEndOffset_ - this.durableOffset_ >= this.config['flush.messages']) durable = this.requestDataFlush();
    return {
      firstOffset,
      lastOffset,
      maxTimestamp,
      offsetOfMaxTimestamp: offsetOfMax,
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
    this.logger.debug(`rolling ${this.topic}-${this.partition}: segment ${seg.baseOffset} has ${seg.size} bytes`);
    return this.roll(firstOffset);
  }

  /**
   * Starts a new active segment at max(expectedNextOffset, log end offset) and schedules the
   * flush of the old one (Kafka flushes on roll in the background).
   */
  roll(expectedNextOffset = 0): LogSegment {
    this.checkOnline();
    try {
      const newOffset = Math.max(expectedNextOffset, this.logEndOffset_);
      const active = this.segments.last!;
      if (active.baseOffset === newOffset) {
        if (active.size === 0) return active; // nothing to roll (KAFKA-6388)
        throw new StorageError('KAFKA_STORAGE_ERROR', `trying to roll a new segment at ${newOffset} for ${this.topic}-${this.partition} while it exists`);
      }
      if (newOffset < active.baseOffset) {
        throw new StorageError('KAFKA_STORAGE_ERROR', `trying to roll a new segment at ${newOffset}, below the active segment ${active.baseOffset}`);
      }
      active.onBecomeInactive();
      const seg = LogSegment.create(this, this.dir, newOffset, this);
      this.segments.add(seg);
      this.dirSync.changed();
      this.producerState.mapEndOffset = newOffset;
      const snapshot = this.producerState.takeSnapshot();
      this.producerState.mapEndOffset = this.logEndOffset_;
      // Flush the old segment (and the snapshot) off the append path.
      const target = newOffset;
      this.fullFlushChain = this.fullFlushChain
        .then(() => this.producerState.flushSnapshot(snapshot))
        .then(() => this.doFullFlush(target))
        .catch(noop);
      return seg;
    } catch (e) {
      this.fail('rolling', e);
    }
  }

  // ---- flush ---------------------------------------------------------------------------

  /** Group commit of the `.log` data: one fdatasync round for every append waiting at that moment. */
  private requestDataFlush(): Promise<void> {
    return this.groupCommit.request();
  }

  private async syncData(target: number): Promise<void> {
    try {
      const dirty = this.segments.values().filter((s) => s.unflushedData);
      await Promise.all([...dirty.map((s) => s.flushData()), this.dirSync.sync()]);
      if (target > this.durableOffset_) this.durableOffset_ = target;
    } catch (e) {
      this.fail('flushing', e);
    }
  }

  /** Waits until every offset below `offset` (default: the log end offset) is fsynced. */
  awaitDurable(offset = this.logEndOffset_): Promise<void> {
    if (offset <= this.durableOffset_) return Promise.resolve();
    return this.requestDataFlush();
  }

  /**
   * Flushes the log and indexes up to `offset` (default: the log end offset) and moves the
   * recovery point there (Kafka's flush). Serialized per log.
   */
  flush(offset = this.logEndOffset_): Promise<void> {
    const p = this.fullFlushChain.then(() => this.doFullFlush(offset));
    this.fullFlushChain = p.catch(noop);
    return p;
  }

  private async doFullFlush(offset: number): Promise<void> {
    if (offset <= this.recoveryPoint_ || this.closed) return;
    this.checkOnline();
    try {
      const segs = this.segments.range(this.recoveryPoint_, offset);
      await Promise.all([...segs.map((s) => s.flush()), this.dirSync.sync()]);
      if (offset > this.recoveryPoint_) this.recoveryPoint_ = Math.min(offset, this.logEndOffset_);
      if (this.recoveryPoint_ > this.durableOffset_) this.durableOffset_ = this.recoveryPoint_;
      this.lastFlushTime_ = this.clock.now();
    } catch (e) {
      this.fail('flushing', e);
    }
  }

  /** The periodic flusher's check: flush when `flush.ms` has passed since the last flush. */
  maybeFlushByTime(now = this.clock.now()): Promise<void> | null {
    if (this.unflushedMessages <= 0 || now - this.lastFlushTime_ < this.config['flush.ms']) return null;
    return this.flush();
  }

  // ---- read ----------------------------------------------------------------------------

  /**
   * Reads whole batches from the one containing `startOffset`, at most `maxBytes` (at least
   * one batch unless minOneMessage is false), from a single segment, up to the log end
   * offset or the high watermark. Throws OFFSET_OUT_OF_RANGE outside
   * [log start offset, log end offset].
   */
  read(startOffset: number, maxBytes: number, opts: ReadOptions = {}): FetchDataInfo {
    this.checkOnline();
    if (startOffset < this.logStartOffset_ || startOffset > this.logEndOffset_) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `Received request for offset ${startOffset} for partition ${this.topic}-${this.partition}, but we only have log segments in the range ${this.logStartOffset_} to ${this.logEndOffset_}.`,
      );
    }
    const maxOffset = opts.isolation === 'highWatermark' ? this.highWatermark_ : this.logEndOffset_;
    const empty: FetchDataInfo = { records: EMPTY, firstBatchTooLarge: false };
    if (startOffset >= maxOffset || maxBytes < 0) return empty;
    const minOne = opts.minOneMessage ?? true;
    let i = Math.max(0, this.segments.floorIndex(startOffset));
    try {
      for (let seg = this.segments.at(i); seg !== undefined; seg = this.segments.at(++i)) {
        if (seg.baseOffset >= maxOffset) break;
        const r = seg.read(startOffset, maxBytes, maxOffset, minOne, opts.allocate);
        if (r !== null) return { records: r.records, firstBatchTooLarge: r.firstBatchTooLarge };
      }
    } catch (e) {
      this.fail('reading', e);
    }
    return empty;
  }

  /**
   * Bytes of the whole batches from the one that contains `startOffset` up to the first that
   * reaches `endOffset` (Kafka's LogOffsetMetadata.positionDiff, across segments), from index
   * positions and batch headers: no records are read. What a waiting fetch counts against
   * its min_bytes. Throws OFFSET_OUT_OF_RANGE as `read` does.
   */
  bytesBetween(startOffset: number, endOffset: number): number {
    this.checkOnline();
    if (startOffset < this.logStartOffset_ || startOffset > this.logEndOffset_) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `Received request for offset ${startOffset} for partition ${this.topic}-${this.partition}, but we only have log segments in the range ${this.logStartOffset_} to ${this.logEndOffset_}.`,
      );
    }
    if (startOffset >= endOffset) return 0;
    const segments = this.segments;
    const active = segments.last!;
    let i = Math.max(0, segments.floorIndex(startOffset));
    let bytes = 0;
    try {
      for (let seg = segments.at(i); seg !== undefined; seg = segments.at(++i)) {
        if (seg.baseOffset >= endOffset) break;
        const from = seg.baseOffset >= startOffset ? 0 : seg.positionOf(startOffset);
        const next = segments.at(i + 1);
        // The end is the segment's end when endOffset lies past it (no header walk for that).
        const to = (next !== undefined && next.baseOffset <= endOffset) || (seg === active && endOffset >= this.logEndOffset_) ? seg.size : seg.positionOf(endOffset);
        bytes += to - from;
      }
    } catch (e) {
      this.fail('reading', e);
    }
    return bytes;
  }

  /**
   * ListOffsets: the first offset whose timestamp is >= `timestamp`, or the special
   * timestamps (-1 latest, -2 earliest, -3 max timestamp, -4 earliest local, -5 latest tiered).
   * null when no record has a timestamp that large. Asynchronous: records of compressed
   * batches are decoded to find the exact record.
   */
  async fetchOffsetByTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    this.checkOnline();
    switch (timestamp) {
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP:
        return { timestamp: -1, offset: this.logStartOffset_, leaderEpoch: -1 };
      case LATEST_TIMESTAMP:
        return { timestamp: -1, offset: this.logEndOffset_, leaderEpoch: -1 };
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
        this.fail('searching by timestamp in', e);
      }
      if (r !== RESTART) return r;
    }
    return null;
  }

  // ---- high watermark and log start offset --------------------------------------------

  /** Sets the high watermark, clamped to [log start offset, log end offset]; returns it. */
  updateHighWatermark(hw: number): number {
    const v = Math.min(Math.max(hw, this.logStartOffset_), this.logEndOffset_);
    if (v !== this.highWatermark_) {
      this.highWatermark_ = v;
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
    this.checkOnline();
    if (offset > this.highWatermark_) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `Cannot increment the log start offset to ${offset} of partition ${this.topic}-${this.partition} since it is larger than the high watermark ${this.highWatermark_}`,
      );
    }
    if (offset <= this.logStartOffset_) return false;
    this.logStartOffset_ = offset;
    this.producerState.onLogStartOffsetIncremented(offset);
    this.logger.info(`incremented the log start offset of ${this.topic}-${this.partition} to ${offset} due to ${reason}`);
    return true;
  }

  // ---- retention -----------------------------------------------------------------------

  /**
   * Deletes old segments: those wholly below the log start offset always; with the delete
   * policy, those beyond `retention.bytes` and older than `retention.ms` (Kafka's
   * deleteOldSegments). Never deletes at or past the high watermark. Returns how many.
   */
  deleteOldSegments(now = this.clock.now()): number {
    if (this.closed || this.offlineCause !== null) return 0;
    try {
      let n = 0;
      for (const rule of retentionRules(this, now)) n += this.deleteMatching(rule.predicate(), rule.reason);
      return n;
    } catch (e) {
      this.fail('deleting segments of', e);
    }
  }

  private deleteMatching(predicate: (s: LogSegment, next: LogSegment | undefined) => boolean, reason: string): number {
    const deletable = deletableSegments(this.segments.values(), this.highWatermark_, this.logEndOffset_, predicate);
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
    this.logger.info(`deleting ${toDelete.length} segment(s) of ${this.topic}-${this.partition} due to ${reason}: ${toDelete.map((s) => s.baseOffset).join(', ')}`);
    this.removeSegments(toDelete);
    return toDelete.length;
  }

  /** Takes segments out of the log, renames their files to `.deleted` and schedules removal. */
  private removeSegments(list: readonly LogSegment[]): void {
    const due = this.clock.now() + this.config['file.delete.delay.ms'];
    for (const s of list) {
      this.segments.remove(s);
      s.close();
      s.changeFileSuffixes('', DELETED_SUFFIX);
      this.producerState.deleteSnapshot(s.baseOffset);
      this.deleter.schedule(s, due);
    }
    this.dirSync.changed();
  }

  // ---- truncation (replication) --------------------------------------------------------

  /** Removes every offset >= `offset`; returns true when something was removed. */
  truncateTo(offset: number): boolean {
    this.checkOnline();
    if (offset < 0) throw new StorageError('INVALID_REQUEST', `cannot truncate ${this.topic}-${this.partition} to a negative offset ${offset}`);
    if (offset >= this.logEndOffset_) return false;
    this.truncations++;
    this.lowestTruncation = Math.min(this.lowestTruncation, offset);
    try {
      if (this.segments.first!.baseOffset > offset) {
        this.truncateFullyAndStartAt(offset);
        return true;
      }
      const doomed = this.segments.values().filter((s) => s.baseOffset > offset);
      this.removeSegments(doomed);
      const active = this.segments.last!;
      active.truncateTo(offset);
      // Truncation is rare (replication) and must not be undone by a power cut: make it durable now.
      active.flushSync();
      this.dirSync.syncSync();
      // On a compacted log the target may fall in a gap left by removed batches: the end is
      // then the last remaining batch's next offset, as a reopen would compute it.
      this.logEndOffset_ = Math.min(offset, active.readNextOffset());
      const end = this.logEndOffset_;
      if (this.logStartOffset_ > end) this.logStartOffset_ = end;
      if (this.recoveryPoint_ > end) this.recoveryPoint_ = end;
      if (this.durableOffset_ > end) this.durableOffset_ = end;
      this.producerState.deleteSnapshotsAbove(end);
      this.rebuildProducerState(false);
      if (this.highWatermark_ > end) this.updateHighWatermark(end);
      return true;
    } catch (e) {
      this.fail('truncating', e);
    }
  }

  /** Deletes everything and starts empty at `offset` (a follower far behind the leader). */
  truncateFullyAndStartAt(offset: number, logStartOffset = offset): void {
    this.checkOnline();
    this.truncations++;
    this.lowestTruncation = Math.min(this.lowestTruncation, offset);
    try {
      this.removeSegments([...this.segments.values()]);
      this.segments.add(LogSegment.create(this, this.dir, offset, this));
      this.dirSync.changed();
      this.dirSync.syncSync();
      this.logEndOffset_ = offset;
      this.logStartOffset_ = logStartOffset;
      this.recoveryPoint_ = Math.min(this.recoveryPoint_, offset);
      this.durableOffset_ = Math.min(this.durableOffset_, offset);
      this.producerState.truncateFullyAndStartAt(offset);
      this.highWatermark_ = offset;
      this.listener?.onHighWatermarkUpdated(offset);
    } catch (e) {
      this.fail('truncating', e);
    }
  }

  // ---- compaction support --------------------------------------------------------------

  /**
   * Replaces `oldSegments` with `newSegments` written with the `.cleaned` suffix (the
   * cleaner's swap, Kafka's replaceSegments): renames them to `.swap`, removes the old ones
   * (renamed to `.deleted`), then drops the `.swap` suffix. A crash at any step is finished
   * by the loader.
   */
  replaceSegments(newSegments: readonly LogSegment[], oldSegments: readonly LogSegment[]): void {
    this.checkOnline();
    try {
      for (const s of newSegments) s.changeFileSuffixes(CLEANED_SUFFIX, SWAP_SUFFIX);
      this.dirSync.changed();
      this.dirSync.syncSync();
      const newBases = new Set(newSegments.map((s) => s.baseOffset));
      const due = this.clock.now() + this.config['file.delete.delay.ms'];
      for (const s of oldSegments) {
        if (this.segments.get(s.baseOffset) === s) this.segments.remove(s);
        s.close();
        s.changeFileSuffixes('', DELETED_SUFFIX);
        if (!newBases.has(s.baseOffset)) this.producerState.deleteSnapshot(s.baseOffset);
        this.deleter.schedule(s, due);
      }
      for (const s of newSegments) {
        s.changeFileSuffixes(SWAP_SUFFIX, '');
        this.segments.add(s);
      }
      this.dirSync.changed();
      this.dirSync.syncSync();
    } catch (e) {
      this.fail('swapping cleaned segments of', e);
    }
  }

  // ---- close and delete ----------------------------------------------------------------

  /**
   * Flushes everything, writes a producer snapshot at the log end offset and closes the
   * files. The caller (LogManager) then writes the checkpoints and the clean-shutdown marker.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.offlineCause === null) {
      try {
        await this.fullFlushChain;
        if (this.groupCommit.inFlight) await this.groupCommit.inFlight.catch(noop);
        if (this.producerState.snapshotOffsets().at(-1) !== this.logEndOffset_ && this.logEndOffset_ > 0) {
          this.producerState.mapEndOffset = this.logEndOffset_;
          await this.producerState.flushSnapshot(this.producerState.takeSnapshot());
        }
        this.activeSegment.onBecomeInactive();
        await this.doFullFlush(this.logEndOffset_ + 1);
        await this.dirSync.sync();
      } catch (e) {
        this.logger.error(`error while closing ${this.dir}: ${(e as Error).message}`);
      }
    }
    this.closed = true;
    for (const s of this.segments.values()) {
      try {
        s.close();
      } catch (e) {
        this.logger.warn(`error closing ${s.logFile.path}: ${(e as Error).message}`);
      }
    }
  }

  /** Closes without flushing (a failed disk, or simulated crashes in tests). */
  closeWithoutFlush(): void {
    this.closed = true;
    for (const s of this.segments.values()) this.fds.close(s.logFile);
  }

  /** Removes the whole partition directory now. */
  delete(): void {
    this.closeWithoutFlush();
    this.deleter.runAll();
    this.fs.rmSync(this.dir);
  }

  toString(): string {
    return `PartitionLog(${this.topic}-${this.partition}, start=${this.logStartOffset_}, end=${this.logEndOffset_}, hw=${this.highWatermark_})`;
  }
}

const EMPTY = Buffer.alloc(0);
