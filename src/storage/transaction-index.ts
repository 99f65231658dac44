/**
 * The aborted-transaction index of a segment, `<base offset>.txnindex` (Kafka's
 * TransactionIndex and AbortedTxn): one 34-byte entry per transaction aborted by a marker in
 * the segment, in the order of the markers,
 *
 *     version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 |
 *     lastStableOffset int64
 *
 * where lastOffset is the ABORT marker's offset and lastStableOffset the partition's last
 * stable offset once the transaction was complete. A read_committed fetch asks it which
 * aborted transactions overlap the records it returns; a search stops in the first segment
 * whose entries reach past the fetched range (an entry's lastStableOffset says that no
 * earlier-starting transaction is still undecided there).
 *
 * The file is created by the first abort (most segments never have one) and written at once,
 * as Kafka writes its channel, so the entries are in the kernel with the marker; recovery
 * rebuilds it above the recovery point. Entries are kept in memory after the first use
 * (an index holds a few entries, and fetches read it often).
 */
import type { StorageFs } from './fs/storage-fs.js';
import { readInt64, writeInt64 } from './batch.js';
import { CorruptIndexError } from './abstract-index.js';
import { renameIfExists, writeFully } from './fs/storage-fs.js';

export const ABORTED_TXN_SIZE = 34;
export const ABORTED_TXN_VERSION = 0;

/** One entry of a transaction index. */
export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  /** Offset of the ABORT marker. */
  readonly lastOffset: number;
  readonly lastStableOffset: number;
}

/** A completed transaction: its first data offset and its marker's offset (Kafka's CompletedTxn). */
export interface CompletedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly isAborted: boolean;
}

export function encodeAbortedTxn(t: AbortedTxn, buf: Buffer = Buffer.allocUnsafe(ABORTED_TXN_SIZE), at = 0): Buffer {
  buf.writeInt16BE(ABORTED_TXN_VERSION, at);
  writeInt64(buf, at + 2, t.producerId);
  writeInt64(buf, at + 10, t.firstOffset);
  writeInt64(buf, at + 18, t.lastOffset);
  writeInt64(buf, at + 26, t.lastStableOffset);
  return buf;
}

/**
 * The entries of an index file's bytes; trailing bytes short of an entry are ignored, as
 * Kafka's iterator does. Throws CorruptIndexError on an unknown version.
 */
export function decodeAbortedTxns(data: Buffer, file: string): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  for (let at = 0; at + ABORTED_TXN_SIZE <= data.length; at += ABORTED_TXN_SIZE) {
    const version = data.readInt16BE(at);
    if (version !== ABORTED_TXN_VERSION) {
      throw new CorruptIndexError(`Unexpected aborted transaction version ${version} in transaction index ${file}, current version is ${ABORTED_TXN_VERSION}`);
    }
    out.push({
      producerId: readInt64(data, at + 2),
      firstOffset: readInt64(data, at + 10),
      lastOffset: readInt64(data, at + 18),
      lastStableOffset: readInt64(data, at + 26),
    });
  }
  return out;
}

export class TransactionIndex {
  /** Entries in memory; null until first used (or after unload). */
  private entries: AbortedTxn[] | null;
  /** Bytes in the file (a whole number of entries once loaded). */
  private fileSize = 0;
  private needsSync = false;

  constructor(
    private readonly fs: StorageFs,
    public file: string,
    readonly baseOffset: number,
    /** True for the index of a segment created now: no file yet, nothing to read. */
    fresh: boolean,
  ) {
    this.entries = fresh ? [] : null;
  }

  private load(): AbortedTxn[] {
    if (this.entries !== null) return this.entries;
    const data = this.fs.readFileSync(this.file);
    const entries = data === null ? [] : decodeAbortedTxns(data, this.file);
    this.fileSize = entries.length * ABORTED_TXN_SIZE;
    this.entries = entries;
    return entries;
  }

  /** Every entry, oldest first (tools, tests, the cleaner). */
  all(): readonly AbortedTxn[] {
    return this.load();
  }

  get isEmpty(): boolean {
    return this.load().length === 0;
  }

  /** Adds an entry; its marker offset must be above the last one's (Kafka checks the same). */
  append(t: AbortedTxn): void {
    const entries = this.load();
    const last = entries[entries.length - 1];
    if (last !== undefined && last.lastOffset >= t.lastOffset) {
      throw new Error(`The last offset of appended transactions must increase sequentially, but ${t.lastOffset} is not greater than current last offset ${last.lastOffset} of index ${this.file}`);
    }
    const buf = encodeAbortedTxn(t);
    const fd = this.fs.openSync(this.file, 'create');
    try {
      writeFully(this.fs, fd, buf, 0, ABORTED_TXN_SIZE, this.fileSize);
    } finally {
      this.fs.closeSync(fd);
    }
    this.fileSize += ABORTED_TXN_SIZE;
    this.needsSync = true;
    entries.push(t);
  }

  /**
   * Adds to `out` the aborted transactions that overlap [fetchOffset, upperBoundOffset): those
   * whose marker is at or after the fetch offset and whose first offset is below the bound.
   * True when the search is complete; false when it must go on into the next segment
   * (Kafka's TxnIndexSearchResult.isComplete).
   */
  collect(fetchOffset: number, upperBoundOffset: number, out: AbortedTxn[]): boolean {
    const entries = this.load();
    for (let i = 0; i < entries.length; i++) {
      const t = entries[i]!;
      if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) out.push(t);
      if (t.lastStableOffset >= upperBoundOffset) return true;
    }
    return false;
  }

  /** Removes the entries whose marker is at or after `offset`. */
  truncateTo(offset: number): void {
    const entries = this.load();
    let keep = entries.length;
    while (keep > 0 && entries[keep - 1]!.lastOffset >= offset) keep--;
    if (keep === entries.length) return;
    entries.length = keep;
    this.rewriteSize(keep * ABORTED_TXN_SIZE);
  }

  /** Removes every entry (the segment is being recovered and its entries found again). */
  reset(): void {
    this.entries = [];
    if (this.fs.statSync(this.file) !== null) this.rewriteSize(0);
    this.fileSize = 0;
  }

  private rewriteSize(size: number): void {
    const fd = this.fs.openSync(this.file, 'create');
    try {
      this.fs.ftruncateSync(fd, size);
    } finally {
      this.fs.closeSync(fd);
    }
    this.fileSize = size;
    this.needsSync = true;
  }

  /**
   * Kafka's sanity check at load: every entry's marker lies in this segment or later, and the
   * file parses. Throws CorruptIndexError.
   */
  sanityCheck(): void {
    this.entries = null;
    for (const t of this.load()) {
      if (t.lastOffset < this.baseOffset) {
        throw new CorruptIndexError(`Last offset of aborted transaction ${JSON.stringify(t)} in index ${this.file} is less than start offset ${this.baseOffset}`);
      }
    }
  }

  async flush(): Promise<void> {
    if (!this.needsSync) return;
    this.needsSync = false;
    let fd: number;
    try {
      fd = this.fs.openSync(this.file, 'readWrite');
    } catch {
      return; // never written
    }
    try {
      await this.fs.fdatasync(fd);
    } catch (e) {
      this.needsSync = true;
      throw e;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  flushSync(): void {
    if (!this.needsSync) return;
    let fd: number;
    try {
      fd = this.fs.openSync(this.file, 'readWrite');
    } catch {
      this.needsSync = false;
      return;
    }
    try {
      this.fs.fdatasyncSync(fd);
      this.needsSync = false;
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** Drops the in-memory entries (they are reread on next use); an empty index stays known empty. */
  unload(): void {
    if (this.entries !== null && this.entries.length > 0) this.entries = null;
  }

  /** The loader found no file: the index is empty (spares a read of a missing file per segment). */
  markAbsent(): void {
    if (this.entries === null) {
      this.entries = [];
      this.fileSize = 0;
    }
  }

  get memoryBytes(): number {
    return this.entries === null ? 0 : this.entries.length * ABORTED_TXN_SIZE;
  }

  renameTo(file: string): void {
    renameIfExists(this.fs, this.file, file);
    this.file = file;
  }

  deleteFile(): void {
    this.fs.unlinkSync(this.file);
  }
}
