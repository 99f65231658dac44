/**
 * What the storage layer reads of a record batch: the v2 header fields (offsets from
 * src/protocol/records/batch-header.ts), integrity checks for recovery, and a scanner that
 * walks the batches of a segment file in large reads without allocating per batch.
 */
import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  CRC_START,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  BASE_SEQUENCE_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  TIMESTAMP_TYPE_MASK,
  CONTROL_MASK,
  TRANSACTIONAL_MASK,
} from '../protocol/records/batch-header.js';
import { crc32c } from '../protocol/crc32c.js';
import { readFully, type StorageFs } from './fs/storage-fs.js';

export {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  BASE_SEQUENCE_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  CONTROL_MASK,
  TRANSACTIONAL_MASK,
};

/** Smallest value of the batchLength field of a valid v2 batch (header minus offset and length). */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
/** Header bytes needed to know a batch's offsets and length. */
export const HEADER_PREFIX = LAST_OFFSET_DELTA_OFFSET + 4;
// The header readers and writers are the protocol layer's (numbers, no BigInt on the hot path).
import { readInt64Number as readInt64 } from '../protocol/records/header.js';
export { readInt64 };
export { writeInt64, batchBaseOffset, batchSize, batchLastOffset, batchMaxTimestamp, updateBatchCrc } from '../protocol/records/header.js';

/** Why a batch is not acceptable, or null when it is. Checks structure, magic and CRC. */
export function checkBatch(buf: Buffer, pos: number, available: number): string | null {
  if (available < LOG_OVERHEAD) return `only ${available} bytes left, less than a batch header`;
  const length = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  if (length < MIN_BATCH_LENGTH) return `batch length ${length} is smaller than the minimum ${MIN_BATCH_LENGTH}`;
  if (LOG_OVERHEAD + length > available) return `batch of ${LOG_OVERHEAD + length} bytes extends past the end (${available} bytes left)`;
  const magic = buf[pos + MAGIC_OFFSET];
  if (magic !== CURRENT_MAGIC) return `unsupported magic ${magic}`;
  const stored = buf.readUInt32BE(pos + CRC_OFFSET);
  const computed = crc32c(buf.subarray(pos + CRC_START, pos + LOG_OVERHEAD + length));
  if (stored !== computed) return `CRC mismatch (stored ${stored}, computed ${computed})`;
  if (buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET) < 0) return 'negative lastOffsetDelta';
  if (buf.readInt32BE(pos + RECORD_COUNT_OFFSET) < 0) return 'negative record count';
  return null;
}

/**
 * Walks the batches of a file region [start, end) without allocating per batch. With
 * `verify`, each whole batch is read and checked (magic, CRC); otherwise only headers.
 * After `next()` returns true the public fields describe the current batch; when it returns
 * false, `error` says why the walk stopped early (null at a clean end), and `position` is
 * where the valid bytes end.
 */
export class BatchScanner {
  position = 0;
  size = 0;
  baseOffset = 0;
  lastOffset = 0;
  maxTimestamp = -1;
  /** The whole batch when verifying, else its header; valid until the next call. */
  buffer: Buffer = EMPTY;
  /** Position of the current batch inside `buffer`. */
  at = 0;
  error: string | null = null;

  private buf: Buffer;
  private bufStart = 0;
  private bufLen = 0;
  private next_: number;

  /**
   * Header-only scans that run synchronously to completion share one buffer (no allocation
   * per scan: opening 10,000 partitions walks 10,000 segment tails). A scan that awaits
   * between batches must pass `verify` or its own chunk size.
   */
  private static shared: Buffer | null = null;

  constructor(
    private readonly fs: StorageFs,
    private readonly fd: number,
    start: number,
    private readonly end: number,
    private readonly verify: boolean,
    chunkSize?: number,
  ) {
    if (!verify && chunkSize === undefined) {
      BatchScanner.shared ??= Buffer.allocUnsafe(1 << 14);
      this.buf = BatchScanner.shared;
    } else {
      this.buf = Buffer.allocUnsafe(chunkSize ?? (verify ? 1 << 20 : 1 << 14));
    }
    this.next_ = start;
    this.position = start;
  }

  private window(pos: number, need: number): boolean {
    if (pos >= this.bufStart && pos + need <= this.bufStart + this.bufLen) return true;
    const want = Math.min(Math.max(need, this.buf.length), this.end - pos);
    if (want < need) return false;
    if (want > this.buf.length) this.buf = Buffer.allocUnsafe(want); // a private buffer for this scan only
    this.bufLen = readFully(this.fs, this.fd, this.buf, 0, want, pos);
    this.bufStart = pos;
    return this.bufLen >= need;
  }

  next(): boolean {
    const pos = this.next_;
    this.position = pos;
    if (pos >= this.end) return false;
    const remaining = this.end - pos;
    if (remaining < RECORD_BATCH_OVERHEAD || !this.window(pos, RECORD_BATCH_OVERHEAD)) {
      this.error = `${remaining} trailing bytes, less than a batch header`;
      return false;
    }
    let at = pos - this.bufStart;
    const length = this.buf.readInt32BE(at + BATCH_LENGTH_OFFSET);
    if (length < MIN_BATCH_LENGTH) {
      this.error = `batch length ${length} is smaller than the minimum ${MIN_BATCH_LENGTH}`;
      return false;
    }
    const size = LOG_OVERHEAD + length;
    if (size > remaining) {
      this.error = `batch of ${size} bytes extends past the end (${remaining} bytes left)`;
      return false;
    }
    if (this.verify) {
      if (!this.window(pos, size)) {
        this.error = `short read at ${pos}`;
        return false;
      }
      at = pos - this.bufStart;
      const why = checkBatch(this.buf, at, size);
      if (why !== null) {
        this.error = why;
        return false;
      }
    } else if (this.buf[at + MAGIC_OFFSET] !== CURRENT_MAGIC) {
      this.error = `unsupported magic ${this.buf[at + MAGIC_OFFSET]}`;
      return false;
    }
    this.buffer = this.buf;
    this.at = at;
    this.size = size;
    this.baseOffset = readInt64(this.buf, at);
    this.lastOffset = this.baseOffset + this.buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET);
    this.maxTimestamp = readInt64(this.buf, at + MAX_TIMESTAMP_OFFSET);
    this.next_ = pos + size;
    return true;
  }

  /**
   * Makes the whole current batch readable in `buffer` at `at` (a header-only scan that needs
   * a batch's records, such as a transaction marker's). False on a short read.
   */
  whole(): boolean {
    if (!this.window(this.position, this.size)) return false;
    this.buffer = this.buf;
    this.at = this.position - this.bufStart;
    return true;
  }

  /** Position just after the last batch `next()` accepted. */
  get validEnd(): number {
    return this.next_;
  }
}

const EMPTY = Buffer.alloc(0);
