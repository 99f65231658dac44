import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { ProtocolDecodeError } from '../../../src/protocol/primitives/errors.js';
import { sizeOfUVarint, sizeOfVarint, sizeOfVarlong } from '../../../src/protocol/primitives/varint.js';

test('unsigned varints round trip at every size boundary', () => {
  for (const v of [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 0xffffffff]) {
    const w = Writer.alloc(sizeOfUVarint(v));
    w.uvarint(v);
    assert.equal(w.pos, w.buf.length);
    const r = new Reader(w.buf);
    assert.equal(r.uvarint(), v);
    assert.equal(r.remaining, 0);
  }
});

test('zig-zag varints and varlongs round trip', () => {
  for (const v of [0, -1, 1, -64, 64, -2147483648, 2147483647]) {
    const w = Writer.alloc(sizeOfVarint(v));
    w.varint(v);
    assert.equal(new Reader(w.buf).varint(), v);
  }
  for (const v of [0n, -1n, 1n, -9223372036854775808n, 9223372036854775807n, 1234567890123n]) {
    const w = Writer.alloc(sizeOfVarlong(v));
    w.varlong(v);
    assert.equal(w.pos, w.buf.length);
    assert.equal(new Reader(w.buf).varlong(), v);
  }
});

test('over-long and truncated varints raise ProtocolDecodeError', () => {
  assert.throws(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint(), ProtocolDecodeError);
  assert.throws(() => new Reader(Buffer.from([0x80, 0x80])).uvarint(), ProtocolDecodeError);
  assert.throws(() => new Reader(Buffer.alloc(11, 0xff)).varlong(), ProtocolDecodeError);
});

test('reads past the end raise ProtocolDecodeError, never RangeError', () => {
  const r = new Reader(Buffer.from([1, 2, 3]));
  assert.throws(() => r.int32(), ProtocolDecodeError);
  assert.throws(() => r.bytes(4), ProtocolDecodeError);
  assert.throws(() => r.bytes(-1), ProtocolDecodeError);
  assert.throws(() => r.checkCount(2, 2), ProtocolDecodeError);
  assert.equal(r.int16(), 0x0102);
});
