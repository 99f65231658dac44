/**
 * The narrow file-system interface under the storage layer (STYLE.md practice 7). Everything
 * the log does to disk goes through it, so tests can swap in `FaultFs`: an in-memory file
 * system that loses unsynced data on a simulated power cut, tears writes and injects errors.
 *
 * Data-path calls are synchronous positional reads and writes on descriptors: an append is
 * in the kernel's page cache when `writeSync` returns (a killed process loses nothing), and
 * page-cache I/O is faster than a round trip through libuv's thread pool. Calls that wait on
 * the disk (`fdatasync`, durable file replacement) are asynchronous so they never stall the
 * event loop.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface FileStat {
  size: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

/** How a file is opened: `read` (must exist), `readWrite` (must exist), `create` (read-write, created if missing, never truncated). */
export type OpenMode = 'read' | 'readWrite' | 'create';

export interface StorageFs {
  openSync(file: string, mode: OpenMode): number;
  closeSync(fd: number): void;
  /** Reads up to `length` bytes at `position`; returns the count read (0 at end of file). */
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes at `position`; may write fewer bytes than asked (callers loop). */
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  ftruncateSync(fd: number, length: number): void;
  fsizeSync(fd: number): number;
  /** Forces the file's data (and the size needed to read it) to stable storage. */
  fdatasync(fd: number): Promise<void>;
  fdatasyncSync(fd: number): void;

  /** null when the path does not exist. */
  statSync(file: string): FileStat | null;
  /** Names in a directory; [] when it does not exist. */
  readdirSync(dir: string): string[];
  /** Names of the subdirectories of a directory (one call, no stat per entry). */
  subdirectoriesSync(dir: string): string[];
  mkdirSync(dir: string): void;
  renameSync(from: string, to: string): void;
  /** false when the file did not exist. */
  unlinkSync(file: string): boolean;
  /** Removes a directory and everything in it; no error when missing. */
  rmSync(dir: string): void;
  /** null when the file does not exist. */
  readFileSync(file: string): Buffer | null;
  /** Makes creations, renames and deletions in `dir` durable. */
  fsyncDir(dir: string): Promise<void>;
  fsyncDirSync(dir: string): void;
  setMtimeSync(file: string, mtimeMs: number): void;
}

/** The real file system (node:fs). */
export class NodeFs implements StorageFs {
  openSync(file: string, mode: OpenMode): number {
    const flags = mode === 'read' ? fs.constants.O_RDONLY : mode === 'readWrite' ? fs.constants.O_RDWR : fs.constants.O_RDWR | fs.constants.O_CREAT;
    return fs.openSync(file, flags, 0o644);
  }
  closeSync(fd: number): void {
    fs.closeSync(fd);
  }
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    return fs.readSync(fd, buf, offset, length, position);
  }
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    return fs.writeSync(fd, buf, offset, length, position);
  }
  ftruncateSync(fd: number, length: number): void {
    fs.ftruncateSync(fd, length);
  }
  fsizeSync(fd: number): number {
    return fs.fstatSync(fd).size;
  }
  fdatasync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }
  fdatasyncSync(fd: number): void {
    fs.fdatasyncSync(fd);
  }
  statSync(file: string): FileStat | null {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return null;
    return { size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile(), isDirectory: st.isDirectory() };
  }
  readdirSync(dir: string): string[] {
    try {
      return fs.readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
  subdirectoriesSync(dir: string): string[] {
    try {
      return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
  mkdirSync(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
  }
  renameSync(from: string, to: string): void {
    fs.renameSync(from, to);
  }
  unlinkSync(file: string): boolean {
    try {
      fs.unlinkSync(file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
  rmSync(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  readFileSync(file: string): Buffer | null {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  fsyncDir(dir: string): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.open(dir, fs.constants.O_RDONLY, (err, fd) => {
        if (err) return reject(err);
        fs.fsync(fd, (err2) => fs.close(fd, () => (err2 ? reject(err2) : resolve())));
      });
    });
  }
  fsyncDirSync(dir: string): void {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  setMtimeSync(file: string, mtimeMs: number): void {
    const t = new Date(mtimeMs);
    fs.utimesSync(file, t, t);
  }
}

/** Writes all of `buf[offset, offset+length)` at `position`, looping over short writes. */
export function writeFully(fsys: StorageFs, fd: number, buf: Uint8Array, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fsys.writeSync(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
    done += n;
  }
}

/** Reads up to `length` bytes, looping over short reads; returns the count (less only at end of file). */
export function readFully(fsys: StorageFs, fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fsys.readSync(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/**
 * Replaces `file` durably: writes `file.tmp`, fsyncs it, renames it over `file`, fsyncs the
 * directory (Kafka's CheckpointFile does the same).
 */
export async function writeFileDurably(fsys: StorageFs, file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  const fd = fsys.openSync(tmp, 'create');
  try {
    fsys.ftruncateSync(fd, 0);
    writeFully(fsys, fd, data, 0, data.length, 0);
    await fsys.fdatasync(fd);
  } finally {
    fsys.closeSync(fd);
  }
  fsys.renameSync(tmp, file);
  await fsys.fsyncDir(path.dirname(file));
}

/** Synchronous `writeFileDurably`, for shutdown paths that must finish before returning. */
export function writeFileDurablySync(fsys: StorageFs, file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp`;
  const fd = fsys.openSync(tmp, 'create');
  try {
    fsys.ftruncateSync(fd, 0);
    writeFully(fsys, fd, data, 0, data.length, 0);
    fsys.fdatasyncSync(fd);
  } finally {
    fsys.closeSync(fd);
  }
  fsys.renameSync(tmp, file);
  fsys.fsyncDirSync(path.dirname(file));
}

/** Renames `from` to `to`; a missing `from` (a file made lazily, never written) is not an error. */
export function renameIfExists(fsys: StorageFs, from: string, to: string): void {
  try {
    fsys.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
