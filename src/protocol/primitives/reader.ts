import { ProtocolDecodeError } from './errors.js';

const EMPTY = Buffer.alloc(0);

/**
 * A cursor over one frame. Every read checks the bytes left first and throws
 * ProtocolDecodeError on underflow, so a length or count taken from the wire can never cause
 * an allocation or a read past the frame. Byte and string reads return views or decode in
 * place: nothing is copied.
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.pos = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.pos || n < 0) this.underflow(n);
  }

  /**
   * Checks that a count of items read from the wire could fit in what is left, given the
   * smallest encoding of one item. Use before allocating an array of `count` elements.
   */
  checkCount(count: number, minItemSize: number): void {
    if (count < 0 || count * minItemSize > this.end - this.pos) {
      throw new ProtocolDecodeError(`count ${count} exceeds the ${this.end - this.pos} bytes left`, this.pos);
    }
  }

  private underflow(n: number): never {
    throw new ProtocolDecodeError(`need ${n} bytes, ${this.end - this.pos} left`, this.pos);
  }

  fail(message: string): never {
    throw new ProtocolDecodeError(message, this.pos);
  }

  int8(): number {
    if (this.pos >= this.end) this.underflow(1);
    return this.buf.readInt8(this.pos++);
  }

  uint8(): number {
    if (this.pos >= this.end) this.underflow(1);
    return this.buf[this.pos++]!;
  }

  bool(): boolean {
    return this.uint8() !== 0;
  }

  int16(): number {
    if (this.pos + 2 > this.end) this.underflow(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    if (this.pos + 2 > this.end) this.underflow(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    if (this.pos + 4 > this.end) this.underflow(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    if (this.pos + 4 > this.end) this.underflow(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    if (this.pos + 8 > this.end) this.underflow(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    if (this.pos + 8 > this.end) this.underflow(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128 up to 32 bits (at most 5 bytes). */
  uvarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= this.end) this.underflow(1);
      const b = buf[pos++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    this.pos = pos;
    return this.fail('varint longer than 5 bytes');
  }

  /** Zig-zag signed varint (32 bits). */
  varint(): number {
    const n = this.uvarint();
    return (n >>> 1) ^ -(n & 1);
  }

  /** Zig-zag signed varlong (64 bits, at most 10 bytes). */
  varlong(): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= this.end) this.underflow(1);
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        const u = BigInt.asUintN(64, result);
        return (u >> 1n) ^ -(u & 1n);
      }
    }
    this.pos = pos;
    return this.fail('varlong longer than 10 bytes');
  }

  /** 16 raw bytes, as a view. */
  uuid(): Buffer {
    if (this.pos + 16 > this.end) this.underflow(16);
    const v = this.buf.subarray(this.pos, this.pos + 16);
    this.pos += 16;
    return v;
  }

  /** `len` bytes as a view into the frame (no copy). */
  bytes(len: number): Buffer {
    if (len === 0) return EMPTY;
    if (len < 0 || this.pos + len > this.end) this.underflow(len);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** `len` bytes decoded as UTF-8. */
  utf8(len: number): string {
    if (len === 0) return '';
    if (len < 0 || this.pos + len > this.end) this.underflow(len);
    const v = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  skip(len: number): void {
    if (len < 0 || this.pos + len > this.end) this.underflow(len);
    this.pos += len;
  }
}
