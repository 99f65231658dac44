/**
 * One segment of a partition log: `<base offset, 20 digits>.log` holding raw record batches,
 * with its sparse `.index` and `.timeindex`, and the `.txnindex` of the transactions aborted
 * in it (Kafka's LogSegment). It knows nothing of
 * partitions: it appends batches whose offsets are already assigned, reads whole batches
 * from an offset, rebuilds its indexes, truncates and renames itself.
 *
 * The `.log` descriptor comes from the bounded FdCache on each use; indexes are loaded into
 * memory on first use. The walks over the `.log` itself are in file-records.ts, the indexes
 * and the largest timestamp in segment-indexes.ts, the file names in log-file-names.ts. Offsets, positions and timestamps are JS numbers (offsets and
 * timestamps stay far below 2^53; positions are int32 as in Kafka).
 */
import path from 'node:path';
import { BatchScanner, RECORD_COUNT_OFFSET, LOG_OVERHEAD, readInt64, LAST_OFFSET_DELTA_OFFSET, MAX_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET, RECORD_BATCH_OVERHEAD } from './batch.js';
import { CorruptIndexError } from './abstract-index.js';
import type { Clock } from './clock.js';
import type { LogConfig } from './config.js';
import { StorageError } from './errors.js';
import { CachedFile, type FdCache } from './fd-cache.js';
import { readFully, renameIfExists, writeFully, type StorageFs } from './fs/storage-fs.js';
import type { StorageLogger } from './logger.js';
import type { OffsetIndex } from './offset-index.js';
import { NO_TIMESTAMP, type TimeIndex } from './time-index.js';
import type { CompletedTxn, TransactionIndex } from './transaction-index.js';
import { filenamePrefix, LOG_SUFFIX } from './log-file-names.js';
import { SegmentIndexes } from './segment-indexes.js';
import { batchEndsWith, nextOffsetFrom, readBatches, SCRATCH, searchForOffset, searchForTimestamp, type FoundBatch, type RecordsFile, type TimestampCandidate } from './file-records.js';

export type { TimestampCandidate } from './file-records.js';

const INT32_MAX = 0x7fffffff;
const UNKNOWN = -2;

/** What a segment needs from its surroundings. */
export interface SegmentContext {
  readonly fs: StorageFs;
  readonly fds: FdCache;
  readonly clock: Clock;
  readonly logger: StorageLogger;
}

/** Result of reading a segment: whole batches, and the position of the first. */
export interface SegmentRead {
  records: Buffer;
  position: number;
  /** True when the first batch alone exceeded the byte limit and `minOneMessage` was off. */
  firstBatchTooLarge: boolean;
}

/** Callback of `recover` for each valid batch (producer state and leader epochs follow it). */
export type BatchVisitor = (scanner: BatchScanner) => void;

/** Finds, in one batch, the first record with timestamp >= target and offset >= minOffset. */
export type RecordTimestampFinder = (batch: Buffer, target: number, minOffset: number) => Promise<{ offset: number; timestamp: number } | null>;

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
  leaderEpoch: number;
}


/** The batch's max timestamp for indexing, -1 for a batch without records. */
function timestampOf(buf: Buffer, at: number): number {
  return buf.readInt32BE(at + RECORD_COUNT_OFFSET) === 0 ? NO_TIMESTAMP : readInt64(buf, at + MAX_TIMESTAMP_OFFSET);
}
const EMPTY = Buffer.alloc(0);

export class LogSegment {
  readonly logFile: CachedFile;
  /** The `.index`, `.timeindex` and `.txnindex`, and the largest timestamp so far. */
  readonly indexes: SegmentIndexes;
  private size_: number;
  private rollingBasedTimestamp = UNKNOWN;
  private created: number;
  /** True when `.log` bytes were written since its last fdatasync. */
  unflushedData = false;
  /** Set by `locate`: size and base offset of the batch found. */
  private readonly found: FoundBatch = { size: 0, baseOffset: 0 };
  /** The `.log` as the walks of file-records.ts see it (one view per segment, none per read). */
  private readonly records: RecordsFile;

  private constructor(
    private readonly ctx: SegmentContext,
    public dir: string,
    readonly baseOffset: number,
    private readonly owner: { readonly config: LogConfig },
    size: number,
    fresh: boolean,
    suffix: string,
    readonly rollJitterMs: number,
  ) {
    this.logFile = new CachedFile(path.join(dir, filenamePrefix(baseOffset)) + LOG_SUFFIX + suffix, 'readWrite');
    this.indexes = new SegmentIndexes(ctx.fs, dir, baseOffset, owner, fresh, suffix);
    this.size_ = size;
    this.created = ctx.clock.now();
    const seg = this;
    this.records = {
      fs: ctx.fs,
      get fd() {
        return ctx.fds.fd(seg.logFile);
      },
      get size() {
        return seg.size_;
      },
      get path() {
        return seg.logFile.path;
      },
    };
  }

  private static jitter(config: LogConfig): number {
    const j = config['segment.jitter.ms'];
    return j <= 0 ? 0 : Math.floor(Math.random() * Math.min(j, config['segment.ms']));
  }

  /** Creates the empty files of a new segment (replacing leftovers with the same name). */
  static create(ctx: SegmentContext, dir: string, baseOffset: number, owner: { readonly config: LogConfig }, suffix = ''): LogSegment {
    const seg = new LogSegment(ctx, dir, baseOffset, owner, 0, true, suffix, LogSegment.jitter(owner.config));
    for (const file of [seg.logFile.path, seg.offsetIndex.file, seg.timeIndex.file]) {
      const fd = ctx.fs.openSync(file, 'create');
      try {
        ctx.fs.ftruncateSync(fd, 0);
      } finally {
        ctx.fs.closeSync(fd);
      }
    }
    // The transaction index is created by the first abort; a leftover of the same name goes.
    if (ctx.fs.statSync(seg.txnIndex.file) !== null) ctx.fs.unlinkSync(seg.txnIndex.file);
    return seg;
  }

  /** A segment whose files exist; nothing is read until used. */
  static open(ctx: SegmentContext, dir: string, baseOffset: number, owner: { readonly config: LogConfig }, logSize: number, suffix = ''): LogSegment {
    return new LogSegment(ctx, dir, baseOffset, owner, logSize, false, suffix, LogSegment.jitter(owner.config));
  }

  get size(): number {
    return this.size_;
  }
  get offsetIndex(): OffsetIndex {
    return this.indexes.offsetIndex;
  }
  get timeIndex(): TimeIndex {
    return this.indexes.timeIndex;
  }
  /** The aborted transactions whose markers are in this segment (`.txnindex`, created by the first). */
  get txnIndex(): TransactionIndex {
    return this.indexes.txnIndex;
  }
  /** Recency of index use, for the LogManager's bound on index memory. */
  get indexUse(): number {
    return this.indexes.use;
  }

  private fd(): number {
    return this.ctx.fds.fd(this.logFile);
  }

  /** Loads both indexes; a corrupt one is rebuilt from the log (Kafka's sanity check). */
  ensureIndexesLoaded(): void {
    try {
      this.indexes.load(this.size_);
    } catch (e) {
      if (!(e instanceof CorruptIndexError)) throw e;
      this.ctx.logger.warn(`${e.message}; rebuilding the indexes of ${this.logFile.path}`);
      this.rebuildIndexes();
    }
  }

  /** Rebuilds both indexes by walking the batch headers (no CRC check). */
  rebuildIndexes(): void {
    const indexes = this.indexes;
    indexes.reset();
    const scanner = new BatchScanner(this.ctx.fs, this.fd(), 0, this.size_, false);
    while (scanner.next()) indexes.onBatch(scanner.lastOffset, timestampOf(scanner.buffer, scanner.at), scanner.position, scanner.size);
    indexes.rebuilt();
  }

  // ---- timestamps ----------------------------------------------------------------------

  /** Largest batch timestamp in the segment (-1 when none), read lazily from the time index. */
  get maxTimestampSoFar(): number {
    return this.indexes.maxTimestampSoFar;
  }

  get offsetOfMaxTimestampSoFar(): number {
    return this.indexes.offsetOfMaxTimestampSoFar;
  }

  lastModified(): number {
    return this.ctx.fs.statSync(this.logFile.path)?.mtimeMs ?? 0;
  }

  setLastModified(ms: number): void {
    this.ctx.fs.setMtimeSync(this.logFile.path, ms);
  }

  /** The largest timestamp in the segment, or its file's modification time when it has none. */
  largestTimestamp(): number {
    const ts = this.maxTimestampSoFar;
    return ts >= 0 ? ts : this.lastModified();
  }

  private loadFirstBatchTimestamp(): void {
    if (this.rollingBasedTimestamp !== UNKNOWN) return;
    this.rollingBasedTimestamp = NO_TIMESTAMP;
    if (this.size_ >= RECORD_BATCH_OVERHEAD) {
      const n = readFully(this.ctx.fs, this.fd(), SCRATCH, 0, RECORD_BATCH_OVERHEAD, 0);
      if (n === RECORD_BATCH_OVERHEAD) this.rollingBasedTimestamp = readInt64(SCRATCH, MAX_TIMESTAMP_OFFSET);
    }
  }

  /** Timestamp of the first batch, or LONG max when unknown (for max.compaction.lag.ms). */
  firstBatchTimestamp(): number {
    this.loadFirstBatchTimestamp();
    return this.rollingBasedTimestamp >= 0 ? this.rollingBasedTimestamp : Number.MAX_SAFE_INTEGER;
  }

  /** How long this segment has waited to roll: by record time when it has timestamps, else by wall clock. */
  timeWaitedForRoll(now: number, messageTimestamp: number): number {
    this.loadFirstBatchTimestamp();
    if (this.rollingBasedTimestamp >= 0) return messageTimestamp - this.rollingBasedTimestamp;
    return now - this.created;
  }

  /** Kafka's LogSegment.shouldRoll. */
  shouldRoll(now: number, maxTimestampInMessages: number, maxOffsetInMessages: number, messagesSize: number): boolean {
    const c = this.owner.config;
    const reachedRollMs = this.timeWaitedForRoll(now, maxTimestampInMessages) > c['segment.ms'] - this.rollJitterMs;
    return (
      this.size_ > c['segment.bytes'] - messagesSize ||
      (this.size_ > 0 && reachedRollMs) ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      !this.offsetIndex.canAppendOffset(maxOffsetInMessages)
    );
  }

  // ---- append --------------------------------------------------------------------------

  /**
   * Appends whole batches (offsets already assigned) in one write. On a failed write the
   * file is cut back to its previous size, so no partial batch stays behind.
   */
  append(records: Buffer, largestOffset: number): void {
    const len = records.length;
    if (len === 0) return;
    if (!this.offsetIndex.canAppendOffset(largestOffset)) {
      throw new StorageError('INVALID_RECORD', `offset ${largestOffset} does not fit segment ${this.baseOffset}`);
    }
    this.ensureIndexesLoaded();
    const position = this.size_;
    const fd = this.fd();
    try {
      writeFully(this.ctx.fs, fd, records, 0, len, position);
    } catch (e) {
      try {
        this.ctx.fs.ftruncateSync(fd, position);
      } catch {
        // The log is going offline anyway; recovery trims the tail at next open.
      }
      throw e;
    }
    this.unflushedData = true;
    if (position === 0) this.rollingBasedTimestamp = readInt64(records, MAX_TIMESTAMP_OFFSET);
    const indexes = this.indexes;
    void indexes.maxTimestampSoFar;
    let at = 0;
    while (at < len) {
      const size = LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
      indexes.onBatch(readInt64(records, at) + records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET), timestampOf(records, at), position + at, size);
      at += size;
    }
    this.size_ = position + len;
  }

  /**
   * Records a completed transaction whose marker is in this segment (Kafka's
   * LogSegment.updateTxnIndex): an aborted one gets an entry with the last stable offset
   * `lastStableOffset`; a committed one needs none.
   */
  updateTxnIndex(txn: CompletedTxn, lastStableOffset: number): void {
    if (txn.isAborted) {
      this.txnIndex.append({ producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset });
    }
  }

  // ---- read ----------------------------------------------------------------------------

  /**
   * The first batch whose last offset is >= `target` (file-records.ts searchForOffset, which
   * sets `found`), from the offset index's position for `target`; -1 when none. If the walk from an index
   * position meets garbage, the index is wrong (corruption the load-time checks could not
   * see): it is rebuilt from the log and the walk retried once.
   */
  private locate(target: number): number {
    this.ensureIndexesLoaded();
    const start = this.offsetIndex.lookup(target);
    try {
      return searchForOffset(this.records, target, start, this.found);
    } catch (e) {
      if (start === 0 || !(e instanceof StorageError)) throw e;
      this.ctx.logger.error(`${e.message}, reached through the offset index of ${this.logFile.path}; rebuilding its indexes`);
      this.rebuildIndexes();
      return searchForOffset(this.records, target, this.offsetIndex.lookup(target), this.found);
    }
  }

  /**
   * Position of the batch that contains `offset` (or the first after it), from the offset
   * index and a walk of batch headers; the segment's size when no batch here reaches it.
   */
  positionOf(offset: number): number {
    const pos = this.locate(offset);
    return pos < 0 ? this.size_ : pos;
  }

  /**
   * Reads whole batches starting with the one that contains `startOffset` (or the first after
   * it), at most `maxBytes` (at least one batch with `minOneMessage`), stopping before any
   * batch that reaches `maxOffset` (exclusive). null when no batch here ends at or after
   * `startOffset`.
   */
  read(startOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean, allocate?: (size: number) => Buffer): SegmentRead | null {
    const pos = this.locate(startOffset);
    if (pos < 0) return null;
    const firstSize = this.found.size;
    const firstBase = this.found.baseOffset;
    if (firstBase >= maxOffset) return { records: EMPTY, position: pos, firstBatchTooLarge: false };
    let limit = Math.min(maxBytes, this.size_ - pos);
    if (firstSize > maxBytes) {
      if (!minOneMessage) return { records: EMPTY, position: pos, firstBatchTooLarge: true };
      limit = firstSize;
    }
    return { records: readBatches(this.records, pos, limit, maxOffset, allocate), position: pos, firstBatchTooLarge: false };
  }

  /**
   * Next offset after the last batch (the base offset when empty), walking the log from the
   * last offset index entry. At start-up the indexes are not loaded: only the last entry is
   * read, and trusted only if the batch at its position ends with its offset (else the whole
   * index is loaded, and rebuilt if corrupt).
   */
  readNextOffset(): number {
    if (this.size_ === 0) return this.baseOffset;
    let pos = 0;
    let peeked = false;
    if (!this.offsetIndex.loaded) {
      const last = this.offsetIndex.peekLastEntry();
      if (last === null) peeked = true;
      else if (batchEndsWith(this.records, last[1], last[0])) {
        pos = last[1];
        peeked = true;
      }
    }
    if (!peeked) {
      this.ensureIndexesLoaded();
      pos = this.offsetIndex.lookup(this.offsetIndex.lastOffset);
    }
    return nextOffsetFrom(this.records, pos, this.baseOffset);
  }

  /** Where a timestamp search starts: the time index entry at or below the target, then the offset index. */
  timestampSearchStart(target: number, startingOffset: number): number {
    this.ensureIndexesLoaded();
    return this.offsetIndex.lookup(Math.max(this.timeIndex.lookup(target), startingOffset));
  }

  /**
   * From `position`, the first batch whose max timestamp is >= `target` and that ends at or
   * after `startingOffset`, copied out (a record-level search may await); null when none.
   */
  nextTimestampCandidate(target: number, startingOffset: number, position: number): TimestampCandidate | null {
    return searchForTimestamp(this.records, target, startingOffset, position);
  }

  // ---- recovery and truncation ---------------------------------------------------------

  /**
   * Checks every batch (structure, magic, CRC, offsets increasing and within this segment),
   * rebuilds the offset and time indexes and cuts the file after the last valid batch; the
   * transaction index needs producer state, so `visit` (the loader's) rebuilds it. Returns the number
   * of bytes cut.
   */
  recover(visit?: BatchVisitor): number {
    const indexes = this.indexes;
    indexes.reset();
    const fd = this.fd();
    const scanner = new BatchScanner(this.ctx.fs, fd, 0, this.size_, true);
    let valid = 0;
    let nextOffset = this.baseOffset;
    let why: string | null = null;
    while (scanner.next()) {
      if (scanner.baseOffset < nextOffset) {
        why = `batch at position ${valid} has base offset ${scanner.baseOffset}, below ${nextOffset}`;
        break;
      }
      if (scanner.lastOffset - this.baseOffset > INT32_MAX) {
        why = `offset ${scanner.lastOffset} overflows segment ${this.baseOffset}`;
        break;
      }
      indexes.onBatch(scanner.lastOffset, timestampOf(scanner.buffer, scanner.at), valid, scanner.size);
      valid += scanner.size;
      nextOffset = scanner.lastOffset + 1;
      visit?.(scanner);
    }
    why ??= scanner.error;
    const truncated = this.size_ - valid;
    if (truncated > 0) {
      this.ctx.logger.warn(`found invalid data in ${this.logFile.path} at byte ${valid} (${why ?? 'unknown'}); truncating ${truncated} bytes`);
      this.ctx.fs.ftruncateSync(fd, valid);
      this.size_ = valid;
      this.unflushedData = true;
    }
    indexes.rebuilt();
    // Aborts whose markers were cut go with them (the loader rebuilds the index when it can).
    if (truncated > 0) this.txnIndex.truncateTo(nextOffset);
    this.rollingBasedTimestamp = UNKNOWN;
    return truncated;
  }

  /** Removes every batch that ends at or after `offset`; returns the bytes removed. */
  truncateTo(offset: number): number {
    const pos = this.locate(offset);
    this.indexes.truncateTo(offset);
    let removed = 0;
    if (pos >= 0) {
      removed = this.size_ - pos;
      this.ctx.fs.ftruncateSync(this.fd(), pos);
      this.size_ = pos;
      this.unflushedData = true;
    }
    if (this.size_ === 0) {
      this.created = this.ctx.clock.now();
      this.rollingBasedTimestamp = UNKNOWN;
    }
    // The largest timestamp: the time index's last entry, then the batches after it.
    const scanner = new BatchScanner(this.ctx.fs, this.fd(), this.offsetIndex.lookup(this.indexes.offsetOfMaxTimestampSoFar), this.size_, false);
    while (scanner.next()) this.indexes.onTruncatedBatch(scanner.lastOffset, timestampOf(scanner.buffer, scanner.at));
    return removed;
  }

  // ---- flush, close, rename, delete ----------------------------------------------------

  /** Adds the final time index entry and writes pending index entries (Kafka's onBecomeInactiveSegment). */
  onBecomeInactive(): void {
    this.ensureIndexesLoaded();
    this.indexes.onBecomeInactive();
  }

  /** fdatasync of the `.log` only: makes appended batches durable (group commit). */
  async flushData(): Promise<void> {
    if (!this.unflushedData) return;
    this.unflushedData = false;
    const fd = this.ctx.fds.pin(this.logFile);
    try {
      await this.ctx.fs.fdatasync(fd);
    } catch (e) {
      this.unflushedData = true;
      throw e;
    } finally {
      this.ctx.fds.unpin(this.logFile);
    }
  }

  /** Makes the log and both indexes durable. */
  async flush(): Promise<void> {
    await Promise.all([this.flushData(), this.indexes.flush()]);
  }

  flushSync(): void {
    if (this.unflushedData) {
      this.ctx.fs.fdatasyncSync(this.fd());
      this.unflushedData = false;
    }
    this.indexes.flushSync();
  }

  /** Writes pending index entries (with the final time index entry) and closes the descriptor. */
  close(): void {
    this.indexes.close();
    this.ctx.fds.close(this.logFile);
  }

  /** Drops in-memory indexes of an inactive segment (re-read on demand). */
  unloadIndexes(): number {
    return this.indexes.unload();
  }

  get indexMemoryBytes(): number {
    return this.indexes.memoryBytes;
  }

  /** Renames all files from `oldSuffix` to `newSuffix` (e.g. '' to '.deleted'). */
  changeFileSuffixes(oldSuffix: string, newSuffix: string): void {
    const swap = (p: string) => (oldSuffix === '' ? p + newSuffix : p.slice(0, p.length - oldSuffix.length) + newSuffix);
    const logTo = swap(this.logFile.path);
    renameIfExists(this.ctx.fs, this.logFile.path, logTo);
    this.logFile.path = logTo;
    this.indexes.renameTo(swap);
  }

  /**
   * The segment's directory was renamed to `dir` (a log moved between log directories): its
   * files keep their names there. An open descriptor stays valid across the rename; one opened
   * later uses the new path.
   */
  relocate(dir: string): void {
    const from = this.dir;
    const move = (p: string) => path.join(dir, path.relative(from, p));
    this.logFile.path = move(this.logFile.path);
    this.indexes.relocate(move);
    this.dir = dir;
  }

  /** Closes and removes all files of the segment. */
  deleteFiles(): void {
    this.ctx.fds.close(this.logFile);
    this.ctx.fs.unlinkSync(this.logFile.path);
    this.indexes.deleteFiles();
  }

  toString(): string {
    return `LogSegment(baseOffset=${this.baseOffset}, size=${this.size_})`;
  }
}
