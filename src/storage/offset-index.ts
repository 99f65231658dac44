/**
 * Sparse offset index (`.index`): entries of (relative offset int32, file position int32),
 * big-endian, 8 bytes each. An entry (o, p) means the batch starting at byte p of the log
 * ends with offset o, so a lookup for offset t starts scanning at the position of the largest
 * entry with o <= t. Byte-compatible with Kafka's OffsetIndex.
 */
import { AbstractIndex } from './abstract-index.js';
import type { StorageFs } from './fs/storage-fs.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export class OffsetIndex extends AbstractIndex {
  private lastOffset_: number;

  constructor(fs: StorageFs, file: string, baseOffset: number, maxIndexSize: number, fresh: boolean) {
    super(fs, file, baseOffset, maxIndexSize, OFFSET_INDEX_ENTRY_SIZE, fresh);
    this.lastOffset_ = baseOffset;
  }

  private relAt = (slot: number): number => this.buf!.readInt32BE(slot * OFFSET_INDEX_ENTRY_SIZE);

  offsetAt(slot: number): number {
    return this.baseOffset + this.relAt(slot);
  }

  positionAt(slot: number): number {
    return this.buf!.readInt32BE(slot * OFFSET_INDEX_ENTRY_SIZE + 4);
  }

  /** The last offset in the index (the base offset when empty). */
  get lastOffset(): number {
    this.ensureLoaded();
    return this.lastOffset_;
  }

  override ensureLoaded(logSize = Infinity): void {
    if (this.loaded) return;
    super.ensureLoaded(logSize);
    this.lastOffset_ = this.count === 0 ? this.baseOffset : this.offsetAt(this.count - 1);
  }

  protected validate(logSize: number): string | null {
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < this.count; i++) {
      const rel = this.relAt(i);
      const pos = this.positionAt(i);
      if (rel <= prevRel) return `entry ${i} has relative offset ${rel}, not above ${prevRel}`;
      if (pos < prevPos || pos < 0) return `entry ${i} has position ${pos}, below ${prevPos}`;
      if (pos >= logSize) return `entry ${i} has position ${pos}, past the log size ${logSize}`;
      prevRel = rel;
      prevPos = pos;
    }
    return null;
  }

  /** Last entry as [offset, position], read from the file without loading the index (null if empty). */
  peekLastEntry(): [number, number] | null {
    const b = this.readLastEntryFromFile();
    if (b === null) return null;
    return [this.baseOffset + b.readInt32BE(0), b.readInt32BE(4)];
  }

  /** File position to start scanning for `target`: the largest entry at or below it, else 0. */
  lookup(target: number): number {
    this.ensureLoaded();
    const slot = this.largestLowerBound(target - this.baseOffset, this.relAt);
    return slot < 0 ? 0 : this.positionAt(slot);
  }

  /** Offset of the entry `lookup(target)` used (the base offset when none). */
  lookupOffset(target: number): number {
    this.ensureLoaded();
    const slot = this.largestLowerBound(target - this.baseOffset, this.relAt);
    return slot < 0 ? this.baseOffset : this.offsetAt(slot);
  }

  append(offset: number, position: number): void {
    this.ensureLoaded();
    if (this.count >= this.maxEntries) throw new RangeError(`attempt to append to a full index ${this.file} (${this.count} entries)`);
    if (this.count > 0 && offset <= this.lastOffset_) {
      throw new RangeError(`attempt to append offset ${offset} to ${this.file}, not above the last offset ${this.lastOffset_}`);
    }
    const at = this.slotForAppend();
    this.buf!.writeInt32BE(this.relativeOffset(offset), at);
    this.buf!.writeInt32BE(position, at + 4);
    this.count++;
    this.lastOffset_ = offset;
  }

  /** Removes entries with offset >= `offset`. */
  truncateTo(offset: number): void {
    this.ensureLoaded();
    const slot = this.largestLowerBound(offset - this.baseOffset, this.relAt);
    const keep = slot < 0 ? 0 : this.relAt(slot) === offset - this.baseOffset ? slot : slot + 1;
    this.truncateToEntries(keep);
    this.lastOffset_ = this.count === 0 ? this.baseOffset : this.offsetAt(this.count - 1);
  }

  override reset(): void {
    super.reset();
    this.lastOffset_ = this.baseOffset;
  }
}
