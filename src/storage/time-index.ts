/**
 * Sparse time index (`.timeindex`): entries of (timestamp int64, relative offset int32),
 * 12 bytes each, timestamps strictly increasing. An entry (t, o) means the batch ending at
 * offset o carries the largest timestamp t seen in the segment so far. Byte-compatible with
 * Kafka's TimeIndex, including its rules: an entry is added only when the timestamp grows,
 * and the last slot is reserved for the entry written when the segment becomes inactive.
 */
import { AbstractIndex } from './abstract-index.js';
import { readInt64, writeInt64 } from './batch.js';
import type { StorageFs } from './fs/storage-fs.js';

export const TIME_INDEX_ENTRY_SIZE = 12;
export const NO_TIMESTAMP = -1;

export class TimeIndex extends AbstractIndex {
  private lastTimestamp_ = NO_TIMESTAMP;
  private lastOffset_: number;

  constructor(fs: StorageFs, file: string, baseOffset: number, maxIndexSize: number, fresh: boolean) {
    super(fs, file, baseOffset, maxIndexSize, TIME_INDEX_ENTRY_SIZE, fresh);
    this.lastOffset_ = baseOffset;
  }

  private tsAt = (slot: number): number => readInt64(this.buf!, slot * TIME_INDEX_ENTRY_SIZE);

  timestampAt(slot: number): number {
    return this.tsAt(slot);
  }

  offsetAt(slot: number): number {
    return this.baseOffset + this.buf!.readInt32BE(slot * TIME_INDEX_ENTRY_SIZE + 8);
  }

  override isFull(): boolean {
    return this.entries >= this.maxEntries - 1;
  }

  override ensureLoaded(logSize = Infinity): void {
    if (this.loaded) return;
    super.ensureLoaded(logSize);
    this.refreshLast();
  }

  private refreshLast(): void {
    if (this.count === 0) {
      this.lastTimestamp_ = NO_TIMESTAMP;
      this.lastOffset_ = this.baseOffset;
    } else {
      this.lastTimestamp_ = this.tsAt(this.count - 1);
      this.lastOffset_ = this.offsetAt(this.count - 1);
    }
  }

  protected validate(): string | null {
    let prevTs = -Infinity;
    let prevRel = -1;
    for (let i = 0; i < this.count; i++) {
      const ts = this.tsAt(i);
      const rel = this.buf!.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8);
      if (ts <= prevTs) return `entry ${i} has timestamp ${ts}, not above ${prevTs}`;
      if (rel < prevRel || rel < 0) return `entry ${i} has relative offset ${rel}, below ${prevRel}`;
      prevTs = ts;
      prevRel = rel;
    }
    return null;
  }

  /** The last entry's timestamp (-1 when empty). */
  get lastTimestamp(): number {
    this.ensureLoaded();
    return this.lastTimestamp_;
  }

  get lastEntryOffset(): number {
    this.ensureLoaded();
    return this.lastOffset_;
  }

  /** Last entry as [timestamp, offset], read from the file without loading the index. */
  peekLastEntry(): [number, number] {
    const b = this.readLastEntryFromFile();
    if (b === null) return [NO_TIMESTAMP, this.baseOffset];
    return [readInt64(b, 0), this.baseOffset + b.readInt32BE(8)];
  }

  /** Offset of the largest entry with timestamp <= target (the base offset when none). */
  lookup(targetTimestamp: number): number {
    this.ensureLoaded();
    const slot = this.largestLowerBound(targetTimestamp, this.tsAt);
    return slot < 0 ? this.baseOffset : this.offsetAt(slot);
  }

  /** Adds (timestamp, offset) when the timestamp is above the last entry's. */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    this.ensureLoaded();
    if (!skipFullCheck && this.isFull()) throw new RangeError(`attempt to append to a full time index ${this.file} (${this.count} entries)`);
    if (this.count > 0 && offset < this.lastOffset_) {
      throw new RangeError(`attempt to append offset ${offset} to ${this.file}, below the last offset ${this.lastOffset_}`);
    }
    if (timestamp > this.lastTimestamp_) {
      if (this.count >= this.maxEntries) return; // no room even in the reserved slot
      const at = this.slotForAppend();
      writeInt64(this.buf!, at, timestamp);
      this.buf!.writeInt32BE(this.relativeOffset(offset), at + 8);
      this.count++;
      this.lastTimestamp_ = timestamp;
      this.lastOffset_ = offset;
    }
  }

  /** Removes entries with offset >= `offset`. */
  truncateTo(offset: number): void {
    this.ensureLoaded();
    const rel = offset - this.baseOffset;
    let keep = this.count;
    // Entries are sorted by offset too; find the first with relative offset >= rel.
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf!.readInt32BE(mid * TIME_INDEX_ENTRY_SIZE + 8) < rel) lo = mid + 1;
      else hi = mid;
    }
    keep = lo;
    this.truncateToEntries(keep);
    this.refreshLast();
  }

  override reset(): void {
    super.reset();
    this.refreshLast();
  }
}
