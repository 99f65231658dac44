/**
 * A bounded pool of open file descriptors. Segment files are opened when first used and
 * closed least-recently-used first once more than `maxOpen` are open, so 10,000 partitions
 * need not hold 30,000 descriptors. A file pinned by an in-flight fsync is never closed under
 * it. Closing a descriptor loses nothing: written bytes are in the kernel either way.
 */
import type { OpenMode, StorageFs } from './fs/storage-fs.js';

export class CachedFile {
  /** Open descriptor, or -1. */
  fd = -1;
  /** In-flight operations that need the descriptor to stay open. */
  pins = 0;
  constructor(
    public path: string,
    readonly mode: OpenMode,
  ) {}
}

export class FdCache {
  /** Open files in least-recently-used-first order. */
  private readonly open = new Map<CachedFile, true>();
  private mru: CachedFile | null = null;

  constructor(
    readonly fs: StorageFs,
    public maxOpen: number,
  ) {
    if (maxOpen < 1) throw new RangeError('maxOpen must be at least 1');
  }

  get openCount(): number {
    return this.open.size;
  }

  /** The descriptor of `f`, opening it (and closing the least recently used) if needed. */
  fd(f: CachedFile): number {
    if (f.fd >= 0) {
      if (this.mru !== f) {
        this.open.delete(f);
        this.open.set(f, true);
        this.mru = f;
      }
      return f.fd;
    }
    this.evict(this.maxOpen - 1);
    let fd: number;
    try {
      fd = this.fs.openSync(f.path, f.mode);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EMFILE' && code !== 'ENFILE') throw e;
      // The process is out of descriptors: give back half of ours and try once more.
      this.evict(Math.floor(this.open.size / 2));
      fd = this.fs.openSync(f.path, f.mode);
    }
    f.fd = fd;
    this.open.set(f, true);
    this.mru = f;
    return fd;
  }

  pin(f: CachedFile): number {
    const fd = this.fd(f);
    f.pins++;
    return fd;
  }

  unpin(f: CachedFile): void {
    if (f.pins > 0) f.pins--;
    if (f.pins === 0 && f.fd >= 0 && !this.open.has(f)) this.closeNow(f);
  }

  /** Closes `f` now (before deleting or when the segment goes away), or once unpinned. */
  close(f: CachedFile): void {
    if (f.fd < 0) return;
    this.open.delete(f);
    if (this.mru === f) this.mru = null;
    if (f.pins === 0) this.closeNow(f);
  }

  closeAll(): void {
    for (const f of [...this.open.keys()]) this.close(f);
  }

  private closeNow(f: CachedFile): void {
    const fd = f.fd;
    f.fd = -1;
    try {
      this.fs.closeSync(fd);
    } catch {
      // Closing can only fail for a bad descriptor; nothing to recover.
    }
  }

  private evict(target: number): void {
    if (this.open.size <= target) return;
    for (const f of this.open.keys()) {
      if (this.open.size <= target) break;
      if (f.pins > 0) continue;
      this.open.delete(f);
      if (this.mru === f) this.mru = null;
      this.closeNow(f);
    }
  }
}
