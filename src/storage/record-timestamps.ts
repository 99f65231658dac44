/**
 * Record-level timestamp search inside one batch, for ListOffsets by timestamp (Kafka's
 * FileRecords.searchForTimestamp). Only the fields needed are read: each record's length,
 * timestamp delta and offset delta.
 *
 * Compressed batches need the protocol layer's decompression; until a decompressor is
 * plugged in (`setBatchDecompressor`), a compressed batch answers at batch granularity: its
 * first offset at or after the minimum, with the batch's max timestamp.
 */
import { ATTRIBUTES_OFFSET, BASE_TIMESTAMP_OFFSET, RECORD_BATCH_OVERHEAD, RECORD_COUNT_OFFSET, TIMESTAMP_TYPE_MASK, readInt64 } from './batch.js';

const COMPRESSION_MASK = 0x07;

/** Returns the uncompressed records section of a compressed batch. */
export type BatchDecompressor = (batch: Buffer) => Buffer;
let decompressor: BatchDecompressor | null = null;

export function setBatchDecompressor(fn: BatchDecompressor | null): void {
  decompressor = fn;
}

/** Zig-zag varint at `pos` of `buf`; returns [value, next position] via the scratch pair. */
function readVarlong(buf: Buffer, pos: number, out: number[]): number {
  let raw = 0;
  let mul = 1;
  let b: number;
  let i = 0;
  do {
    if (pos >= buf.length || i > 9) throw new RangeError('malformed varint');
    b = buf[pos++]!;
    raw += (b & 0x7f) * mul;
    mul *= 128;
    i++;
  } while (b & 0x80);
  // zig-zag decode without 32-bit operators
  out[0] = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  return pos;
}

export function findRecordByTimestamp(batch: Buffer, target: number, minOffset: number): { offset: number; timestamp: number } | null {
  const baseOffset = readInt64(batch, 0);
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  const maxTimestamp = readInt64(batch, 35);
  const lastOffset = baseOffset + batch.readInt32BE(23);
  if ((attributes & TIMESTAMP_TYPE_MASK) !== 0) {
    // LogAppendTime: every record carries the batch's max timestamp.
    if (maxTimestamp < target || lastOffset < minOffset) return null;
    return { offset: Math.max(baseOffset, minOffset), timestamp: maxTimestamp };
  }
  let records: Buffer;
  if ((attributes & COMPRESSION_MASK) !== 0) {
    if (decompressor === null) {
      if (maxTimestamp < target || lastOffset < minOffset) return null;
      return { offset: Math.max(baseOffset, minOffset), timestamp: maxTimestamp };
    }
    records = decompressor(batch);
  } else {
    records = batch.subarray(RECORD_BATCH_OVERHEAD);
  }
  const baseTimestamp = readInt64(batch, BASE_TIMESTAMP_OFFSET);
  const count = batch.readInt32BE(RECORD_COUNT_OFFSET);
  const v = [0];
  let pos = 0;
  for (let i = 0; i < count && pos < records.length; i++) {
    pos = readVarlong(records, pos, v);
    const end = pos + v[0]!;
    let p = pos + 1; // attributes
    p = readVarlong(records, p, v);
    const timestamp = baseTimestamp + v[0]!;
    p = readVarlong(records, p, v);
    const offset = baseOffset + v[0]!;
    if (timestamp >= target && offset >= minOffset) return { offset, timestamp };
    pos = end;
  }
  return null;
}
