/**
 * Variable-length integers as Kafka writes them: unsigned LEB128 (`UNSIGNED_VARINT`, used by
 * flexible versions for lengths and tags) and zig-zag signed varint/varlong (record fields).
 * Size helpers exist so encoders can compute an exact size before allocating.
 */

/** Bytes needed for an unsigned 32-bit varint. */
export function sizeOfUVarint(value: number): number {
  if (value >>> 7 === 0) return 1;
  if (value >>> 14 === 0) return 2;
  if (value >>> 21 === 0) return 3;
  if (value >>> 28 === 0) return 4;
  return 5;
}

/** Bytes needed for a zig-zag signed 32-bit varint. */
export function sizeOfVarint(value: number): number {
  return sizeOfUVarint(((value << 1) ^ (value >> 31)) >>> 0);
}

const MASK_7 = 0x7fn;
const HIGH_BITS = ~0x7fn;

/** Bytes needed for a zig-zag signed 64-bit varlong. */
export function sizeOfVarlong(value: bigint): number {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  let size = 1;
  while ((v & HIGH_BITS) !== 0n) {
    v >>= 7n;
    size++;
  }
  return size;
}

/** Writes an unsigned varint at `offset`; returns the offset after it. */
export function writeUVarint(buf: Buffer, offset: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[offset++] = v;
  return offset;
}

/** Writes a zig-zag signed varint; returns the offset after it. */
export function writeVarint(buf: Buffer, offset: number, value: number): number {
  return writeUVarint(buf, offset, ((value << 1) ^ (value >> 31)) >>> 0);
}

/** Writes a zig-zag signed varlong; returns the offset after it. */
export function writeVarlong(buf: Buffer, offset: number, value: bigint): number {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  while ((v & HIGH_BITS) !== 0n) {
    buf[offset++] = Number(v & MASK_7) | 0x80;
    v >>= 7n;
  }
  buf[offset++] = Number(v);
  return offset;
}

/** Zig-zag decode of a 32-bit unsigned value. */
export function zigzagDecode32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}
