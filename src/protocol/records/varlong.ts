import { ProtocolDecodeError } from '../primitives/errors.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../primitives/varint.js';

/**
 * Zig-zag varlongs held in numbers, for record timestamp deltas: a fast path for values that
 * fit 32 bits (almost every delta), the exact BigInt path otherwise. Decoding refuses values
 * outside the safe-integer range rather than round them silently.
 */

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

export function sizeOfVarlongNumber(value: number): number {
  return value >= INT32_MIN && value <= INT32_MAX ? sizeOfVarint(value) : sizeOfVarlong(BigInt(value));
}

export function writeVarlongNumber(buf: Buffer, offset: number, value: number): number {
  return value >= INT32_MIN && value <= INT32_MAX ? writeVarint(buf, offset, value) : writeVarlong(buf, offset, BigInt(value));
}

/**
 * Reads a zig-zag varlong at `pos` (which must be < end) into `out[0]` and returns the
 * position after it. Throws ProtocolDecodeError past `end`, past 10 bytes, or for a value
 * outside ±(2^53 - 1).
 */
export function readVarlongNumber(buf: Buffer, pos: number, end: number, out: Float64Array): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ProtocolDecodeError('varlong runs past the record', pos);
    const b = buf[pos++]!;
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (result > Number.MAX_SAFE_INTEGER) throw new ProtocolDecodeError('varlong outside the safe integer range', pos);
      // zig-zag: even → n/2, odd → -(n+1)/2; exact for n <= 2^53.
      out[0] = result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      return pos;
    }
    scale *= 128;
  }
  throw new ProtocolDecodeError('varlong longer than 10 bytes', pos);
}
