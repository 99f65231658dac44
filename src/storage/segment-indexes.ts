/**
 * The indexes of one segment and what they track (Kafka's LogSegment over its LazyIndex files
 * and TransactionIndex): the sparse `.index` and `.timeindex`, an entry each every
 * `index.interval.bytes` of batches, read into memory on first use and dropped again when the
 * broker's index memory runs short; the largest timestamp so far with its offset (read lazily
 * from the time index of a segment opened from disk); and the `.txnindex` of the aborted
 * transactions whose markers are in the segment.
 */
import path from 'node:path';
import type { LogConfig } from './config.js';
import type { StorageFs } from './fs/storage-fs.js';
import { filenamePrefix, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX } from './log-file-names.js';
import { OffsetIndex } from './offset-index.js';
import { NO_TIMESTAMP, TimeIndex } from './time-index.js';
import { TransactionIndex } from './transaction-index.js';

/** The largest timestamp is not known yet (a segment opened from disk, before its time index is read). */
const UNKNOWN = -2;

let indexUseClock = 0;

export class SegmentIndexes {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** The aborted transactions whose markers are in this segment (`.txnindex`, created by the first). */
  readonly txnIndex: TransactionIndex;
  /** Recency of index use, for the LogManager's bound on index memory. */
  use = 0;
  private readonly baseOffset: number;
  private readonly owner: { readonly config: LogConfig };
  private bytesSinceLastEntry = 0;
  private maxTimestamp = UNKNOWN;
  private offsetOfMaxTimestamp = -1;

  constructor(fs: StorageFs, dir: string, baseOffset: number, owner: { readonly config: LogConfig }, fresh: boolean, suffix: string) {
    const prefix = path.join(dir, filenamePrefix(baseOffset));
    const maxIndexSize = owner.config['segment.index.bytes'];
    this.offsetIndex = new OffsetIndex(fs, prefix + INDEX_SUFFIX + suffix, baseOffset, maxIndexSize, fresh);
    this.timeIndex = new TimeIndex(fs, prefix + TIME_INDEX_SUFFIX + suffix, baseOffset, maxIndexSize, fresh);
    this.txnIndex = new TransactionIndex(fs, prefix + TXN_INDEX_SUFFIX + suffix, baseOffset, fresh);
    this.baseOffset = baseOffset;
    this.owner = owner;
    if (fresh) this.resetMaxTimestamp();
  }

  /** True when both indexes are in memory. */
  get loaded(): boolean {
    return this.offsetIndex.loaded && this.timeIndex.loaded;
  }

  /** Reads both indexes in, checked against a `.log` of `logSize` bytes; throws CorruptIndexError. */
  load(logSize: number): void {
    this.use = ++indexUseClock;
    if (this.loaded) return;
    this.offsetIndex.ensureLoaded(logSize);
    this.timeIndex.ensureLoaded(logSize);
  }

  /** Empties both indexes before they are rebuilt from the log. */
  reset(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.resetMaxTimestamp();
    this.bytesSinceLastEntry = 0;
  }

  private resetMaxTimestamp(): void {
    this.maxTimestamp = NO_TIMESTAMP;
    this.offsetOfMaxTimestamp = this.baseOffset;
  }

  /**
   * Index bookkeeping for one batch of `size` bytes at `position`, in log order (after `reset`,
   * or once `maxTimestampSoFar` is known). `maxTimestamp`
   * is -1 for a batch without records (one the cleaner kept only for its offsets): a time index
   * entry must point at a record that has the timestamp, which Kafka's DumpLogSegments checks.
   */
  onBatch(lastOffset: number, maxTimestamp: number, position: number, size: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    const interval = this.owner.config['index.interval.bytes'];
    if (this.bytesSinceLastEntry > interval) {
      if (!this.offsetIndex.isFull() && !this.timeIndex.isFull()) {
        this.offsetIndex.append(lastOffset, position);
        this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      }
      this.bytesSinceLastEntry = 0;
    }
    this.bytesSinceLastEntry += size;
  }

  /** After a rebuild: the time index ends with the largest timestamp. */
  rebuilt(): void {
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
  }

  /** Largest batch timestamp in the segment (-1 when none), read lazily from the time index. */
  get maxTimestampSoFar(): number {
    if (this.maxTimestamp === UNKNOWN) {
      if (this.timeIndex.loaded) {
        this.maxTimestamp = this.timeIndex.lastTimestamp;
        this.offsetOfMaxTimestamp = this.timeIndex.lastEntryOffset;
      } else {
        const [ts, off] = this.timeIndex.peekLastEntry();
        this.maxTimestamp = ts;
        this.offsetOfMaxTimestamp = off;
      }
    }
    return this.maxTimestamp;
  }

  get offsetOfMaxTimestampSoFar(): number {
    void this.maxTimestampSoFar;
    return this.offsetOfMaxTimestamp;
  }

  /**
   * Removes the entries at or past `offset`; the largest timestamp falls back to the time
   * index's last entry, to be raised by `onTruncatedBatch` for the batches after it.
   */
  truncateTo(offset: number): void {
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.txnIndex.truncateTo(offset);
    this.bytesSinceLastEntry = 0;
    this.maxTimestamp = this.timeIndex.lastTimestamp;
    this.offsetOfMaxTimestamp = this.timeIndex.lastEntryOffset;
  }

  /** After `truncateTo`: a batch still in the segment past the time index's last entry. */
  onTruncatedBatch(lastOffset: number, maxTimestamp: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
  }

  /** Adds the final time index entry and writes pending entries (Kafka's onBecomeInactiveSegment). */
  onBecomeInactive(): void {
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.writePending();
    this.timeIndex.writePending();
  }

  /** At close: the final time index entry and pending entries, when the indexes were used. */
  close(): void {
    if (!this.offsetIndex.loaded && !this.timeIndex.loaded) return;
    if (this.maxTimestamp !== UNKNOWN) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    this.offsetIndex.writePending();
    this.timeIndex.writePending();
  }

  flush(): Promise<unknown> {
    return Promise.all([this.offsetIndex.flush(), this.timeIndex.flush(), this.txnIndex.flush()]);
  }

  flushSync(): void {
    this.offsetIndex.flushSync();
    this.timeIndex.flushSync();
    this.txnIndex.flushSync();
  }

  get memoryBytes(): number {
    return this.offsetIndex.memoryBytes + this.timeIndex.memoryBytes + this.txnIndex.memoryBytes;
  }

  /** Drops the in-memory indexes (re-read on demand); the bytes freed, 0 when they could not go. */
  unload(): number {
    const bytes = this.memoryBytes;
    this.txnIndex.unload();
    if (this.offsetIndex.unload() && this.timeIndex.unload()) return bytes;
    return 0;
  }

  /** Points the index files at `rename`d paths their directory already moved to (no file is renamed). */
  relocate(rename: (file: string) => string): void {
    this.offsetIndex.file = rename(this.offsetIndex.file);
    this.timeIndex.file = rename(this.timeIndex.file);
    this.txnIndex.file = rename(this.txnIndex.file);
  }

  /** Renames the index files with `rename` (a suffix change). */
  renameTo(rename: (file: string) => string): void {
    this.offsetIndex.renameTo(rename(this.offsetIndex.file));
    this.timeIndex.renameTo(rename(this.timeIndex.file));
    this.txnIndex.renameTo(rename(this.txnIndex.file));
  }

  deleteFiles(): void {
    this.offsetIndex.deleteFile();
    this.timeIndex.deleteFile();
    this.txnIndex.deleteFile();
  }
}
