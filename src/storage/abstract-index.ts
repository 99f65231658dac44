/**
 * Common part of the offset and time indexes: a sparse, sorted array of fixed-size entries
 * in Kafka's on-disk format, kept in memory for lookups (Kafka memory-maps the file; Node
 * has no mmap, so lookups read an in-memory copy and new entries are written to the file
 * with positional writes).
 *
 * Entries reach the file lazily — when the segment is flushed, rolled or closed — because an
 * index above the recovery point is rebuilt from the log after a crash anyway (as Kafka's
 * mmap writes are lazy too). The file is never preallocated, so its length is always a whole
 * number of entries and Kafka's tools read it as is.
 */
import { readFully, renameIfExists, writeFully, type StorageFs } from './fs/storage-fs.js';

export class CorruptIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptIndexError';
  }
}

const INT32_MAX = 0x7fffffff;

export abstract class AbstractIndex {
  /** Entries in memory; null until loaded (or after unload). */
  protected buf: Buffer | null;
  protected count = 0;
  /** Entries [0, flushed) are in the file exactly as in memory. */
  private flushed = 0;
  /** Entries currently in the file (may exceed `count` after a truncation not yet written). */
  private onDisk = 0;
  /** True when the file was written since its last fdatasync. */
  private needsSync = false;
  readonly maxEntries: number;

  constructor(
    protected readonly fs: StorageFs,
    public file: string,
    readonly baseOffset: number,
    maxIndexSize: number,
    protected readonly entrySize: number,
    /** True for an index created empty now (nothing to load). */
    fresh: boolean,
  ) {
    this.maxEntries = Math.floor(maxIndexSize / entrySize);
    this.buf = fresh ? Buffer.alloc(0) : null;
  }

  get loaded(): boolean {
    return this.buf !== null;
  }

  get entries(): number {
    this.ensureLoaded();
    return this.count;
  }

  get sizeInBytes(): number {
    return this.entries * this.entrySize;
  }

  /** Bytes of memory the loaded entries take (0 when unloaded). */
  get memoryBytes(): number {
    return this.buf === null ? 0 : this.buf.length;
  }

  isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** True when entries exist only in memory. */
  get dirty(): boolean {
    return this.buf !== null && (this.flushed !== this.count || this.onDisk !== this.count);
  }

  relativeOffset(offset: number): number {
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > INT32_MAX) throw new RangeError(`offset ${offset} does not fit an index with base offset ${this.baseOffset}`);
    return rel;
  }

  canAppendOffset(offset: number): boolean {
    const rel = offset - this.baseOffset;
    return rel >= 0 && rel <= INT32_MAX;
  }

  /** Why the loaded entries are inconsistent, or null. `limit` is the log file size. */
  protected abstract validate(limit: number): string | null;

  /** Reads the file into memory if not loaded. Throws CorruptIndexError when inconsistent. */
  ensureLoaded(logSize = Infinity): void {
    if (this.buf !== null) return;
    const data = this.fs.readFileSync(this.file);
    if (data === null) throw new CorruptIndexError(`index file ${this.file} does not exist`);
    if (data.length % this.entrySize !== 0) {
      throw new CorruptIndexError(`index file ${this.file} has ${data.length} bytes, not a multiple of ${this.entrySize}`);
    }
    this.buf = data;
    this.count = data.length / this.entrySize;
    this.flushed = this.count;
    this.onDisk = this.count;
    const why = this.count > 0 ? this.validate(logSize) : null;
    if (why !== null) {
      this.buf = null;
      this.count = 0;
      throw new CorruptIndexError(`index file ${this.file} is corrupt: ${why}`);
    }
  }

  /** Reads only the last entry from the file, without loading the index (null if empty). */
  protected readLastEntryFromFile(): Buffer | null {
    if (this.buf !== null) {
      return this.count === 0 ? null : this.buf.subarray((this.count - 1) * this.entrySize, this.count * this.entrySize);
    }
    const st = this.fs.statSync(this.file);
    if (st === null || st.size < this.entrySize) return null;
    const last = Math.floor(st.size / this.entrySize) - 1;
    const fd = this.fs.openSync(this.file, 'read');
    try {
      const b = Buffer.allocUnsafe(this.entrySize);
      if (readFully(this.fs, fd, b, 0, this.entrySize, last * this.entrySize) !== this.entrySize) return null;
      return b;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** Empties the index (before a rebuild). */
  reset(): void {
    if (this.buf === null) {
      this.buf = Buffer.alloc(0);
      const st = this.fs.statSync(this.file);
      this.onDisk = st === null ? 0 : Math.ceil(st.size / this.entrySize);
    }
    this.truncateToEntries(0);
  }

  protected truncateToEntries(n: number): void {
    this.ensureLoaded();
    this.count = Math.min(this.count, n);
    if (this.flushed > this.count) this.flushed = this.count;
  }

  /** Slot of the room for one more entry; grows the buffer. */
  protected slotForAppend(): number {
    const need = (this.count + 1) * this.entrySize;
    const buf = this.buf!;
    if (need > buf.length) {
      const next = Buffer.alloc(Math.min(Math.max(need, buf.length * 2, 64 * this.entrySize), Math.max(need, this.maxEntries * this.entrySize)));
      buf.copy(next, 0, 0, this.count * this.entrySize);
      this.buf = next;
    }
    return this.count * this.entrySize;
  }

  /** Writes entries only in memory to the file (no fsync). */
  writePending(): void {
    if (!this.dirty) return;
    const fd = this.fs.openSync(this.file, 'create');
    try {
      this.writeWith(fd);
    } finally {
      this.fs.closeSync(fd);
    }
  }

  private writeWith(fd: number): void {
    const from = this.flushed * this.entrySize;
    const to = this.count * this.entrySize;
    if (to > from) writeFully(this.fs, fd, this.buf!, from, to - from, from);
    if (this.onDisk > this.count) this.fs.ftruncateSync(fd, to);
    if (to > from || this.onDisk > this.count) this.needsSync = true;
    this.flushed = this.count;
    this.onDisk = this.count;
  }

  /** Writes pending entries and makes the file durable. */
  async flush(): Promise<void> {
    if (!this.dirty && !this.needsSync) return;
    const fd = this.fs.openSync(this.file, 'create');
    try {
      if (this.dirty) this.writeWith(fd);
      this.needsSync = false;
      await this.fs.fdatasync(fd);
    } catch (e) {
      this.needsSync = true;
      throw e;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  flushSync(): void {
    if (!this.dirty && !this.needsSync) return;
    const fd = this.fs.openSync(this.file, 'create');
    try {
      if (this.dirty) this.writeWith(fd);
      this.fs.fdatasyncSync(fd);
      this.needsSync = false;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** Drops the in-memory copy (only when nothing is pending); it is reread on next use. */
  unload(): boolean {
    if (this.buf === null || this.dirty) return false;
    this.buf = null;
    return true;
  }

  renameTo(file: string): void {
    renameIfExists(this.fs, this.file, file);
    this.file = file;
  }

  deleteFile(): void {
    this.fs.unlinkSync(this.file);
  }

  /** Largest slot whose key is <= target, or -1. */
  protected largestLowerBound(target: number, key: (slot: number) => number): number {
    let lo = 0;
    let hi = this.count - 1;
    if (hi < 0 || key(0) > target) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (key(mid) <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
