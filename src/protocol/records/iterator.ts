import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET } from './batch-header.js';
import { BatchFault } from './faults.js';

const HEADER_UP_TO_MAGIC = MAGIC_OFFSET + 1;
const MIN_FRAMED_BATCH_LENGTH = 14;

/**
 * Walks concatenated batches in a records buffer (a Fetch response's records, a log segment
 * read, a Produce partition) by index: one object for the whole walk, nothing allocated per
 * batch. It frames batches as Kafka's ByteBufferLogInputStream does — by the length field,
 * for any magic 0..2 — and checks nothing else: run validateBatch on each.
 *
 *     const c = new BatchCursor(records);
 *     while (c.next()) use(records, c.offset, c.size);
 *     if (c.fault) reject(c.fault); else if (c.trailingBytes) ...partial batch at the end
 *
 * A fetch response may end in a partial batch (the broker cuts at max bytes); like Kafka's
 * iterator, the walk stops there without error and `trailingBytes` says how much is left.
 * A length below 14 or a magic outside 0..2 cannot be framed: the walk stops with `fault`
 * SizeTooSmall or UnknownMagic (CORRUPT_MESSAGE, Kafka's CorruptRecordException).
 */
export class BatchCursor {
  buf: Buffer;
  /** Start of the current batch, valid after next() returned true. */
  offset: number;
  /** Total size of the current batch (batchLength + 12). */
  size: number;
  /** Where the walk stops. */
  end: number;
  /** Why the walk stopped early; Ok at the end or at a partial batch. */
  fault: BatchFault;
  /** Bytes from the stopping point to `end` (a partial batch), once next() returned false. */
  trailingBytes: number;
  private pos: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.offset = offset;
    this.size = 0;
    this.end = end;
    this.fault = BatchFault.Ok;
    this.trailingBytes = 0;
    this.pos = offset;
  }

  /** Starts a new walk, reusing this cursor. */
  reset(buf: Buffer, offset = 0, end = buf.length): void {
    this.buf = buf;
    this.offset = offset;
    this.size = 0;
    this.end = end;
    this.fault = BatchFault.Ok;
    this.trailingBytes = 0;
    this.pos = offset;
  }

  /** Moves to the next complete batch; false at the end, a partial batch, or a framing fault. */
  next(): boolean {
    const pos = this.pos;
    const remaining = this.end - pos;
    if (remaining < LOG_OVERHEAD) return this.stop(remaining);
    const length = this.buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    if (length < MIN_FRAMED_BATCH_LENGTH) return this.fail(BatchFault.SizeTooSmall, remaining);
    if (remaining < HEADER_UP_TO_MAGIC) return this.stop(remaining);
    const magic = this.buf.readInt8(pos + MAGIC_OFFSET);
    if (magic < 0 || magic > 2) return this.fail(BatchFault.UnknownMagic, remaining);
    const size = length + LOG_OVERHEAD;
    if (remaining < size) return this.stop(remaining);
    this.offset = pos;
    this.size = size;
    this.pos = pos + size;
    return true;
  }

  private stop(remaining: number): false {
    this.trailingBytes = remaining;
    this.size = 0;
    return false;
  }

  private fail(fault: BatchFault, remaining: number): false {
    this.fault = fault;
    return this.stop(remaining);
  }
}
