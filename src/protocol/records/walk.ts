import { RecordsErrorCode } from './faults.js';

/**
 * The record framing check of every produced batch: a walk over the records section that
 * allocates nothing per record, checking what Kafka's record readers check
 * (DefaultRecord.readFrom / readPartiallyFrom and DefaultRecordBatch's RecordIterator) and
 * gathering what LogValidator's per-record checks need (null keys, smallest and largest
 * timestamp, whether offset deltas run 0..n-1).
 *
 * It is resumable at record granularity, so decompressed output can be fed window by window:
 * `walkRecords(w, buf, pos, end, final)` walks the complete records of `buf[pos, end)` and
 * returns where the first incomplete one starts; `final` says no more bytes follow.
 *
 * Kafka's readers differ by path, and the walk takes the stricter where they differ:
 * - uncompressed batches (readFrom over the batch's ByteBuffer): a record longer than the
 *   bytes left, a field running past the buffer, a header count below zero or above the
 *   bytes left, a header key size below zero, or fields that do not add up to the record's
 *   length → InvalidRecordException (INVALID_RECORD). A length varint longer than 5 bytes
 *   escapes as IllegalArgumentException, which Kafka answers UNKNOWN_SERVER_ERROR (see
 *   RecordFault.LengthVarintTooLong).
 * - compressed batches kept in their codec (readPartiallyFrom, since Kafka 3.6) read fields
 *   one after the other and never compare them with the record's length; compressed batches
 *   that are recompressed (readFrom over the stream) do compare them. The walk always does
 *   (INVALID_RECORD): a length that lies breaks every consumer of the partition.
 * - any negative key, value or header value length reads as null, as in Kafka.
 * - after `count` records, anything left is "Incorrect declared batch size, records still
 *   remaining in file"; fewer records than declared is "premature EOF reached".
 */

/** What the walk found wrong; Ok (0) when nothing. */
export const enum RecordFault {
  Ok = 0,
  /** The bytes end inside a record or before `count` records: "premature EOF reached". */
  PrematureEof,
  /** A record's length varint is longer than 5 bytes (uncompressed: IllegalArgumentException). */
  LengthVarintTooLong,
  /** A record's length exceeds the bytes left in the records section. */
  RecordTooLong,
  /** A record's length is below zero, or its fields do not add up to it. */
  SizeMismatch,
  /** A field runs past the record, or a varint/varlong is too long: "invalid record structure". */
  Structure,
  /** Header count below zero. */
  NegativeHeaderCount,
  /** Header count larger than the bytes left. */
  HeaderCountTooLarge,
  /** Header key size below zero. */
  NegativeHeaderKeySize,
  /** Bytes after the declared number of records. */
  RecordsRemaining,
  /** The records, once decompressed, exceed the broker's cap (RECORD_TOO_LARGE). */
  TooLarge,
  /** The compressed stream does not inflate (see recordsErrorCode for DecompressionError). */
  CorruptStream,
}

const FAULT_CODES: readonly number[] = [
  RecordsErrorCode.NONE,
  RecordsErrorCode.INVALID_RECORD, // PrematureEof
  -1, // LengthVarintTooLong (uncompressed); compressed batches answer INVALID_RECORD, see recordFaultErrorCode
  RecordsErrorCode.INVALID_RECORD, // RecordTooLong
  RecordsErrorCode.INVALID_RECORD, // SizeMismatch
  RecordsErrorCode.INVALID_RECORD, // Structure
  RecordsErrorCode.INVALID_RECORD, // NegativeHeaderCount
  RecordsErrorCode.INVALID_RECORD, // HeaderCountTooLarge
  RecordsErrorCode.INVALID_RECORD, // NegativeHeaderKeySize
  RecordsErrorCode.INVALID_RECORD, // RecordsRemaining
  RecordsErrorCode.RECORD_TOO_LARGE, // TooLarge
  // CorruptStream: Kafka wraps the codec's IOException in KafkaException ("Failed to decompress
  // record stream"), which it answers UNKNOWN_SERVER_ERROR; so does a truncated stream.
  RecordsErrorCode.UNKNOWN_SERVER_ERROR,
];

/**
 * The Kafka error code for a walk fault. A length varint longer than 5 bytes is read outside
 * DefaultRecord.readFrom's try block for an uncompressed batch, so its IllegalArgumentException
 * reaches ReplicaManager unwrapped: UNKNOWN_SERVER_ERROR (-1). In a compressed batch the
 * stream iterator turns it into InvalidRecordException ("premature EOF reached").
 */
export function recordFaultErrorCode(fault: RecordFault, compressed: boolean): number {
  if (fault === RecordFault.LengthVarintTooLong && compressed) return RecordsErrorCode.INVALID_RECORD;
  return FAULT_CODES[fault] ?? RecordsErrorCode.INVALID_RECORD;
}

/** Kafka's exception message for a fault (for logs: Kafka sends none for these). */
export function recordFaultMessage(w: RecordWalk): string {
  switch (w.fault) {
    case RecordFault.Ok: return '';
    case RecordFault.PrematureEof: return 'Incorrect declared batch size, premature EOF reached';
    case RecordFault.LengthVarintTooLong: return 'Varint is too long, the most significant bit in the 5th byte is set';
    case RecordFault.RecordTooLong:
      return `Invalid record size: expected ${w.faultValue} bytes in record payload, but instead the buffer has only ${w.faultOther} remaining bytes.`;
    case RecordFault.SizeMismatch:
      return `Invalid record size: expected to read ${w.faultValue} bytes in record payload, but instead read ${w.faultOther}`;
    case RecordFault.Structure: return 'Found invalid record structure';
    case RecordFault.NegativeHeaderCount: return `Found invalid number of record headers ${w.faultValue}`;
    case RecordFault.HeaderCountTooLarge:
      return `Found invalid number of record headers. ${w.faultValue} is larger than the remaining size of the buffer`;
    case RecordFault.NegativeHeaderKeySize: return `Invalid negative header key size ${w.faultValue}`;
    case RecordFault.RecordsRemaining: return 'Incorrect declared batch size, records still remaining in file';
    case RecordFault.TooLarge: return `The records exceed ${w.faultValue} bytes once decompressed`;
    case RecordFault.CorruptStream: return 'Failed to decompress record stream';
    default: return 'Found invalid record structure';
  }
}

/**
 * State of one walk, reused from batch to batch (one object, one shape; fields are numbers).
 */
export class RecordWalk {
  /** Records the batch declares. */
  count = 0;
  /** The batch's base timestamp (ms). */
  baseTimestamp = 0;
  /** Records walked so far. */
  index = 0;
  /** Record bytes walked so far (length varints included). */
  bytes = 0;
  fault: RecordFault = RecordFault.Ok;
  /** Index of the record the fault is in. */
  faultIndex = -1;
  /** Numbers for the fault's message. */
  faultValue = 0;
  faultOther = 0;
  /** Records with a null key. */
  nullKeys = 0;
  /** Smallest and largest record timestamp (baseTimestamp + delta), as doubles. */
  minTimestamp = Infinity;
  maxTimestamp = -Infinity;
  /** False once a record's offsetDelta differs from its index. */
  offsetsInOrder = true;

  begin(count: number, baseTimestamp: number): this {
    this.count = count;
    this.baseTimestamp = baseTimestamp;
    this.index = 0;
    this.bytes = 0;
    this.fault = RecordFault.Ok;
    this.faultIndex = -1;
    this.faultValue = 0;
    this.faultOther = 0;
    this.nullKeys = 0;
    this.minTimestamp = Infinity;
    this.maxTimestamp = -Infinity;
    this.offsetsInOrder = true;
    return this;
  }

  /** Records a fault (the first one wins); returns the position to stop at. */
  fail(fault: RecordFault, value = 0, other = 0): void {
    if (this.fault !== RecordFault.Ok) return;
    this.fault = fault;
    this.faultIndex = this.index;
    this.faultValue = value;
    this.faultOther = other;
  }

  /**
   * After the last bytes were walked (final): the declared count must have been reached.
   * Returns the fault (Ok when the batch's records are well framed).
   */
  finish(): RecordFault {
    if (this.fault === RecordFault.Ok && this.index < this.count) this.fail(RecordFault.PrematureEof);
    return this.fault;
  }
}

// Results of the varint readers, in module slots so they return one number and allocate nothing.
/** Position after the last varint read, or one of the negative sentinels below. */
let next = 0;
/** The varint ran past its bound. */
const OUT = -1;
/** The varint is longer than Kafka allows. */
const LONG = -2;

/** Zig-zag varint of at most 5 bytes, as Kafka's ByteUtils.readVarint; sets `next`. */
function varint(buf: Buffer, pos: number, end: number): number {
  if (pos >= end) {
    next = OUT;
    return 0;
  }
  let b = buf[pos]!;
  if (b < 0x80) {
    next = pos + 1;
    return (b >>> 1) ^ -(b & 1);
  }
  let raw = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    if (++pos >= end) {
      next = OUT;
      return 0;
    }
    b = buf[pos]!;
    raw |= (b & 0x7f) << shift;
    if (b < 0x80) {
      next = pos + 1;
      return (raw >>> 1) ^ -(raw & 1);
    }
  }
  if (++pos >= end) {
    next = OUT;
    return 0;
  }
  b = buf[pos]!;
  // Kafka keeps the low 4 bits of the 5th byte and refuses it only when its top bit is set.
  if (b >= 0x80) {
    next = LONG;
    return 0;
  }
  raw |= b << 28;
  next = pos + 1;
  return (raw >>> 1) ^ -(raw & 1);
}

/**
 * Zig-zag varlong of at most 10 bytes, its value as a double (exact to 2^53, close beyond:
 * only compared with timestamp limits); sets `next`.
 */
function varlong(buf: Buffer, pos: number, end: number): number {
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) {
      next = OUT;
      return 0;
    }
    const b = buf[pos++]!;
    raw += (b & 0x7f) * scale;
    if (b < 0x80) {
      next = pos;
      return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    scale *= 128;
  }
  next = LONG;
  return 0;
}

/** Steps over a length-prefixed field of `len` bytes (negative: null) ending by `end`; -1 past it. */
function skip(pos: number, len: number, end: number): number {
  if (len <= 0) return pos;
  return len > end - pos ? -1 : pos + len;
}

/**
 * Walks the complete records of `buf[pos, end)` into `w` and returns the position after the
 * last one walked. With `final` false, a record cut by `end` stops the walk without a fault
 * (more bytes will follow); with `final` true it is a fault. A fault stops the walk: check
 * `w.fault`. `limit` is the most bytes the whole walk may ever see (the decompression cap):
 * a record that cannot fit it is TooLarge at once.
 */
export function walkRecords(w: RecordWalk, buf: Buffer, pos: number, end: number, final: boolean, limit = Infinity): number {
  const count = w.count;
  const base = w.baseTimestamp;
  while (pos < end) {
    if (w.index >= count) {
      w.fail(RecordFault.RecordsRemaining);
      return pos;
    }
    const start = pos;
    const size = varint(buf, pos, end);
    if (next < 0) {
      if (next === OUT && !final) return start;
      w.fail(next === OUT ? RecordFault.PrematureEof : RecordFault.LengthVarintTooLong);
      return start;
    }
    pos = next;
    if (size < 0) {
      w.fail(RecordFault.SizeMismatch, size, 0);
      return start;
    }
    const recordEnd = pos + size;
    let bound = recordEnd;
    if (recordEnd > end) {
      if (final) {
        w.fail(RecordFault.RecordTooLong, size, end - pos);
        return start;
      }
      // Cut by the window: check what is here; a fault already visible is final.
      bound = end;
    }
    // attributes
    if (pos >= bound) {
      if (bound === end && bound < recordEnd) return partial(w, start, recordEnd - start, limit);
      w.fail(RecordFault.Structure);
      return start;
    }
    pos++;
    const timestampDelta = varlong(buf, pos, bound);
    if (next < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
    pos = next;
    const offsetDelta = varint(buf, pos, bound);
    if (next < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
    pos = next;
    const keyLength = varint(buf, pos, bound);
    if (next < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
    pos = skip(next, keyLength, bound);
    if (pos < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
    const valueLength = varint(buf, pos, bound);
    if (next < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
    pos = skip(next, valueLength, bound);
    if (pos < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
    const headerCount = varint(buf, pos, bound);
    if (next < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
    pos = next;
    if (headerCount !== 0) {
      if (headerCount < 0) {
        w.fail(RecordFault.NegativeHeaderCount, headerCount);
        return start;
      }
      if (headerCount > recordEnd - pos) {
        w.fail(RecordFault.HeaderCountTooLarge, headerCount);
        return start;
      }
      for (let h = 0; h < headerCount; h++) {
        const headerKeyLength = varint(buf, pos, bound);
        if (next < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
        if (headerKeyLength < 0) {
          w.fail(RecordFault.NegativeHeaderKeySize, headerKeyLength);
          return start;
        }
        pos = skip(next, headerKeyLength, bound);
        if (pos < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
        const headerValueLength = varint(buf, pos, bound);
        if (next < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
        pos = skip(next, headerValueLength, bound);
        if (pos < 0) return fieldFault(w, start, bound, end, recordEnd, limit);
      }
    }
    if (bound !== recordEnd) return partial(w, start, recordEnd - start, limit);
    if (pos !== recordEnd) {
      w.fail(RecordFault.SizeMismatch, size, pos - (recordEnd - size));
      return start;
    }
    if (keyLength < 0) w.nullKeys++;
    if (offsetDelta !== w.index) w.offsetsInOrder = false;
    const timestamp = base + timestampDelta;
    if (timestamp < w.minTimestamp) w.minTimestamp = timestamp;
    if (timestamp > w.maxTimestamp) w.maxTimestamp = timestamp;
    w.index++;
    w.bytes += recordEnd - start;
    pos = recordEnd;
  }
  return pos;
}

/**
 * A field could not be read within `bound`. When the bound is the window's end and the record
 * goes on past it, more bytes may complete it; otherwise the record is malformed.
 */
function fieldFault(w: RecordWalk, start: number, bound: number, end: number, recordEnd: number, limit: number): number {
  if (next === LONG) {
    w.fail(RecordFault.Structure);
    return start;
  }
  if (bound === end && bound < recordEnd) return partial(w, start, recordEnd - start, limit);
  w.fail(RecordFault.Structure);
  return start;
}

/** A record cut by the window with nothing wrong so far: wait for more, unless it can never fit. */
function partial(w: RecordWalk, start: number, recordSize: number, limit: number): number {
  if (w.bytes + recordSize > limit) w.fail(RecordFault.TooLarge, limit);
  return start;
}
