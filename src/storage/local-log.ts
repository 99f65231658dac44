/**
 * The segments of one partition on local disk (Kafka's LocalLog): the sorted segment
 * collection and its directory, the log end offset and recovery point, rolling, reading whole
 * batches, byte counts from index positions, flushing segments, removing segments (rename to
 * `.deleted`, then scheduled deletion), truncation and the cleaner's swap. An I/O error takes
 * it offline until it is reopened. It knows nothing of log start offsets, high watermarks,
 * producers or flush policy: PartitionLog (partition-log.ts) owns those and drives this.
 */
import path from 'node:path';
import type { Clock } from './clock.js';
import type { LogConfig } from './config.js';
import type { DeferredDeleter } from './deferred-deleter.js';
import { DirectorySync } from './dir-sync.js';
import { StorageError, isStorageError } from './errors.js';
import type { FdCache } from './fd-cache.js';
import type { StorageFs } from './fs/storage-fs.js';
import { LogSegment, type SegmentContext } from './log-segment.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, SWAP_SUFFIX } from './log-file-names.js';
import { LogSegments } from './log-segments.js';
import type { StorageLogger } from './logger.js';
import type { FetchDataInfo } from './partition-log-types.js';
import type { AbortedTxn } from './transaction-index.js';
import { CorruptIndexError } from './abstract-index.js';
import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, readInt64 } from './batch.js';

/** What a LocalLog is made of; PartitionLog resolves the defaults. */
export interface LocalLogParts {
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  fs: StorageFs;
  fds: FdCache;
  clock: Clock;
  logger: StorageLogger;
  deleter: DeferredDeleter;
}

const EMPTY = Buffer.alloc(0);

export class LocalLog implements SegmentContext {
  /** The partition directory; changes only when the log moves between log directories (renameDir). */
  dir: string;
  readonly topic: string;
  readonly partition: number;
  /** The topic's log config; segments read it through this object (their owner). */
  config: LogConfig;
  readonly fs: StorageFs;
  readonly fds: FdCache;
  readonly clock: Clock;
  readonly logger: StorageLogger;
  readonly deleter: DeferredDeleter;
  readonly segments = new LogSegments();
  dirSync: DirectorySync;
  /** The next offset to assign; PartitionLog moves it after each append. */
  logEndOffset = 0;
  /** Offsets below this are flushed with their indexes (a restart need not recover them). */
  recoveryPoint = 0;
  lastFlushTime: number;
  private offlineCause: unknown = null;
  private closed = false;

  constructor(parts: LocalLogParts) {
    this.dir = parts.dir;
    this.topic = parts.topic;
    this.partition = parts.partition;
    this.config = parts.config;
    this.fs = parts.fs;
    this.fds = parts.fds;
    this.clock = parts.clock;
    this.logger = parts.logger;
    this.deleter = parts.deleter;
    this.dirSync = new DirectorySync(this.fs, this.dir);
    this.lastFlushTime = this.clock.now();
  }

  get isOffline(): boolean {
    return this.offlineCause !== null;
  }
  get isClosed(): boolean {
    return this.closed;
  }
  get activeSegment(): LogSegment {
    return this.segments.last!;
  }

  /** Throws KAFKA_STORAGE_ERROR when the log is offline or closed. */
  checkOnline(): void {
    if (this.offlineCause !== null) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `log ${this.topic}-${this.partition} in ${path.dirname(this.dir)} is offline after an I/O error`, {
        cause: this.offlineCause,
      });
    }
    if (this.closed) throw new StorageError('KAFKA_STORAGE_ERROR', `log ${this.topic}-${this.partition} is closed`);
  }

  /** Marks the log offline after an I/O error (Kafka takes the log dir offline); it stays so until reopened. */
  fail(op: string, e: unknown): never {
    if (isStorageError(e) && e.errorName !== 'KAFKA_STORAGE_ERROR') throw e;
    if (this.offlineCause === null && !this.closed) {
      this.offlineCause = e;
      this.logger.error(`error while ${op} ${this.topic}-${this.partition} in ${this.dir}: ${(e as Error)?.message ?? e}; the log is offline until reopened`);
    }
    throw new StorageError('KAFKA_STORAGE_ERROR', `error while ${op} ${this.topic}-${this.partition}: ${(e as Error)?.message ?? e}`, { cause: e });
  }

  /** Where to start reading `seg` for `offset`: the offset index's entry at or below it. */
  indexPositionOf(seg: LogSegment, offset: number): number {
    seg.ensureIndexesLoaded();
    return seg.offsetIndex.lookup(offset);
  }

  /** A new, empty segment at `baseOffset`, added to the collection. */
  addEmptySegment(baseOffset: number): LogSegment {
    const seg = LogSegment.create(this, this.dir, baseOffset, this);
    this.segments.add(seg);
    this.dirSync.changed();
    return seg;
  }

  /**
   * Starts a new active segment at `newOffset`; returns the active segment unchanged when it
   * is empty and already starts there (KAFKA-6388). Throws on an impossible offset.
   */
  roll(newOffset: number): LogSegment {
    const active = this.segments.last!;
    if (active.baseOffset === newOffset) {
      if (active.size === 0) return active;
      throw new StorageError('KAFKA_STORAGE_ERROR', `trying to roll a new segment at ${newOffset} for ${this.topic}-${this.partition} while it exists`);
    }
    if (newOffset < active.baseOffset) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `trying to roll a new segment at ${newOffset}, below the active segment ${active.baseOffset}`);
    }
    active.onBecomeInactive();
    return this.addEmptySegment(newOffset);
  }

  /**
   * Whole batches from the one containing `startOffset`, at most `maxBytes` (at least one
   * batch with `minOneMessage`), from a single segment, before `maxOffset`.
   */
  read(startOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean, allocate: ((size: number) => Buffer) | undefined): FetchDataInfo {
    let i = Math.max(0, this.segments.floorIndex(startOffset));
    try {
      for (let seg = this.segments.at(i); seg !== undefined; seg = this.segments.at(++i)) {
        if (seg.baseOffset >= maxOffset) break;
        const r = seg.read(startOffset, maxBytes, maxOffset, minOneMessage, allocate);
        if (r !== null) return { records: r.records, firstBatchTooLarge: r.firstBatchTooLarge, abortedTransactions: null };
      }
    } catch (e) {
      this.fail('reading', e);
    }
    return { records: EMPTY, firstBatchTooLarge: false, abortedTransactions: null };
  }

  /**
   * The aborted transactions a read_committed reader of `records` (read from `startOffset`)
   * must know: those overlapping [startOffset, the offset after the last batch read).
   */
  abortedTransactionsIn(startOffset: number, records: Buffer): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    if (records.length === 0) return out;
    let at = 0;
    let last = 0;
    while (at + LOG_OVERHEAD <= records.length) {
      last = at;
      at += LOG_OVERHEAD + records.readInt32BE(at + BATCH_LENGTH_OFFSET);
    }
    const upperBound = readInt64(records, last) + records.readInt32BE(last + LAST_OFFSET_DELTA_OFFSET) + 1;
    this.collectAbortedTransactions(startOffset, upperBound, out);
    return out;
  }

  /**
   * Adds to `out` the aborted transactions overlapping [startOffset, upperBoundOffset) from
   * the transaction indexes of the segment holding `startOffset` and the following ones,
   * until one's entries reach past the bound (Kafka's LocalLog.collectAbortedTransactions).
   * A transaction is indexed with its marker, so one that began in an earlier segment is
   * still found. A corrupt index throws (the fetch fails, the log stays online).
   */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number, out: AbortedTxn[]): void {
    const segments = this.segments;
    let i = Math.max(0, segments.floorIndex(startOffset));
    try {
      for (let seg = segments.at(i); seg !== undefined; seg = segments.at(++i)) {
        if (seg.txnIndex.collect(startOffset, upperBoundOffset, out)) return;
      }
    } catch (e) {
      if (e instanceof CorruptIndexError) throw e;
      this.fail('reading the transaction index of', e);
    }
  }

  /**
   * Bytes of the whole batches from the one containing `startOffset` up to the first that
   * reaches `endOffset`, summed over segments from index positions and batch headers.
   */
  bytesBetween(startOffset: number, endOffset: number): number {
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
        const to = (next !== undefined && next.baseOffset <= endOffset) || (seg === active && endOffset >= this.logEndOffset) ? seg.size : seg.positionOf(endOffset);
        bytes += to - from;
      }
    } catch (e) {
      this.fail('reading', e);
    }
    return bytes;
  }

  /** fdatasyncs every segment with unflushed data, and the directory if it changed. */
  async flushData(): Promise<void> {
    try {
      const dirty = this.segments.values().filter((s) => s.unflushedData);
      await Promise.all([...dirty.map((s) => s.flushData()), this.dirSync.sync()]);
    } catch (e) {
      this.fail('flushing', e);
    }
  }

  /** Flushes the segments (data and indexes) from the recovery point to `offset` and moves the recovery point there. */
  async flush(offset: number): Promise<void> {
    try {
      const segs = this.segments.range(this.recoveryPoint, offset);
      await Promise.all([...segs.map((s) => s.flush()), this.dirSync.sync()]);
      if (offset > this.recoveryPoint) this.recoveryPoint = Math.min(offset, this.logEndOffset);
      this.lastFlushTime = this.clock.now();
    } catch (e) {
      this.fail('flushing', e);
    }
  }

  /** Takes segments out of the log, renames their files to `.deleted` and schedules removal. */
  removeSegments(list: readonly LogSegment[]): void {
    const due = this.clock.now() + this.config['file.delete.delay.ms'];
    for (const s of list) {
      this.segments.remove(s);
      s.close();
      s.changeFileSuffixes('', DELETED_SUFFIX);
      this.deleter.schedule(s, due);
    }
    this.dirSync.changed();
  }

  /**
   * Removes every batch at or above `offset` from segments that start at or below it (the
   * caller handles a target below the first segment), durably: truncation is rare and must
   * not be undone by a power cut. Returns the removed segments (their producer snapshots go
   * too) after setting the new log end offset.
   */
  truncateTo(offset: number): LogSegment[] {
    const doomed = this.segments.values().filter((s) => s.baseOffset > offset);
    this.removeSegments(doomed);
    const active = this.segments.last!;
    active.truncateTo(offset);
    active.flushSync();
    this.dirSync.syncSync();
    // On a compacted log the target may fall in a gap left by removed batches: the end is
    // then the last remaining batch's next offset, as a reopen would compute it.
    this.logEndOffset = Math.min(offset, active.readNextOffset());
    if (this.recoveryPoint > this.logEndOffset) this.recoveryPoint = this.logEndOffset;
    return doomed;
  }

  /** Removes every segment and starts empty at `offset`, durably. Returns the removed segments. */
  truncateFullyAndStartAt(offset: number): LogSegment[] {
    const removed = [...this.segments.values()];
    this.removeSegments(removed);
    this.addEmptySegment(offset);
    this.dirSync.syncSync();
    this.logEndOffset = offset;
    this.recoveryPoint = Math.min(this.recoveryPoint, offset);
    return removed;
  }

  /**
   * Replaces `oldSegments` with `newSegments` written with the `.cleaned` suffix (the
   * cleaner's swap, Kafka's replaceSegments): renames them to `.swap`, removes the old ones
   * (renamed to `.deleted`), then drops the `.swap` suffix. A crash at any step is finished
   * by the loader.
   */
  replaceSegments(newSegments: readonly LogSegment[], oldSegments: readonly LogSegment[]): void {
    for (const s of newSegments) s.changeFileSuffixes(CLEANED_SUFFIX, SWAP_SUFFIX);
    this.dirSync.changed();
    this.dirSync.syncSync();
    const due = this.clock.now() + this.config['file.delete.delay.ms'];
    for (const s of oldSegments) {
      if (this.segments.get(s.baseOffset) === s) this.segments.remove(s);
      s.close();
      s.changeFileSuffixes('', DELETED_SUFFIX);
      this.deleter.schedule(s, due);
    }
    for (const s of newSegments) {
      s.changeFileSuffixes(SWAP_SUFFIX, '');
      this.segments.add(s);
    }
    this.dirSync.changed();
    this.dirSync.syncSync();
  }

  /** Marks the log closed and closes every segment's files (after the owner's final flush). */
  close(): void {
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

  /**
   * Renames the partition directory to `dir` (Kafka's LocalLog.renameDir) and points every
   * segment at it, the log staying open: a future log becoming the current one, or a replaced
   * log set aside for deletion. Both parents are fsynced so the rename survives a power cut.
   */
  renameDir(dir: string): void {
    const from = this.dir;
    if (from === dir) return;
    this.fs.renameSync(from, dir);
    this.fs.fsyncDirSync(path.dirname(dir));
    if (path.dirname(dir) !== path.dirname(from)) this.fs.fsyncDirSync(path.dirname(from));
    for (const seg of this.segments.values()) seg.relocate(dir);
    this.dir = dir;
    this.dirSync = new DirectorySync(this.fs, dir);
  }

  /** Removes the whole partition directory now. */
  delete(): void {
    this.closeWithoutFlush();
    this.deleter.runAll();
    this.fs.rmSync(this.dir);
  }
}
