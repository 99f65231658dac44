/**
 * An in-memory StorageFs for tests that models what a crash keeps:
 *
 * - `crash('process')` is `kill -9`: descriptors vanish, every write stays (it was in the
 *   kernel).
 * - `crash('power')` is a power cut: each file keeps only what `fdatasync` made durable, plus
 *   (with `torn: true`) a random prefix of what was appended after that; names created,
 *   renamed or removed since the directory's last `fsyncDir` revert.
 *
 * It also injects faults: failing calls by operation and path (EIO, ENOSPC, ...), short
 * writes, a disk-size limit, slow fsyncs; and corrupts bytes in place (`flipBits`,
 * `truncateFile`) for recovery tests.
 */
import path from 'node:path';
import type { FileStat, OpenMode, StorageFs } from './storage-fs.js';

export type FsOp = 'open' | 'read' | 'write' | 'truncate' | 'fsync' | 'rename' | 'unlink' | 'mkdir' | 'readdir' | 'stat' | 'fsyncDir';

interface Inode {
  data: Buffer;
  size: number;
  /** Durable content: bytes [0, syncedSize) of `synced`. */
  synced: Buffer;
  syncedSize: number;
  /** Lowest position written (or truncated) since the last sync; Infinity when clean. */
  dirtyLow: number;
  mtimeMs: number;
}

interface OpenFile {
  inode: Inode;
  path: string;
  writable: boolean;
}

interface Fault {
  op: FsOp;
  match: (p: string) => boolean;
  code: string;
  remaining: number;
}

function errno(code: string, op: string, p: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${op} '${p}' (injected by FaultFs)`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = op;
  e.path = p;
  return e;
}

function norm(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

export interface FaultFsOptions {
  /** Random source for torn writes and short writes; default Math.random. */
  random?: () => number;
  /** Milliseconds each fdatasync takes (simulated disk latency). */
  fsyncDelayMs?: number;
}

export class FaultFs implements StorageFs {
  private files = new Map<string, Inode>();
  private dirs = new Set<string>(['/']);
  private durableFiles = new Map<string, Inode>();
  private durableDirs = new Set<string>(['/']);
  private fds = new Map<number, OpenFile>();
  private nextFd = 100;
  private faults: Fault[] = [];
  private random: () => number;
  private diskLimit = Infinity;
  /** When true, writes randomly write only part of what was asked. */
  shortWrites = false;
  fsyncDelayMs: number;
  /** Counters for tests. */
  readonly stats = { fdatasync: 0, fsyncDir: 0, writes: 0, opens: 0, reads: 0 };
  clockMs: () => number = () => Date.now();

  constructor(opts: FaultFsOptions = {}) {
    this.random = opts.random ?? Math.random;
    this.fsyncDelayMs = opts.fsyncDelayMs ?? 0;
  }

  // ---- fault control -------------------------------------------------------------------

  /** Makes the next `times` calls of `op` on paths matching `match` fail with `code`. */
  failOn(op: FsOp, match: string | RegExp | ((p: string) => boolean) = () => true, code = 'EIO', times = 1): void {
    const m = typeof match === 'string' ? (p: string) => p.includes(match) : match instanceof RegExp ? (p: string) => match.test(p) : match;
    this.faults.push({ op, match: m, code, remaining: times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Total bytes of file data the disk holds; writes past it fail with ENOSPC. */
  setDiskLimit(bytes: number): void {
    this.diskLimit = bytes;
  }

  get openFdCount(): number {
    return this.fds.size;
  }

  private check(op: FsOp, p: string): void {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      if (f.op === op && f.match(p)) {
        if (--f.remaining <= 0) this.faults.splice(i, 1);
        throw errno(f.code, op, p);
      }
    }
  }

  // ---- crash simulation ----------------------------------------------------------------

  /**
   * Simulates the process dying (`process`) or the machine losing power (`power`). All
   * descriptors are closed either way; the FaultFs instance then stands for the disk seen
   * by the next process.
   */
  crash(kind: 'process' | 'power', opts: { torn?: boolean } = {}): void {
    this.fds.clear();
    if (kind === 'process') return;
    this.files = new Map(this.durableFiles);
    this.dirs = new Set(this.durableDirs);
    const seen = new Set<Inode>();
    for (const inode of this.files.values()) {
      if (seen.has(inode)) continue;
      seen.add(inode);
      let keep = 0;
      if (opts.torn && inode.size > inode.syncedSize) {
        // Part of the appended, unsynced tail reached the disk.
        keep = Math.floor(this.random() * (inode.size - inode.syncedSize + 1));
      }
      const tail = keep > 0 ? Buffer.from(inode.data.subarray(inode.syncedSize, inode.syncedSize + keep)) : null;
      inode.data = Buffer.alloc(Math.max(64, inode.syncedSize + keep));
      inode.synced.copy(inode.data, 0, 0, inode.syncedSize);
      if (tail) tail.copy(inode.data, inode.syncedSize);
      inode.size = inode.syncedSize + keep;
      inode.dirtyLow = keep > 0 ? inode.syncedSize : Infinity;
    }
  }

  /** XORs `mask` into the byte at `position` of `file` (corruption a CRC should catch). */
  flipBits(file: string, position: number, mask = 0x01): void {
    const inode = this.inodeOf(file);
    if (position >= inode.size) throw new Error(`flipBits past end of ${file}`);
    inode.data[position]! ^= mask;
    inode.synced[position] = inode.data[position]!;
  }

  /** Cuts `file` to `size` bytes, durably (a torn file found after a crash). */
  truncateFile(file: string, size: number): void {
    const inode = this.inodeOf(file);
    inode.size = Math.min(inode.size, size);
    inode.syncedSize = Math.min(inode.syncedSize, size);
  }

  /** Writes bytes durably at `position` (corruption of existing files in tests). */
  overwrite(file: string, position: number, bytes: Uint8Array): void {
    const inode = this.inodeOf(file);
    this.ensureCapacity(inode, position + bytes.length);
    inode.data.set(bytes, position);
    if (position + bytes.length > inode.size) inode.size = position + bytes.length;
    this.syncInode(inode);
  }

  /** The live content of a file (tests). */
  contents(file: string): Buffer {
    const inode = this.inodeOf(file);
    return Buffer.from(inode.data.subarray(0, inode.size));
  }

  /** Copies a host directory tree into this file system, durably (tests with real files). */
  importTree(files: Record<string, Uint8Array>): void {
    for (const [p, data] of Object.entries(files)) {
      this.mkdirSync(path.posix.dirname(norm(p)));
      const fd = this.openSync(p, 'create');
      this.writeSync(fd, data, 0, data.length, 0);
      this.fdatasyncSync(fd);
      this.closeSync(fd);
      this.fsyncDirSync(path.posix.dirname(norm(p)));
    }
  }

  private inodeOf(file: string): Inode {
    const inode = this.files.get(norm(file));
    if (!inode) throw errno('ENOENT', 'open', file);
    return inode;
  }

  private ensureCapacity(inode: Inode, size: number): void {
    if (size <= inode.data.length) return;
    let cap = Math.max(64, inode.data.length);
    while (cap < size) cap *= 2;
    const next = Buffer.alloc(cap);
    inode.data.copy(next, 0, 0, inode.size);
    inode.data = next;
  }

  private syncInode(inode: Inode): void {
    if (inode.dirtyLow !== Infinity || inode.syncedSize !== inode.size) {
      if (inode.synced.length < inode.size) {
        const next = Buffer.alloc(Math.max(inode.size, inode.synced.length * 2));
        inode.synced.copy(next, 0, 0, Math.min(inode.syncedSize, inode.size));
        inode.synced = next;
      }
      const low = Math.min(inode.dirtyLow, inode.syncedSize, inode.size);
      inode.data.copy(inode.synced, low, low, inode.size);
      inode.syncedSize = inode.size;
      inode.dirtyLow = Infinity;
    }
  }

  private usedBytes(): number {
    let n = 0;
    const seen = new Set<Inode>();
    for (const inode of this.files.values()) {
      if (!seen.has(inode)) {
        seen.add(inode);
        n += inode.size;
      }
    }
    return n;
  }

  private fd(fd: number, op: string): OpenFile {
    const f = this.fds.get(fd);
    if (!f) throw errno('EBADF', op, String(fd));
    return f;
  }

  // ---- StorageFs -----------------------------------------------------------------------

  openSync(file: string, mode: OpenMode): number {
    const p = norm(file);
    this.check('open', p);
    this.stats.opens++;
    let inode = this.files.get(p);
    if (!inode) {
      if (mode !== 'create') throw errno('ENOENT', 'open', p);
      if (!this.dirs.has(path.posix.dirname(p))) throw errno('ENOENT', 'open', p);
      inode = { data: Buffer.alloc(64), size: 0, synced: Buffer.alloc(0), syncedSize: 0, dirtyLow: Infinity, mtimeMs: this.clockMs() };
      this.files.set(p, inode);
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { inode, path: p, writable: mode !== 'read' });
    return fd;
  }

  closeSync(fd: number): void {
    this.fd(fd, 'close');
    this.fds.delete(fd);
  }

  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    const f = this.fd(fd, 'read');
    this.check('read', f.path);
    this.stats.reads++;
    const n = Math.max(0, Math.min(length, f.inode.size - position));
    if (n > 0) buf.set(f.inode.data.subarray(position, position + n), offset);
    return n;
  }

  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    const f = this.fd(fd, 'write');
    if (!f.writable) throw errno('EBADF', 'write', f.path);
    this.check('write', f.path);
    this.stats.writes++;
    let n = length;
    if (this.shortWrites && n > 1 && this.random() < 0.3) n = 1 + Math.floor(this.random() * (n - 1));
    const grow = Math.max(0, position + n - f.inode.size);
    if (grow > 0 && this.usedBytes() + grow > this.diskLimit) {
      const room = Math.max(0, this.diskLimit - this.usedBytes());
      if (room === 0 || position > f.inode.size) throw errno('ENOSPC', 'write', f.path);
      n = Math.min(n, f.inode.size - position + room);
      if (n <= 0) throw errno('ENOSPC', 'write', f.path);
    }
    const inode = f.inode;
    this.ensureCapacity(inode, position + n);
    if (position > inode.size) inode.data.fill(0, inode.size, position);
    inode.data.set(buf.subarray(offset, offset + n), position);
    if (position + n > inode.size) inode.size = position + n;
    if (position < inode.dirtyLow) inode.dirtyLow = position;
    inode.mtimeMs = this.clockMs();
    return n;
  }

  ftruncateSync(fd: number, length: number): void {
    const f = this.fd(fd, 'ftruncate');
    if (!f.writable) throw errno('EBADF', 'ftruncate', f.path);
    this.check('truncate', f.path);
    const inode = f.inode;
    if (length > inode.size) {
      this.ensureCapacity(inode, length);
      inode.data.fill(0, inode.size, length);
    }
    if (Math.min(length, inode.size) < inode.dirtyLow) inode.dirtyLow = Math.min(length, inode.size);
    inode.size = length;
    inode.mtimeMs = this.clockMs();
  }

  fsizeSync(fd: number): number {
    return this.fd(fd, 'fstat').inode.size;
  }

  fdatasync(fd: number): Promise<void> {
    let f: OpenFile;
    try {
      f = this.fd(fd, 'fdatasync');
      this.check('fsync', f.path);
    } catch (e) {
      return Promise.reject(e);
    }
    this.stats.fdatasync++;
    const inode = f.inode;
    return new Promise((resolve) => {
      const done = () => {
        // A crash before completion loses the data: the sync takes effect when it returns.
        this.syncInode(inode);
        resolve();
      };
      if (this.fsyncDelayMs > 0) setTimeout(done, this.fsyncDelayMs);
      else setImmediate(done);
    });
  }

  fdatasyncSync(fd: number): void {
    const f = this.fd(fd, 'fdatasync');
    this.check('fsync', f.path);
    this.stats.fdatasync++;
    this.syncInode(f.inode);
  }

  statSync(file: string): FileStat | null {
    const p = norm(file);
    this.check('stat', p);
    const inode = this.files.get(p);
    if (inode) return { size: inode.size, mtimeMs: inode.mtimeMs, isFile: true, isDirectory: false };
    if (this.dirs.has(p)) return { size: 4096, mtimeMs: 0, isFile: false, isDirectory: true };
    return null;
  }

  readdirSync(dir: string): string[] {
    const d = norm(dir);
    this.check('readdir', d);
    const out: string[] = [];
    for (const p of this.files.keys()) if (path.posix.dirname(p) === d) out.push(path.posix.basename(p));
    for (const p of this.dirs) if (p !== d && path.posix.dirname(p) === d) out.push(path.posix.basename(p));
    return out;
  }

  subdirectoriesSync(dir: string): string[] {
    const d = norm(dir);
    this.check('readdir', d);
    const out: string[] = [];
    for (const p of this.dirs) if (p !== d && path.posix.dirname(p) === d) out.push(path.posix.basename(p));
    return out;
  }

  mkdirSync(dir: string): void {
    const d = norm(dir);
    this.check('mkdir', d);
    let cur = d;
    const chain: string[] = [];
    while (!this.dirs.has(cur)) {
      if (this.files.has(cur)) throw errno('EEXIST', 'mkdir', cur);
      chain.push(cur);
      cur = path.posix.dirname(cur);
    }
    for (const c of chain) this.dirs.add(c);
  }

  renameSync(from: string, to: string): void {
    const a = norm(from);
    const b = norm(to);
    this.check('rename', a);
    const inode = this.files.get(a);
    if (inode) {
      if (!this.dirs.has(path.posix.dirname(b))) throw errno('ENOENT', 'rename', b);
      this.files.delete(a);
      this.files.set(b, inode);
      return;
    }
    if (this.dirs.has(a)) {
      for (const p of [...this.files.keys()]) {
        if (p.startsWith(a + '/')) {
          const inode2 = this.files.get(p)!;
          this.files.delete(p);
          this.files.set(b + p.slice(a.length), inode2);
        }
      }
      for (const p of [...this.dirs]) {
        if (p === a || p.startsWith(a + '/')) {
          this.dirs.delete(p);
          this.dirs.add(b + p.slice(a.length));
        }
      }
      return;
    }
    throw errno('ENOENT', 'rename', a);
  }

  unlinkSync(file: string): boolean {
    const p = norm(file);
    this.check('unlink', p);
    return this.files.delete(p);
  }

  rmSync(dir: string): void {
    const d = norm(dir);
    for (const p of [...this.files.keys()]) if (p === d || p.startsWith(d + '/')) this.files.delete(p);
    for (const p of [...this.dirs]) if (p === d || p.startsWith(d + '/')) this.dirs.delete(p);
  }

  readFileSync(file: string): Buffer | null {
    const p = norm(file);
    this.check('read', p);
    const inode = this.files.get(p);
    return inode ? Buffer.from(inode.data.subarray(0, inode.size)) : null;
  }

  private syncDirEntries(d: string): void {
    for (const [p, inode] of this.durableFiles) {
      if (path.posix.dirname(p) === d && this.files.get(p) !== inode) this.durableFiles.delete(p);
    }
    for (const [p, inode] of this.files) if (path.posix.dirname(p) === d) this.durableFiles.set(p, inode);
    for (const p of [...this.durableDirs]) if (p !== d && path.posix.dirname(p) === d && !this.dirs.has(p)) this.durableDirs.delete(p);
    for (const p of this.dirs) if (p !== d && path.posix.dirname(p) === d) this.durableDirs.add(p);
  }

  fsyncDir(dir: string): Promise<void> {
    try {
      this.fsyncDirSync(dir);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve) => setImmediate(resolve));
  }

  fsyncDirSync(dir: string): void {
    const d = norm(dir);
    this.check('fsyncDir', d);
    if (!this.dirs.has(d)) throw errno('ENOENT', 'fsync', d);
    this.stats.fsyncDir++;
    this.syncDirEntries(d);
  }

  setMtimeSync(file: string, mtimeMs: number): void {
    this.inodeOf(file).mtimeMs = mtimeMs;
  }
}
