/**
 * Searches over the batches of one segment's `.log` file (Kafka's FileRecords): the batch
 * that holds an offset, the whole batches of a read up to an offset, the next batch that may
 * hold a timestamp, the offset after the last batch. They walk batch headers through one
 * shared read window and know nothing of indexes; LogSegment says where to start.
 */
import { BatchScanner, BATCH_LENGTH_OFFSET, HEADER_PREFIX, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD, readInt64 } from './batch.js';
import { StorageError } from './errors.js';
import { readFully, type StorageFs } from './fs/storage-fs.js';

/** The read window of header walks (they run synchronously, one at a time). */
export const SCRATCH = Buffer.allocUnsafe(16 * 1024);

/** A batch that may hold the record a timestamp search wants (a private copy), and where to resume. */
export interface TimestampCandidate {
  batch: Buffer;
  next: number;
}

/** The `.log` file of a segment as the searches see it. */
export interface RecordsFile {
  readonly fs: StorageFs;
  readonly fd: number;
  /** Valid bytes: the walks stop there. */
  readonly size: number;
  /** For error messages. */
  readonly path: string;
}

/** Size and base offset of the batch `searchForOffset` found. */
export interface FoundBatch {
  size: number;
  baseOffset: number;
}

export function corruptBatch(path: string, pos: number, why: string): never {
  throw new StorageError('CORRUPT_MESSAGE', `corrupt batch at position ${pos} of ${path}: ${why}`);
}

/**
 * Position of the first batch whose last offset is >= `target`, walking headers from
 * `startPos`; -1 when there is none. Fills `found` with that batch's size and base offset.
 * A header that does not fit the file throws CORRUPT_MESSAGE.
 */
export function searchForOffset(file: RecordsFile, target: number, startPos: number, found: FoundBatch): number {
  const { fs, fd, size: end } = file;
  let pos = startPos;
  let winStart = 0;
  let winLen = 0;
  while (pos < end) {
    if (pos < winStart || pos + HEADER_PREFIX > winStart + winLen) {
      winLen = readFully(fs, fd, SCRATCH, 0, Math.min(SCRATCH.length, end - pos), pos);
      winStart = pos;
      if (winLen < HEADER_PREFIX) corruptBatch(file.path, pos, 'truncated batch header');
    }
    const at = pos - winStart;
    const length = SCRATCH.readInt32BE(at + BATCH_LENGTH_OFFSET);
    const size = LOG_OVERHEAD + length;
    if (length < MIN_BATCH_LENGTH || pos + size > end) corruptBatch(file.path, pos, `invalid batch length ${length}`);
    const base = readInt64(SCRATCH, at);
    if (base + SCRATCH.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET) >= target) {
      found.size = size;
      found.baseOffset = base;
      return pos;
    }
    pos += size;
  }
  return -1;
}

/**
 * Reads `limit` bytes from `pos` into a buffer from `allocate` and keeps the whole batches
 * that end before `maxOffset`: the buffer itself when all of it is kept, else a view.
 */
export function readBatches(file: RecordsFile, pos: number, limit: number, maxOffset: number, allocate?: (size: number) => Buffer): Buffer {
  const buf = allocate === undefined ? Buffer.allocUnsafe(limit) : allocate(limit);
  const n = readFully(file.fs, file.fd, buf, 0, limit, pos);
  let end = 0;
  while (end + HEADER_PREFIX <= n) {
    const size = LOG_OVERHEAD + buf.readInt32BE(end + BATCH_LENGTH_OFFSET);
    if (size < RECORD_BATCH_OVERHEAD || end + size > n) break;
    const last = readInt64(buf, end) + buf.readInt32BE(end + LAST_OFFSET_DELTA_OFFSET);
    if (last >= maxOffset) break;
    end += size;
  }
  return end === buf.length ? buf : buf.subarray(0, end);
}

/**
 * From `position`, the first batch whose max timestamp is >= `target` and that ends at or
 * after `startingOffset`, copied out (a record-level search may await); null when none.
 */
export function searchForTimestamp(file: RecordsFile, target: number, startingOffset: number, position: number): TimestampCandidate | null {
  if (position >= file.size) return null;
  const scanner = new BatchScanner(file.fs, file.fd, position, file.size, false);
  while (scanner.next()) {
    if (scanner.maxTimestamp >= target && scanner.lastOffset >= startingOffset) {
      const batch = Buffer.allocUnsafe(scanner.size);
      if (readFully(file.fs, file.fd, batch, 0, scanner.size, scanner.position) !== scanner.size) corruptBatch(file.path, scanner.position, 'short read');
      return { batch, next: scanner.position + scanner.size };
    }
  }
  return null;
}

/**
 * True when the batch at `pos` ends with `lastOffset`: whether an offset index entry read
 * without loading the index can be trusted.
 */
export function batchEndsWith(file: RecordsFile, pos: number, lastOffset: number): boolean {
  if (pos < 0 || pos + HEADER_PREFIX > file.size) return false;
  const n = readFully(file.fs, file.fd, SCRATCH, 0, HEADER_PREFIX, pos);
  return n === HEADER_PREFIX && readInt64(SCRATCH, 0) + SCRATCH.readInt32BE(LAST_OFFSET_DELTA_OFFSET) === lastOffset;
}

/**
 * The offset after the last batch, walking from `pos` (`baseOffset` when there is none);
 * bytes after the last whole batch throw CORRUPT_MESSAGE.
 */
export function nextOffsetFrom(file: RecordsFile, pos: number, baseOffset: number): number {
  let next = baseOffset;
  const scanner = new BatchScanner(file.fs, file.fd, pos, file.size, false);
  while (scanner.next()) next = scanner.lastOffset + 1;
  if (scanner.validEnd !== file.size) corruptBatch(file.path, scanner.validEnd, scanner.error ?? 'trailing bytes');
  return next;
}
