/**
 * A byte-level v2 record batch builder for the malformed-record corpus (corpus.ts): every field
 * is written as given, so a case can break exactly one thing. Only CRC32C and the codecs come
 * from src/protocol; no encoder there sees or fixes these bytes.
 *
 *   batch({ records: [rec({ key, value })], count: 1 })   // a valid batch, CRC computed
 *   batch({ ..., crc: 0x12345678 })                        // a wrong CRC, kept as given
 */
import { crc32c } from '../../../src/protocol/crc32c.js';

/** Zigzag varint of a signed 32-bit value, as Kafka's ByteUtils.writeVarint. */
export function varint(value: number): Buffer {
  return uvarint(BigInt((value << 1) ^ (value >> 31)) & 0xffffffffn);
}

/** Zigzag varlong of a signed 64-bit value, as Kafka's ByteUtils.writeVarlong. */
export function varlong(value: bigint | number): Buffer {
  const v = BigInt.asIntN(64, BigInt(value));
  return uvarint(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
}

/** The unsigned base-128 varint of `raw` as is (no zigzag): any length, for overlong cases. */
export function uvarint(raw: bigint): Buffer {
  const out: number[] = [];
  let v = raw;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

/** A varint `bytes` long that still ends: 0x80 repeated, then 0x00 (value 0, overlong). */
export function overlongVarint(bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 0x80);
  b[bytes - 1] = 0x00;
  return b;
}

export type Field = Buffer | number;

export interface RecordFields {
  attributes?: number;
  timestampDelta?: number;
  offsetDelta: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: readonly (readonly [string, Buffer | null])[];
}

/** Bytes with a varint length in front: -1 for null. */
export function lengthPrefixed(data: Buffer | null): Buffer {
  return data === null ? varint(-1) : Buffer.concat([varint(data.length), data]);
}

/** The body of a record (everything after its length varint), well formed. */
export function recordBody(r: RecordFields): Buffer {
  const headers = r.headers ?? [];
  return Buffer.concat([
    Buffer.from([r.attributes ?? 0]),
    varlong(r.timestampDelta ?? 0),
    varint(r.offsetDelta),
    lengthPrefixed(r.key ?? null),
    lengthPrefixed(r.value === undefined ? null : r.value),
    varint(headers.length),
    ...headers.flatMap(([k, v]) => [lengthPrefixed(Buffer.from(k, 'utf8')), lengthPrefixed(v)]),
  ]);
}

/** A well-formed record: length varint + body. */
export function rec(r: RecordFields): Buffer {
  return framed(recordBody(r));
}

/** `body` behind its true length varint. */
export function framed(body: Buffer): Buffer {
  return Buffer.concat([varint(body.length), body]);
}

/** Concatenates parts: Buffers as they are, numbers as zigzag varints. */
export function parts(...fields: Field[]): Buffer {
  return Buffer.concat(fields.map((f) => (typeof f === 'number' ? varint(f) : f)));
}

export const Codec = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

export interface BatchFields {
  /** The records section as it goes into the batch (already compressed for a compressed batch). */
  body: Buffer;
  count: number;
  lastOffsetDelta?: number;
  baseOffset?: bigint | number;
  partitionLeaderEpoch?: number;
  magic?: number;
  /** The whole attributes int16; default `codec` and nothing else. */
  attributes?: number;
  codec?: number;
  transactional?: boolean;
  control?: boolean;
  baseTimestamp?: number;
  maxTimestamp?: number;
  producerId?: bigint | number;
  producerEpoch?: number;
  baseSequence?: number;
  /** A CRC to write instead of the right one. */
  crc?: number;
  /** A batch length to write instead of the right one. */
  batchLength?: number;
}

export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;

/** A v2 batch header (61 bytes) + body, CRC32C over attributes..end unless `crc` is given. */
export function batch(f: BatchFields): Buffer {
  const out = Buffer.alloc(61 + f.body.length);
  const now = f.baseTimestamp ?? Date.now();
  out.writeBigInt64BE(BigInt(f.baseOffset ?? 0), 0);
  out.writeInt32BE(f.batchLength ?? out.length - 12, 8);
  out.writeInt32BE(f.partitionLeaderEpoch ?? -1, 12);
  out.writeInt8(f.magic ?? 2, 16);
  const attributes = f.attributes ??
    ((f.codec ?? 0) | (f.transactional ? TRANSACTIONAL_FLAG : 0) | (f.control ? CONTROL_FLAG : 0));
  out.writeInt16BE(attributes, 21);
  out.writeInt32BE(f.lastOffsetDelta ?? f.count - 1, 23);
  out.writeBigInt64BE(BigInt(now), 27);
  out.writeBigInt64BE(BigInt(f.maxTimestamp ?? now), 35);
  out.writeBigInt64BE(BigInt(f.producerId ?? -1), 43);
  out.writeInt16BE(f.producerEpoch ?? -1, 51);
  out.writeInt32BE(f.baseSequence ?? -1, 53);
  out.writeInt32BE(f.count, 57);
  f.body.copy(out, 61);
  out.writeUInt32BE(f.crc ?? crc32c(out.subarray(21)), 17);
  return out;
}

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), for legacy (magic 0/1) messages. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A legacy magic-1 message (offset, size, crc, magic, attributes, timestamp, key, value), CRC right. */
export function legacyMessageV1(key: Buffer | null, value: Buffer | null, timestamp = Date.now()): Buffer {
  const kv = (b: Buffer | null) => {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b === null ? -1 : b.length);
    return b === null ? len : Buffer.concat([len, b]);
  };
  const ts = Buffer.alloc(8);
  ts.writeBigInt64BE(BigInt(timestamp));
  const afterCrc = Buffer.concat([Buffer.from([1, 0]), ts, kv(key), kv(value)]);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(0n, 0);
  head.writeInt32BE(4 + afterCrc.length, 8);
  head.writeUInt32BE(crc32(afterCrc), 12);
  return Buffer.concat([head, afterCrc]);
}
