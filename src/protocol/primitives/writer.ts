import { writeUVarint, writeVarint, writeVarlong } from './varint.js';

/**
 * Writes into a buffer whose exact size the encoder computed first: one allocation, one
 * pass. No bounds growth: writing past the end is an encoder bug, and Buffer's own checks
 * surface it.
 */
export class Writer {
  buf: Buffer;
  pos: number;

  constructor(buf: Buffer, offset = 0) {
    this.buf = buf;
    this.pos = offset;
  }

  static alloc(size: number): Writer {
    return new Writer(Buffer.allocUnsafe(size), 0);
  }

  int8(v: number): void {
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  uint8(v: number): void {
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  uint16(v: number): void {
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  int64(v: bigint): void {
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  float64(v: number): void {
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  uvarint(v: number): void {
    this.pos = writeUVarint(this.buf, this.pos, v);
  }

  varint(v: number): void {
    this.pos = writeVarint(this.buf, this.pos, v);
  }

  varlong(v: bigint): void {
    this.pos = writeVarlong(this.buf, this.pos, v);
  }

  /** Copies raw bytes (uuid, bytes, records, pre-encoded strings). */
  bytes(v: Uint8Array): void {
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** Writes a string already measured with Buffer.byteLength. */
  utf8(v: string, byteLength: number): void {
    if (byteLength > 0) this.buf.write(v, this.pos, byteLength, 'utf8');
    this.pos += byteLength;
  }
}
