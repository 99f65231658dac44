/**
 * Builders for malformed record batches: records written field by field (so any length or
 * varint can lie), wrapped in a v2 batch header with a correct CRC, compressed with any codec.
 * Shared by the walk's unit tests and the broker's malformed-produce corpus.
 */
import { gzipSync } from 'node:zlib';
import { compress } from '../../../src/protocol/compression/index.js';
import { lz4CompressSync } from '../../../src/protocol/compression/lz4.js';
import { snappyCompressFramed } from '../../../src/protocol/compression/snappy.js';
import { crc32c } from '../../../src/protocol/crc32c.js';
import { CONTROL_MASK, RECORD_BATCH_OVERHEAD } from '../../../src/protocol/records/batch-header.js';
import { CompressionType } from '../../../src/protocol/compression/compression-type.js';

/** Unsigned LEB128 bytes of `raw` (a uint32 or, for long tails, any count of bytes). */
export function uvarint(raw: number): number[] {
  const out: number[] = [];
  let v = raw >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** Zig-zag varint bytes of an int32. */
export function varint(n: number): number[] {
  return uvarint(((n << 1) ^ (n >> 31)) >>> 0);
}

export interface RawHeader {
  key: Buffer | null;
  value: Buffer | null;
  /** Override the key length written. */
  keyLength?: number;
  valueLength?: number;
}

export interface RawRecord {
  attributes?: number;
  timestampDelta?: number[];
  offsetDelta?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  /** Lengths written instead of the real ones (the bytes written stay key/value). */
  keyLength?: number[];
  valueLength?: number[];
  headers?: RawHeader[];
  /** Header count written instead of headers.length. */
  headerCount?: number[];
  /** Length varint written instead of the body's size; `lengthDelta` adds to the real size. */
  length?: number[];
  lengthDelta?: number;
  /** Bytes appended to the body after the fields (counted in the real length). */
  padding?: number;
}

/** One record's bytes, length varint included. */
export function rawRecord(r: RawRecord, index = 0): Buffer {
  const body: number[] = [r.attributes ?? 0];
  body.push(...(r.timestampDelta ?? varint(0)));
  body.push(...varint(r.offsetDelta ?? index));
  const key = r.key === undefined ? Buffer.from(`k${index}`) : r.key;
  body.push(...(r.keyLength ?? varint(key === null ? -1 : key.length)));
  if (key !== null) body.push(...key);
  const value = r.value === undefined ? Buffer.from(`v${index}`) : r.value;
  body.push(...(r.valueLength ?? varint(value === null ? -1 : value.length)));
  if (value !== null) body.push(...value);
  const headers = r.headers ?? [];
  body.push(...(r.headerCount ?? varint(headers.length)));
  for (const h of headers) {
    body.push(...varint(h.keyLength ?? (h.key === null ? -1 : h.key.length)));
    if (h.key !== null) body.push(...h.key);
    body.push(...varint(h.valueLength ?? (h.value === null ? -1 : h.value.length)));
    if (h.value !== null) body.push(...h.value);
  }
  for (let i = 0; i < (r.padding ?? 0); i++) body.push(0);
  const length = r.length ?? varint(body.length + (r.lengthDelta ?? 0));
  return Buffer.from([...length, ...body]);
}

export function rawRecords(records: RawRecord[]): Buffer {
  return Buffer.concat(records.map((r, i) => rawRecord(r, i)));
}

export interface RawBatchOptions {
  count: number;
  lastOffsetDelta?: number;
  compression?: CompressionType;
  control?: boolean;
  baseTimestamp?: number;
  maxTimestamp?: number;
}

/** A v2 batch around an already-compressed (or plain) records section, CRC computed. */
export function wrapBatch(section: Buffer, o: RawBatchOptions): Buffer {
  const b = Buffer.alloc(RECORD_BATCH_OVERHEAD + section.length);
  b.writeBigInt64BE(0n, 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(-1, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE((o.compression ?? 0) | (o.control === true ? CONTROL_MASK : 0), 21);
  b.writeInt32BE(o.lastOffsetDelta ?? o.count - 1, 23);
  const ts = BigInt(o.baseTimestamp ?? Date.now());
  b.writeBigInt64BE(ts, 27);
  b.writeBigInt64BE(BigInt(o.maxTimestamp ?? Number(ts)), 35);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(o.count, 57);
  section.copy(b, RECORD_BATCH_OVERHEAD);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

/** Compresses a records section with `codec` as the Java client would. */
export async function compressSection(codec: CompressionType, section: Buffer): Promise<Buffer> {
  switch (codec) {
    case CompressionType.None: return section;
    case CompressionType.Gzip: return gzipSync(section, { level: 1 });
    case CompressionType.Snappy: return snappyCompressFramed(section);
    case CompressionType.Lz4: return lz4CompressSync(section);
    default: return compress(codec, section);
  }
}

/** A batch of `section` compressed with `codec`. */
export async function batchOf(section: Buffer, o: RawBatchOptions): Promise<Buffer> {
  return wrapBatch(await compressSection(o.compression ?? CompressionType.None, section), o);
}

/** The first `keep` bytes of a compressed batch's section, as a batch (CRC recomputed). */
export function truncateSection(batch: Buffer, keep: number): Buffer {
  const attrs = batch.readInt16BE(21);
  return wrapBatch(batch.subarray(RECORD_BATCH_OVERHEAD, RECORD_BATCH_OVERHEAD + keep), {
    count: batch.readInt32BE(57),
    lastOffsetDelta: batch.readInt32BE(23),
    compression: attrs & 7,
  });
}

/** `n` well-formed records of `valueSize` zero bytes each. */
export function bigRecords(n: number, valueSize: number): Buffer {
  const value = Buffer.alloc(valueSize);
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const body = [0, ...varint(0), ...varint(i), ...varint(-1)];
    const tail = varint(0); // no headers
    const valueLength = varint(valueSize);
    const size = body.length + valueLength.length + valueSize + tail.length;
    parts.push(Buffer.from([...varint(size), ...body, ...valueLength]), value, Buffer.from(tail));
  }
  return Buffer.concat(parts);
}
